/**
 * Linear quantile regression (Koenker & Bassett 1978): β̂ = argmin Σᵢ ρ_τ(yᵢ − xᵢ'β) with ρ_τ the pinball
 * loss, solved exactly as a linear programme by the Frisch–Newton interior-point method (Portnoy & Koenker
 * 1997), the default solver of R's quantreg for larger problems.
 * Columns are standardised inside (mean 0, sd 1) for conditioning; coefficients are returned both in raw
 * units and standardised (the latter, β_k · sd_k, are comparable across features: the importances).
 * Pure and allocation-light: Float64Array everywhere, O(n p²) per iteration.
 */

/** A fitted quantile regression. */
export interface QuantRegFit {
  readonly tau: number;
  /** Intercept then one coefficient per column, in the columns' own units. */
  readonly coef: Float64Array;
  /** Coefficient per column times the column's sd over the fit rows (intercept excluded). */
  readonly standardized: Float64Array;
  /** Mean pinball loss at the solution over the fit rows. */
  readonly loss: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly rows: number;
}

export interface QuantRegOptions {
  readonly maxIterations?: number;
  /** Stop when the duality gap is below tolerance × Σ|y − ȳ| (default 1e-9). */
  readonly tolerance?: number;
}

/** Solve A x = b for a symmetric positive-definite p×p A (row-major) by Cholesky; a tiny ridge keeps it definite. */
export function solveSpd(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += A[i * p + i];
  const ridge = 1e-12 * (trace / p + 1e-300);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * p + j];
    }
  }
  const y = new Float64Array(p), x = new Float64Array(p);
  for (let i = 0; i < p; i++) { let s = b[i]; for (let k = 0; k < i; k++) s -= L[i * p + k] * y[k]; y[i] = s / L[i * p + i]; }
  for (let i = p - 1; i >= 0; i--) { let s = y[i]; for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k]; x[i] = s / L[i * p + i]; }
  return x;
}

interface Standardised { readonly z: Float64Array; readonly mean: Float64Array; readonly sd: Float64Array; readonly p: number }

/** Row-major design [1, (x_k − mean_k)/sd_k] over rows [0, n); a constant column gets sd 1 and contributes 0. */
function standardise(cols: readonly Float64Array[], n: number): Standardised {
  const q = cols.length, p = q + 1;
  const mean = new Float64Array(q), sd = new Float64Array(q), z = new Float64Array(n * p);
  for (let k = 0; k < q; k++) {
    const c = cols[k];
    let m = 0;
    for (let i = 0; i < n; i++) m += c[i];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (c[i] - m) ** 2;
    const s = Math.sqrt(v / Math.max(1, n - 1));
    mean[k] = m; sd[k] = s > 1e-12 ? s : 1;
  }
  for (let i = 0; i < n; i++) {
    z[i * p] = 1;
    for (let k = 0; k < q; k++) z[i * p + k + 1] = (cols[k][i] - mean[k]) / sd[k];
  }
  return { z, mean, sd, p };
}
const STEP = 0.99995;

/** Largest step in (0, 1e20] keeping v + f·dv ≥ 0 elementwise. */
function bound(v: Float64Array, dv: Float64Array): number {
  let f = 1e20;
  for (let i = 0; i < v.length; i++) if (dv[i] < 0) f = Math.min(f, -v[i] / dv[i]);
  return f;
}

/** Factor A Q A' (p×p; A = Z', Q = diag(q)) once; the returned solver maps an n-vector v to (AQA')⁻¹ A v. */
function normalSolver(s: Standardised, q: Float64Array, n: number): (v: Float64Array) => Float64Array {
  const { z, p } = s;
  const M = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const o = i * p, qi = q[i];
    for (let j = 0; j < p; j++) { const a = qi * z[o + j]; for (let k = 0; k <= j; k++) M[j * p + k] += a * z[o + k]; }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) M[k * p + j] = M[j * p + k];
  return (v) => {
    const b = new Float64Array(p);
    for (let i = 0; i < n; i++) { const o = i * p; for (let j = 0; j < p; j++) b[j] += z[o + j] * v[i]; }
    return solveSpd(M, b, p);
  };
}

