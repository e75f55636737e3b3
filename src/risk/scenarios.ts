/**
 * Scenario sets of joint daily log returns (DESIGN.md section 6):
 * - historical (`hs`): each day of the window applied to today, S' = S·exp(r);
 * - filtered historical (`fhs`): each return rescaled by σ_now/σ_t (EWMA, per factor);
 * - Monte Carlo (`mc`): correlated normal or Student-t shocks z → L·z (L the Cholesky factor of the
 *   repaired correlation matrix), seeded.
 * Horizon h days: historical returns are scaled by √h (one-day returns, not overlapping h-day ones, so the
 * window keeps N independent scenarios); Monte Carlo draws σ·√h·z. No drift.
 */
import type { Parsed } from "../domain/instrument.js";
import { cholesky, nearestCorrelation, type Repair } from "./correlation.js";
import { ewmaVariance } from "./covariance.js";
import type { ReturnWindow } from "./history.js";
import { seededRng } from "./rng.js";

/**
 * Scenarios: S × F log returns, scenario-major (`returns[s * F + f]`), already scaled to the horizon.
 * `horizonDays` shortens option expiries.
 */
export interface ScenarioSet {
  readonly factors: readonly string[];
  readonly count: number;
  readonly returns: Float64Array;
  readonly horizonDays: number;
  /** Day number of each historical scenario (absent for Monte Carlo). */
  readonly days?: Int32Array;
}

/** Historical or filtered historical scenarios from a return window. */
export function historicalScenarios(w: ReturnWindow, horizonDays: number, filter: { lambda: number } | null): ScenarioSet {
  const F = w.assets.length, S = w.days.length;
  const out = new Float64Array(S * F);
  const sh = Math.sqrt(horizonDays);
  for (let f = 0; f < F; f++) {
    const r = w.returns[f];
    if (filter === null) {
      for (let s = 0; s < S; s++) out[s * F + f] = r[s] * sh;
      continue;
    }
    const v = ewmaVariance(r, filter.lambda);
    const now = Math.sqrt(v[S]);
    for (let s = 0; s < S; s++) {
      const sig = Math.sqrt(v[s]);
      out[s * F + f] = sig > 0 ? (r[s] * now * sh) / sig : 0;
    }
  }
  return { factors: w.assets, count: S, returns: out, horizonDays, days: w.days };
}

/** Monte Carlo settings. */
export interface MonteCarloSpec {
  readonly paths: number;
  readonly seed: number;
  readonly distribution: "normal" | "t";
  /** Degrees of freedom of the Student-t (> 2); shocks are scaled to unit variance. */
  readonly dof: number;
  readonly horizonDays: number;
}

/** Correlated Monte Carlo scenarios from daily vols and a correlation matrix (repaired when not PSD). */
export function monteCarloScenarios(
  factors: readonly string[], vols: Float64Array, corr: Float64Array, spec: MonteCarloSpec,
  onProgress?: (done: number, total: number) => void,
): Parsed<{ set: ScenarioSet; repair: Repair }> {
  const F = factors.length;
  if (!(Number.isInteger(spec.paths) && spec.paths >= 1 && spec.paths <= 10_000_000)) return { ok: false, reason: `paths must be an integer in [1, 10000000] (got ${spec.paths})` };
  if (spec.distribution === "t" && !(spec.dof > 2 && spec.dof <= 1000)) return { ok: false, reason: `Student-t degrees of freedom must be in (2, 1000] (got ${spec.dof})` };
  const rep = nearestCorrelation(corr, F);
  if (!rep.ok) return rep;
  const L = cholesky(rep.value.matrix, F);
  if (!L.ok) return L;
  const rng = seededRng(spec.seed);
  const S = spec.paths;
  const out = new Float64Array(S * F);
  const z = new Float64Array(F);
  const sh = Math.sqrt(spec.horizonDays);
  const tScale = spec.distribution === "t" ? Math.sqrt((spec.dof - 2) / spec.dof) : 1;
  const step = Math.max(1, Math.floor(S / 100));
  const l = L.value;
  for (let s = 0; s < S; s++) {
    for (let f = 0; f < F; f++) z[f] = rng.normal();
    const mix = spec.distribution === "t" ? tScale / Math.sqrt(rng.chiSquare(spec.dof) / spec.dof) : 1;
    for (let i = 0; i < F; i++) {
      let x = 0;
      for (let k = 0; k <= i; k++) x += l[i * F + k] * z[k];
      out[s * F + i] = vols[i] * sh * x * mix;
    }
    if (onProgress && s % step === 0) onProgress(s, S);
  }
  onProgress?.(S, S);
  return { ok: true, value: { set: { factors, count: S, returns: out, horizonDays: spec.horizonDays }, repair: rep.value } };
}
