/**
 * The `adaptive` model with in-window model selection. At every refit bar k every candidate of
 * `ADAPTIVE_CANDIDATES` is fitted on the rows before k (its own window), and the one deployed until the next
 * refit is the candidate with the lowest validation loss: the mean pinball loss at τ = confidence of
 * ln|R_{t,h}| against its ln m_t over the last `validationDays` days t with a known outcome (t + h ≤ k),
 * where m_t is what the candidate predicted at t from its fit at the latest refit ≤ t — a rolling-origin
 * walk-forward of each candidate inside the training rows, on the same refit grid as the deployed model.
 * Before the first test day the grid is extended backwards (burn-in refits at k − refitEvery, k − 2·refitEvery,
 * …) so the first choice also has a full validation year. Ties go to the lower index (candidate 0, the
 * expanding fit with equal weights, is the model as it was before selection).
 *
 * No look-ahead by construction: every fit and every loss at refit k reads a `TrainView` cut at k, and a
 * burn-in fit at o < k reads that view cut again at o. Pure.
 */
import { ADAPTIVE_CANDIDATES, candidateLogMove, fitCandidates, LABEL_FLOOR, type AdaptiveCandidate, type CandidateFit } from "./candidates.js";
import type { ModelInputs, Predictor, TrainView } from "./models.js";
import { pinball } from "./stats.js";
import { kupiec } from "../backtest.js";

/** Days of validation before each refit (one year of daily bars), fixed a priori. */
export const VALIDATION_DAYS = 365;
/** Fewest labelled rows a burn-in fit needs (as the walk-forward itself). */
const MIN_TRAIN_ROWS = 100;

/** What the selection saw at one refit, per candidate (same order as the candidate list). */
export interface SelectionRecord {
  /** Validation days with a known outcome (fewer than `VALIDATION_DAYS` only when history is short). */
  readonly days: number;
  /** Mean pinball loss at τ = confidence of ln|R| against ln m over those days. */
  readonly losses: Float64Array;
  /** Days with |R| > m over those days. */
  readonly breaches: Int32Array;
  /** Mean predicted move m over those days (log-return units). */
  readonly meanMoves: Float64Array;
}

/** An adaptive refit: the chosen candidate's fit plus the selection behind it (coefficients in the features' units). */
export interface AdaptiveFit extends CandidateFit {
  /** The refit bar. */
  readonly at: number;
  readonly selection: SelectionRecord;
}

/** Candidate fits made at one refit bar. */
interface Origin { readonly at: number; readonly fits: readonly CandidateFit[] }

/** The view `v` cut at bar o < v.upto: rows 0..o, labels only where s + h ≤ o. */
export function cutView(v: TrainView, o: number, h: number): TrainView {
  const end = o + 1, known = Math.max(0, o - h + 1);
  const lab = (a: Float64Array): Float64Array => { const c = Float64Array.from(a.subarray(0, end)); c.fill(NaN, known); return c; };
  return { upto: o, returns: v.returns.subarray(0, end), labels: lab(v.labels), cols: v.cols.map((c) => c.subarray(0, end)), ewmaVar: v.ewmaVar.subarray(0, end), rangeLabels: lab(v.rangeLabels) };
}

/** Validation losses at refit k from the origins' fits (days t in [k − days, k − h], each predicted by the latest origin ≤ t). */
export function validate(view: TrainView, origins: readonly Origin[], tau: number, h: number, days: number, count: number): SelectionRecord {
  const losses = new Float64Array(count), breaches = new Int32Array(count), meanMoves = new Float64Array(count);
  const k = view.upto, first = origins.length > 0 ? Math.max(k - days, origins[0].at) : k;
  let n = 0, o = 0;
  for (let t = first; t + h <= k; t++) {
    while (o + 1 < origins.length && origins[o + 1].at <= t) o++;
    const y = Math.log(Math.max(Math.abs(view.labels[t]), LABEL_FLOOR));
    for (const f of origins[o].fits) {
      const lm = candidateLogMove(f, view.cols, view.ewmaVar, t);
      losses[f.candidate] += pinball(y - lm, tau);
      meanMoves[f.candidate] += Math.exp(lm);
      if (y > lm) breaches[f.candidate]++;
    }
    n++;
  }
  for (let c = 0; c < count; c++) { losses[c] = n > 0 ? losses[c] / n : 0; meanMoves[c] = n > 0 ? meanMoves[c] / n : 0; }
  return { days: n, losses, breaches, meanMoves };
}

/** Index of the lowest loss; the lowest index on ties (and 0 with no validation day). */
export function argminLoss(s: SelectionRecord): number {
  let best = 0;
  for (let c = 1; c < s.losses.length; c++) if (s.losses[c] < s.losses[best]) best = c;
  return best;
}

/**
 * The coverage rule considered and not adopted (docs/adaptive.md): the candidate with the lowest mean
 * validation move among those whose validation breach count passes Kupiec at 5 % (argmin loss if none).
 */
export function fewestMovePassingKupiec(s: SelectionRecord, confidence: number): number {
  let best = -1;
  for (let c = 0; c < s.losses.length; c++) {
    if (kupiec(s.breaches[c], s.days, 1 - confidence).pValue < 0.05) continue;
    if (best < 0 || s.meanMoves[c] < s.meanMoves[best]) best = c;
  }
  return best < 0 || s.days === 0 ? argminLoss(s) : best;
}

/** Options of the selecting predictor (defaults: the a-priori candidate set, one validation year, the pinball rule). */
export interface SelectionOptions {
  readonly candidates?: readonly AdaptiveCandidate[];
  readonly validationDays?: number;
  /** `pinball`: lowest validation loss (the rule); `coverage`: `fewestMovePassingKupiec` (for comparison only). */
  readonly rule?: "pinball" | "coverage";
}

/**
 * `adaptive`: m_t = exp(ln m_t of the candidate chosen at the latest refit) (log units). `inp.refitEvery`
 * spaces the burn-in refits before the first call (the walk-forward's own refit spacing).
 */
export function adaptivePredictor(inp: ModelInputs, o: SelectionOptions = {}): Predictor<AdaptiveFit> {
  const candidates = o.candidates ?? ADAPTIVE_CANDIDATES, days = o.validationDays ?? VALIDATION_DAYS, h = inp.horizon;
  const origins: Origin[] = [];
  let chosen: CandidateFit | undefined;
  return {
    fit(view) {
      const k = view.upto;
      if (origins.length === 0) {
        for (let j = Math.ceil(days / inp.refitEvery); j >= 1; j--) {
          const at = k - j * inp.refitEvery;
          if (at - h + 1 - inp.firstRow >= MIN_TRAIN_ROWS) origins.push({ at, fits: fitCandidates(cutView(view, at, h), inp, candidates) });
        }
      }
      const fits = fitCandidates(view, inp, candidates);
      const selection = validate(view, origins, inp.confidence, h, days, candidates.length);
      origins.push({ at: k, fits });
      while (origins.length >= 2 && origins[1].at <= k - days) origins.shift();
      chosen = fits[o.rule === "coverage" ? fewestMovePassingKupiec(selection, inp.confidence) : argminLoss(selection)];
      return { ...chosen, at: k, selection };
    },
    predict: (t) => (chosen ? Math.exp(candidateLogMove(chosen, inp.features.cols, inp.ewmaVar, t)) : NaN),
  };
}