/** A'd (an n-vector) for A = Z'. */
function aTimes(s: Standardised, d: Float64Array, n: number): Float64Array {
  const { z, p } = s, out = new Float64Array(n);
  for (let i = 0; i < n; i++) { let v = 0; for (let j = 0; j < p; j++) v += z[i * p + j] * d[j]; out[i] = v; }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let v = 0;
  for (let i = 0; i < a.length; i++) v += a[i] * b[i];
  return v;
}

/** Primal–dual state of the LP: x (dual weights in [0, 1]), s = 1 − x, their multipliers z, w, and y (−β). */
interface LpState { readonly x: Float64Array; readonly s: Float64Array; readonly z: Float64Array; readonly w: Float64Array; y: Float64Array }

interface Direction { dx: Float64Array; ds: Float64Array; dz: Float64Array; dw: Float64Array; dy: Float64Array; fp: number; fd: number }

function steps(st: LpState, d: Omit<Direction, "fp" | "fd">): { fp: number; fd: number } {
  return { fp: Math.min(STEP * Math.min(bound(st.x, d.dx), bound(st.s, d.ds)), 1), fd: Math.min(STEP * Math.min(bound(st.w, d.dw), bound(st.z, d.dz)), 1) };
}

/** Affine (predictor) direction, then Mehrotra's corrector when a full step is not possible. */
function direction(sd: Standardised, st: LpState, n: number): Direction {
  const { x, s, z, w } = st;
  const q = new Float64Array(n), r = new Float64Array(n), rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) { q[i] = 1 / (z[i] / x[i] + w[i] / s[i]); r[i] = z[i] - w[i]; rhs[i] = q[i] * r[i]; }
  const solve = normalSolver(sd, q, n);
  let dy = solve(rhs);
  const dx = aTimes(sd, dy, n), ds = new Float64Array(n), dz = new Float64Array(n), dw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dx[i] = q[i] * (dx[i] - r[i]); ds[i] = -dx[i];
    dz[i] = -z[i] * (dx[i] / x[i] + 1); dw[i] = -w[i] * (ds[i] / s[i] + 1);
  }
  const f = steps(st, { dx, ds, dz, dw, dy });
  if (Math.min(f.fp, f.fd) >= 1) return { dx, ds, dz, dw, dy, ...f };
  let mu = dot(z, x) + dot(w, s), g = 0;
  for (let i = 0; i < n; i++) g += (z[i] + f.fd * dz[i]) * (x[i] + f.fp * dx[i]) + (w[i] + f.fd * dw[i]) * (s[i] + f.fp * ds[i]);
  mu = (mu * (g / mu) ** 3) / (2 * n);
  // Corrector: complementarity targets μ − x·z − dx·dz and μ − s·w − ds·dw (affine products), which gives
  // dx = q (A'dy − r + ξ), ξ = μ(1/x − 1/s) − dx·dz/x + ds·dw/s, and A Q A' dy = A q (r − ξ).
  const dxdz = new Float64Array(n), dsdw = new Float64Array(n), xi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dxdz[i] = dx[i] * dz[i]; dsdw[i] = ds[i] * dw[i];
    xi[i] = mu * (1 / x[i] - 1 / s[i]) - dxdz[i] / x[i] + dsdw[i] / s[i];
    rhs[i] = q[i] * (r[i] - xi[i]);
  }
  dy = solve(rhs);
  const cx = aTimes(sd, dy, n);
  for (let i = 0; i < n; i++) {
    cx[i] = q[i] * (cx[i] - r[i] + xi[i]); ds[i] = -cx[i];
    dz[i] = mu / x[i] - z[i] - (z[i] / x[i]) * cx[i] - dxdz[i] / x[i];
    dw[i] = mu / s[i] - w[i] - (w[i] / s[i]) * ds[i] - dsdw[i] / s[i];
  }
  return { dx: cx, ds, dz, dw, dy, ...steps(st, { dx: cx, ds, dz, dw, dy }) };
}

/**
 * Frisch–Newton interior point (Portnoy & Koenker 1997; the algorithm of Koenker's `rq.fit.fnb`) on the
 * dual LP  max y'a  s.t.  Z'a = (1−τ) Z'1, 0 ≤ a ≤ 1, with Mehrotra's predictor–corrector; β = −(dual y).
 */
