/**
 * `dpm adapt backtest | fit`: the adaptive-margin models (static, ewma, garch, adaptive) walk-forward on
 * daily OHLCV bars, with anti-procyclicality; `fit` writes a parameter file for `dpm margin --params`.
 * Method and figures: docs/adaptive.md.
 */
import type { Cli } from "../context.js";
import { writeFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_APC, type ApcSpec } from "../../../analytics/adaptive/apc.js";
import { barsUpTo, type Bars } from "../../../analytics/adaptive/bars.js";
import { ADAPTIVE_CANDIDATES } from "../../../analytics/adaptive/candidates.js";
import { VALIDATION_DAYS } from "../../../analytics/adaptive/selection.js";
import { DEFAULT_ADAPTIVE_FEATURES } from "../../../analytics/adaptive/features.js";
import { fitParamsDoc, type FitModel } from "../../../analytics/adaptive/fitParams.js";
import { moveFromPriceRange } from "../../../analytics/adaptive/models.js";
import { summariseAsset, type AssetSummary } from "../../../analytics/adaptive/summary.js";
import { backtestBars, type AdaptSpec, type AssetBacktest } from "../../../analytics/adaptive/walkForward.js";
import { forAsset, type MarginParams } from "../../../margin/params.js";
import { parseDay } from "../../../risk/history.js";
import { barAssets, loadBars } from "../../barHistory.js";
import { DpmInputError } from "../../../input/issues.js";
import { parseParams } from "../../../input/paramsSchema.js";
import { rawPreset } from "../../../input/presets.js";
import { adaptReportHtml } from "../../report/adaptReport.js";
import { adaptTables, type AdaptRunInfo } from "../../report/adaptTable.js";
import { loadParams } from "../load.js";
import { numberArg } from "./risk.js";

interface AdaptFlags {
  history: string;
  assets: string;
  confidence: number;
  horizon: number;
  trainDays: number;
  refitDays: number;
  lambda: number;
  features?: string;
  apc: "buffer" | "stress";
  apcBuffer: number;
  apcCap: number;
  params?: string;
  preset: string;
  json: boolean;
  selection: boolean;
}

/** Confidence in (0.5, 0.9999]. */
function confidenceArg(v: string): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || !(x > 0.5 && x <= 0.9999)) throw new InvalidArgumentError("must be a number in (0.5, 0.9999]");
  return x;
}

function options(c: Command): Command {
  return c
    .requiredOption("--history <dir>", "directory of <SYM>-USD_1d.csv files (Date,Open,High,Low,Close,Volume by header name)")
    .requiredOption("--assets <list>", "comma-separated assets (each needs <A>-USD_1d.csv in the directory), or \"all\"")
    .option("--confidence <p>", "probability that |move| stays within m_t, in (0.5, 0.9999]", confidenceArg, 0.99)
    .option("--horizon <days>", "horizon h in days (integer 1–30)", numberArg(1, 30, true), 1)
    .option("--train-days <n>", "days before the first prediction (walk-forward training window)", numberArg(365, 100000, true), 1095)
    .option("--refit-days <n>", "days between refits of the ewma quantile, GARCH and adaptive models", numberArg(1, 365, true), 21)
    .option("--lambda <l>", "EWMA decay of the ewma model and the ewmaVol feature", numberArg(0, 1, false, true), 0.94)
    .option("--features <list>", `adaptive model features (default ${DEFAULT_ADAPTIVE_FEATURES.join(",")})`)
    .addOption(new Option("--apc <floor>", "anti-procyclicality floor: 25 % buffer or 25 % weight on the stressed level").choices(["buffer", "stress"]).default("buffer"))
    .option("--apc-buffer <b>", "APC buffer (and release trigger)", numberArg(0, 5), DEFAULT_APC.buffer)
    .option("--apc-cap <c>", "APC cap on the daily relative increase of the move", numberArg(0, 10), DEFAULT_APC.maxDailyIncrease)
    .option("--params <file>", "parameter file for the static model's price ranges (may \"extends\" a preset)")
    .option("--preset <name>", "preset for the static model's price ranges", "deribit")
    .option("--no-selection", "adaptive model without in-window selection: the expanding fit with equal weights only (candidate qr all/eq)")
    .option("--json", "machine-readable JSON on stdout (no progress bar)", false);
}

