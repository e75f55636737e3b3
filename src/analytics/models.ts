/**
 * Every margin model behind one call: the grid models (isolated, standard, portfolio, venue methods) from
 * `margin/computeMargin.ts`, and the `var` model, which needs price history and the VaR engine of this layer.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { marginWith, VAR_NEEDS_HISTORY, type MarginDetail } from "../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import { varMargin, type VarInputs } from "./varModel.js";

/** Margin of one account under any model (pure); `varInputs` is required for `var`. */
export function marginOf(ctx: RiskContext, pf: Portfolio, model: MarginModel, varInputs?: VarInputs, detail?: MarginDetail): Parsed<MarginResult> {
  if (model !== "var") return marginWith(ctx, pf, model, detail);
  return varInputs ? varMargin(ctx, pf, varInputs) : { ok: false, reason: VAR_NEEDS_HISTORY };
}
