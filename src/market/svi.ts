/**
 * Raw SVI volatility slices (Gatheral 2004) and a simple SVI surface.
 *
 * Conventions:
 * - log-moneyness k = ln(K/F) (dimensionless; F is the forward to the slice's expiry);
 * - total implied variance w(k) = σ_BS(k)²·T (dimensionless);
 * - T in years (ACT/365 done by the caller); vols are annualised decimals.
 *
 * References: J. Gatheral, "A parsimonious arbitrage-free implied volatility
 * parameterization" (2004); J. Gatheral & A. Jacquier, "Arbitrage-free SVI
 * volatility surfaces" (2014) for the butterfly function g(k);
 * R. Lee, "The moment formula for implied volatility at extreme strikes" (2004).
 */

/**
 * Raw SVI parameters: w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)).
 * - `a`: vertical level of total variance (dimensionless);
 * - `b`: wing slope scale, ≥ 0;
 * - `rho`: skew / rotation, |ρ| < 1;
 * - `m`: horizontal shift in log-moneyness;
 * - `sigma`: ATM curvature (smoothing), > 0, in log-moneyness units.
 */
export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

/** One expiry slice of a surface: `T` in years (> 0) and its raw SVI parameters. */
export interface SviSlice {
  T: number;
  params: SviParams;
}

/** Log-moneyness grid used by the butterfly and calendar checks: [−3, 3] in steps of 0.01. */
const CHECK_K_MIN = -3;
const CHECK_K_STEPS = 600;
const CHECK_K_STEP = 0.01;
/** Numerical slack for the arbitrage checks (total variance / g are O(1e−2..1)). */
const CHECK_TOL = 1e-12;

function checkGrid(): number[] {
  const ks: number[] = [];
  for (let i = 0; i <= CHECK_K_STEPS; i++) ks.push(CHECK_K_MIN + i * CHECK_K_STEP);
  return ks;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/**
 * Raw SVI total implied variance w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)).
 *
 * No validation: invalid parameters may produce negative or NaN values;
 * use {@link sviProblems} to validate a parameter set first.
 *
 * @param p - raw SVI parameters
 * @param k - log-moneyness ln(K/F)
 * @returns total implied variance σ_BS²·T (dimensionless)
 */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * Implied volatility of an SVI slice: √(w(k)/T).
 *
 * @param p - raw SVI parameters
 * @param k - log-moneyness ln(K/F)
 * @param T - the slice's time to expiry in years, > 0
 * @returns annualised implied volatility (decimal)
 * @throws RangeError if T is not finite and > 0, or if w(k) is negative or not finite
 */
export function sviVol(p: SviParams, k: number, T: number): number {
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`sviVol: T must be finite and > 0, got ${String(T)}`);
  return volFromTotalVariance(sviTotalVariance(p, k), k, T, "sviVol");
}

function volFromTotalVariance(w: number, k: number, T: number, who: string): number {
  if (!(Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`${who}: total variance at k=${String(k)}, T=${String(T)} is ${String(w)} (must be >= 0)`);
  }
  return Math.sqrt(w / T);
}

/**
 * Gatheral–Jacquier butterfly function
 * g(k) = (1 − k·w′/(2w))² − (w′²/4)·(1/w + 1/4) + w″/2;
 * the slice is free of butterfly arbitrage iff g ≥ 0 (and w > 0) for all k.
 */