function frischNewton(sd: Standardised, yv: Float64Array, n: number, tau: number, maxIt: number, gapTol: number): { beta: Float64Array; iterations: number; converged: boolean } {
  const p = sd.p;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = -yv[i];
  const b = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) b[j] += (1 - tau) * sd.z[i * p + j];
  const y0 = normalSolver(sd, new Float64Array(n).fill(1), n)(c);
  const fit0 = aTimes(sd, y0, n);
  const st: LpState = { x: new Float64Array(n).fill(1 - tau), s: new Float64Array(n).fill(tau), z: new Float64Array(n), w: new Float64Array(n), y: y0 };
  // Dual start z − w = c − A'y with both strictly positive (a zero z or w next to a tiny residual would make
  // q = 1/(z/x + w/s) explode and cost the normal equations their precision).
  let meanAbs = 0;
  for (let i = 0; i < n; i++) meanAbs += Math.abs(c[i] - fit0[i]) / n;
  const lift = 0.01 * meanAbs + 1e-12;
  for (let i = 0; i < n; i++) { const r = c[i] - fit0[i]; st.z[i] = Math.max(r, 0) + lift; st.w[i] = st.z[i] - r; }
  // Stop on complementarity z'x + w's (the duality gap of feasible iterates; unlike c'x − b'y + u'w it does
  // not stall on rounding drift of the feasibility residuals), or after 5 steps without a new lowest value.
  const gap = (): number => dot(st.z, st.x) + dot(st.w, st.s);
  let it = 0, g = gap(), best = g, sinceBest = 0;
  while (g > gapTol && it < maxIt && sinceBest < 5) {
    it++;
    const d = direction(sd, st, n);
    const y = Float64Array.from(st.y);
    for (let j = 0; j < p; j++) y[j] += d.fd * d.dy[j];
    if (!y.every(Number.isFinite)) break;
    for (let i = 0; i < n; i++) { st.x[i] += d.fp * d.dx[i]; st.s[i] += d.fp * d.ds[i]; st.z[i] += d.fd * d.dz[i]; st.w[i] += d.fd * d.dw[i]; }
    st.y = y;
    g = gap();
    if (g < best) { best = g; sinceBest = 0; } else sinceBest++;
  }
  return { beta: Float64Array.from(st.y, (v) => -v), iterations: it, converged: g <= gapTol };
}

/**
 * Fit the τ-quantile regression of y on the columns over rows [0, n) (n = y.length; each column at least
 * that long), τ in (0, 1). The LP is solved to a duality gap below `tolerance` × Σ|y − ȳ| (default 1e-9:
 * exact for any practical purpose), typically in 15–30 iterations of O(n p²).
 */
export function quantileRegression(cols: readonly Float64Array[], y: Float64Array, tau: number, o: QuantRegOptions = {}): QuantRegFit {
  const n = y.length, s = standardise(cols, n);
  let ybar = 0;
  for (let i = 0; i < n; i++) ybar += y[i];
  ybar /= n;
  let mad = 0;
  for (let i = 0; i < n; i++) mad += Math.abs(y[i] - ybar);
  const fn = frischNewton(s, y, n, tau, o.maxIterations ?? 100, (o.tolerance ?? 1e-9) * Math.max(mad, 1e-12));
  return finish(s, y, n, fn.beta, tau, fn.iterations, fn.converged);
}

function finish(s: Standardised, y: Float64Array, n: number, beta: Float64Array, tau: number, iterations: number, converged: boolean): QuantRegFit {
  const p = s.p, coef = new Float64Array(p), standardized = new Float64Array(p - 1);
  coef[0] = beta[0];
  for (let k = 1; k < p; k++) {
    coef[k] = beta[k] / s.sd[k - 1];
    coef[0] -= coef[k] * s.mean[k - 1];
    standardized[k - 1] = beta[k];
  }
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let j = 0; j < p; j++) fit += s.z[i * p + j] * beta[j];
    const u = y[i] - fit;
    loss += u >= 0 ? tau * u : (tau - 1) * u;
  }
  return { tau, coef, standardized, loss: loss / n, iterations, converged, rows: n };
}

/** ŷ = coef₀ + Σ_k coef_k x_k at one row of the columns. */
export function predictRow(coef: Float64Array, cols: readonly Float64Array[], row: number): number {
  let v = coef[0];
  for (let k = 0; k < cols.length; k++) v += coef[k + 1] * cols[k][row];
  return v;
}
