/** Shared pieces of the margin commands: options, loading and computing. */
import { marginOf } from "../../analytics/models.js";
import { Command, Option } from "commander";
import type { Portfolio } from "../../domain/portfolio.js";
import { prepareContext, VAR_NEEDS_HISTORY, type MarginDetail } from "../../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { DpmInputError } from "../../input/issues.js";
import { readMarket, readParams } from "./contextLoad.js";
import type { VarInputs } from "../../analytics/varModel.js";
import { factorAssets } from "../../analytics/revalue.js";
import { loadHistory } from "../history.js";
import { portfolioBatches, Rejects, type Item } from "./batch.js";
import type { Cli } from "./context.js";

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

/** A context for the market, parameters and currency of the flags (contextLoad.ts: zod only where it is needed). */
export async function contextOf(f: Pick<MarginFlags, "market" | "params" | "preset" | "currency">): Promise<RiskContext> {
  const market = await readMarket(f.market);
  const params = await readParams(f.params, f.preset);
  const c = prepareContext(market, params, f.currency);
  if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
  return c.value;
}

/** The portfolios of one command run, against one context; bad documents are skipped and reported at the end. */
export interface Batch {
  readonly ctx: RiskContext;
  /** Price history for the var model, when --history is given. */
  readonly varInputs?: VarInputs;
  /** The valid portfolios in input order (streamed, except with --history, which needs them all first). */
  readonly items: AsyncIterable<Item>;
  /** The same portfolios a chunk of input at a time (take each batch before the next). Read `items` or `batches`, not both. */
  readonly batches: AsyncIterable<Iterable<Item>>;
  /** Margin of one portfolio, or undefined when it cannot be computed (it is then skipped and reported). */
  margin(item: Item, model: MarginModel, detail?: MarginDetail): MarginResult | undefined;
  /** Leave out one portfolio for a reason found while computing it. */
  reject(item: Item, path: string, message: string, value?: unknown): void;
  /** After the loop: exit 2, naming every skipped document, if there was one. */
  finish(): void;
}

/**
 * Open the portfolios at `path` for a command (`label` names its progress bar). Streams JSON lines; with
 * --history every portfolio is read first, because the history to load depends on all their assets.
 */
export async function openBatch(cli: Cli, path: string, f: MarginFlags, label: string): Promise<Batch> {
  if (f.model === "var" && f.history === undefined) throw new DpmInputError("cannot compute var margin", [{ path: "--model", message: VAR_NEEDS_HISTORY, value: f.model }]);
  const ctx = await contextOf(f);
  const rejects = new Rejects();
  let batches: AsyncIterable<Iterable<Item>> = portfolioBatches(cli, path, ctx.market, rejects, label);
  let varInputs: VarInputs | undefined;
  if (f.history !== undefined) {
    const all: Item[] = [];
    for await (const b of batches) for (const it of b) all.push(it);
    const assets = [...new Set(all.flatMap((it) => factorAssets(it.portfolio, ctx.isStable)))];
    varInputs = { history: loadHistory(f.history, assets) };
    batches = (async function* () { yield all; })();
  }
  const items = (async function* () { for await (const b of batches) yield* b; })();
  const reject = (item: Item, p: string, message: string, value?: unknown) => rejects.reject(item.where, [{ path: p, message, ...(value !== undefined ? { value } : {}) }]);
  return {
    ctx, items, batches, ...(varInputs ? { varInputs } : {}), reject,
    margin: (item, model, detail) => {
      const r = marginOf(ctx, item.portfolio, model, varInputs, detail);
      if (r.ok) return r.value;
      reject(item, "--model", `cannot compute ${model} margin: ${r.reason}`, model);
      return undefined;
    },
    finish: () => rejects.finish(path),
  };
}

/** Every valid portfolio of a batch, held (for commands that need the whole book at once). */
export async function collect(b: Pick<Batch, "items">): Promise<Portfolio[]> {
  const out: Portfolio[] = [];
  for await (const it of b.items) out.push(it.portfolio);
  return out;
}

/** Margin of one portfolio under one model; a failure is an input error (single-account commands). */
export function compute(ctx: RiskContext, pf: Portfolio, model: MarginModel, varInputs?: VarInputs, detail?: MarginDetail): MarginResult {
  const r = marginOf(ctx, pf, model, varInputs, detail);
  if (!r.ok) throw new DpmInputError(`cannot compute ${model} margin`, [{ path: "--model", message: r.reason, value: model }]);
  return r.value;
}
