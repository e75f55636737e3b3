/**
 * The four move models. Each predicts, at the close of bar t, the move m_t (natural-log units) that the
 * next h bars' |ln(C_{t+h}/C_t)| should not exceed with probability `confidence`:
 *
 * - `static`: a constant, the preset's price range r converted to log units, m = ln(1 + r) (the widest
 *   symmetric log band inside the grid [−r, +r]: a move within ±ln(1 + r) is always inside the grid).
 * - `ewma`: m_t = q̂ · σ_t with σ²_t the EWMA variance (λ 0.94) and q̂ the empirical `confidence`-quantile
 *   of |R_{s,h}| / σ_s over the training rows (this absorbs the √h scaling and the fat tails).
 * - `garch`: GARCH(1,1)-t by maximum likelihood; m_t = q_ν · √(Σ_{k=1..h} σ²_{t+k|t}), q_ν the two-sided
 *   quantile of the unit-variance t (for h > 1 the t quantile of the sum is conservative: sums of t
 *   variables are closer to normal).
 * - `adaptive`: location–scale quantile regression on the features. Stage 1 (scale): the median (τ = ½)
 *   regression of v_s = ln(mean Garman–Klass variance of bars s+1..s+h) on the features x_s gives
 *   ln σ̂_s = ½ x_s'β. The range-based target is several times less noisy than ln r² (Garman & Klass 1980:
 *   efficiency ≈ 7.4), so the slopes are estimated precisely. Stage 2 (tail): the shift
 *   δ = (weighted) empirical `confidence`-quantile of ln|R_{s,h}| − ln σ̂_s (the pinball-loss minimiser at
 *   τ = confidence over constants), so m_t = σ̂_t · e^δ. One tail parameter instead of p extreme-quantile
 *   slopes keeps the 1 % tail stable with ~10–40 tail points per fit. The training window, the δ weights
 *   and the scale (regression or EWMA) are chosen at each refit inside the training rows: `candidates.ts`,
 *   `selection.ts`.
 *
 * A model's `fit` receives a `TrainView` holding rows 0..upto only (the walk-forward driver builds it):
 * it cannot read a later row. `predict(t)` reads the causal features and vols at row t.
 */
import type { FeatureMatrix } from "./features.js";
import { fitGarch, horizonVariance, type GarchFit } from "./garch.js";
import { empiricalQuantile, unitTAbsQuantile } from "./stats.js";

/** The four models, in report order. */
export type ModelName = "static" | "ewma" | "garch" | "adaptive";
export const MODEL_NAMES: readonly ModelName[] = ["static", "ewma", "garch", "adaptive"];

/** Everything a fit may see: rows 0..upto (inclusive) and the labels known by then. */
export interface TrainView {
  /** The refit bar: the last row whose close is known. */
  readonly upto: number;
  /** Log returns r[0..upto] (r[0] NaN). */
  readonly returns: Float64Array;
  /** h-bar forward returns R[s] = ln(C_{s+h}/C_s) for s + h ≤ upto, NaN after. */
  readonly labels: Float64Array;
  /** Feature columns, rows 0..upto. */
  readonly cols: readonly Float64Array[];
  /** EWMA variance per bar, rows 0..upto. */
  readonly ewmaVar: Float64Array;
  /** Mean Garman–Klass variance of bars s+1..s+h for s + h ≤ upto, NaN after. */
  readonly rangeLabels: Float64Array;
}

/** Data every predictor reads at prediction time (causal: row t uses bars ≤ t). */
export interface ModelInputs {
  readonly features: FeatureMatrix;
  readonly ewmaVar: Float64Array;
  readonly returns: Float64Array;
  readonly confidence: number;
  readonly horizon: number;
  /** First row used for training (every feature defined). */
  readonly firstRow: number;
  /** Bars between refits of the walk-forward (the adaptive model's burn-in refits use the same spacing). */
  readonly refitEvery: number;
}

/** A model in the walk-forward: refitted on a view, then asked for m_t (log units) at increasing t ≥ the refit bar. */
export interface Predictor<F> {
  /** Refit on the view; returns the record kept for reporting. */
  fit(view: TrainView): F;
  /** Move predicted at the close of bar t with the latest fit. */
  predict(t: number): number;
}

/** Labels known in the view from row `first` on (s + h ≤ upto). */
function knownRows(view: TrainView, first: number, h: number): { from: number; to: number } {
  return { from: first, to: view.upto - h + 1 };
}

/** An ewma refit: bar index, q̂ (dimensionless multiple of the per-bar EWMA sd) and training rows. */
export interface EwmaFit { readonly at: number; readonly quantile: number; readonly rows: number }

/** `ewma`: m_t = q̂ · σ_t (log units). */
export function ewmaPredictor(inp: ModelInputs): Predictor<EwmaFit> {
  let q = NaN;
  return {
    fit(view) {
      const { from, to } = knownRows(view, inp.firstRow, inp.horizon);
      const z = new Float64Array(to - from);
      for (let s = from; s < to; s++) z[s - from] = Math.abs(view.labels[s]) / Math.sqrt(view.ewmaVar[s]);
      q = empiricalQuantile(z, inp.confidence);
      return { at: view.upto, quantile: q, rows: z.length };
    },
    predict: (t) => q * Math.sqrt(inp.ewmaVar[t]),
  };
}

/** A GARCH refit: bar index, the fit and the two-sided unit-variance t quantile q_ν. */
export interface GarchRefit { readonly at: number; readonly fit: GarchFit; readonly tQuantile: number }

/** `garch`: m_t = q_ν · √(h-step variance) (log units), the variance filtered with the frozen parameters. */
export function garchPredictor(inp: ModelInputs): Predictor<GarchRefit> {
  let last: GarchFit | undefined;
  let q = NaN, v = NaN, pos = 0;
  // v = σ²_{pos+1 | pos}: the variance state after observing returns 1..pos with the frozen parameters.
  const advance = (to: number, p: GarchFit["params"]): void => {
    for (; pos < to; ) { pos++; v = p.omega + p.alpha * inp.returns[pos] * inp.returns[pos] + p.beta * v; }
  };
  return {
    fit(view) {
      last = fitGarch(view.returns.subarray(1), last?.params);
      q = unitTAbsQuantile(inp.confidence, last.params.nu);
      v = last.v0; pos = 0;
      advance(view.upto, last.params);
      return { at: view.upto, fit: last, tQuantile: q };
    },
    predict(t) {
      if (!last || t < pos) return NaN;
      advance(t, last.params);
      return q * Math.sqrt(horizonVariance(v, last.params, inp.horizon));
    },
  };
}

/** The static model: a constant move. */
export function staticPredictor(move: number): Predictor<null> {
  return { fit: () => null, predict: () => move };
}

/** Static move in log units from a grid price range r: ln(1 + r). */
export const moveFromPriceRange = (r: number): number => Math.log1p(r);
/** Grid price range that covers a log move m both ways: e^m − 1 (then e^{−m} ≥ 1 − r too). */
export const priceRangeFromMove = (m: number): number => Math.expm1(m);