function butterflyG(p: SviParams, k: number): number {
  const x = k - p.m;
  const r = Math.sqrt(x * x + p.sigma * p.sigma);
  const w = p.a + p.b * (p.rho * x + r);
  const w1 = p.b * (p.rho + x / r);
  const w2 = (p.b * p.sigma * p.sigma) / (r * r * r);
  const t = 1 - (k * w1) / (2 * w);
  return t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

function parameterProblems(p: SviParams): string[] {
  const problems: string[] = [];
  for (const name of ["a", "b", "rho", "m", "sigma"] as const) {
    if (!Number.isFinite(p[name])) problems.push(`${name} must be finite, got ${String(p[name])}`);
  }
  if (problems.length > 0) return problems;
  if (p.b < 0) problems.push(`b must be >= 0, got ${fmt(p.b)}`);
  if (!(Math.abs(p.rho) < 1)) problems.push(`|rho| must be < 1, got rho = ${fmt(p.rho)}`);
  if (!(p.sigma > 0)) problems.push(`sigma must be > 0, got ${fmt(p.sigma)}`);
  if (problems.length > 0) return problems;
  const minW = p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
  if (minW < 0) problems.push(`minimum total variance a + b*sigma*sqrt(1-rho^2) = ${fmt(minW)} is negative`);
  const wingSlope = p.b * (1 + Math.abs(p.rho));
  if (wingSlope > 2) problems.push(`Lee moment bound violated: b*(1+|rho|) = ${fmt(wingSlope)} > 2`);
  return problems;
}

function butterflyProblem(p: SviParams): string | null {
  let worst = Number.POSITIVE_INFINITY;
  let worstK = Number.NaN;
  let count = 0;
  for (const k of checkGrid()) {
    const g = butterflyG(p, k);
    if (!(g >= -CHECK_TOL)) {
      count++;
      if (!(g >= worst)) {
        worst = g;
        worstK = k;
      }
    }
  }
  if (count === 0) return null;
  return (
    `butterfly arbitrage: density function g(k) < 0 at ${count} grid points in k∈[-3,3]; ` +
    `minimum g = ${fmt(worst)} at k = ${fmt(worstK)}`
  );
}

/**
 * Parameter and static no-arbitrage checks for one raw SVI slice.
 *
 * Checks, in order: all parameters finite; b ≥ 0; |ρ| < 1; σ > 0;
 * non-negative minimum total variance a + b·σ·√(1 − ρ²) ≥ 0; Roger Lee's
 * moment bound on the wing slopes b·(1 + |ρ|) ≤ 2; and absence of butterfly
 * arbitrage, i.e. the Gatheral–Jacquier g(k) ≥ 0 on the grid k ∈ [−3, 3]
 * (step 0.01). Later checks are skipped when earlier ones make them meaningless.
 *
 * @param p - raw SVI parameters
 * @returns human-readable problems; empty array means valid
 */
export function sviProblems(p: SviParams): string[] {
  const problems = parameterProblems(p);
  if (problems.length > 0) return problems;
  const butterfly = butterflyProblem(p);
  return butterfly === null ? [] : [butterfly];
}

function sliceOrderProblems(slices: readonly SviSlice[]): string[] {
  const problems: string[] = [];
  slices.forEach((s, i) => {
    if (!(Number.isFinite(s.T) && s.T > 0)) problems.push(`slice ${i}: T must be finite and > 0, got ${String(s.T)}`);
    const prev = slices[i - 1];
    if (prev !== undefined && !(s.T > prev.T)) {
      problems.push(`slice ${i}: T = ${String(s.T)} is not strictly after slice ${i - 1} (T = ${String(prev.T)})`);
    }
  });
  return problems;
}

function requireValidSlices(slices: readonly SviSlice[]): void {
  if (slices.length === 0) throw new RangeError("surfaceVol: no slices");
  const problems = sliceOrderProblems(slices);
  if (problems.length > 0) throw new RangeError(`surfaceVol: ${problems.join("; ")}`);
}

/**
 * Implied volatility at log-moneyness k and time T from SVI slices sorted by T.
 *
 * Total variance is interpolated at fixed k:
 * - T equal to a slice's T → that slice's w(k);
 * - between slices T₁ < T < T₂ → linear in T: w₁ + (w₂ − w₁)·(T − T₁)/(T₂ − T₁);
 * - before the first slice → w_first(k)·T/T_first (flat vol extrapolation);
 * - after the last slice → w_last(k)·T/T_last (flat vol extrapolation).
 *
 * @param slices - expiries with strictly increasing T > 0 (years)
 * @param k - log-moneyness ln(K/F(T)) with F(T) the forward to time T
 * @param T - time in years, > 0
 * @returns annualised implied vol √(w/T) (decimal)
 * @throws RangeError for empty/unsorted slices, T not finite and > 0, or negative total variance
 */
export function surfaceVol(slices: readonly SviSlice[], k: number, T: number): number {
  requireValidSlices(slices);
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`surfaceVol: T must be finite and > 0, got ${String(T)}`);
  const first = slices[0] as SviSlice;
  const last = slices[slices.length - 1] as SviSlice;
  let w: number;
  if (T <= first.T) {
    w = (sviTotalVariance(first.params, k) * T) / first.T;
  } else if (T >= last.T) {
    w = (sviTotalVariance(last.params, k) * T) / last.T;
  } else {
    const j = slices.findIndex((s) => s.T >= T);
    const hi = slices[j] as SviSlice;
    const lo = slices[j - 1] as SviSlice;
    const wHi = sviTotalVariance(hi.params, k);
    if (hi.T === T) {
      w = wHi;
    } else {
      const wLo = sviTotalVariance(lo.params, k);
      w = wLo + ((wHi - wLo) * (T - lo.T)) / (hi.T - lo.T);
    }
  }
  return volFromTotalVariance(w, k, T, "surfaceVol");
}

/**
 * Calendar-spread arbitrage check for a surface: total variance must be
 * non-decreasing in T at every fixed log-moneyness k. Checks each pair of
 * consecutive slices on the grid k ∈ [−3, 3] (step 0.01), and that the
 * slices have finite, positive, strictly increasing T. Per-slice parameter
 * and butterfly checks are separate ({@link sviProblems}).
 *
 * @param slices - expiries sorted by T (years)
 * @returns human-readable problems; empty array means no calendar arbitrage detected
 */
export function calendarProblems(slices: readonly SviSlice[]): string[] {
  const problems = sliceOrderProblems(slices);
  if (problems.length > 0) return problems;
  const ks = checkGrid();
  for (let i = 1; i < slices.length; i++) {
    const lo = slices[i - 1] as SviSlice;
    const hi = slices[i] as SviSlice;
    const bad: number[] = [];
    let maxDrop = 0;
    for (const k of ks) {
      const drop = sviTotalVariance(lo.params, k) - sviTotalVariance(hi.params, k);
      if (!(drop <= CHECK_TOL)) {
        bad.push(k);
        maxDrop = Math.max(maxDrop, Number.isFinite(drop) ? drop : Number.POSITIVE_INFINITY);
      }
    }
    if (bad.length > 0) {
      problems.push(
        `calendar arbitrage between T=${fmt(lo.T)} and T=${fmt(hi.T)}: total variance decreases at ` +
          `${bad.length} grid points in k∈[${fmt(bad[0] as number)}, ${fmt(bad[bad.length - 1] as number)}] ` +
          `(max decrease ${fmt(maxDrop)})`,
      );
    }
  }
  return problems;
}
