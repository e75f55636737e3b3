/** Shared pieces of the margin commands: options, loading and computing. */
import { marginOf } from "../../analytics/models.js";
import { Command, Option } from "commander";
import type { Portfolio } from "../../domain/portfolio.js";
import { prepareContext } from "../../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { DpmInputError } from "../../input/issues.js";
import { loadMarket, loadParams, loadPortfolios } from "./load.js";
import type { VarInputs } from "../../analytics/varModel.js";
import { factorAssets } from "../../analytics/revalue.js";
import { loadHistory } from "../history.js";

/** Options shared by the margin commands. */
export function marginOptions(c: Command): Command {
  return c
    .requiredOption("--market <file>", "market snapshot JSON")
    .addOption(new Option("--model <model>", "margin model").choices(["isolated", "standard", "portfolio", "var"]).default("portfolio"))
    .option("--params <file>", "parameter file (JSON; may \"extends\" a preset)")
    .option("--preset <name>", "shipped parameter preset", "deribit")
    .option("--currency <code>", "numeraire: USD or an asset with an index (e.g. BTC)", "USD")
    .option("--history <path>", "daily closes for the var model: a directory of <SYM>-USD_1d.csv files or one date,<ASSET>,... CSV")
    .option("--json", "machine-readable JSON output", false);
}

export interface MarginFlags {
  market: string;
  model: MarginModel;
  params?: string;
  preset?: string;
  currency: string;
  json: boolean;
  history?: string;
}

export interface Setup {
  readonly ctx: RiskContext;
  readonly portfolios: Portfolio[];
  /** Price history for the var model, when --history is given. */
  readonly varInputs?: VarInputs;
}

export function setup(path: string, f: MarginFlags): Setup {
  const market = loadMarket(f.market);
  const params = loadParams(f.params, f.preset);
  const c = prepareContext(market, params, f.currency);
  if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
  const portfolios = loadPortfolios(path, market);
  if (f.history === undefined) return { ctx: c.value, portfolios };
  const ctx = c.value;
  const assets = [...new Set(portfolios.flatMap((pf) => factorAssets(pf, ctx.isStable)))];
  return { ctx, portfolios, varInputs: { history: loadHistory(f.history, assets) } };
}

export function compute(ctx: RiskContext, pf: Portfolio, model: MarginModel, varInputs?: VarInputs): MarginResult {
  const r = marginOf(ctx, pf, model, varInputs);
  if (!r.ok) throw new DpmInputError(`cannot compute ${model} margin`, [{ path: "--model", message: r.reason, value: model }]);
  return r.value;
}

