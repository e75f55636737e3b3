/** Risk commands: var, stress, backtest, calibrate (DESIGN.md sections 6 and 7). */
import { Command, InvalidArgumentError, Option } from "commander";
import type { MarginModel } from "../../../margin/result.js";
import type { VarParams } from "../../../margin/params.js";
import { backtest } from "../../../analytics/backtest.js";
import { reverseStress } from "../../../analytics/reverseStress.js";
import { runStress, type StressResult, type StressScenario } from "../../../analytics/stress.js";
import { DEFAULT_VAR_SPEC, runVar, type VarSpec } from "../../../analytics/varReport.js";
import { DpmInputError } from "../../../input/issues.js";
import { parseStressFile } from "../../../input/stressSchema.js";
import { findScenario, historicalScenarios, scenarioChoices } from "../../stressLibrary.js";
import { openBatch, type MarginFlags } from "../common.js";
import type { Cli } from "../context.js";
import { parseJson, readText } from "../io.js";
import { formatBacktest, formatReverse, formatStress, formatVar } from "../riskFormat.js";
import { registerCalibrate } from "./calibrate.js";

/** A numeric option parser with bounds; a bad value is a usage error (exit 2). */
export function numberArg(lo: number, hi: number, integer = false, open = false): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    const inRange = open ? x > lo && x < hi : x >= lo && x <= hi;
    if (v.trim() === "" || !Number.isFinite(x) || !inRange || (integer && !Number.isInteger(x))) {
      throw new InvalidArgumentError(`must be ${integer ? "an integer" : "a number"} ${open ? `strictly between ${lo} and ${hi}` : `in [${lo}, ${hi}]`}`);
    }
    return x;
  };
}

/** Options shared by the risk commands. */
export function riskOptions(c: Command): Command {
  return c
    .requiredOption("--market <file>", "market snapshot JSON")
    .option("--params <file>", "parameter file (JSON; may \"extends\" a preset)")
    .option("--preset <name>", "shipped parameter preset", "deribit")
    .option("--currency <code>", "numeraire: USD or an asset with an index (e.g. BTC)", "USD")
    .option("--json", "machine-readable JSON output", false);
}

interface VarFlags extends MarginFlags {
  history: string;
  method?: "hs" | "fhs" | "mc";
  confidence?: number;
  horizon?: number;
  lookback?: number;
  paths?: number;
  seed?: number;
  dist?: "normal" | "t";
  dof?: number;
  lambda?: number;
  shrinkage?: number;
  correlation?: string;
}

function readCorrelation(path: string): VarSpec["correlation"] {
  const j = parseJson(readText(path, "--correlation"), "--correlation") as { assets?: unknown; matrix?: unknown };
  const ok = Array.isArray(j?.assets) && j.assets.every((a) => typeof a === "string") && Array.isArray(j.matrix) && j.matrix.every((r) => Array.isArray(r) && r.every((x) => typeof x === "number"));
  if (!ok) throw new DpmInputError("invalid --correlation", [{ path: "--correlation", message: "must be {\"assets\": [\"BTC\", ...], \"matrix\": [[1, 0.8], [0.8, 1]]} (rows of numbers)", value: path }]);
  const assets = j.assets as string[], rows = j.matrix as number[][];
  if (rows.length !== assets.length || rows.some((r) => r.length !== assets.length)) {
    throw new DpmInputError("invalid --correlation", [{ path: "--correlation.matrix", message: `must be ${assets.length}×${assets.length}` }]);
  }
  return { assets, matrix: rows.flat() };
}

function varSpec(f: VarFlags, base: VarParams | undefined): VarSpec {
  const b: VarSpec = base ?? DEFAULT_VAR_SPEC;
  return {
    method: f.method ?? b.method, confidence: f.confidence ?? b.confidence, horizonDays: f.horizon ?? b.horizonDays,
    lookbackDays: f.lookback ?? b.lookbackDays, paths: f.paths ?? b.paths, seed: f.seed ?? b.seed, distribution: f.dist ?? b.distribution,
    dof: f.dof ?? b.dof, ewmaLambda: f.lambda ?? b.ewmaLambda, shrinkage: f.shrinkage ?? b.shrinkage,
    ...(f.correlation ? { correlation: readCorrelation(f.correlation) } : {}),
  };
}

