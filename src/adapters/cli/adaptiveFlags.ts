/**
 * `dpm serve --adaptive propose|auto` and its flags (docs/adaptive.md "In the service"): validated here, every
 * problem with its flag and value (exit 2), turned into the scheduler's configuration.
 */
import { Option, type Command } from "commander";
import type { Bars } from "../../analytics/adaptive/bars.js";
import { DEFAULT_APC } from "../../analytics/adaptive/apc.js";
import { DEFAULT_ADAPTIVE_FEATURES } from "../../analytics/adaptive/features.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { presetNames } from "../../input/presets.js";
import { fitWorkerUrl, type AdaptiveConfig } from "../adaptive/scheduler.js";
import { barAssets, loadBars } from "../barHistory.js";

export interface AdaptiveFlags {
  adaptive?: "propose" | "auto";
  adaptiveEvery: string;
  adaptiveNotice: string;
  adaptiveHistory?: string;
  adaptiveAssets?: string;
  adaptiveTrainDays: string;
  adaptiveRefitDays: string;
  adaptiveRegime: string;
  adaptiveBase?: string;
}

/** Add the flags to `serve`. */
export function adaptiveOptions(c: Command): Command {
  return c
    .addOption(new Option("--adaptive <mode>", "adaptive priceRange per asset: propose (an admin approves each change) or auto (applied after --adaptive-notice)").choices(["propose", "auto"]))
    .option("--adaptive-every <duration>", "feed time between scheduled recomputations (e.g. 1h, 30m, 1d)", "1h")
    .option("--adaptive-notice <duration>", "auto: feed time between a proposal and its application", "15m")
    .option("--adaptive-history <dir>", "daily bars before the live ones: <SYM>-USD_1d.csv files (as dpm adapt --history)")
    .option("--adaptive-assets <list>", "assets to fit (default: every non-stablecoin asset of the market)")
    .option("--adaptive-train-days <n>", "training days of the adaptive model (fewer bars: the ewma fallback on 365)", "1095")
    .option("--adaptive-refit-days <n>", "days between refits in the walk-forward", "21")
    .option("--adaptive-regime <ratio>", "regime change: 1-hour realised vol above this multiple of the 24-hour one triggers a recomputation", "2")
    .option("--adaptive-base <preset>", "static preset the ranges are fitted on (default: the log's)");
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `1d`, or plain milliseconds → ms (integer ≥ 1 s, ≤ 365 days). */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? "ms"]);
  return ms >= 1000 && ms <= 365 * UNITS.d ? ms : undefined;
}

function intIn(v: string, lo: number, hi: number): number | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : undefined;
}

/** The scheduler's configuration, or undefined without `--adaptive`. Flags of the adaptive family need `--adaptive`. */
export function adaptiveConfigFrom(f: AdaptiveFlags): AdaptiveConfig | undefined {
  if (f.adaptive === undefined) {
    if (f.adaptiveHistory !== undefined || f.adaptiveAssets !== undefined || f.adaptiveBase !== undefined) throw new DpmInputError("invalid adaptive flags", [{ path: "--adaptive", message: "--adaptive-history, --adaptive-assets and --adaptive-base need --adaptive propose|auto", value: undefined }]);
    return undefined;
  }
  const issues: InputIssue[] = [];
  const bad = (path: string, message: string, value: unknown) => issues.push({ path, message, value });
  const everyMs = durationMs(f.adaptiveEvery), noticeMs = durationMs(f.adaptiveNotice);
  if (everyMs === undefined) bad("--adaptive-every", "must be a duration from 1s to 365d such as 1h, 30m, 1d", f.adaptiveEvery);
  if (noticeMs === undefined) bad("--adaptive-notice", "must be a duration from 1s to 365d such as 15m", f.adaptiveNotice);
  const trainDays = intIn(f.adaptiveTrainDays, 365, 100000), refitDays = intIn(f.adaptiveRefitDays, 1, 365), ratio = Number(f.adaptiveRegime);
  if (trainDays === undefined) bad("--adaptive-train-days", "must be an integer ≥ 365", f.adaptiveTrainDays);
  if (refitDays === undefined) bad("--adaptive-refit-days", "must be an integer from 1 to 365", f.adaptiveRefitDays);
  if (!(Number.isFinite(ratio) && ratio > 1 && ratio <= 100)) bad("--adaptive-regime", "must be a number in (1, 100]", f.adaptiveRegime);
  if (f.adaptiveBase !== undefined && !presetNames().includes(f.adaptiveBase)) bad("--adaptive-base", `must be one of ${presetNames().join(", ")}`, f.adaptiveBase);
  const assets = f.adaptiveAssets === undefined ? [] : f.adaptiveAssets.split(",").map((a) => a.trim()).filter((a) => a !== "");
  if (assets.some((a) => !/^[A-Z][A-Z0-9]{0,11}$/.test(a))) bad("--adaptive-assets", "must be asset codes separated by commas (e.g. BTC,ETH)", f.adaptiveAssets);
  if (issues.length > 0) throw new DpmInputError("invalid adaptive flags", issues);
  let history: Map<string, Bars> | undefined;
  if (f.adaptiveHistory !== undefined) {
    const dir = f.adaptiveHistory, want = assets.length > 0 ? assets : barAssets(dir);
    history = new Map(loadBars(dir, want).map((b) => [b.asset, b]));
  }
  return {
    mode: f.adaptive, everyMs: everyMs as number, noticeMs: noticeMs as number, assets, ...(history ? { history } : {}), ...(f.adaptiveBase ? { base: f.adaptiveBase } : {}),
    model: { confidence: 0.99, horizon: 1, trainDays: trainDays as number, refitDays: refitDays as number, lambda: 0.94, features: DEFAULT_ADAPTIVE_FEATURES, apc: DEFAULT_APC },
    regime: { ratio, shortMs: 3_600_000, longMs: 86_400_000 },
    // The walk-forward runs in a worker thread when the compiled worker is there (always under bin/dpm).
    ...(fitWorkerUrl() ? { workerUrl: fitWorkerUrl() } : {}),
  };
}
