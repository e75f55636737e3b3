import type { Command } from "commander";
import { parseInstrument } from "../../../domain/instrument.js";
import type { Portfolio, Position } from "../../../domain/portfolio.js";
import { GRID_MODELS, marginWith, portfolioResultIsExplained, prepareContext } from "../../../margin/computeMargin.js";
import type { MarginParams } from "../../../margin/params.js";
import type { MarginModel, MarginResult } from "../../../margin/result.js";
import type { RiskContext } from "../../../margin/riskContext.js";
import { applyTrades } from "../../../margin/whatIf.js";
import { accountGreeks } from "../../../margin/accountGreeks.js";
import { resolveInstrument } from "../../../market/resolve.js";
import type { MarketSnapshot } from "../../../market/snapshot.js";
import { portfolioMarketIssues } from "../../../input/crossCheck.js";
import { DpmInputError, type InputIssue } from "../../../input/issues.js";
import { MAX_ABS_SIZE } from "../../../input/bounds.js";
import { contextOf, marginOptions, openBatch, type MarginFlags } from "../common.js";
import { parallelMargin } from "../parallelMargin.js";
import { marginThreads, WorkersOptionError } from "../marginThreads.js";
import type { Cli } from "../context.js";
import { readParams } from "../contextLoad.js";
import { formatVenues } from "../formatVenues.js";
import { marginOutputInto } from "../marginChunk.js";
import { explainedOutputInto } from "../resultJson.js";
import type { Item } from "../batch.js";
import type { TextBuffer } from "../textTable.js";
import { compareSummaryRow, formatCompare, formatCompareSummary, formatGreeks, formatWhatIf } from "../format.js";

/** Every `--trade` value, all problems reported at once. */
function parseTrades(texts: readonly string[]): Position[] {
  const out: Position[] = [];
  const issues: InputIssue[] = [];
  texts.forEach((t, i) => {
    try {
      out.push(parseTrade(t, i));
    } catch (e) {
      if (!(e instanceof DpmInputError)) throw e;
      issues.push(...e.issues);
    }
  });
  if (issues.length > 0) throw new DpmInputError("invalid --trade", issues);
  return out;
}

/** `INSTRUMENT:SIZE` → a position; problems name the --trade value. */
function parseTrade(text: string, i: number): Position {
  const at = text.lastIndexOf(":");
  const issues: InputIssue[] = [];
  const name = at > 0 ? text.slice(0, at) : text;
  const size = at > 0 ? Number(text.slice(at + 1)) : NaN;
  const inst = parseInstrument(name);
  if (!inst.ok) issues.push({ path: `--trade[${i}]`, message: `unknown instrument: ${inst.reason}`, value: text });
  if (!Number.isFinite(size) || size === 0 || Math.abs(size) > MAX_ABS_SIZE) {
    issues.push({ path: `--trade[${i}]`, message: "must be INSTRUMENT:SIZE with a non-zero finite size (e.g. BTC-PERPETUAL:-10000)", value: text });
  }
  if (issues.length > 0 || !inst.ok) throw new DpmInputError("invalid --trade", issues);
  return { instrument: inst.value, size };
}

/**
 * How a traded instrument is valued when the market has no mark or vol of its own: a forward carried from
 * the index, a vol from the surface or the flat asset vol. Undefined when it has its own.
 */
export function fallbackNote(market: MarketSnapshot, pos: Position): string | undefined {
  const r = resolveInstrument(market, pos.instrument);
  if (!r.ok || pos.instrument.kind === "spot") return undefined;
  const v = r.value, u = pos.instrument.underlying;
  const parts: string[] = [];
  if (v.forwardSource.startsWith("index")) parts.push(`no mark for its expiry in the market, forward carried from the ${u} index (${v.forward.toFixed(2)}${v.rate !== 0 ? ` at rate ${v.rate}` : ""})`);
  if (v.volSource === "flat") parts.push(`no markIv in the market, valued at ${u}'s flat vol ${(v.vol * 100).toFixed(1)}%`);
  if (v.volSource === "surface") parts.push(`no markIv in the market, valued at ${(v.vol * 100).toFixed(1)}% from the ${u} vol surface`);
  return parts.length > 0 ? `${pos.instrument.name}: ${parts.join("; ")}` : undefined;
}

