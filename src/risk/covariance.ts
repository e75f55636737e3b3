/**
 * Volatility and correlation of daily log returns: sample and EWMA (RiskMetrics), with shrinkage.
 * All volatilities here are daily (multiply by √365 to annualise: the data is 7 days a week).
 */
import type { Parsed } from "../domain/instrument.js";

/** Estimator of the covariance of daily returns. */
export interface CovarianceSpec {
  /** `sample`: equally weighted, mean removed; `ewma`: zero-mean RiskMetrics recursion. */
  readonly estimator: "sample" | "ewma";
  /** EWMA decay λ in (0, 1); 0.94 RiskMetrics. */
  readonly lambda: number;
  /** Shrinkage δ in [0, 1] of the correlation towards the identity: (1 − δ)·C + δ·I. */
  readonly shrinkage: number;
}

export const DEFAULT_COVARIANCE: CovarianceSpec = { estimator: "ewma", lambda: 0.94, shrinkage: 0 };

/** Daily volatilities and the correlation matrix (row-major n×n). */
export interface VolCorr {
  readonly vols: Float64Array;
  readonly corr: Float64Array;
}

/**
 * EWMA variance path of one return series: v[t] is the forecast for day t made with returns up to t−1,
 * v[t] = λ v[t−1] + (1 − λ) r[t−1]², seeded with the sample second moment of the series. v[n] is the
 * forecast for the day after the window ("now"). Length n + 1.
 */
export function ewmaVariance(r: ArrayLike<number>, lambda: number): Float64Array {
  const n = r.length;
  const v = new Float64Array(n + 1);
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += r[i] * r[i];
  v[0] = n > 0 ? m2 / n : 0;
  for (let t = 1; t <= n; t++) v[t] = lambda * v[t - 1] + (1 - lambda) * r[t - 1] * r[t - 1];
  return v;
}

/** Covariance of several return series (same length), by the chosen estimator. Row-major n×n. */
export function covariance(returns: readonly ArrayLike<number>[], spec: CovarianceSpec): Float64Array {
  const n = returns.length;
  const T = returns[0]?.length ?? 0;
  const cov = new Float64Array(n * n);
  if (spec.estimator === "sample") {
    const means = returns.map((r) => { let s = 0; for (let t = 0; t < T; t++) s += r[t]; return s / T; });
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
      let s = 0;
      const a = returns[i], b = returns[j];
      for (let t = 0; t < T; t++) s += (a[t] - means[i]) * (b[t] - means[j]);
      cov[i * n + j] = cov[j * n + i] = s / (T - 1);
    }
    return cov;
  }
  // EWMA: seed with the zero-mean sample moments, then the recursion through the window (forecast for "now").
  const l = spec.lambda;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    const a = returns[i], b = returns[j];
    let m = 0;
    for (let t = 0; t < T; t++) m += a[t] * b[t];
    let c = m / T;
    for (let t = 0; t < T; t++) c = l * c + (1 - l) * a[t] * b[t];
    cov[i * n + j] = cov[j * n + i] = c;
  }
  return cov;
}

/** Volatilities and correlation from returns; an asset with zero variance is an error (its correlation is undefined). */
export function volCorr(assets: readonly string[], returns: readonly ArrayLike<number>[], spec: CovarianceSpec): Parsed<VolCorr> {
  if (!(spec.lambda > 0 && spec.lambda < 1)) return { ok: false, reason: `EWMA lambda must be in (0, 1) (got ${spec.lambda})` };
  if (!(spec.shrinkage >= 0 && spec.shrinkage <= 1)) return { ok: false, reason: `shrinkage must be in [0, 1] (got ${spec.shrinkage})` };
  if ((returns[0]?.length ?? 0) < 2) return { ok: false, reason: "need at least 2 returns to estimate volatility" };
  const n = returns.length;
  const cov = covariance(returns, spec);
  const vols = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i];
    if (!(v > 0) || !Number.isFinite(v)) return { ok: false, reason: `${assets[i]}: zero or undefined variance over the window; its correlation is undefined (a constant price?)` };
    vols[i] = Math.sqrt(v);
  }
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const c = i === j ? 1 : cov[i * n + j] / (vols[i] * vols[j]);
    corr[i * n + j] = i === j ? 1 : (1 - spec.shrinkage) * Math.max(-1, Math.min(1, c));
  }
  return { ok: true, value: { vols, corr } };
}
