/**
 * Walk-forward backtest of the four move models on one asset's bars (pure). The first prediction is made
 * at bar `trainBars` (three years of daily bars by default); models are refitted every `refitEvery` bars
 * (default 21, about a month of trading days on a 7-day calendar) on the rows up to the refit bar only,
 * and between refits they predict with frozen parameters and the day's causal features. The training set
 * is expanding (all rows since the first with every feature defined): the 1 % tail needs every tail point.
 */
import type { Parsed } from "../../domain/instrument.js";
import { applyApc, type ApcSpec } from "./apc.js";
import { consecutiveTail, type Bars } from "./bars.js";
import { evaluateMoves, type MoveMetrics } from "./evaluate.js";
import { ewmaVariance, featureMatrix, FEATURE_WARMUP, forwardRangeVariance, forwardReturns, logReturns } from "./features.js";
import {
  ewmaPredictor, garchPredictor, MODEL_NAMES, staticPredictor,
  type EwmaFit, type GarchRefit, type ModelInputs, type ModelName, type TrainView,
} from "./models.js";
import { adaptivePredictor, type AdaptiveFit, type SelectionOptions } from "./selection.js";
import { ADAPTIVE_CANDIDATES, type AdaptiveCandidate } from "./candidates.js";

/** What a backtest (or a fit) runs with. */
export interface AdaptSpec {
  /** Probability that |move| stays within m_t, in (0.5, 0.9999]. */
  readonly confidence: number;
  /** h, bars (integer 1–30). */
  readonly horizon: number;
  /** Bars before the first prediction (≥ 365). */
  readonly trainBars: number;
  /** Bars between refits (1–365). */
  readonly refitEvery: number;
  /** EWMA decay of the `ewma` model and the ewmaVol feature, in (0, 1). */
  readonly ewmaLambda: number;
  /** Feature names of the adaptive model. */
  readonly features: readonly string[];
  /** The static model's move, log units (ln(1 + priceRange)). */
  readonly staticMove: number;
  readonly apc: ApcSpec;
  /** The adaptive model's candidate set and validation days (default: the a-priori set, 365 days). */
  readonly selection?: SelectionOptions;
}

type Check = [boolean, string, unknown];

/** Validate a spec; the error names every bad field with its value. */
export function checkAdaptSpec(s: AdaptSpec): Parsed<AdaptSpec> {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  const checks: Check[] = [
    [Number.isFinite(s.confidence) && s.confidence > 0.5 && s.confidence <= 0.9999, "confidence must be in (0.5, 0.9999]", s.confidence],
    [int(s.horizon, 1, 30), "horizon must be an integer from 1 to 30", s.horizon],
    [int(s.trainBars, 365, 100000), "trainBars must be an integer ≥ 365", s.trainBars],
    [int(s.refitEvery, 1, 365), "refitEvery must be an integer from 1 to 365", s.refitEvery],
    [s.ewmaLambda > 0 && s.ewmaLambda < 1, "ewmaLambda must be in (0, 1)", s.ewmaLambda],
    [s.features.length > 0, "features must name at least one feature", s.features],
    [Number.isFinite(s.staticMove) && s.staticMove > 0, "staticMove must be > 0", s.staticMove],
    [s.apc.buffer >= 0 && s.apc.buffer <= 5, "apc.buffer must be in [0, 5]", s.apc.buffer],
    [s.apc.stressWeight >= 0 && s.apc.stressWeight <= 1, "apc.stressWeight must be in [0, 1]", s.apc.stressWeight],
    [int(s.apc.lookbackBars, 1, 100000), "apc.lookbackBars must be an integer ≥ 1", s.apc.lookbackBars],
    [s.apc.maxDailyIncrease >= 0 && s.apc.maxDailyIncrease <= 10, "apc.maxDailyIncrease must be in [0, 10]", s.apc.maxDailyIncrease],
    [int(s.apc.releaseBars, 1, 365), "apc.releaseBars must be an integer from 1 to 365", s.apc.releaseBars],
    [s.selection?.candidates === undefined || s.selection.candidates.length > 0, "selection.candidates must name at least one candidate", s.selection?.candidates],
    [s.selection?.validationDays === undefined || int(s.selection.validationDays, 1, 100000), "selection.validationDays must be an integer ≥ 1", s.selection?.validationDays],
  ];
  const bad = checks.filter((c) => !c[0]).map((c) => `${c[1]} (got ${JSON.stringify(c[2])})`);
  return bad.length > 0 ? { ok: false, reason: bad.join("; ") } : { ok: true, value: s };
}

/** One model's out-of-sample figures, raw and after APC. */
export interface ModelResult {
  readonly raw: MoveMetrics;
  readonly withApc: MoveMetrics;
}

/** Refit records of the fitted models (for the coefficient report and `dpm adapt fit`). */
export interface FitHistory {
  readonly features: readonly string[];
  /** The adaptive model's candidates (`AdaptiveFit.candidate` indexes this list). */
  readonly candidates: readonly AdaptiveCandidate[];
  readonly ewma: readonly EwmaFit[];
  readonly garch: readonly GarchRefit[];
  readonly adaptive: readonly AdaptiveFit[];
}

