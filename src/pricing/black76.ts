/**
 * Black-76: European options on a forward / futures price.
 *
 * Conventions used throughout this module:
 * - `F` forward price and `K` strike, in the same currency unit (e.g. USD per
 *   BTC); prices are returned in that same unit, multiplied by the discount
 *   factor df = exp(−rate·T).
 * - `T` time to expiry in years (ACT/365 conversion is done by the caller).
 * - `sigma` annualised lognormal volatility as a decimal (0.6 = 60 %).
 * - `rate` continuously-compounded discount rate per year (default 0, so df = 1).
 *
 * d1 = (ln(F/K) + σ²T/2)/(σ√T), d2 = d1 − σ√T,
 * call = df·(F·Φ(d1) − K·Φ(d2)), put = df·(K·Φ(−d2) − F·Φ(−d1)).
 */

import { normCdf, normPdf } from "./normal.js";

/** Option right: `"call"` pays max(F_T − K, 0), `"put"` pays max(K − F_T, 0). */
export type OptionType = "call" | "put";

/**
 * Price and sensitivities of a Black-76 option on a forward F.
 *
 * - `price`: premium in the unit of F and K, discounted by df = exp(−rate·T).
 * - `delta` = ∂V/∂F (dimensionless; call in [0, df], put in [−df, 0]).
 * - `gamma` = ∂²V/∂F² (per unit of F).
 * - `vega` = ∂V/∂σ per 1.00 of volatility (not per vol point: divide by 100
 *   for a 1 % move).
 * - `theta` = ∂V/∂t = −∂V/∂T per year of calendar time passing, with F and σ
 *   held fixed; includes the discounting term rate·V (theta = rate·V − df·F·φ(d1)·σ/(2√T)).
 *   Divide by 365 for a per-day figure.
 * - `vanna` = ∂²V/∂F∂σ (per unit of F per 1.00 of vol).
 * - `volga` = ∂²V/∂σ² (per 1.00 of vol, squared).
 */
export interface Black76Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  vanna: number;
  volga: number;
}

/** Below this total standard deviation σ√T the option is priced at its (discounted) intrinsic value. */
const MIN_STD_DEV = 1e-12;

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`black76: ${name} must be finite, got ${String(value)}`);
  }
}

function requirePositive(name: string, value: number): void {
  requireFinite(name, value);
  if (!(value > 0)) {
    throw new RangeError(`black76: ${name} must be > 0, got ${String(value)}`);
  }
}

/** Programming-error guard shared by price and greeks (callers validate beforehand). */
function validate(type: OptionType, F: number, K: number, T: number, sigma: number, rate: number): void {
  if (type !== "call" && type !== "put") {
    throw new RangeError(`black76: type must be "call" or "put", got ${String(type)}`);
  }
  requirePositive("F", F);
  requirePositive("K", K);
  requireFinite("T", T);
  requireFinite("sigma", sigma);
  if (sigma < 0) throw new RangeError(`black76: sigma must be >= 0, got ${String(sigma)}`);
  requireFinite("rate", rate);
  if (T > 0 && !Number.isFinite(sigma * Math.sqrt(T))) {
    throw new RangeError(`black76: sigma*sqrt(T) overflows (sigma=${String(sigma)}, T=${String(T)})`);
  }
}

/** Undiscounted intrinsic value of the forward. */
function intrinsic(type: OptionType, F: number, K: number): number {
  return type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0);
}

/** Undiscounted delta at zero volatility / expiry: 1, 0 or ±0.5 at the money. */
function intrinsicDelta(type: OptionType, F: number, K: number): number {
  const sign = type === "call" ? 1 : -1;
  if (F === K) return 0.5 * sign;
  const itm = type === "call" ? F > K : K > F;
  return itm ? sign : 0;
}

const ZERO_GREEKS = { gamma: 0, vega: 0, vanna: 0, volga: 0 } as const;

