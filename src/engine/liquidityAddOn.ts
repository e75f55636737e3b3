/**
 * The liquidity charges of src/margin/liquidityCharge.ts on the engine's live market: book depth and spread per
 * instrument from ticks (`market.liquidity`, spot books under the asset code), the index and flat vol of each
 * asset. One function for every path that margins an engine account (accountMargin.ts; kernelMargins.ts falls
 * back to accountMargin for accounts it applies to), so they cannot differ. Pure given the state.
 */
import { liquidityAdjustment, type LiquidityAdjustment, type LiquidityMarket } from "../margin/liquidityCharge.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginResult } from "../margin/result.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { MarketState } from "./marketState.js";
import type { AccountState } from "./state.js";

/** The liquidity view of the live market (own names only: an instrument named `constructor` has no book). */
export function marketLiquidity(m: MarketState): LiquidityMarket {
  return {
    book: (n) => (Object.hasOwn(m.liquidity, n) ? m.liquidity[n] : undefined),
    index: (a) => (a === "USD" ? 1 : Object.hasOwn(m.assets, a) ? m.assets[a].index : undefined),
    vol: (a) => (Object.hasOwn(m.assets, a) ? m.assets[a].vol : undefined),
  };
}

/** The charges of an engine account (USD) given its core result, or undefined when the parameters do not enable them. */
export function engineLiquidity(params: MarginParams, m: MarketState, positions: Portfolio["positions"], res: Pick<MarginResult, "collateral">): LiquidityAdjustment | undefined {
  return params.liquidity ? liquidityAdjustment(positions, res, marketLiquidity(m), params, 1) : undefined;
}

/** Can a liquidity charge apply to the account: enabled, and a book with depth for one of its instruments or balances? */
export function liquidityMayApply(params: MarginParams, m: MarketState, a: AccountState): boolean {
  if (!params.liquidity) return false;
  const deep = (n: string) => Object.hasOwn(m.liquidity, n) && (m.liquidity[n].depthUsd ?? 0) > 0;
  for (const n of a.positions.keys()) if (deep(n)) return true;
  for (const [asset, b] of a.balances) if (b !== 0n && deep(asset)) return true;
  return false;
}
