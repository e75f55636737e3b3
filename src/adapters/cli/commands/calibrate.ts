/** `dpm calibrate`: adaptive portfolio-model parameters from price history (writes a parameter file). */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { parseParams } from "../../../input/paramsSchema.js";
import { DpmInputError } from "../../../input/issues.js";
import { calibrate } from "../../../analytics/calibrate.js";
import { MS_PER_DAY, parseDay } from "../../../risk/history.js";
import { loadHistory } from "../../history.js";
import { rawPreset } from "../../../input/presets.js";
import { loadMarket, loadParams } from "../load.js";
import type { Cli } from "../context.js";
import { numberArg } from "./risk.js";

interface CalibrateFlags {
  history: string;
  assets: string;
  market?: string;
  asOf?: string;
  params?: string;
  preset?: string;
  previous?: string;
  confidence: number;
  horizon: number;
  lookback: number;
  lambda: number;
  apc: "buffer" | "stress";
  maxDailyIncrease: number;
  shrinkage: number;
  correlationCredit: boolean;
  out?: string;
  json: boolean;
}

function endDay(f: CalibrateFlags): number {
  if (f.asOf !== undefined) {
    const d = parseDay(f.asOf);
    if (d === undefined) throw new DpmInputError("invalid --as-of", [{ path: "--as-of", message: "must be YYYY-MM-DD", value: f.asOf }]);
    return d;
  }
  if (f.market !== undefined) return Math.floor(loadMarket(f.market).asOf / MS_PER_DAY);
  return Math.floor(Number.MAX_SAFE_INTEGER / MS_PER_DAY);
}

/** Register `dpm calibrate`. */
export function registerCalibrate(p: Command, cli: Cli): void {
  p.command("calibrate").description("derive price ranges, vol shocks, haircuts and correlations from EWMA vol/correlation, with an anti-procyclicality floor and a daily cap; writes a parameter file")
    .requiredOption("--history <path>", "daily closes: a directory of <SYM>-USD_1d.csv files or a date,<ASSET>,... CSV")
    .requiredOption("--assets <list>", "comma-separated assets, e.g. BTC,ETH,SOL")
    .option("--market <file>", "take asOf from this snapshot")
    .option("--as-of <date>", "last close to use (YYYY-MM-DD); default: the snapshot's date or the latest common close")
    .option("--params <file>", "base parameter file")
    .option("--preset <name>", "base preset", "deribit")
    .option("--previous <file>", "yesterday's calibrated parameters (for the daily cap; default: the base)")
    .option("--confidence <alpha>", "confidence in (0.5, 1)", numberArg(0.5, 1, false, true), 0.99)
    .option("--horizon <days>", "liquidation horizon in days", numberArg(1, 30, true), 3)
    .option("--lookback <n>", "daily returns for EWMA vol and correlation", numberArg(20, 10000, true), 365)
    .option("--lambda <l>", "EWMA decay", numberArg(0, 1, false, true), 0.94)
    .addOption(new Option("--apc <mode>", "anti-procyclicality: 25 % buffer or 25 % weight on the stressed period").choices(["buffer", "stress"]).default("stress"))
    .option("--max-daily-increase <x>", "cap on the rise of a price range per day", numberArg(0, 10), 0.1)
    .option("--shrinkage <d>", "correlation shrinkage towards the identity", numberArg(0, 1), 0.1)
    .option("--no-correlation-credit", "keep the base's cross-asset aggregation")
    .option("--out <file>", "write the parameter file here (default: stdout)")
    .option("--json", "print the parameter file as compact JSON", false)
    .action((f: CalibrateFlags) => {
      const assets = f.assets.split(",").map((a) => a.trim()).filter((a) => a !== "");
      const bad = assets.filter((a) => !/^[A-Z][A-Z0-9]{0,11}$/.test(a));
      if (assets.length === 0 || bad.length > 0) throw new DpmInputError("invalid --assets", [{ path: "--assets", message: "must be asset codes separated by commas, e.g. BTC,ETH", value: f.assets }]);
      const base = loadParams(f.params, f.preset);
      const previous = f.previous ? loadParams(f.previous, undefined) : base;
      const stable = new Set(base.collateral.stablecoins);
      const risky = assets.filter((a) => !stable.has(a));
      const history = loadHistory(f.history, risky);
      const prevDay = typeof previous.calibration?.asOf === "string" ? parseDay(previous.calibration.asOf) : undefined;
      const end = endDay(f);
      const days = prevDay !== undefined && end < 1e9 ? Math.max(1, end - prevDay) : 1;
      const r = calibrate(base, previous, history, risky, end, {
        confidence: f.confidence, horizonDays: f.horizon, lookbackDays: f.lookback, lambda: f.lambda, apc: f.apc,
        stressWindows: base.var?.stressWindows ?? [], maxDailyIncrease: f.maxDailyIncrease, daysSincePrevious: days,
        shrinkage: f.shrinkage, correlationCredit: f.correlationCredit,
      });
      if (!r.ok) throw new DpmInputError("cannot calibrate", [{ path: "--history", message: r.reason }]);
      const doc = { ...r.value, calibration: { ...r.value.calibration, history: f.history, assets: r.value.calibration?.assets, stablecoinsSkipped: assets.filter((a) => stable.has(a)) } };
      const check = parseParams(doc, rawPreset);
      if (!check.ok) throw new Error(`calibrated parameters fail validation: ${check.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
      const text = f.json ? `${JSON.stringify(doc)}\n` : `${JSON.stringify(doc, null, 1)}\n`;
      if (f.out) {
        try {
          writeFileSync(f.out, text);
        } catch (e) {
          throw new DpmInputError("cannot write --out", [{ path: "--out", message: (e as Error).message, value: f.out }]);
        }
        cli.wrote(f.out);
        const rows = Object.entries(r.value.calibration?.assets as Record<string, { annualVolNow: number; annualVolUsed: number; priceRange: number; capped: boolean; haircut: number; volClass: string }>);
        cli.out.push(f.json ? `${JSON.stringify({ written: f.out, assets: Object.fromEntries(rows) })}\n`
          : `${rows.map(([a, x]) => `${a}: vol now ${(x.annualVolNow * 100).toFixed(1)}%, used ${(x.annualVolUsed * 100).toFixed(1)}% -> priceRange ${(x.priceRange * 100).toFixed(1)}%${x.capped ? " (capped)" : ""}, haircut ${(x.haircut * 100).toFixed(1)}% (${x.volClass})`).join("\n")}\n`);
      } else cli.out.push(text);
    });
}
