/**
 * Contracts between market feeds, the oracle layer and the real-time engine. Times are epoch
 * milliseconds; prices are USD (or quote) per coin. The oracle is pure: callers pass `now`.
 */

/** One price observation of an asset's index from one source (an exchange, an aggregator). */
export interface PriceTick {
  readonly source: string;
  readonly asset: string;
  readonly price: number;
  /** Observation time at the source (ms). */
  readonly ts: number;
}

/** A mark price or mark implied vol of one instrument (futures marks give forwards; options give IVs). */
export interface InstrumentTick {
  readonly source: string;
  readonly instrument: string;
  readonly mark?: number;
  readonly markIv?: number;
  /** Perpetuals: the venue's current funding rate (per 8 hours, a fraction); a live feature, not applied to accounts. */
  readonly funding?: number;
  readonly ts: number;
}

/** Unit of a book level's or a trade's amount: USD notional (inverse futures and perpetuals) or coins of the instrument. */
export type AmountUnit = "usd" | "coin";

/** The top levels of one instrument's order book ([price, amount], best first), from one source. */
export interface BookTick {
  readonly source: string;
  readonly instrument: string;
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
  readonly unit: AmountUnit;
  readonly ts: number;
}

/** One trade; `side` is the taker's (`buy`: a buyer lifted the offer). */
export interface TradeTick {
  readonly source: string;
  readonly instrument: string;
  readonly price: number;
  readonly amount: number;
  readonly unit: AmountUnit;
  readonly side: "buy" | "sell";
  readonly ts: number;
}

/** Asset-level parameters that move slowly (flat vol, rate). */
export interface AssetTick {
  readonly source: string;
  readonly asset: string;
  readonly vol?: number;
  readonly rate?: number;
  readonly ts: number;
}

/** What a feed emits. */
export type FeedEvent =
  | { readonly kind: "price"; readonly tick: PriceTick }
  | { readonly kind: "instrument"; readonly tick: InstrumentTick }
  | { readonly kind: "asset"; readonly tick: AssetTick }
  | { readonly kind: "book"; readonly tick: BookTick }
  | { readonly kind: "trade"; readonly tick: TradeTick };

/** A market data feed (simulated, replayed, or a venue's API). */
export interface MarketFeed {
  readonly name: string;
  /** Start emitting; resolves once running. */
  start(emit: (e: FeedEvent) => void): Promise<void>;
  /** Stop and release resources (timers, sockets). */
  stop(): Promise<void>;
}

/** Why one source's latest price is or is not used. */
export type SourceStatus = "ok" | "stale" | "outlier" | "invalid";

/** The oracle's view of one asset. */
export interface IndexState {
  readonly asset: string;
  /** Median of the valid sources (USD per coin). */
  readonly index: number;
  /** Smoothed, spike-resistant price (EMA or rate-limited "stable" price). */
  readonly stable: number;
  /** Time of the newest accepted observation. */
  readonly ts: number;
  readonly sources: readonly { readonly source: string; readonly price: number; readonly ts: number; readonly status: SourceStatus }[];
  /** Fewer valid sources than required. */
  readonly degraded: boolean;
  /** A move beyond the breaker's bound within its window was seen. */
  readonly circuitBreaker: boolean;
}

/** Result of feeding one tick to the oracle. */
export interface OracleUpdate {
  readonly accepted: boolean;
  /** Why a tick was rejected (invalid number, out of order, duplicate, outlier, ...). */
  readonly reason?: string;
  /** State after the update (undefined until the asset has a valid index). */
  readonly state?: IndexState;
}