/** `marginThreads`, its bad --workers value as an input error. */
function threadsFor(path: string, workers: string | undefined): number {
  try {
    return marginThreads(path, workers);
  } catch (e) {
    if (!(e instanceof WorkersOptionError)) throw e;
    throw new DpmInputError("invalid --workers", [{ path: "--workers", message: e.message, value: e.value }]);
  }
}

function marginCommand(p: Command, cli: Cli): void {
  marginOptions(p.command("margin").description("margin of one portfolio, an array of them, or JSON lines (one result per line)").argument("<portfolio>", "portfolio JSON / JSON lines file, or - for stdin"))
    .option("--workers <n>", "threads for a JSON-lines file: auto (on 2+ cores, files of 24 MiB or more: one per core, up to 4), or a number (1: this thread alone)", "auto")
    .action(async (path: string, f: MarginFlags & { workers: string }) => {
      if (f.model !== "var" && f.history === undefined) {
        const n = threadsFor(path, f.workers);
        // The flags' problems (market, params, currency) are reported by contextOf here, as the in-process path reports them.
        if (n > 1) return parallelMargin(cli, path, f, n, await contextOf(f));
      }
      const b = await openBatch(cli, path, f, "margin");
      // The portfolio model's output written from the evaluated book (resultJson.ts).
      const fromBook = f.model === "portfolio" && portfolioResultIsExplained(b.ctx);
      let item: Item | undefined, reason: string | undefined;
      const writeLine = (out: TextBuffer): void => { reason = explainedOutputInto(out, b.ctx, item!.portfolio, f.json); };
      for await (const items of b.batches) {
        for (const it of items) {
          if (fromBook) {
            item = it; reason = undefined;
            cli.out.write(writeLine);
            if (reason !== undefined) b.reject(it, "--model", `cannot compute ${f.model} margin: ${reason}`, f.model);
            continue;
          }
          const r = b.margin(it, f.model);
          if (r) cli.out.write((out) => marginOutputInto(out, r, f.json));
        }
      }
      b.finish();
    });
}

/** One venue's portfolio margin of an account, or why that venue's method cannot margin it. */
export type VenueOutcome = { preset: string; result: MarginResult } | { preset: string; error: string };

function venueOutcomes(names: readonly string[], ctxs: readonly RiskContext[], pf: Portfolio): VenueOutcome[] {
  return names.map((preset, i) => {
    const r = marginWith(ctxs[i], pf, "portfolio");
    return r.ok ? { preset, result: r.value } : { preset, error: r.reason };
  });
}

/** `--venues a,b,c`: the same books under several venues' presets (portfolio model), side by side. */
async function compareVenues(cli: Cli, path: string, f: MarginFlags & { venues: string }): Promise<void> {
  const names = f.venues.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const paramsList: MarginParams[] = [];
  for (const n of names) paramsList.push(await readParams(undefined, n));
  const b = await openBatch(cli, path, f, "compare");
  const ctxs = paramsList.map((params) => {
    const c = prepareContext(b.ctx.market, params, f.currency);
    if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
    return c.value;
  });
  for await (const { portfolio: pf } of b.items) {
    const venues = venueOutcomes(names, ctxs, pf);
    cli.out.push(f.json ? `${JSON.stringify({ account: pf.account, venues })}\n` : `${formatVenues(pf.account, f.currency, venues)}\n\n`);
  }
  b.finish();
}