export interface AssetBacktest {
  readonly asset: string;
  /** Bars used (the consecutive tail) and bars dropped before a gap. */
  readonly bars: number;
  readonly droppedBars: number;
  /** Period of the first bar used and of the first prediction. */
  readonly firstPeriod: number;
  readonly models: Readonly<Record<ModelName, ModelResult>>;
  readonly fits: FitHistory;
  /** Per prediction day: its period, the realised R_{t,h} (NaN when unknown), raw and APC moves, APC rule. */
  readonly series: {
    readonly periods: Int32Array;
    readonly realised: Float64Array;
    readonly raw: Readonly<Record<ModelName, Float64Array>>;
    readonly apc: Readonly<Record<ModelName, Float64Array>>;
    readonly apcRule: Readonly<Record<ModelName, Uint8Array>>;
  };
}

/** The training view at bar `upto`: every array cut at upto (labels NaN where s + h > upto). */
export function trainView(b: Bars, r: Float64Array, cols: readonly Float64Array[], ewmaVar: Float64Array, upto: number, h: number): TrainView {
  const end = upto + 1;
  const v = (a: Float64Array): Float64Array => a.subarray(0, end);
  return {
    upto, returns: v(r), labels: forwardReturns(v(b.close), h), cols: cols.map(v), ewmaVar: v(ewmaVar),
    rangeLabels: forwardRangeVariance(v(b.open), v(b.high), v(b.low), v(b.close), h),
  };
}

/** Run the walk-forward over consecutive bars; moves[name][t − start] for t in [start, n). */
function runModels(b: Bars, spec: AdaptSpec, onProgress?: (done: number, total: number) => void): Parsed<{ start: number; moves: Record<ModelName, Float64Array>; fits: FitHistory }> {
  const n = b.close.length, h = spec.horizon, start = spec.trainBars;
  const fm = featureMatrix(b, spec.features, spec.ewmaLambda);
  if (!fm.ok) return fm;
  const r = logReturns(b.close), ewmaVar = ewmaVariance(r, spec.ewmaLambda);
  const inp: ModelInputs = { features: fm.value, ewmaVar, returns: r, confidence: spec.confidence, horizon: h, firstRow: Math.max(fm.value.firstValid, FEATURE_WARMUP), refitEvery: spec.refitEvery };
  if (start - h + 1 - inp.firstRow < 100) return { ok: false, reason: `${b.asset}: fewer than 100 training rows before bar ${start}` };
  const ewma = ewmaPredictor(inp), garch = garchPredictor(inp), adaptive = adaptivePredictor(inp, spec.selection), stat = staticPredictor(spec.staticMove);
  const moves = Object.fromEntries(MODEL_NAMES.map((m) => [m, new Float64Array(n - start)])) as Record<ModelName, Float64Array>;
  const fits = { features: fm.value.names, candidates: spec.selection?.candidates ?? ADAPTIVE_CANDIDATES, ewma: [] as EwmaFit[], garch: [] as GarchRefit[], adaptive: [] as AdaptiveFit[] };
  const total = Math.ceil((n - start) / spec.refitEvery);
  for (let k = start, done = 0; k < n; k += spec.refitEvery, done++) {
    const view = trainView(b, r, fm.value.cols, ewmaVar, k, h);
    fits.ewma.push(ewma.fit(view)); fits.garch.push(garch.fit(view)); fits.adaptive.push(adaptive.fit(view));
    for (let t = k; t < Math.min(n, k + spec.refitEvery); t++) {
      moves.static[t - start] = stat.predict(t); moves.ewma[t - start] = ewma.predict(t);
      moves.garch[t - start] = garch.predict(t); moves.adaptive[t - start] = adaptive.predict(t);
    }
    onProgress?.(done + 1, total);
  }
  return { ok: true, value: { start, moves, fits } };
}

/**
 * Backtest every model on one asset. Uses the longest run of consecutive bars ending at the last bar;
 * needs more than `trainBars + horizon` of them.
 */
export function backtestBars(bars: Bars, spec: AdaptSpec, onProgress?: (done: number, total: number) => void): Parsed<AssetBacktest> {
  const c = checkAdaptSpec(spec);
  if (!c.ok) return c;
  const { bars: b, dropped } = consecutiveTail(bars);
  const n = b.close.length;
  if (n <= spec.trainBars + spec.horizon) return { ok: false, reason: `${b.asset}: ${n} consecutive bars, need more than trainBars + horizon = ${spec.trainBars + spec.horizon}` };
  const run = runModels(b, spec, onProgress);
  if (!run.ok) return run;
  const { start, moves, fits } = run.value;
  const realised = forwardReturns(b.close, spec.horizon).subarray(start);
  const apc = {} as Record<ModelName, Float64Array>, apcRule = {} as Record<ModelName, Uint8Array>, models = {} as Record<ModelName, ModelResult>;
  for (const m of MODEL_NAMES) {
    const bad = moves[m].findIndex((x) => !(Number.isFinite(x) && x > 0));
    if (bad >= 0) return { ok: false, reason: `${b.asset}: the ${m} model predicted ${moves[m][bad]} at bar ${start + bad}` };
    const a = applyApc(moves[m], spec.apc);
    apc[m] = a.move; apcRule[m] = a.rule;
    models[m] = { raw: evaluateMoves(moves[m], realised, spec.confidence, spec.horizon), withApc: evaluateMoves(a.move, realised, spec.confidence, spec.horizon) };
  }
  return {
    ok: true,
    value: {
      asset: b.asset, bars: n, droppedBars: dropped, firstPeriod: b.periods[0], models, fits,
      series: { periods: b.periods.slice(start), realised: Float64Array.from(realised), raw: moves, apc, apcRule },
    },
  };
}