/** Undiscounted Black price for total standard deviation s = σ√T > 0. */
function undiscounted(type: OptionType, F: number, K: number, d1: number, d2: number): number {
  const v = type === "call" ? F * normCdf(d1) - K * normCdf(d2) : K * normCdf(-d2) - F * normCdf(-d1);
  // Rounding can leave v a few ulps below its lower bound (0 far OTM, intrinsic deep ITM);
  // the exact value never is, so clamp to keep the no-arbitrage bound exact.
  return Math.max(v, intrinsic(type, F, K));
}

/**
 * Black-76 premium of a European option on a forward.
 *
 * Degenerate cases (explicit branches, never NaN):
 * - `T <= 0`: undiscounted intrinsic max(F − K, 0) / max(K − F, 0).
 * - `sigma·√T < 1e−12` (e.g. sigma = 0): discounted intrinsic df·max(F − K, 0).
 *
 * @param type - `"call"` or `"put"`
 * @param F - forward price, > 0 (same unit as K and the result)
 * @param K - strike, > 0
 * @param T - time to expiry in years
 * @param sigma - annualised volatility, ≥ 0 (decimal)
 * @param rate - continuously-compounded discount rate per year (default 0)
 * @returns premium in the unit of F, in [0, df·F] for calls and [0, df·K] for puts
 * @throws RangeError if an argument is not finite, F or K ≤ 0, or sigma < 0
 */
export function black76Price(
  type: OptionType,
  F: number,
  K: number,
  T: number,
  sigma: number,
  rate = 0,
): number {
  validate(type, F, K, T, sigma, rate);
  if (T <= 0) return intrinsic(type, F, K);
  const df = Math.exp(-rate * T);
  const s = sigma * Math.sqrt(T);
  if (s < MIN_STD_DEV) return df * intrinsic(type, F, K);
  const d1 = Math.log(F / K) / s + 0.5 * s;
  return df * undiscounted(type, F, K, d1, d1 - s);
}

/**
 * Black-76 premium and Greeks (see {@link Black76Greeks} for units).
 *
 * Degenerate cases (explicit branches, never NaN):
 * - `T <= 0`: price = undiscounted intrinsic; delta = 1 / 0 for an ITM / OTM call
 *   (−1 / 0 for a put), ±0.5 exactly at the money (F === K); all other Greeks 0.
 * - `sigma·√T < 1e−12`: price = df·intrinsic; delta = df·(the value above);
 *   theta = rate·price (only discounting moves the value); other Greeks 0.
 *
 * @param type - `"call"` or `"put"`
 * @param F - forward price, > 0
 * @param K - strike, > 0
 * @param T - time to expiry in years
 * @param sigma - annualised volatility, ≥ 0 (decimal)
 * @param rate - continuously-compounded discount rate per year (default 0)
 * @throws RangeError if an argument is not finite, F or K ≤ 0, or sigma < 0
 */
export function black76Greeks(
  type: OptionType,
  F: number,
  K: number,
  T: number,
  sigma: number,
  rate = 0,
): Black76Greeks {
  validate(type, F, K, T, sigma, rate);
  if (T <= 0) {
    return { price: intrinsic(type, F, K), delta: intrinsicDelta(type, F, K), theta: 0, ...ZERO_GREEKS };
  }
  const df = Math.exp(-rate * T);
  const sqrtT = Math.sqrt(T);
  const s = sigma * sqrtT;
  if (s < MIN_STD_DEV) {
    const price = df * intrinsic(type, F, K);
    return { price, delta: df * intrinsicDelta(type, F, K), theta: rate * price, ...ZERO_GREEKS };
  }
  const d1 = Math.log(F / K) / s + 0.5 * s;
  const d2 = d1 - s;
  const price = df * undiscounted(type, F, K, d1, d2);
  const pdf = normPdf(d1);
  const delta = type === "call" ? df * normCdf(d1) : -df * normCdf(-d1);
  const vega = df * F * pdf * sqrtT;
  return {
    price,
    delta,
    gamma: (df * pdf) / (F * s),
    vega,
    theta: rate * price - (df * F * pdf * sigma) / (2 * sqrtT),
    vanna: (-df * pdf * d2) / sigma,
    volga: (vega * d1 * d2) / sigma,
  };
}
