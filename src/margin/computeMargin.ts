import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { MarketSnapshot } from "../market/snapshot.js";
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
    case "portfolio":
      return ctx.params.method === undefined || ctx.params.method === "grid" ? portfolioMargin(ctx, pf, detail?.contributions ?? true) : venueMargin(ctx, pf);
    case "standard":
    case "isolated":
      return standardMargin(ctx, pf, model);
    case "var":
      return { ok: false, reason: VAR_NEEDS_HISTORY };
  }
}

/** Prepare a context for a market, parameters and currency (pure). */
export function prepareContext(market: MarketSnapshot, params: MarginParams, currency = "USD"): Parsed<RiskContext> {
  const n = makeNumeraire(market, currency);
  if (!n.ok) return n;
  return { ok: true, value: riskContext(market, params, n.value) };
}
