import type { SviParams } from "./svi.js";

/** Market data of one asset. */
export interface AssetMarket {
  /** Index price in USD per coin (> 0). Stablecoins carry their own index (e.g. USDC 0.9998). */
  readonly index: number;
  /** Flat implied volatility (annualised), used when an option has no mark IV and no surface. */
  readonly vol?: number;
  /** Continuously compounded rate: carries the index to the forward where no future mark exists, and discounts option prices. Default 0. */
  readonly rate?: number;
  /** Per-expiry raw-SVI smiles keyed by expiry code (`27DEC24`); total variance is linear in time between them. */
  readonly surface?: Readonly<Record<string, SviParams>>;
}

/** Market data of one instrument. */
export interface InstrumentMarket {
  /** Mark price (quote per coin) of a future or perpetual: gives the forward of that expiry. */
  readonly mark?: number;
  /** Mark implied volatility of an option (annualised). */
  readonly markIv?: number;
  /** Book depth: USD notional within ±1 % of the mid on the thinner side (liquidity charges). */
  readonly depthUsd?: number;
  /** Relative quoted spread (ask − bid) / mid (liquidity charges). */
  readonly spread?: number;
}

/** A market snapshot: `asOf` (epoch ms) is the valuation time. */
export interface MarketSnapshot {
  readonly asOf: number;
  readonly assets: Readonly<Record<string, AssetMarket>>;
  readonly instruments: Readonly<Record<string, InstrumentMarket>>;
}

/** Milliseconds in the year fraction denominator (365 days). */
export const MS_PER_YEAR = 365 * 86_400_000;

/** Year fraction from `asOf` to `t` (ms), ACT/365. */
export function yearFraction(asOf: number, t: number): number {
  return (t - asOf) / MS_PER_YEAR;
}