function varCommand(p: Command, cli: Cli): void {
  riskOptions(p.command("var").description("VaR and Expected Shortfall by historical (hs), filtered historical (fhs) or Monte Carlo (mc) simulation").argument("<portfolio>"))
    .requiredOption("--history <path>", "daily closes: a directory of <SYM>-USD_1d.csv files or a date,<ASSET>,... CSV")
    .addOption(new Option("--method <m>", "hs | fhs | mc (default from the parameters' var section)").choices(["hs", "fhs", "mc"]))
    .option("--confidence <alpha>", "confidence in (0.5, 1)", numberArg(0.5, 1, false, true))
    .option("--horizon <days>", "horizon in days (√h scaling)", numberArg(1, 365, true))
    .option("--lookback <n>", "daily returns in the window", numberArg(2, 100000, true))
    .option("--paths <n>", "Monte Carlo paths", numberArg(1, 10000000, true))
    .option("--seed <s>", "Monte Carlo seed", numberArg(0, 4294967295, true))
    .addOption(new Option("--dist <d>", "Monte Carlo shocks").choices(["normal", "t"]))
    .option("--dof <nu>", "Student-t degrees of freedom", numberArg(2, 1000, false, true))
    .option("--lambda <l>", "EWMA decay", numberArg(0, 1, false, true))
    .option("--shrinkage <d>", "correlation shrinkage towards the identity", numberArg(0, 1))
    .option("--correlation <file>", "Monte Carlo correlation matrix JSON {assets, matrix} (validated, repaired if not PSD)")
    .action(async (path: string, f: VarFlags) => {
      const b = await openBatch(cli, path, { ...f, model: "portfolio" }, "var: reading");
      if (!b.varInputs) throw new Error("history not loaded");
      const spec = varSpec(f, b.ctx.params.var);
      for await (const it of b.items) {
        const pf = it.portfolio;
        const bar = cli.progress(`var ${pf.account}`, spec.method === "mc" ? "paths" : "scenarios");
        const r = runVar(b.ctx, pf, b.varInputs.history, spec, false, (d, t) => bar.update(d, t));
        bar.stop();
        if (!r.ok) { b.reject(it, "--history", `cannot compute VaR of ${pf.account}: ${r.reason}`); continue; }
        cli.out.push(f.json ? `${JSON.stringify(r.value.report)}\n` : `${formatVar(r.value.report)}\n\n`);
      }
      b.finish();
    });
}

interface StressFlags extends MarginFlags {
  scenarios?: string;
  scenario?: string[];
  reverse: boolean;
  direction?: string;
  volShock?: number;
}

function parseDirection(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const [a, v] = part.split("=");
    const x = Number(v);
    if (!a || !/^[A-Z][A-Z0-9]{0,11}$/.test(a.trim()) || v === undefined || !Number.isFinite(x)) {
      throw new DpmInputError("invalid --direction", [{ path: "--direction", message: "must be ASSET=WEIGHT pairs separated by commas, e.g. BTC=-1,ETH=-1", value: text }]);
    }
    out[a.trim()] = x;
  }
  return out;
}

/**
 * The scenarios to run: the shipped library or `--scenarios FILE`, narrowed by `--scenario NAME` (library
 * names, or former names with a note). Shared with `dpm report`.
 */
export function chooseScenarios(cli: Cli, f: { scenarios?: string; scenario?: string[] }): StressScenario[] {
  const all = f.scenarios ? parseStressFile(parseJson(readText(f.scenarios, "--scenarios"), "--scenarios"), f.scenarios) : historicalScenarios();
  if (!f.scenario || f.scenario.length === 0) return all;
  const found = f.scenario.map((n) => ({ n, hit: findScenario(n, all) }));
  const unknown = found.filter((x) => x.hit === undefined);
  if (unknown.length > 0) throw new DpmInputError("unknown --scenario", unknown.map(({ n }) => ({ path: "--scenario", message: `must be one of ${scenarioChoices(all)}`, value: n })));
  const names = new Set<string>();
  for (const { hit } of found) {
    if (!hit) continue;
    if (hit.alias) cli.note(`scenario "${hit.alias}" is now named "${hit.scenario.name}" (the old name still works)`, { alias: hit.alias, scenario: hit.scenario.name });
    names.add(hit.scenario.name);
  }
  return all.filter((s) => names.has(s.name));
}

