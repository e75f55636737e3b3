/**
 * Valuation of wrapped and synthetic collateral (abuse of the model: Binance USDe/wBETH/BNSOL,
 * 10 October 2025, when collateral was marked off the venue's own thin order book, fell to 0.65 there
 * while redeemable near 1, and triggered liquidations). A wrapped asset is valued at
 *   min(market, redemption × underlying index), never below floor × redemption × underlying,
 * where `market` is the median of the quotes from books at least `minDepthUsd` deep, and only when
 * there are at least `minSources` of them: a single thin book never sets the value (then the
 * redemption value, which the min would cap anyway, is used and the result says so).
 * Pure. A redemption halt must be reported as redemption = 0 (the floor then goes to 0 too).
 */

export interface WrappedParams {
  /** Units of the underlying one unit redeems for (1 for USDe→USDT, the exchange rate for wBETH→ETH). */
  readonly redemption: number;
  /** Lowest value as a fraction of the redemption value (e.g. 0.95). */
  readonly floor: number;
  /** A book shallower than this (USD) does not count. */
  readonly minDepthUsd: number;
  /** Fewest deep-enough books for the market price to count. */
  readonly minSources: number;
}

export interface WrappedQuote {
  readonly source: string;
  readonly price: number;
  readonly depthUsd: number;
}

export interface WrappedValuation {
  /** USD per unit of the wrapped asset. */
  readonly price: number;
  readonly basis: "market" | "redemption" | "floor";
  /** Redemption value: redemption × underlying index. */
  readonly redemptionValue: number;
  /** Median of the deep books, or null when there were too few. */
  readonly market: number | null;
  /** Sources used for the market median. */
  readonly used: readonly string[];
  /** Sources ignored, with the reason. */
  readonly ignored: readonly { readonly source: string; readonly reason: string }[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Value of one unit of a wrapped asset (see the file comment). */
export function wrappedCollateralPrice(quotes: readonly WrappedQuote[], underlyingIndex: number, p: WrappedParams): WrappedValuation {
  const redemptionValue = Math.max(0, p.redemption * underlyingIndex);
  const used: string[] = [];
  const ignored: { source: string; reason: string }[] = [];
  const prices: number[] = [];
  for (const q of quotes) {
    if (!(Number.isFinite(q.price) && q.price > 0)) ignored.push({ source: q.source, reason: "invalid price" });
    else if (!(q.depthUsd >= p.minDepthUsd)) ignored.push({ source: q.source, reason: `book depth ${q.depthUsd} USD below ${p.minDepthUsd}` });
    else { used.push(q.source); prices.push(q.price); }
  }
  const market = prices.length >= Math.max(1, p.minSources) ? median(prices) : null;
  const floorValue = p.floor * redemptionValue;
  if (market === null) return { price: redemptionValue, basis: "redemption", redemptionValue, market, used: [], ignored };
  const capped = Math.min(market, redemptionValue);
  if (capped < floorValue) return { price: floorValue, basis: "floor", redemptionValue, market, used, ignored };
  return { price: capped, basis: capped === market ? "market" : "redemption", redemptionValue, market, used, ignored };
}
