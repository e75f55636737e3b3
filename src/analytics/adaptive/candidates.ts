/**
 * The candidates of the `adaptive` model and how one candidate is fitted on a training view. A candidate
 * fixes three things, all chosen from a set fixed before any real-data run (docs/adaptive.md, "Model
 * selection"):
 *
 * - the **scale** ln σ̂_s: `quantreg` = stage 1 of the two-stage model, ½ × the median (τ = ½) quantile
 *   regression of ln(mean Garman–Klass variance of bars s+1..s+h) on the features x_s; `ewma` = the EWMA
 *   close-to-close vol ln σ_s itself (no slopes: the conditional-scale anchor, which nests the `ewma`
 *   model);
 * - the **training window**: the last `windowDays` labelled rows before the refit, or every row (expanding);
 * - the **tail weights** of stage 2: δ = the weighted `confidence`-quantile of ln|R_{s,h}| − ln σ̂_s over the
 *   window rows, with weights 2^{−age/halfLife} (age = days before the last labelled row) or equal weights.
 *
 * Then ln m_t = ln σ̂_t + δ. Pure: reads only the rows of the view it is given.
 */
import type { FeatureMatrix } from "./features.js";
import type { TrainView } from "./models.js";
import { predictRow, quantileRegression } from "./quantreg.js";
import { weightedQuantile } from "./stats.js";

/** One candidate of the adaptive model (days = daily bars). */
export interface AdaptiveCandidate {
  /** `quantreg`: median regression of the next bars' range variance on the features; `ewma`: the EWMA vol. */
  readonly scale: "quantreg" | "ewma";
  /** Labelled rows the fit sees, the most recent ones; null = every row since the first valid one. */
  readonly windowDays: number | null;
  /** Half-life (days) of the exponential weights of the δ quantile; null = equal weights. */
  readonly halfLifeDays: number | null;
}

const QR_WINDOWS: readonly (number | null)[] = [null, 1095, 730, 365];
const HALF_LIVES: readonly (number | null)[] = [null, 730, 365];

/**
 * The candidate set, fixed a priori (docs/adaptive.md): the quantile-regression scale on an expanding,
 * 3-, 2- or 1-year window × δ with equal weights or a 2- or 1-year half-life (12), and the EWMA scale on
 * every row × the same three δ weightings (3). Index 0 — expanding, equal weights — is the model as it
 * was before selection and wins ties.
 */
export const ADAPTIVE_CANDIDATES: readonly AdaptiveCandidate[] = [
  ...QR_WINDOWS.flatMap((w) => HALF_LIVES.map((hl): AdaptiveCandidate => ({ scale: "quantreg", windowDays: w, halfLifeDays: hl }))),
  ...HALF_LIVES.map((hl): AdaptiveCandidate => ({ scale: "ewma", windowDays: null, halfLifeDays: hl })),
];

/** Short label: scale, window days ("all" = expanding) / δ half-life days ("eq" = equal weights), e.g. `qr 1095/365`. */
export function candidateLabel(c: AdaptiveCandidate): string {
  return `${c.scale === "quantreg" ? "qr" : "ewma"} ${c.windowDays ?? "all"}/${c.halfLifeDays ?? "eq"}`;
}

/** Smallest |R| inside the log (1e-8): a zero move must not give −∞. */
export const LABEL_FLOOR = 1e-8;
/** Smallest variance inside the stage-1 log. */
const RANGE_FLOOR = 1e-12;

/** A fitted candidate. ln m_t = coef₀ + Σ coef_k x_k,t (`quantreg`) or coef₀ + ½ ln v_t (`ewma`); coef₀ includes δ. */
export interface CandidateFit {
  /** Index into the candidate list. */
  readonly candidate: number;
  readonly scale: AdaptiveCandidate["scale"];
  /** Intercept then one coefficient per feature (all 0 for the `ewma` scale). */
  readonly coef: Float64Array;
  /** ½ × stage-1 slope × the feature's sd over the window rows (0 for `ewma`). */
  readonly standardized: Float64Array;
  /** δ, log units. */
  readonly shift: number;
  /** Rows of the window (stage 1 and stage 2). */
  readonly rows: number;
  /** Effective rows of the δ quantile, (Σw)² / Σw² (= rows with equal weights). */
  readonly effectiveTailRows: number;
  readonly iterations: number;
}

