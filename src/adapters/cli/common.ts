/** Shared pieces of the margin commands: options, loading and computing. */
import { Command, Option } from "commander";
import type { Portfolio } from "../../domain/portfolio.js";
import { marginWith, prepareContext } from "../../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { DpmInputError } from "../input/issues.js";
import { loadMarket, loadParams, loadPortfolios } from "./load.js";

/** Options shared by the margin commands. */
export function marginOptions(c: Command): Command {
  return c
    .requiredOption("--market <file>", "market snapshot JSON")
    .addOption(new Option("--model <model>", "margin model").choices(["isolated", "standard", "portfolio", "var"]).default("portfolio"))
    .option("--params <file>", "parameter file (JSON; may \"extends\" a preset)")
    .option("--preset <name>", "shipped parameter preset", "deribit")
    .option("--currency <code>", "numeraire: USD or an asset with an index (e.g. BTC)", "USD")
    .option("--json", "machine-readable JSON output", false);
}

export interface MarginFlags {
  market: string;
  model: MarginModel;
  params?: string;
  preset?: string;
  currency: string;
  json: boolean;
}

export interface Setup {
  readonly ctx: RiskContext;
  readonly portfolios: Portfolio[];
}

export function setup(path: string, f: MarginFlags): Setup {
  const market = loadMarket(f.market);
  const params = loadParams(f.params, f.preset);
  const c = prepareContext(market, params, f.currency);
  if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
  return { ctx: c.value, portfolios: loadPortfolios(path, market) };
}

export function compute(ctx: RiskContext, pf: Portfolio, model: MarginModel): MarginResult {
  const r = marginWith(ctx, pf, model);
  if (!r.ok) throw new DpmInputError(`cannot compute ${model} margin`, [{ path: "--model", message: r.reason, value: model }]);
  return r.value;
}

