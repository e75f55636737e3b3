/**
 * Market-microstructure measurements for the live features (`live.*` columns, absent offline) and the liquidity
 * charges: the book's spread and depth within set distances of the mid, traded volume and signed order flow,
 * basis, and the implied-volatility level and skew of an expiry's smile. Pure; USD amounts.
 */

/** One side of a book: [price, amount] levels, best first (any order is accepted). */
export type BookSide = readonly (readonly [number, number])[];

/** Distances of the mid within which depth is measured: ±0.5 %, ±1 %, ±2 %. */
export const DEPTH_BANDS = [0.005, 0.01, 0.02] as const;
/** The band whose depth drives the liquidity charges (`depthUsd` of a tick). */
export const CHARGE_BAND = 0.01;

/** Depth within one band: each side's USD notional and the thinner side's. */
export interface BandDepth {
  readonly band: number;
  readonly bidUsd: number;
  readonly askUsd: number;
  /** min(bidUsd, askUsd): what can be traded either way without moving the price beyond the band. */
  readonly minUsd: number;
}

export interface BookMetrics {
  readonly bestBid: number;
  readonly bestAsk: number;
  /** (best bid + best ask) / 2. */
  readonly mid: number;
  /** (ask − bid) / mid, 0 ≤ spread ≤ 2. */
  readonly spread: number;
  readonly depth: readonly BandDepth[];
}

/**
 * Spread and depth of a book. `usd(price, amount)` converts a level into USD notional (Deribit: the amount of
 * inverse futures and perpetuals is USD already; of options and linear contracts it is coins, × index). Undefined
 * when a side is empty, a level is not finite and positive, or the book is crossed (bid ≥ ask).
 */
export function bookMetrics(bids: BookSide, asks: BookSide, usd: (price: number, amount: number) => number, bands: readonly number[] = DEPTH_BANDS): BookMetrics | undefined {
  const good = (l: readonly [number, number]) => Number.isFinite(l[0]) && l[0] > 0 && Number.isFinite(l[1]) && l[1] >= 0;
  if (bids.length === 0 || asks.length === 0 || !bids.every(good) || !asks.every(good)) return undefined;
  const bestBid = Math.max(...bids.map((l) => l[0])), bestAsk = Math.min(...asks.map((l) => l[0]));
  if (!(bestBid < bestAsk)) return undefined;
  const mid = (bestBid + bestAsk) / 2;
  const depth = bands.map((band): BandDepth => {
    let bidUsd = 0, askUsd = 0;
    for (const [p, a] of bids) if (p >= mid * (1 - band)) bidUsd += usd(p, a);
    for (const [p, a] of asks) if (p <= mid * (1 + band)) askUsd += usd(p, a);
    return { band, bidUsd, askUsd, minUsd: Math.min(bidUsd, askUsd) };
  });
  return { bestBid, bestAsk, mid, spread: (bestAsk - bestBid) / mid, depth };
}

/** A trade: USD notional and the taker's side (`buy`: a buyer lifted the offer). */
export interface TradeFlowInput {
  readonly usd: number;
  readonly side: "buy" | "sell";
}

/** Traded volume and signed order flow (taker buys − taker sells), USD. */
export function tradeFlow(trades: readonly TradeFlowInput[]): { volumeUsd: number; buyUsd: number; sellUsd: number; flowUsd: number } {
  let buyUsd = 0, sellUsd = 0;
  for (const t of trades) if (Number.isFinite(t.usd) && t.usd >= 0) { if (t.side === "buy") buyUsd += t.usd; else sellUsd += t.usd; }
  return { volumeUsd: buyUsd + sellUsd, buyUsd, sellUsd, flowUsd: buyUsd - sellUsd };
}

/** Basis of a perpetual or future: mark / index − 1. */
export const basis = (mark: number, index: number): number => mark / index - 1;

/** One option's mark implied vol: strike, forward (or index), years to expiry. */
export interface SmilePoint {
  readonly strike: number;
  readonly forward: number;
  readonly years: number;
  readonly iv: number;
}

/** Target expiry of the IV features: 30 days. */
export const SMILE_TARGET_YEARS = 30 / 365;
/** Strikes within |ln(K/F)| ≤ this enter the smile fit. */
export const SMILE_MAX_LOG_MONEYNESS = 0.25;

/**
 * Implied-vol level and skew of one expiry: among expiries with at least two strikes within ±0.25 log-moneyness,
 * the one closest to 30 days; an ordinary least-squares line iv = a + b·k over k = ln(K/F). Level = a (the ATM vol,
 * k = 0), skew = b (vol per unit of log-moneyness; < 0 when puts are dearer: a moneyness slope, sign as the 25Δ
 * risk reversal). Undefined without such an expiry.
 */
export function smileLevelSkew(points: readonly SmilePoint[]): { atmIv: number; skew: number; years: number; strikes: number } | undefined {
  const byExpiry = new Map<number, { k: number; iv: number }[]>();
  for (const p of points) {
    const k = Math.log(p.strike / p.forward);
    if (!(p.years > 0) || !Number.isFinite(k) || Math.abs(k) > SMILE_MAX_LOG_MONEYNESS || !(p.iv > 0)) continue;
    const list = byExpiry.get(p.years) ?? [];
    list.push({ k, iv: p.iv });
    byExpiry.set(p.years, list);
  }
  let best: [number, { k: number; iv: number }[]] | undefined;
  for (const e of byExpiry) {
    if (new Set(e[1].map((x) => x.k)).size < 2) continue;
    if (!best || Math.abs(e[0] - SMILE_TARGET_YEARS) < Math.abs(best[0] - SMILE_TARGET_YEARS)) best = e;
  }
  if (!best) return undefined;
  const xs = best[1], n = xs.length;
  const mk = xs.reduce((s, x) => s + x.k, 0) / n, mv = xs.reduce((s, x) => s + x.iv, 0) / n;
  let sxy = 0, sxx = 0;
  for (const x of xs) { sxy += (x.k - mk) * (x.iv - mv); sxx += (x.k - mk) ** 2; }
  const skew = sxy / sxx;
  return { atmIv: mv - skew * mk, skew, years: best[0], strikes: n };
}
