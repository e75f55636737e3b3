import type { Instrument } from "./instrument.js";

/**
 * A position: `size` > 0 long, < 0 short, in the instrument's own unit (USD notional for inverse
 * futures and perpetuals, coins for everything else).
 */
export interface Position {
  readonly instrument: Instrument;
  readonly size: number;
  /** Average entry price (quote per coin) of a future or perpetual; its value is the unrealised P&L against it. */
  readonly entryPrice?: number;
  /** Venue the position is held on, in a multi-venue book (`src/domain/venueBook.ts`). */
  readonly venue?: string;
}

/** A resting order: margined as if filled (the side that raises margin most). */
export interface OpenOrder {
  readonly instrument: Instrument;
  readonly size: number;
  /** Limit price in the instrument's quote unit (coin price for coin-settled options). */
  readonly price?: number;
  /** Venue the order rests on, in a multi-venue book. */
  readonly venue?: string;
}

/** An account: collateral balances (asset → amount in that asset) and positions. */
export interface Portfolio {
  readonly account: string;
  readonly collateral: Readonly<Record<string, number>>;
  readonly positions: readonly Position[];
  readonly openOrders: readonly OpenOrder[];
}
