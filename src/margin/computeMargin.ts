import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { liquidityAdjustment, withLiquidity, type LiquidityMarket } from "./liquidityCharge.js";
import type { MarginParams } from "./params.js";
import { portfolioMargin } from "./portfolioModel.js";
import type { MarginModel, MarginResult } from "./result.js";
import { makeNumeraire, riskContext, type RiskContext } from "./riskContext.js";
import { standardMargin } from "./standardModel.js";
import { venueMargin } from "./venues/dispatch.js";

/** Why the var model cannot be computed without price history. */
export const VAR_NEEDS_HISTORY = "the var model needs price history (--history DIR|FILE of daily closes)";

/** Models the core computes without price history. */
export const GRID_MODELS = ["isolated", "standard", "portfolio"] as const;

/** What a margin computation explains beyond the numbers. */
export interface MarginDetail {
  /** Each position's marginal contribution (default true). A real-time engine re-margining on every tick
   * can skip it (positions then report 0) and ask for it when a user looks at the account. */
  readonly contributions?: boolean;
}

/**
 * Margin of one account under one grid model against a prepared context (pure). The `var` model needs price
 * history and lives a layer up (`analytics/models.ts` `marginOf`); asked here it is a failure value.
 */
export function marginWith(ctx: RiskContext, pf: Portfolio, model: MarginModel, detail?: MarginDetail): Parsed<MarginResult> {
  switch (model) {
    case "portfolio": {
      const r = gridMethod(ctx) ? portfolioMargin(ctx, pf, detail?.contributions ?? true) : venueMargin(ctx, pf);
      return r.ok && ctx.params.liquidity ? { ok: true, value: withSnapshotLiquidity(ctx, pf, r.value) } : r;
    }
    case "standard":
    case "isolated":
      return standardMargin(ctx, pf, model);
    case "var":
      return { ok: false, reason: VAR_NEEDS_HISTORY };
  }
}

function gridMethod(ctx: RiskContext): boolean {
  return ctx.params.method === undefined || ctx.params.method === "grid";
}

/**
 * Whether the portfolio model's result under `ctx` is `portfolioMargin`'s as it stands (the grid method, no liquidity
 * charges): then a writer may read it off the explanation path's book (`explainedBook`).
 */
export function portfolioResultIsExplained(ctx: RiskContext): boolean {
  return gridMethod(ctx) && !ctx.params.liquidity;
}

/** What the liquidity charges read from a context's snapshot: `instruments[name].depthUsd`/`spread`, index, flat vol. */
export function snapshotLiquidity(ctx: RiskContext): LiquidityMarket {
  const m = ctx.market;
  return {
    book: (n) => (Object.hasOwn(m.instruments, n) ? m.instruments[n] : undefined),
    index: (a) => ctx.usdIndex(a),
    vol: (a) => (Object.hasOwn(m.assets, a) ? m.assets[a].vol : undefined),
  };
}

/** The portfolio result with the liquidity charges of `ctx.params.liquidity` from the snapshot's books (margin/liquidityCharge.ts). */
function withSnapshotLiquidity(ctx: RiskContext, pf: Portfolio, r: MarginResult): MarginResult {
  const usd = ctx.numeraire.index;
  return withLiquidity(r, liquidityAdjustment(pf.positions, r, snapshotLiquidity(ctx), ctx.params, usd), ctx.params.portfolio.mmFactor, usd);
}

/** Prepare a context for a market, parameters and currency (pure). */
export function prepareContext(market: MarketSnapshot, params: MarginParams, currency = "USD"): Parsed<RiskContext> {
  const n = makeNumeraire(market, currency);
  if (!n.ok) return n;
  return { ok: true, value: riskContext(market, params, n.value) };
}
