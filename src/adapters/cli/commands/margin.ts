import type { Command } from "commander";
import { parseInstrument } from "../../../domain/instrument.js";
import type { Portfolio, Position } from "../../../domain/portfolio.js";
import { GRID_MODELS, marginWith, prepareContext } from "../../../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../../../margin/result.js";
import type { RiskContext } from "../../../margin/riskContext.js";
import { applyTrades } from "../../../margin/whatIf.js";
import { greeksReport } from "../../../risk/greeksReport.js";
import { portfolioMarketIssues } from "../../../input/crossCheck.js";
import { DpmInputError, type InputIssue } from "../../../input/issues.js";
import { MAX_ABS_SIZE } from "../../../input/portfolioSchema.js";
import { compute, marginOptions, setup, type MarginFlags } from "../common.js";
import { loadParams } from "../load.js";
import { formatVenues } from "../formatVenues.js";
import { formatCompare, formatCompareSummary, formatGreeks, formatMargin, formatWhatIf } from "../format.js";

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

function marginCommand(p: Command, out: string[]): void {
  marginOptions(p.command("margin").description("margin of one portfolio, an array of them, or JSON lines (one result per line)").argument("<portfolio>", "portfolio JSON / JSON lines file, or - for stdin"))
    .action((path: string, f: MarginFlags) => {
      const { ctx, portfolios, varInputs } = setup(path, f);
      for (const pf of portfolios) {
        const r = compute(ctx, pf, f.model, varInputs);
        out.push(f.json ? `${JSON.stringify(r)}\n` : `${formatMargin(r)}\n\n`);
      }
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
function compareVenues(path: string, f: MarginFlags & { venues: string }, out: string[]): void {
  const names = f.venues.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const { ctx, portfolios } = setup(path, f);
  const ctxs = names.map((n) => {
    const c = prepareContext(ctx.market, loadParams(undefined, n), f.currency);
    if (!c.ok) throw new DpmInputError("invalid --currency", [{ path: "--currency", message: c.reason, value: f.currency }]);
    return c.value;
  });
  for (const pf of portfolios) {
    const venues = venueOutcomes(names, ctxs, pf);
    out.push(f.json ? `${JSON.stringify({ account: pf.account, venues })}\n` : `${formatVenues(pf.account, f.currency, venues)}\n\n`);
  }
}

function compareCommand(p: Command, out: string[]): void {
  marginOptions(p.command("compare").description("isolated, standard and portfolio margin side by side (capital efficiency); --venues compares venues' presets").argument("<portfolio>"))
    .option("--venues <presets>", "comma-separated presets to compare under the portfolio model (e.g. deribit,okx,derive)")
    .action((path: string, f: MarginFlags & { venues?: string }) => {
      if (f.venues !== undefined) return compareVenues(path, { ...f, venues: f.venues }, out);
      const { ctx, portfolios, varInputs } = setup(path, f);
      const models: MarginModel[] = varInputs ? [...GRID_MODELS, "var"] : [...GRID_MODELS];
      const all = portfolios.map((pf) => ({ account: pf.account, results: models.map((m) => compute(ctx, pf, m, varInputs)) }));
      if (f.json) for (const r of all) out.push(`${JSON.stringify(r)}\n`);
      else if (all.length === 1) out.push(`${formatCompare(all[0].account, all[0].results)}\n`);
      else out.push(`${formatCompareSummary(all)}\n`);
    });
}

function whatifCommand(p: Command, out: string[]): void {
  marginOptions(p.command("whatif").description("margin before and after a trade").argument("<portfolio>"))
    .requiredOption("--trade <INSTRUMENT:SIZE>", "trade to add (repeatable)", (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .action((path: string, f: MarginFlags & { trade: string[] }) => {
      const { ctx, portfolios } = setup(path, f);
      const trades = parseTrades(f.trade);
      for (const pf of portfolios) {
        const cross = portfolioMarketIssues({ ...pf, positions: trades }, ctx.market).map((i) => ({ ...i, path: i.path.replace(/^positions/, "--trade") }));
        if (cross.length > 0) throw new DpmInputError("invalid --trade", cross);
        const ap = applyTrades(ctx, pf, trades);
        if (!ap.ok) throw new DpmInputError("invalid --trade", [{ path: "--trade", message: ap.reason }]);
        const after = ap.value;
        const b = compute(ctx, pf, f.model), a = compute(ctx, after, f.model);
        const change = {
          equity: a.equity - b.equity, adjustedEquity: a.adjustedEquity - b.adjustedEquity, initialMargin: a.initialMargin - b.initialMargin,
          maintenanceMargin: a.maintenanceMargin - b.maintenanceMargin, availableFunds: a.availableFunds - b.availableFunds,
        };
        out.push(f.json ? `${JSON.stringify({ account: pf.account, model: f.model, trades: f.trade, before: b, after: a, change })}\n` : `${formatWhatIf(b, a, f.trade)}\n\n`);
      }
    });
}

function greeksCommand(p: Command, out: string[]): void {
  marginOptions(p.command("greeks").description("Greeks per underlying and expiry").argument("<portfolio>"))
    .action((path: string, f: MarginFlags) => {
      const { ctx, portfolios } = setup(path, f);
      for (const pf of portfolios) {
        const r = compute(ctx, pf, "portfolio");
        const rows = greeksReport(r.positions.map((x, i) => ({ ...x, instrument: pf.positions[i].instrument })));
        out.push(f.json ? `${JSON.stringify({ account: pf.account, currency: r.currency, greeks: rows })}\n` : `${formatGreeks(pf.account, r.currency, rows)}\n\n`);
      }
    });
}

/** Register margin, compare, whatif and greeks. */
export function registerMarginCommands(p: Command, out: string[]): void {
  marginCommand(p, out);
  compareCommand(p, out);
  whatifCommand(p, out);
  greeksCommand(p, out);
}
