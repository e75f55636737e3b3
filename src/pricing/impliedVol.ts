/**
 * Black-76 implied volatility.
 *
 * Method: the quote is converted to its undiscounted out-of-the-money
 * equivalent (put-call parity C − P = F − K), then the total standard
 * deviation s = σ√T is found by a bracketed Newton iteration on
 * g(s) = ln B(s) − ln q (B = undiscounted Black price with T = 1), falling back
 * to bisection whenever a Newton step leaves the bracket. The log transform
 * keeps Newton well behaved for far out-of-the-money quotes, where B(s) is
 * exponentially flat near zero.
 */

import { black76Greeks, type OptionType } from "./black76.js";

/**
 * Outcome of {@link impliedVol}.
 * - `ok: true`: `vol` is the annualised Black-76 volatility (decimal, 0.6 = 60 %);
 *   `iterations` is the number of solver iterations (0 when no iteration was needed).
 * - `ok: false`: `reason` is a human-readable explanation (invalid input,
 *   price outside the no-arbitrage bounds, or no convergence).
 */
export type ImpliedVolResult = { ok: true; vol: number; iterations: number } | { ok: false; reason: string };

/** Relative tolerance on s = σ√T, and on the price in log space. */
const TOL = 1e-12;
const MAX_ITERATIONS = 200;
/** Upper limit for the bracket search on s = σ√T (prices reach their upper bound long before). */
const MAX_STD_DEV = 1024;

type SolveResult = { ok: true; s: number; iterations: number } | { ok: false; reason: string };

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function inputProblem(type: OptionType, price: number, F: number, K: number, T: number, rate: number): string | null {
  if (type !== "call" && type !== "put") return `type must be "call" or "put", got ${String(type)}`;
  const finite: Array<[string, number]> = [["price", price], ["F", F], ["K", K], ["T", T], ["rate", rate]];
  for (const [name, v] of finite) {
    if (!Number.isFinite(v)) return `${name} must be finite, got ${String(v)}`;
  }
  if (!(F > 0)) return `F must be > 0, got ${F}`;
  if (!(K > 0)) return `K must be > 0, got ${K}`;
  if (!(T > 0)) return `T must be > 0 years, got ${T}`;
  return null;
}

/** Undiscounted Black price and vega for total standard deviation s (T = 1, sigma = s, rate = 0). */
function priceAndVega(type: OptionType, F: number, K: number, s: number): { b: number; vega: number } {
  const g = black76Greeks(type, F, K, 1, s, 0);
  return { b: g.price, vega: g.vega };
}

/** Starting point: Brenner–Subrahmanyam at the money, otherwise the inflection point √(2|ln F/K|). */
function initialGuess(F: number, K: number, q: number): number {
  const x = Math.log(F / K);
  if (x === 0) return Math.sqrt(2 * Math.PI) * (q / F);
  return Math.sqrt(2 * Math.abs(x));
}

/** Find s = σ√T with B(s) = q for an out-of-the-money (or ATM) option, 0 < q < upper bound. */
function solveStdDev(type: OptionType, F: number, K: number, q: number): SolveResult {
  let lo = 0;
  let hi = 1;
  while (priceAndVega(type, F, K, hi).b < q) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_STD_DEV) return fail(`no volatility up to sigma*sqrt(T) = ${MAX_STD_DEV} reaches price ${q}`);
  }
  const lnq = Math.log(q);
  let s = initialGuess(F, K, q);
  if (!(s > lo && s < hi)) s = 0.5 * (lo + hi);
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const { b, vega } = priceAndVega(type, F, K, s);
    if (b === q) return { ok: true, s, iterations: i };
    if (b < q) lo = s;
    else hi = s;
    const logErr = b > 0 ? Math.log(b) - lnq : Number.NEGATIVE_INFINITY;
    if (Math.abs(logErr) <= TOL) return { ok: true, s, iterations: i };
    let next = vega > 0 && Number.isFinite(logErr) ? s - (logErr * b) / vega : Number.NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) <= TOL * next || hi - lo <= TOL * hi) return { ok: true, s: next, iterations: i };
    s = next;
  }
  return fail(`implied volatility did not converge in ${MAX_ITERATIONS} iterations`);
}

/**
 * Implied Black-76 volatility from an option premium.
 *
 * No-arbitrage bounds (with df = exp(−rate·T)): a call premium must lie in
 * [df·max(F − K, 0), df·F), a put premium in [df·max(K − F, 0), df·K).
 * A premium equal to the discounted intrinsic value (or below it by at most
 * 4 ulps of df·F / df·K, i.e. rounding noise) returns vol 0; a premium further
 * below it, or at/above the upper bound, returns `ok: false` with a reason.
 * Converges to a relative tolerance of 1e−12 on σ (or on the price).
 * In-the-money quotes are converted to the OTM option by parity, so vol
 * accuracy for deep ITM quotes is limited by the time value's share of the
 * premium.
 *
 * @param type - `"call"` or `"put"`
 * @param price - premium, discounted, in the unit of F and K
 * @param F - forward price, > 0
 * @param K - strike, > 0
 * @param T - time to expiry in years, > 0
 * @param rate - continuously-compounded discount rate per year (default 0)
 * @returns annualised volatility (decimal) or a failure reason; never throws
 */
export function impliedVol(
  type: OptionType,
  price: number,
  F: number,
  K: number,
  T: number,
  rate = 0,
): ImpliedVolResult {
  const problem = inputProblem(type, price, F, K, T, rate);
  if (problem !== null) return fail(problem);
  const df = Math.exp(-rate * T);
  const intrinsic = type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0);
  const upper = type === "call" ? F : K;
  // A few ulps below the bound is rounding noise (e.g. a premium computed by another formula): treat as intrinsic.
  const slack = 4 * Number.EPSILON * df * upper;
  if (price < df * intrinsic - slack) {
    return fail(`price ${price} is below the discounted intrinsic value ${df * intrinsic} (F=${F}, K=${K}, T=${T})`);
  }
  if (price >= df * upper) {
    const bound = type === "call" ? "df*F" : "df*K";
    return fail(`price ${price} is at or above the upper bound ${bound} = ${df * upper} (F=${F}, K=${K}, T=${T})`);
  }
  const p = price / df;
  const otmType: OptionType = F > K ? "put" : F < K ? "call" : type;
  const q = otmType === type ? p : p - intrinsic;
  if (!(q > 0)) return { ok: true, vol: 0, iterations: 0 };
  const solved = solveStdDev(otmType, F, K, q);
  if (!solved.ok) return solved;
  return { ok: true, vol: solved.s / Math.sqrt(T), iterations: solved.iterations };
}
