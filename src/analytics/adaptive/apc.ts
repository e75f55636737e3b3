/**
 * Anti-procyclicality (APC) of a move series, in the terms of EMIR article 41 and RTS 153/2013 article 28
 * (options: (a) a buffer of at least 25 % that may be exhausted when requirements rise significantly,
 * (b) at least 25 % weight on stressed observations, (c) a floor from a 10-year lookback). Applied day by
 * day to a model's raw moves m_t (log units), using only m_0..m_t:
 *
 * 1. Floor. `buffer`: F_t = (1 + b)·m_t (option a, b = 0.25). `stress`: F_t = (1 − w)·m_t + w·S_t with
 *    S_t = max m over the last `lookbackBars` predictions (the model's stressed-period level over up to
 *    10 years, options b/c; w = 0.25). F_t ≥ m_t in both.
 * 2. Release. Day t is stressed when m_t ≥ (1 + b)·min(m_{t−k..t−1}), k = `releaseBars` (the raw
 *    requirement rose by at least the buffer within k days): the add-on is released, F_t = m_t.
 * 3. Cap. out_t = min(F_t, (1 + c)·out_{t−1}): the APC move never rises more than c per day, so
 *    out_t / out_{t−1} ≤ 1 + c always. The cap may hold the output below the raw model for a few days
 *    after a jump; the floor is what pre-funds those days. The backtest reports every model with and
 *    without APC so that cost is visible.
 */

export interface ApcSpec {
  readonly floor: "buffer" | "stress";
  /** b: the buffer (0.25 = 25 %), also the release trigger. */
  readonly buffer: number;
  /** w: weight of the stressed level (0.25). */
  readonly stressWeight: number;
  /** Window of the stressed level S_t, in bars (3650 = 10 years of daily bars). */
  readonly lookbackBars: number;
  /** c: largest relative rise per bar (0.25 = +25 % a day). */
  readonly maxDailyIncrease: number;
  /** k: bars over which a rise ≥ b marks a stressed day. */
  readonly releaseBars: number;
}

/** dpm defaults, fixed a priori (not tuned on any backtest). */
export const DEFAULT_APC: ApcSpec = { floor: "buffer", buffer: 0.25, stressWeight: 0.25, lookbackBars: 3650, maxDailyIncrease: 0.25, releaseBars: 5 };

/** Which rule set the APC move on a day. */
export type ApcRule = "floor" | "released" | "cap";

export interface ApcResult {
  readonly move: Float64Array;
  /** Per day: 0 floor (or buffer) applied, 1 add-on released, 2 capped. */
  readonly rule: Uint8Array;
}

export const APC_RULES: readonly ApcRule[] = ["floor", "released", "cap"];

/** Sliding max / min over the last `k` entries with monotone deques (amortised O(1)). */
function slidingExtreme(x: Float64Array, k: number, max: boolean): Float64Array {
  const out = new Float64Array(x.length), dq = new Int32Array(x.length);
  let head = 0, tail = 0;
  for (let t = 0; t < x.length; t++) {
    while (tail > head && (max ? x[dq[tail - 1]] <= x[t] : x[dq[tail - 1]] >= x[t])) tail--;
    dq[tail++] = t;
    if (dq[head] <= t - k) head++;
    out[t] = x[dq[head]];
  }
  return out;
}

/** Apply the APC rules to raw moves m (all finite, > 0). */
export function applyApc(m: Float64Array, spec: ApcSpec): ApcResult {
  const n = m.length, move = new Float64Array(n), rule = new Uint8Array(n);
  const S = slidingExtreme(m, spec.lookbackBars, true);
  const lowBefore = new Float64Array(n).fill(Infinity);
  if (n > 1) {
    const low = slidingExtreme(m, spec.releaseBars, false);
    for (let t = 1; t < n; t++) lowBefore[t] = low[t - 1];
  }
  for (let t = 0; t < n; t++) {
    const released = m[t] >= (1 + spec.buffer) * lowBefore[t];
    const floor = spec.floor === "buffer" ? (1 + spec.buffer) * m[t] : (1 - spec.stressWeight) * m[t] + spec.stressWeight * S[t];
    let out = released ? m[t] : floor;
    rule[t] = released ? 1 : 0;
    if (t > 0 && out > (1 + spec.maxDailyIncrease) * move[t - 1]) { out = (1 + spec.maxDailyIncrease) * move[t - 1]; rule[t] = 2; }
    move[t] = out;
  }
  return { move, rule };
}
