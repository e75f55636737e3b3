/**
 * Out-of-sample judgement of a move series: breaches (|R_{t,h}| > m_t), Kupiec POF, Christoffersen
 * independence, Basel traffic light (the existing tests of `risk/backtest.ts`), and how procyclical the
 * series is: mean move, largest one-day relative increase, peak-to-trough ratio.
 *
 * Horizon h > 1: a prediction is made every day for the next h days, so consecutive outcomes overlap and
 * breaches are dependent by construction. The flat figures (observations, breaches, p-values, zone) use
 * the non-overlapping subsample (every h-th prediction day, starting with the first), on which the tests'
 * independence assumption holds; `overlapping` repeats them over every day (more data, but its
 * Christoffersen test rejects by construction and its Kupiec p-value is too small).
 */
import { christoffersen, kupiec, trafficLight } from "../backtest.js";

/** Breach counts and tests on one set of days. */
export interface Coverage {
  readonly observations: number;
  readonly breaches: number;
  readonly expectedBreaches: number;
  readonly kupiecPValue: number;
  readonly christoffersenPValue: number;
  /** Basel traffic light from the binomial CDF of the breach count. */
  readonly basel: "green" | "yellow" | "red";
}

export interface MoveMetrics extends Coverage {
  /** Mean predicted move over the labelled days (fraction, log-return units). */
  readonly meanMove: number;
  /** Largest m_t / m_{t−1} − 1 between consecutive prediction days (0 for a constant). */
  readonly maxIncrease1d: number;
  /** max m_t / min m_t over the labelled days (1 for a constant). */
  readonly peakToTrough: number;
  /** Every prediction day, when h > 1 (see the module note). */
  readonly overlapping?: Coverage;
}

function coverage(hits: Uint8Array, p: number): Coverage {
  let b = 0;
  for (let i = 0; i < hits.length; i++) b += hits[i];
  const n = hits.length;
  return {
    observations: n, breaches: b, expectedBreaches: p * n, kupiecPValue: kupiec(b, n, p).pValue,
    christoffersenPValue: christoffersen(hits).pValue, basel: trafficLight(b, n, p),
  };
}

/**
 * Metrics of moves m (one per prediction day) against realised h-bar log returns R (same days; NaN where
 * the outcome is not known yet: those days are left out).
 */
export function evaluateMoves(m: Float64Array, R: Float64Array, confidence: number, horizon: number): MoveMetrics {
  let n = 0;
  while (n < R.length && Number.isFinite(R[n])) n++;
  const p = 1 - confidence;
  const all = new Uint8Array(n);
  let sum = 0, hi = -Infinity, lo = Infinity, inc = n > 1 ? -Infinity : 0;
  for (let i = 0; i < n; i++) {
    all[i] = Math.abs(R[i]) > m[i] ? 1 : 0;
    sum += m[i];
    hi = Math.max(hi, m[i]); lo = Math.min(lo, m[i]);
    if (i > 0) inc = Math.max(inc, m[i] / m[i - 1] - 1);
  }
  const spread = { meanMove: n > 0 ? sum / n : NaN, maxIncrease1d: inc, peakToTrough: n > 0 ? hi / lo : NaN };
  if (horizon === 1) return { ...coverage(all, p), ...spread };
  const sub = new Uint8Array(Math.ceil(n / horizon));
  for (let j = 0; j < sub.length; j++) sub[j] = all[j * horizon];
  return { ...coverage(sub, p), ...spread, overlapping: coverage(all, p) };
}
