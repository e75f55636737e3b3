/**
 * JSON-ready summaries of a walk-forward backtest: per model the flat breach / test / procyclicality
 * figures (raw, and `withApc`), and the fitted models' parameters in a form a risk committee can read —
 * the adaptive model's coefficients and standardised importances per feature, the EWMA quantile, the
 * GARCH parameters. Pure.
 */
import { dayText } from "../../risk/history.js";
import type { MoveMetrics } from "./evaluate.js";
import { MODEL_NAMES, type ModelName } from "./models.js";
import type { AssetBacktest } from "./walkForward.js";

export interface ModelSummary extends MoveMetrics {
  readonly withApc: MoveMetrics;
}

/** The adaptive model's last fit: ln m = intercept + Σ coefficient × feature. */
export interface AdaptiveReport {
  readonly fittedAt: string;
  readonly trainingRows: number;
  readonly features: readonly string[];
  readonly intercept: number;
  /** Per feature, in the feature's units (vol features: ln of a per-bar sd; returns: log return). */
  readonly coefficients: Readonly<Record<string, number>>;
  /** Per feature: coefficient × the feature's sd over the training rows (effect of a 1-sd move on ln m). */
  readonly importance: Readonly<Record<string, number>>;
  /** Importance averaged over every refit of the backtest. */
  readonly meanImportance: Readonly<Record<string, number>>;
  /** δ: the tail shift (log units) from the median scale to the confidence quantile. */
  readonly tailShift: number;
}

export interface AssetSummary {
  /** First and last prediction day with a known outcome. */
  readonly from: string;
  readonly to: string;
  readonly firstBar: string;
  readonly bars: number;
  readonly droppedBars: number;
  readonly refits: number;
  readonly models: Readonly<Record<ModelName, ModelSummary>>;
  readonly adaptive: AdaptiveReport;
  readonly ewma: { readonly lambda: number; readonly quantile: number };
  /** GARCH parameters; persistence α + β and the half-life ln ½ / ln(α + β) of a variance shock, in days. */
  readonly garch: { readonly omega: number; readonly alpha: number; readonly beta: number; readonly nu: number; readonly tQuantile: number; readonly persistence: number; readonly halfLifeDays: number };
}

const r6 = (v: number): number => Number(v.toPrecision(6));

function named(names: readonly string[], values: ArrayLike<number>, offset = 0): Record<string, number> {
  return Object.fromEntries(names.map((n, k) => [n, r6(values[k + offset])]));
}

/** The adaptive model's reportable fit (the last one, plus the mean importance over all refits). */
export function adaptiveReport(b: AssetBacktest): AdaptiveReport {
  const fits = b.fits.adaptive, last = fits[fits.length - 1], names = b.fits.features;
  const mean = new Float64Array(names.length);
  for (const f of fits) for (let k = 0; k < names.length; k++) mean[k] += f.standardized[k] / fits.length;
  return {
    fittedAt: dayText(b.series.periods[last.at - (b.bars - b.series.periods.length)]), trainingRows: last.rows, features: names,
    intercept: r6(last.coef[0]), coefficients: named(names, last.coef, 1), importance: named(names, last.standardized), meanImportance: named(names, mean), tailShift: r6(last.shift),
  };
}

/** Summary of one asset's backtest (what `dpm adapt backtest --json` prints per asset). */
export function summariseAsset(b: AssetBacktest, ewmaLambda: number): AssetSummary {
  const s = b.series;
  let lastKnown = s.realised.length - 1;
  while (lastKnown > 0 && !Number.isFinite(s.realised[lastKnown])) lastKnown--;
  const models = Object.fromEntries(MODEL_NAMES.map((m) => [m, { ...b.models[m].raw, withApc: b.models[m].withApc }])) as Record<ModelName, ModelSummary>;
  const g = b.fits.garch[b.fits.garch.length - 1], p = g.fit.params;
  return {
    from: dayText(s.periods[0]), to: dayText(s.periods[lastKnown]), firstBar: dayText(b.firstPeriod), bars: b.bars, droppedBars: b.droppedBars,
    refits: b.fits.adaptive.length, models, adaptive: adaptiveReport(b),
    ewma: { lambda: ewmaLambda, quantile: r6(b.fits.ewma[b.fits.ewma.length - 1].quantile) },
    garch: { omega: r6(p.omega), alpha: r6(p.alpha), beta: r6(p.beta), nu: r6(p.nu), tQuantile: r6(g.tQuantile), persistence: r6(p.alpha + p.beta), halfLifeDays: r6(Math.log(0.5) / Math.log(p.alpha + p.beta)) },
  };
}
