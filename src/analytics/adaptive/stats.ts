/**
 * Small numerical pieces of the adaptive models: ln Γ, the Student-t distribution, the empirical quantile
 * and the pinball (quantile) loss. Pure functions of their arguments.
 */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13 on the range used here). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i + 1);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz), for x < (a + 1)/(a + b + 2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny; c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny; d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny; c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny; d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), x in [0, 1], a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** CDF of Student's t with ν > 0 degrees of freedom (not rescaled). */
export function studentTCdf(t: number, nu: number): number {
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t (ν > 0) at probability p in (0, 1): bisection on the CDF to 1e-12. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) return NaN;
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, nu) < p && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, nu) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Two-sided quantile of a unit-variance Student-t (ν > 2): the q with P(|z| > q) = 1 − confidence, i.e.
 * t_ν^{-1}((1 + confidence)/2) · √((ν − 2)/ν).
 */
export function unitTAbsQuantile(confidence: number, nu: number): number {
  return studentTQuantile((1 + confidence) / 2, nu) * Math.sqrt((nu - 2) / nu);
}

/**
 * Empirical quantile at level τ of `values` (type 1 of Hyndman & Fan: the smallest x with F_n(x) ≥ τ),
 * which minimises the pinball loss over constants. ⌈τ n⌉ is taken free of floating-point noise
 * (τ = 0.99, n = 1000 → the 990th smallest). Sorts a copy; NaN values are an error of the caller.
 */
export function empiricalQuantile(values: ArrayLike<number>, tau: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const x = tau * n, r = Math.round(x);
  const k = Math.abs(x - r) <= 1e-9 * Math.max(1, x) ? r : Math.ceil(x);
  return s[Math.min(n, Math.max(1, k)) - 1];
}

/** Pinball loss of a residual u = y − ŷ at level τ: τu for u ≥ 0, (τ − 1)u for u < 0. */
export function pinball(u: number, tau: number): number {
  return u >= 0 ? tau * u : (tau - 1) * u;
}

/** Mean pinball loss of predictions `yhat` for outcomes `y` at level τ. */
export function meanPinball(y: ArrayLike<number>, yhat: ArrayLike<number>, tau: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += pinball(y[i] - yhat[i], tau);
  return y.length > 0 ? s / y.length : NaN;
}

/**
 * Weighted empirical quantile at level τ: the smallest value x_(j) (in sorted order) whose cumulative
 * weight reaches τ · Σw. With equal weights it is exactly `empiricalQuantile` (type 1), which it then
 * calls, so an unweighted fit does not change by a rounding. Weights must be ≥ 0 with a positive sum;
 * minimises the weighted pinball loss Σ w_i ρ_τ(x_i − q) over constants q.
 */
export function weightedQuantile(values: ArrayLike<number>, weights: ArrayLike<number> | undefined, tau: number): number {
  const n = values.length;
  if (weights === undefined) return empiricalQuantile(values, tau);
  if (n === 0) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  const target = tau * total * (1 - 1e-9);
  let cum = 0;
  for (const i of order) {
    cum += weights[i];
    if (cum >= target) return values[i];
  }
  return values[order[n - 1]];
}