function assetList(f: AdaptFlags): string[] {
  if (f.assets.trim() === "all") return barAssets(f.history);
  const list = f.assets.split(",").map((a) => a.trim()).filter((a) => a !== "");
  const bad = list.filter((a) => !/^[A-Z][A-Z0-9]{0,11}$/.test(a));
  if (list.length === 0 || bad.length > 0) throw new DpmInputError("invalid --assets", [{ path: "--assets", message: "must be asset codes separated by commas (e.g. BTC,ETH) or \"all\"", value: f.assets }]);
  return [...new Set(list)];
}

function spec(f: AdaptFlags, params: MarginParams, asset: string): AdaptSpec {
  const apc: ApcSpec = { ...DEFAULT_APC, floor: f.apc, buffer: f.apcBuffer, maxDailyIncrease: f.apcCap };
  const features = f.features !== undefined ? f.features.split(",").map((x) => x.trim()).filter((x) => x !== "") : DEFAULT_ADAPTIVE_FEATURES;
  return {
    confidence: f.confidence, horizon: f.horizon, trainBars: f.trainDays, refitEvery: f.refitDays, ewmaLambda: f.lambda, features,
    staticMove: moveFromPriceRange(forAsset(params.portfolio.underlyings, asset).priceRange), apc,
    ...(f.selection ? {} : { selection: { candidates: ADAPTIVE_CANDIDATES.slice(0, 1) } }),
  };
}

function run(cli: Cli, f: AdaptFlags, bars: readonly Bars[], params: MarginParams): { runs: AssetBacktest[]; summaries: Record<string, AssetSummary>; spec: AdaptSpec } {
  const runs: AssetBacktest[] = [], summaries: Record<string, AssetSummary> = {};
  let last: AdaptSpec | undefined;
  for (const b of bars) {
    const s = spec(f, params, b.asset);
    const bar = cli.progress(`adapt ${b.asset}`.padEnd(12), "days");
    const r = backtestBars(b, s, (done, total) => bar.update(done, total));
    bar.stop();
    if (!r.ok) {
      const feature = /^unknown feature/.test(r.reason);
      throw new DpmInputError(`cannot backtest ${b.asset}`, [{ path: feature ? "--features" : "--history", message: r.reason, value: feature ? f.features : b.asset }]);
    }
    runs.push(r.value);
    summaries[b.asset] = summariseAsset(r.value, s.ewmaLambda, s.confidence);
    last = s;
  }
  if (!last) throw new DpmInputError("invalid --assets", [{ path: "--assets", message: "no asset to run", value: f.assets }]);
  return { runs, summaries, spec: last };
}

const info = (s: AdaptSpec): AdaptRunInfo => ({
  confidence: s.confidence, horizon: s.horizon, trainDays: s.trainBars, refitDays: s.refitEvery, apc: s.apc,
  selection: { candidates: (s.selection?.candidates ?? ADAPTIVE_CANDIDATES).length, validationDays: s.selection?.validationDays ?? VALIDATION_DAYS },
});

function write(path: string, text: string, what: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new DpmInputError(`cannot write ${what}`, [{ path: what, message: (e as Error).message, value: path }]);
  }
}

