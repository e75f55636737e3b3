/**
 * Which price margin uses: initial margin values a position at the more conservative of the fresh index and
 * the stable price (the lower for a long, the higher for a short), so a spike cannot inflate collateral or
 * deflate a short's liability; maintenance margin uses the fresh index so liquidation stays timely.
 */
import type { IndexState } from "./types.js";

/** Direction of an exposure: `long` gains when the price rises (collateral, long positions). */
export type ExposureSide = "long" | "short";

/** The more conservative of index and stable price for `side` (USD per coin): min for long, max for short. */
export function conservativePrice(state: Pick<IndexState, "index" | "stable">, side: ExposureSide): number {
  return side === "long" ? Math.min(state.index, state.stable) : Math.max(state.index, state.stable);
}

/** Price for margin purpose: `initial` → {@link conservativePrice}; `maintenance` → the fresh index. */
export function marginPrice(state: Pick<IndexState, "index" | "stable">, side: ExposureSide, purpose: "initial" | "maintenance"): number {
  return purpose === "maintenance" ? state.index : conservativePrice(state, side);
}
