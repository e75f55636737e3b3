import type { Parsed } from "../../domain/instrument.js";
import type { Portfolio } from "../../domain/portfolio.js";
import type { MarginResult } from "../result.js";
import type { RiskContext } from "../riskContext.js";
import { deribitCrossMargin } from "./deribit/crossCollateral.js";
import { okxMargin } from "./okx/okxMargin.js";
import { spanMargin } from "./span/spanMargin.js";
import { derivePm2Result, deriveSrmResult } from "./derive/index.js";

/** Portfolio margin by the venue method named in the parameters (`method`). Pure. */
export function venueMargin(ctx: RiskContext, pf: Portfolio): Parsed<MarginResult> {
  const p = ctx.params;
  switch (p.method) {
    case "okx":
      return p.okx ? okxMargin(ctx, pf, p.okx) : { ok: false, reason: "method okx needs the okx parameters" };
    case "span":
      return p.span ? spanMargin(ctx, pf, p.span) : { ok: false, reason: "method span needs the span parameters" };
    case "deribit-cross":
      return p.crossCollateral ? deribitCrossMargin(ctx, pf, p.crossCollateral) : { ok: false, reason: "method deribit-cross needs the crossCollateral parameters" };
    case "derive-pm2":
      return derivePm2Result(ctx, pf, "portfolio");
    case "derive-srm":
      return deriveSrmResult(ctx, pf, "portfolio");
    default:
      return { ok: false, reason: `unknown margin method ${String(p.method)}` };
  }
}
