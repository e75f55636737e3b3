/**
 * Discounting and time-value discounts (pure).
 *
 * Conventions: `T` in years (ACT/365), rates continuously compounded per year, factors dimensionless.
 */

/**
 * Discount factor e^(−r·T), with the rate optionally floored (e.g. venues that never discount at a
 * negative rate use `floor = 0`). T ≤ 0 gives 1.
 */
export function discountFactor(rate: number, T: number, floor = Number.NEGATIVE_INFINITY): number {
  if (!(T > 0)) return 1;
  return Math.exp(-Math.max(rate, floor) * T);
}

/** Parameters of a time-value discount: factor = base · e^(∓T·(rate·rateMult + rateAdd)). */
export interface TimeValueDiscountParams {
  /** Base factor (≤ 1 haircuts long value, ≥ 1 marks short liabilities up). */
  readonly base: number;
  readonly rateMult: number;
  readonly rateAdd: number;
}

/**
 * Time-value discounts of a shocked value: `long` haircuts a positive value, `short` marks a
 * negative one up, capped at the value of undoing the discount (`1/df`).
 *
 * long  = β⁺ · e^(−T·(r·μ⁺ + α⁺))
 * short = min(1/df, β⁻ · e^(+T·(r·μ⁻ + α⁻)))
 *
 * @param rate - annual rate used in the scaling (callers pass the rate after any floor)
 * @param T - years to expiry, ≥ 0
 * @param df - the expiry's discount factor
 */
export function timeValueDiscounts(rate: number, T: number, df: number, long: TimeValueDiscountParams, short: TimeValueDiscountParams): { long: number; short: number } {
  const t = Math.max(T, 0);
  return {
    long: long.base * Math.exp(-t * (rate * long.rateMult + long.rateAdd)),
    short: Math.min(1 / df, short.base * Math.exp(t * (rate * short.rateMult + short.rateAdd))),
  };
}

/** Apply the time-value discounts to a shocked value: `long` factor when value ≥ 0, else `short`. */
export function applyTimeValueDiscount(value: number, d: { long: number; short: number }): number {
  return value * (value >= 0 ? d.long : d.short);
}
