/**
 * `dpm adapt fit`: turn the last prediction of a walk-forward run into a parameter file that extends a
 * preset. For each asset the grid's priceRange is the APC move of the chosen model at the last bar,
 * converted from log units with r = e^m − 1 (so ±m in log terms lies inside [−r, +r]), rounded up to
 * 0.001 and clamped to the schema's bounds [0.001, 0.95]. Everything behind the number — features,
 * coefficients, raw and APC moves, which APC rule bound, whether a bound clamped — goes to the
 * `calibration` record the schema accepts. Pure.
 */
import { forAsset, type MarginParams, type UnderlyingGridParams } from "../../margin/params.js";
import { dayText } from "../../risk/history.js";
import { APC_RULES, type ApcSpec } from "./apc.js";
import { ADAPTIVE_CANDIDATES, candidateLabel } from "./candidates.js";
import { priceRangeFromMove } from "./models.js";
import { VALIDATION_DAYS } from "./selection.js";
import { summariseAsset } from "./summary.js";
import type { AdaptSpec, AssetBacktest } from "./walkForward.js";

export type FitModel = "ewma" | "garch" | "adaptive";

/** Schema bounds of priceRange (adapters/input/paramsSchema.ts). */
export const PRICE_RANGE_BOUNDS = { min: 0.001, max: 0.95 } as const;

export interface AssetFit {
  readonly asOf: string;
  readonly rawMove: number;
  readonly apcMove: number;
  /** The APC rule that set today's move: floor (or buffer), released, cap. */
  readonly apcRule: string;
  readonly priceRangeUnclamped: number;
  readonly priceRange: number;
  /** Which schema bound clamped the price range, if any. */
  readonly clampedBy: "min" | "max" | null;
  readonly basePriceRange: number;
}

function scaled(b: UnderlyingGridParams, priceRange: number): UnderlyingGridParams {
  const f = priceRange / b.priceRange;
  const priceMoves = b.priceMoves?.map((m, k, all) => (k === all.length - 1 ? priceRange : Number((m * f).toFixed(6))));
  return { ...b, priceRange, ...(priceMoves ? { priceMoves } : {}) };
}

/** The fitted price range of one asset from its backtest run over all bars up to the as-of day. */
export function assetFit(b: AssetBacktest, model: FitModel, base: MarginParams): AssetFit {
  const s = b.series, last = s.periods.length - 1;
  const rawMove = s.raw[model][last], apcMove = s.apc[model][last];
  const unclamped = priceRangeFromMove(apcMove);
  const rounded = Math.ceil(unclamped / 0.001 - 1e-9) * 0.001;
  const priceRange = Number(Math.min(PRICE_RANGE_BOUNDS.max, Math.max(PRICE_RANGE_BOUNDS.min, rounded)).toFixed(3));
  return {
    asOf: dayText(s.periods[last]), rawMove, apcMove, apcRule: APC_RULES[s.apcRule[model][last]], priceRangeUnclamped: unclamped, priceRange,
    clampedBy: rounded > PRICE_RANGE_BOUNDS.max ? "max" : rounded < PRICE_RANGE_BOUNDS.min ? "min" : null,
    basePriceRange: forAsset(base.portfolio.underlyings, b.asset).priceRange,
  };
}

function apcRecord(a: ApcSpec): Record<string, unknown> {
  return { floor: a.floor, buffer: a.buffer, stressWeight: a.stressWeight, lookbackBars: a.lookbackBars, maxDailyIncrease: a.maxDailyIncrease, releaseBars: a.releaseBars };
}

/** The adaptive model's candidate set and rule, as fixed a priori (docs/adaptive.md). */
function selectionRecord(spec: AdaptSpec): Record<string, unknown> {
  return {
    candidates: (spec.selection?.candidates ?? ADAPTIVE_CANDIDATES).map(candidateLabel), validationDays: spec.selection?.validationDays ?? VALIDATION_DAYS,
    rule: "at each refit the candidate with the lowest mean pinball loss at tau = confidence of ln|R| vs ln m over the validation days (each candidate walk-forward on earlier rows); ties to the first",
  };
}

/**
 * A parameter file `{"extends": baseName, name, source, portfolio.underlyings, calibration}` with one full
 * underlying entry per asset (the base's entry, or its `default`, with the fitted priceRange).
 */
export function fitParamsDoc(base: MarginParams, baseName: string, runs: readonly AssetBacktest[], model: FitModel, spec: AdaptSpec): Record<string, unknown> {
  const underlyings: Record<string, UnderlyingGridParams> = {};
  const assets: Record<string, unknown> = {};
  for (const b of runs) {
    const f = assetFit(b, model, base);
    underlyings[b.asset] = scaled(forAsset(base.portfolio.underlyings, b.asset), f.priceRange);
    const sum = summariseAsset(b, spec.ewmaLambda, spec.confidence);
    const detail = model === "adaptive" ? sum.adaptive : model === "garch" ? sum.garch : sum.ewma;
    assets[b.asset] = { ...f, model: detail, backtest: { from: sum.from, to: sum.to, ...sum.models[model] } };
  }
  const list = runs.map((b) => b.asset).join(", ");
  return {
    extends: baseName,
    name: `${baseName}-adapt-${model}`,
    source: `dpm adapt fit: priceRange of ${list} from the ${model} model's ${(spec.confidence * 100).toFixed(2)}% ${spec.horizon}-day move with anti-procyclicality (${spec.apc.floor}), on daily bars up to the as-of day; inputs, coefficients and APC bounds in "calibration"`,
    portfolio: { underlyings },
    calibration: {
      method: "dpm adapt fit", model, confidence: spec.confidence, horizonDays: spec.horizon, trainDays: spec.trainBars, refitDays: spec.refitEvery,
      ewmaLambda: spec.ewmaLambda, features: spec.features, apc: apcRecord(spec.apc),
      ...(model === "adaptive" ? { adaptiveSelection: selectionRecord(spec) } : {}), moveToPriceRange: "priceRange = exp(m) - 1, rounded up to 0.001, clamped to [0.001, 0.95]", assets,
    },
  };
}
