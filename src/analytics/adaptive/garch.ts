/**
 * GARCH(1,1) with Student-t innovations (Bollerslev 1986, 1987), fitted by maximum likelihood:
 *   r_t = σ_t z_t,  σ²_t = ω + α r²_{t−1} + β σ²_{t−1},  z_t iid unit-variance Student-t(ν).
 * Zero conditional mean (daily crypto drift is two orders below daily vol). σ²_0 = the sample mean of r²
 * of the fit sample. Units: r in log return per bar, ω in (log return)², α, β dimensionless, ν degrees of
 * freedom. Parameters are optimised by Nelder–Mead on an unconstrained transform that keeps ω > 0,
 * α, β ≥ 0, α + β < 0.9999 and ν > 2.05.
 */
import { lnGamma } from "./stats.js";
import { nelderMead } from "./optim.js";

export interface GarchParams {
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
  readonly nu: number;
}

export interface GarchFit {
  readonly params: GarchParams;
  /** Log-likelihood at the optimum (natural log, summed over the sample). */
  readonly logLik: number;
  /** σ²_0 used to start the recursion. */
  readonly v0: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly observations: number;
}

/**
 * Log-likelihood Σ_t ℓ_t of returns r (no NaN) with σ²_0 = v0:
 * ℓ_t = lnΓ((ν+1)/2) − lnΓ(ν/2) − ½ ln(π(ν−2)) − ½ ln σ²_t − ((ν+1)/2) ln(1 + r_t² / ((ν−2) σ²_t)).
 */
export function garchLogLikelihood(r: Float64Array, p: GarchParams, v0: number): number {
  const { omega, alpha, beta, nu } = p;
  const k = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  const half = (nu + 1) / 2, scale = 1 / (nu - 2);
  let v = v0, sumLogV = 0, sumTail = 0;
  for (let t = 0; t < r.length; t++) {
    if (t > 0) v = omega + alpha * r[t - 1] * r[t - 1] + beta * v;
    sumLogV += Math.log(v);
    sumTail += Math.log1p((r[t] * r[t] * scale) / v);
  }
  return r.length * k - 0.5 * sumLogV - half * sumTail;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const MAX_PERSISTENCE = 0.9999, MIN_NU = 2.05, MAX_NU = 500;

function fromTheta(th: Float64Array): GarchParams {
  const pers = MAX_PERSISTENCE * logistic(th[1]), alpha = pers * logistic(th[2]);
  return { omega: Math.exp(th[0]), alpha, beta: pers - alpha, nu: Math.min(MAX_NU, MIN_NU + Math.exp(th[3])) };
}

function toTheta(p: GarchParams): Float64Array {
  const pers = Math.min(0.999 * MAX_PERSISTENCE, Math.max(1e-6, p.alpha + p.beta));
  const share = Math.min(1 - 1e-6, Math.max(1e-6, p.alpha / pers));
  return Float64Array.of(Math.log(p.omega), logit(pers / MAX_PERSISTENCE), logit(share), Math.log(Math.max(1e-6, Math.min(p.nu, MAX_NU) - MIN_NU)));
}

/** Mean of r² (the unconditional variance under a zero mean). */
export function meanSquare(r: Float64Array): number {
  let s = 0;
  for (let t = 0; t < r.length; t++) s += r[t] * r[t];
  return r.length > 0 ? s / r.length : NaN;
}

/**
 * Maximum-likelihood fit on returns r (at least 50, no NaN). `start` (e.g. the previous fit) warm-starts
 * the simplex with a smaller step; otherwise α = 0.08, β = 0.9, ν = 5 with ω from variance targeting.
 */
export function fitGarch(r: Float64Array, start?: GarchParams, maxEvaluations = 600): GarchFit {
  const v0 = meanSquare(r);
  const s0: GarchParams = start ?? { omega: v0 * 0.02, alpha: 0.08, beta: 0.9, nu: 5 };
  const res = nelderMead((th) => -garchLogLikelihood(r, fromTheta(th), v0), toTheta(s0), { step: start ? 0.1 : 0.5, maxEvaluations, tolerance: 1e-7 });
  return { params: fromTheta(res.x), logLik: -res.value, v0, evaluations: res.evaluations, converged: res.converged, observations: r.length };
}

/**
 * One-step variance forecasts: out[t] = σ²_{t+1 | t} after observing r[0..t], starting from σ²_0 = v0
 * (so out[t] depends on r[0..t] only).
 */
export function garchForecasts(r: Float64Array, p: GarchParams, v0: number): Float64Array {
  const out = new Float64Array(r.length);
  let v = v0;
  for (let t = 0; t < r.length; t++) {
    v = p.omega + p.alpha * r[t] * r[t] + p.beta * v;
    out[t] = v;
  }
  return out;
}

/**
 * Variance of the h-step sum given the one-step forecast v1 = σ²_{t+1|t}:
 * Σ_{k=1..h} [σ̄² + (α+β)^{k−1} (v1 − σ̄²)], σ̄² = ω / (1 − α − β).
 */
export function horizonVariance(v1: number, p: GarchParams, h: number): number {
  const pers = p.alpha + p.beta, bar = p.omega / (1 - pers);
  let s = 0, w = 1;
  for (let k = 0; k < h; k++) { s += bar + w * (v1 - bar); w *= pers; }
  return s;
}