/** Stage-1 result shared by candidates with the same scale and rows. */
interface Scale { readonly full: Float64Array; readonly standardized: Float64Array; readonly iterations: number }

/** Inputs the candidate fits read (subset of `ModelInputs`). */
export interface CandidateInputs {
  readonly features: FeatureMatrix;
  readonly ewmaVar: Float64Array;
  readonly confidence: number;
  readonly horizon: number;
  readonly firstRow: number;
}

/** ln σ̂ at row s in stage 2: ½ × the stage-1 fit (`quantreg`, coefficients `full`) or ½ ln v_s (`ewma`). */
function logScale(scale: AdaptiveCandidate["scale"], full: Float64Array, cols: readonly Float64Array[], ewmaVar: Float64Array, s: number): number {
  return scale === "ewma" ? 0.5 * Math.log(ewmaVar[s]) : 0.5 * predictRow(full, cols, s);
}

function stageOne(view: TrainView, scale: AdaptiveCandidate["scale"], from: number, to: number): Scale {
  const q = view.cols.length;
  if (scale === "ewma") return { full: new Float64Array(q + 1), standardized: new Float64Array(q), iterations: 0 };
  const v = new Float64Array(to - from);
  for (let s = from; s < to; s++) v[s - from] = Math.log(Math.max(view.rangeLabels[s], RANGE_FLOOR));
  const med = quantileRegression(view.cols.map((c) => c.subarray(from, to)), v, 0.5);
  return { full: med.coef, standardized: Float64Array.from(med.standardized, (c) => 0.5 * c), iterations: med.iterations };
}

/**
 * Fit every candidate on `view` (rows ≤ view.upto; labelled rows s + h ≤ upto). Stage 1 is solved once per
 * (scale, rows) and shared by the δ weightings; a window longer than the available rows is the expanding fit.
 */
export function fitCandidates(view: TrainView, inp: CandidateInputs, candidates: readonly AdaptiveCandidate[]): CandidateFit[] {
  const first = inp.firstRow, to = view.upto - inp.horizon + 1;
  const stage1 = new Map<string, Scale>();
  return candidates.map((c, idx) => {
    const from = c.windowDays === null ? first : Math.max(first, to - c.windowDays);
    const key = `${c.scale}:${from}`;
    let sc = stage1.get(key);
    if (!sc) { sc = stageOne(view, c.scale, from, to); stage1.set(key, sc); }
    const n = to - from, u = new Float64Array(n);
    for (let s = from; s < to; s++) u[s - from] = Math.log(Math.max(Math.abs(view.labels[s]), LABEL_FLOOR)) - logScale(c.scale, sc.full, view.cols, view.ewmaVar, s);
    let w: Float64Array | undefined, eff = n;
    if (c.halfLifeDays !== null) {
      const hl = c.halfLifeDays;
      w = Float64Array.from({ length: n }, (_, i) => Math.pow(2, -(n - 1 - i) / hl));
      let sw = 0, sw2 = 0;
      for (const x of w) { sw += x; sw2 += x * x; }
      eff = (sw * sw) / sw2;
    }
    const shift = weightedQuantile(u, w, inp.confidence);
    const coef = Float64Array.from(sc.full, (x) => 0.5 * x);
    coef[0] += shift;
    return { candidate: idx, scale: c.scale, coef, standardized: sc.standardized, shift, rows: n, effectiveTailRows: eff, iterations: sc.iterations };
  });
}

/** ln m_t of a fitted candidate at row t of the given columns and EWMA variances (row t only). */
export function candidateLogMove(f: CandidateFit, cols: readonly Float64Array[], ewmaVar: Float64Array, t: number): number {
  return f.scale === "ewma" ? f.coef[0] + 0.5 * Math.log(ewmaVar[t]) : predictRow(f.coef, cols, t);
}
