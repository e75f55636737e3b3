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
import { candidateLabel } from "./candidates.js";
import type { AdaptiveFit } from "./selection.js";

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
  /** The candidate chosen at the last refit and the choices over the backtest. */
  readonly selection: SelectionReport;
}

/** One candidate's figures over a refit's validation days. */
export interface ValidationFigures {
  /** Mean pinball loss at τ = confidence of ln|R| against ln m. */
  readonly loss: number;
  readonly breaches: number;
  /** Mean m over the validation days (log-return units). */
  readonly meanMove: number;
}

/** In-window model selection of the adaptive model, as a risk committee reads it. */
export interface SelectionReport {
  /** Label of the candidate chosen at the last refit: scale, window days / δ half-life days (`qr all/eq`). */
  readonly candidate: string;
  /** `quantreg`: ln m = intercept + Σ coefficient × feature; `ewma`: ln m = tail shift + ln σ_ewma (coefficients 0). */
  readonly scale: "quantreg" | "ewma";
  /** Training window (days) of the last fit, null = every row. */
  readonly windowDays: number | null;
  /** Half-life (days) of the δ weights, null = equal weights. */
  readonly halfLifeDays: number | null;
  /** Effective rows behind δ, (Σw)²/Σw². */
  readonly effectiveTailRows: number;
  /** Validation days of the last choice and its expected breaches ((1 − confidence) × days). */
  readonly validationDays: number;
  readonly expectedValidationBreaches: number;
  /** The chosen candidate and candidate 0 (expanding, equal weights: the model without selection) on those days. */
  readonly chosen: ValidationFigures;
  readonly baseline: ValidationFigures;
  /** Refits per chosen candidate over the backtest, most frequent first. */
  readonly choices: Readonly<Record<string, number>>;
  /** Refits whose choice differs from the previous refit's. */
  readonly switches: number;
  /** Every refit: its day and the chosen candidate. */
  readonly history: readonly { readonly at: string; readonly candidate: string }[];
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

const figures = (f: AdaptiveFit, c: number): ValidationFigures => ({ loss: r6(f.selection.losses[c]), breaches: f.selection.breaches[c], meanMove: r6(f.selection.meanMoves[c]) });

/** The selection behind the adaptive model's refits. */
export function selectionReport(b: AssetBacktest, confidence: number): SelectionReport {
  const fits = b.fits.adaptive, last = fits[fits.length - 1], cands = b.fits.candidates, c = cands[last.candidate];
  const day = (at: number): string => dayText(b.series.periods[at - (b.bars - b.series.periods.length)]);
  const counts = new Map<string, number>();
  let switches = 0;
  fits.forEach((f, i) => {
    const l = candidateLabel(cands[f.candidate]);
    counts.set(l, (counts.get(l) ?? 0) + 1);
    if (i > 0 && f.candidate !== fits[i - 1].candidate) switches++;
  });
  return {
    candidate: candidateLabel(c), scale: c.scale, windowDays: c.windowDays, halfLifeDays: c.halfLifeDays, effectiveTailRows: r6(last.effectiveTailRows),
    validationDays: last.selection.days, expectedValidationBreaches: r6((1 - confidence) * last.selection.days), chosen: figures(last, last.candidate), baseline: figures(last, 0),
    choices: Object.fromEntries([...counts].sort((x, y) => y[1] - x[1])), switches, history: fits.map((f) => ({ at: day(f.at), candidate: candidateLabel(cands[f.candidate]) })),
  };
}

/** The adaptive model's reportable fit (the last one, plus the mean importance over all refits). */
export function adaptiveReport(b: AssetBacktest, confidence: number): AdaptiveReport {
  const fits = b.fits.adaptive, last = fits[fits.length - 1], names = b.fits.features;
  const mean = new Float64Array(names.length);
  for (const f of fits) for (let k = 0; k < names.length; k++) mean[k] += f.standardized[k] / fits.length;
  return {
    fittedAt: dayText(b.series.periods[last.at - (b.bars - b.series.periods.length)]), trainingRows: last.rows, features: names,
    intercept: r6(last.coef[0]), coefficients: named(names, last.coef, 1), importance: named(names, last.standardized), meanImportance: named(names, mean), tailShift: r6(last.shift),
    selection: selectionReport(b, confidence),
  };
}

/** Summary of one asset's backtest (what `dpm adapt backtest --json` prints per asset). */
export function summariseAsset(b: AssetBacktest, ewmaLambda: number, confidence: number): AssetSummary {
  const s = b.series;
  let lastKnown = s.realised.length - 1;
  while (lastKnown > 0 && !Number.isFinite(s.realised[lastKnown])) lastKnown--;
  const models = Object.fromEntries(MODEL_NAMES.map((m) => [m, { ...b.models[m].raw, withApc: b.models[m].withApc }])) as Record<ModelName, ModelSummary>;
  const g = b.fits.garch[b.fits.garch.length - 1], p = g.fit.params;
  return {
    from: dayText(s.periods[0]), to: dayText(s.periods[lastKnown]), firstBar: dayText(b.firstPeriod), bars: b.bars, droppedBars: b.droppedBars,
    refits: b.fits.adaptive.length, models, adaptive: adaptiveReport(b, confidence),
    ewma: { lambda: ewmaLambda, quantile: r6(b.fits.ewma[b.fits.ewma.length - 1].quantile) },
    garch: { omega: r6(p.omega), alpha: r6(p.alpha), beta: r6(p.beta), nu: r6(p.nu), tQuantile: r6(g.tQuantile), persistence: r6(p.alpha + p.beta), halfLifeDays: r6(Math.log(0.5) / Math.log(p.alpha + p.beta)) },
  };
}