function stressCommand(p: Command, cli: Cli): void {
  riskOptions(p.command("stress").description("named historical (or custom JSON) stress scenarios; --reverse: distance to liquidation and bankruptcy").argument("<portfolio>"))
    .addOption(new Option("--model <model>", "margin model after the shock").choices(["isolated", "standard", "portfolio"]).default("portfolio"))
    .option("--scenarios <file>", "custom scenarios JSON ({\"scenarios\": [...]}) instead of the shipped historical library")
    .option("--scenario <name>", "run only this scenario (repeatable; the names of dpm cascade and dpm report)", (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option("--reverse", "reverse stress: smallest joint move to liquidation and to bankruptcy", false)
    .option("--direction <A=w,...>", "reverse-stress direction, e.g. BTC=-1,ETH=-1 (default: the worst direction)")
    .option("--vol-shock <x>", "relative vol change applied along the reverse-stress path", numberArg(-0.95, 10), 0)
    .action(async (path: string, f: StressFlags) => {
      const model: MarginModel = f.model;
      const dir = f.reverse && f.direction ? parseDirection(f.direction) : undefined;
      const scenarios = f.reverse ? [] : chooseScenarios(cli, f);
      const b = await openBatch(cli, path, f, "stress");
      const { market, params } = b.ctx;
      for await (const it of b.items) {
        const pf = it.portfolio;
        if (f.reverse) {
          const r = reverseStress(market, params, f.currency, pf, model, dir, f.volShock ?? 0);
          if (!r.ok) { b.reject(it, f.direction ? "--direction" : "<portfolio>", `cannot reverse-stress ${pf.account}: ${r.reason}`); continue; }
          cli.out.push(f.json ? `${JSON.stringify(r.value)}\n` : `${formatReverse(r.value)}\n\n`);
          continue;
        }
        const rows: StressResult[] = [];
        for (const sc of scenarios) {
          const r = runStress(market, params, f.currency, pf, model, sc);
          if (r.ok) rows.push(r.value);
          else b.reject(it, "--scenarios", `cannot stress ${pf.account} under ${sc.name}: ${r.reason}`, sc.name);
        }
        if (rows.length < scenarios.length) continue;
        cli.out.push(f.json ? `${JSON.stringify({ account: pf.account, model, currency: f.currency, results: rows })}\n` : `${formatStress(pf.account, f.currency, rows)}\n\n`);
      }
      b.finish();
    });
}

interface BacktestFlags extends MarginFlags {
  history: string;
  window: number;
  method: "hs" | "fhs";
  confidence: number;
  lambda?: number;
  days?: number;
}

function backtestCommand(p: Command, cli: Cli): void {
  riskOptions(p.command("backtest").description("VaR backtest of the portfolio held constant: breaches, Kupiec, Christoffersen, Basel traffic light; and the portfolio model's margin against each day's loss").argument("<portfolio>"))
    .requiredOption("--history <path>", "daily closes: a directory of <SYM>-USD_1d.csv files or a date,<ASSET>,... CSV")
    .option("--window <n>", "daily returns behind each day's VaR", numberArg(10, 100000, true), 250)
    .addOption(new Option("--method <m>", "hs | fhs").choices(["hs", "fhs"]).default("hs"))
    .option("--confidence <alpha>", "confidence in (0.5, 1)", numberArg(0.5, 1, false, true), 0.99)
    .option("--lambda <l>", "EWMA decay of fhs", numberArg(0, 1, false, true))
    .option("--days <n>", "test only the last n days", numberArg(1, 100000, true))
    .action(async (path: string, f: BacktestFlags) => {
      const b = await openBatch(cli, path, { ...f, model: "portfolio" }, "backtest: reading");
      if (!b.varInputs) throw new Error("history not loaded");
      const ctx = b.ctx;
      for await (const it of b.items) {
        const pf = it.portfolio;
        const grid = b.margin(it, "portfolio", { contributions: false });
        if (!grid) continue;
        const gridRisk = grid.initialMargin - grid.components.filter((c) => c.name === "openOrders").reduce((s, c) => s + c.amount, 0);
        const bar = cli.progress(`backtest ${pf.account}`, "days");
        const r = backtest(ctx, pf, b.varInputs.history, {
          method: f.method, confidence: f.confidence, window: f.window, ewmaLambda: f.lambda ?? ctx.params.var?.ewmaLambda ?? 0.94, ...(f.days ? { days: f.days } : {}),
        }, gridRisk, (d, t) => bar.update(d, t));
        bar.stop();
        if (!r.ok) { b.reject(it, "--window", `cannot backtest ${pf.account}: ${r.reason}`, f.window); continue; }
        const { series, ...summary } = r.value;
        cli.out.push(f.json ? `${JSON.stringify({ ...summary, series })}\n` : `${formatBacktest(r.value)}\n\n`);
      }
      b.finish();
    });
}

/** Register var, stress, backtest and calibrate. */
export function registerRiskCommands(p: Command, cli: Cli): void {
  varCommand(p, cli);
  stressCommand(p, cli);
  backtestCommand(p, cli);
  registerCalibrate(p, cli);
}