function compareCommand(p: Command, cli: Cli): void {
  marginOptions(p.command("compare").description("isolated, standard and portfolio margin side by side (capital efficiency); --venues compares venues' presets").argument("<portfolio>"))
    .option("--venues <presets>", "comma-separated presets to compare under the portfolio model (e.g. deribit,okx,derive)")
    .action(async (path: string, f: MarginFlags & { venues?: string }) => {
      if (f.venues !== undefined) return compareVenues(cli, path, { ...f, venues: f.venues });
      const b = await openBatch(cli, path, f, "compare");
      const models: MarginModel[] = b.varInputs ? [...GRID_MODELS, "var"] : [...GRID_MODELS];
      // The text summary shows no per-position contributions: they are computed only for --json.
      const detail = { contributions: f.json };
      let first: { account: string; results: MarginResult[] } | undefined;
      const rows: string[][] = [];
      for await (const it of b.items) {
        const results: MarginResult[] = [];
        for (const m of models) {
          const r = b.margin(it, m, detail);
          if (r) results.push(r);
        }
        if (results.length < models.length) continue;
        if (f.json) cli.out.push(`${JSON.stringify({ account: it.portfolio.account, results })}\n`);
        else {
          first ??= { account: it.portfolio.account, results };
          rows.push(compareSummaryRow(it.portfolio.account, results));
        }
      }
      if (!f.json && first && rows.length === 1) cli.out.push(`${formatCompare(first.account, first.results)}\n`);
      else if (!f.json && rows.length > 1) cli.out.push(`${formatCompareSummary(f.currency, rows)}\n`);
      b.finish();
    });
}

function whatifCommand(p: Command, cli: Cli): void {
  marginOptions(p.command("whatif").description("margin before and after a trade").argument("<portfolio>"))
    .requiredOption("--trade <INSTRUMENT:SIZE>", "trade to add (repeatable)", (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .action(async (path: string, f: MarginFlags & { trade: string[] }) => {
      const trades = parseTrades(f.trade);
      const b = await openBatch(cli, path, f, "whatif");
      const cross = portfolioMarketIssues({ account: "--trade", collateral: {}, positions: trades, openOrders: [] }, b.ctx.market)
        .map((i) => ({ ...i, path: i.path.replace(/^positions/, "--trade") }));
      if (cross.length > 0) throw new DpmInputError("invalid --trade", cross);
      for (const t of trades) {
        const note = fallbackNote(b.ctx.market, t);
        if (note) cli.warn(note, { instrument: t.instrument.name });
      }
      const detail = { contributions: f.json };
      for await (const it of b.items) {
        const ap = applyTrades(b.ctx, it.portfolio, trades);
        if (!ap.ok) { b.reject(it, "--trade", ap.reason); continue; }
        const before = b.margin(it, f.model, detail), after = before && b.margin({ ...it, portfolio: ap.value }, f.model, detail);
        if (!before || !after) continue;
        const change = {
          equity: after.equity - before.equity, adjustedEquity: after.adjustedEquity - before.adjustedEquity, initialMargin: after.initialMargin - before.initialMargin,
          maintenanceMargin: after.maintenanceMargin - before.maintenanceMargin, availableFunds: after.availableFunds - before.availableFunds,
        };
        cli.out.push(f.json ? `${JSON.stringify({ account: it.portfolio.account, model: f.model, trades: f.trade, before, after, change })}\n` : `${formatWhatIf(before, after, f.trade)}\n\n`);
      }
      b.finish();
    });
}

function greeksCommand(p: Command, cli: Cli): void {
  marginOptions(p.command("greeks").description("Greeks of the whole account per underlying and expiry, spot collateral included (its own row; delta in the numeraire's terms)").argument("<portfolio>"))
    .action(async (path: string, f: MarginFlags) => {
      const b = await openBatch(cli, path, f, "greeks");
      for await (const it of b.items) {
        const g = accountGreeks(b.ctx, it.portfolio);
        if (!g.ok) { b.reject(it, "<portfolio>", g.reason); continue; }
        const rows = g.value;
        cli.out.push(f.json ? `${JSON.stringify({ account: it.portfolio.account, currency: f.currency, greeks: rows })}\n` : `${formatGreeks(it.portfolio.account, f.currency, rows)}\n\n`);
      }
      b.finish();
    });
}

/** Register margin, compare, whatif and greeks. */
export function registerMarginCommands(p: Command, cli: Cli): void {
  marginCommand(p, cli);
  compareCommand(p, cli);
  whatifCommand(p, cli);
  greeksCommand(p, cli);
}