function backtestCommand(a: Command, cli: Cli): void {
  const out = cli.out;
  options(a.command("backtest").description("walk-forward backtest of the static, ewma, garch and adaptive move models, raw and with APC"))
    .option("--html <file>", "also write a self-contained HTML report with a chart per asset")
    .action((f: AdaptFlags & { html?: string }) => {
      const params = loadParams(f.params, f.preset);
      const r = run(cli, f, loadBars(f.history, assetList(f)), params);
      const inf = info(r.spec);
      if (f.html !== undefined) {
        write(f.html, adaptReportHtml(r.runs, r.summaries, inf), "--html");
        cli.wrote(f.html);
      }
      if (f.json) {
        out.push(`${JSON.stringify({ confidence: inf.confidence, horizon: inf.horizon, trainDays: inf.trainDays, refitDays: inf.refitDays, apc: inf.apc, selection: inf.selection, assets: r.summaries })}\n`);
      } else out.push(adaptTables(r.summaries, inf));
    });
}

function fitCommand(a: Command, cli: Cli): void {
  const out = cli.out;
  options(a.command("fit").description("fit a move model on all bars up to --as-of and write a parameter file (extends the preset) with its priceRange per asset"))
    .addOption(new Option("--model <m>", "model whose APC move sets priceRange").choices(["adaptive", "ewma", "garch"]).default("adaptive"))
    .option("--as-of <date>", "last bar to use (YYYY-MM-DD; default the last bar of each file)")
    .requiredOption("--out <file>", "parameter file to write")
    .action((f: AdaptFlags & { model: FitModel; asOf?: string; out: string }) => {
      const params = loadParams(f.params, f.preset);
      let bars = loadBars(f.history, assetList(f));
      if (f.asOf !== undefined) {
        const d = parseDay(f.asOf);
        if (d === undefined) throw new DpmInputError("invalid --as-of", [{ path: "--as-of", message: "must be YYYY-MM-DD", value: f.asOf }]);
        bars = bars.map((b) => barsUpTo(b, d));
      }
      const r = run(cli, f, bars, params);
      const fitted = fitParamsDoc(params, f.params !== undefined ? params.name : f.preset, r.runs, f.model, r.spec);
      const doc = f.params !== undefined ? fullBase(params, fitted) : fitted;
      const check = parseParams(doc, rawPreset);
      if (!check.ok) throw new Error(`fitted parameters fail validation: ${check.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
      write(f.out, `${JSON.stringify(doc, null, 1)}\n`, "--out");
      const cal = doc.calibration as { assets: Record<string, { priceRange: number; basePriceRange: number; rawMove: number; apcMove: number; apcRule: string; clampedBy: string | null }> };
      out.push(f.json ? `${JSON.stringify({ written: f.out, model: f.model, assets: cal.assets })}\n`
        : `wrote ${f.out}\n${Object.entries(cal.assets).map(([k, x]) => `${k}: ${f.model} move ${(x.rawMove * 100).toFixed(2)}%, with APC ${(x.apcMove * 100).toFixed(2)}% (${x.apcRule}) -> priceRange ${(x.priceRange * 100).toFixed(1)}% (preset ${(x.basePriceRange * 100).toFixed(1)}%)${x.clampedBy ? ` clamped at the ${x.clampedBy}` : ""}`).join("\n")}\n`);
    });
}

/** A parameter file given with --params is not a preset name: write the merged base in full instead of "extends". */
function fullBase(params: MarginParams, doc: Record<string, unknown>): Record<string, unknown> {
  const { extends: _base, portfolio, ...rest } = doc;
  const under = (portfolio as { underlyings: Record<string, unknown> }).underlyings;
  return { ...params, ...rest, portfolio: { ...params.portfolio, underlyings: { ...params.portfolio.underlyings, ...under } } };
}

/** Register `dpm adapt backtest` and `dpm adapt fit`. */
export function registerAdaptCommands(p: Command, cli: Cli): void {
  const a = p.command("adapt").description("adaptive margin: static / ewma / garch / adaptive move models, backtest and fit (docs/adaptive.md)");
  backtestCommand(a, cli);
  fitCommand(a, cli);
}
