/**
 * Features of a bar series, computed the same way offline (daily CSV bars) and live (ticks aggregated
 * into bars). The value at bar t uses bars 0..t only (never a later bar), so a model trained on rows
 * before a prediction cannot see the future through its features.
 *
 * Units: returns are natural-log returns per bar; "vol" features are ln of a per-bar standard deviation
 * (ln σ, σ a fraction, e.g. ln 0.03 = −3.5 for a 3 % daily vol). Variances are floored at 1e-12
 * (σ = 1e-6) before the log so a flat bar (high = low) stays finite.
 */
import type { Bars } from "./bars.js";

/** ln 2. */
const LN2 = Math.LN2;
/** Smallest per-bar variance used inside a log (σ = 1e-6). */
export const VARIANCE_FLOOR = 1e-12;
/** Bars needed before every bar feature is defined: 30 returns (31 bars). */
export const FEATURE_WARMUP = 30;

/**
 * Parkinson (1980) range variance of one bar: (ln(H/L))² / (4 ln 2), per bar (σ² of the log price).
 * Unbiased for a driftless Brownian log price observed continuously.
 */
export function parkinsonVariance(high: number, low: number): number {
  const hl = Math.log(high / low);
  return (hl * hl) / (4 * LN2);
}

/**
 * Garman–Klass (1980) variance of one bar: ½ (ln(H/L))² − (2 ln 2 − 1) (ln(C/O))², per bar. Never negative
 * when L ≤ min(O, C) and max(O, C) ≤ H (then |ln(C/O)| ≤ ln(H/L) and ½ > 2 ln 2 − 1).
 */
export function garmanKlassVariance(open: number, high: number, low: number, close: number): number {
  const hl = Math.log(high / low), co = Math.log(close / open);
  return 0.5 * hl * hl - (2 * LN2 - 1) * co * co;
}

/**
 * EWMA variance after each return: v_t = λ v_{t−1} + (1 − λ) r_t². Seeded causally: while fewer than
 * `seedCount` returns have been seen, v_t is the mean of the squares seen so far. `r[0]` may be NaN
 * (no return at the first bar); NaN entries stay NaN in the output and do not update the state.
 */
export function ewmaVariance(r: Float64Array, lambda: number, seedCount = FEATURE_WARMUP): Float64Array {
  const v = new Float64Array(r.length).fill(NaN);
  let state = 0, seen = 0;
  for (let t = 0; t < r.length; t++) {
    const x = r[t];
    if (Number.isNaN(x)) continue;
    seen++;
    state = seen <= seedCount ? state + (x * x - state) / seen : lambda * state + (1 - lambda) * x * x;
    v[t] = state;
  }
  return v;
}

/** Log returns per bar: r[t] = ln(C_t / C_{t−1}), r[0] = NaN. */
export function logReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length);
  r[0] = NaN;
  for (let t = 1; t < close.length; t++) r[t] = Math.log(close[t] / close[t - 1]);
  return r;
}

/** h-bar forward log returns: R[t] = ln(C_{t+h} / C_t), NaN where t + h is past the last bar. */
export function forwardReturns(close: Float64Array, h: number): Float64Array {
  const R = new Float64Array(close.length).fill(NaN);
  for (let t = 0; t + h < close.length; t++) R[t] = Math.log(close[t + h] / close[t]);
  return R;
}

/** Mean Garman–Klass variance of the next h bars: out[t] = mean GK of bars t+1..t+h (NaN past the end). */
export function forwardRangeVariance(open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, h: number): Float64Array {
  const out = new Float64Array(close.length).fill(NaN);
  for (let t = 0; t + h < close.length; t++) {
    let s = 0;
    for (let k = 1; k <= h; k++) s += garmanKlassVariance(open[t + k], high[t + k], low[t + k], close[t + k]);
    out[t] = s / h;
  }
  return out;
}

/** A feature's name and what it measures (reported with the model's coefficients). */
export interface FeatureSpec {
  readonly name: string;
  readonly description: string;
  /** `bars`: from OHLCV, available offline and live; `live`: an optional live input, absent offline. */
  readonly source: "bars" | "live";
}

/** Every bar feature, in column order. */
export const BAR_FEATURES: readonly FeatureSpec[] = [
  { name: "ret1", description: "1-bar log return ln(C_t/C_{t-1})", source: "bars" },
  { name: "ret7", description: "7-bar log return ln(C_t/C_{t-7})", source: "bars" },
  { name: "ret30", description: "30-bar log return ln(C_t/C_{t-30})", source: "bars" },
  { name: "ewmaVol", description: "ln of EWMA close-to-close vol (lambda 0.94, per bar)", source: "bars" },
  { name: "ccVol365", description: "ln of close-to-close vol over the last 365 bars (fewer at the start)", source: "bars" },
  { name: "gkVol1", description: "ln of the Garman-Klass vol of bar t", source: "bars" },
  { name: "gkVol7", description: "ln of the mean Garman-Klass variance over 7 bars, square-rooted", source: "bars" },
  { name: "gkVol30", description: "ln of the mean Garman-Klass variance over 30 bars, square-rooted", source: "bars" },
  { name: "parkVol1", description: "ln of the Parkinson vol of bar t", source: "bars" },
  { name: "parkVol7", description: "ln of the mean Parkinson variance over 7 bars, square-rooted", source: "bars" },
  { name: "parkVol30", description: "ln of the mean Parkinson variance over 30 bars, square-rooted", source: "bars" },
  { name: "relVolume", description: "ln V_t minus the mean ln V over the previous 30 bars (bars with V = 0 skipped; 0 when V_t = 0)", source: "bars" },
];

/**
 * Features of the `adaptive` model unless configured otherwise, fixed before any backtest: HAR-style
 * Garman–Klass vols at 1, 7 and 30 bars (GK rather than Parkinson: it also uses open and close and is the
 * more efficient estimator), the EWMA vol (so the model nests the `ewma` model), a slow 365-bar anchor
 * for mean reversion, signed returns at 1, 7 and 30 bars (leverage / momentum) and relative volume.
 */
export const DEFAULT_ADAPTIVE_FEATURES: readonly string[] = ["ewmaVol", "ccVol365", "gkVol1", "gkVol7", "gkVol30", "ret1", "ret7", "ret30", "relVolume"];

/** Feature columns of a bar series: cols[k][t] is feature `names[k]` at bar t (NaN before `firstValid`). */
export interface FeatureMatrix {
  readonly names: readonly string[];
  readonly rows: number;
  readonly cols: readonly Float64Array[];
  /** First bar at which every column is defined. */
  readonly firstValid: number;
}

const halfLog = (v: number): number => 0.5 * Math.log(Math.max(v, VARIANCE_FLOOR));

/** ½ ln of the trailing mean of x over `k` bars ending at t (fewer at the start, from `start`). */
function trailingLogVol(x: Float64Array, k: number, start: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let sum = 0;
  for (let t = start; t < x.length; t++) {
    sum += x[t];
    if (t - k >= start) sum -= x[t - k];
    out[t] = halfLog(sum / Math.min(k, t - start + 1));
  }
  return out;
}

function lagReturn(close: Float64Array, k: number): Float64Array {
  const out = new Float64Array(close.length).fill(NaN);
  for (let t = k; t < close.length; t++) out[t] = Math.log(close[t] / close[t - k]);
  return out;
}

function relativeVolume(volume: Float64Array, k: number): Float64Array {
  const out = new Float64Array(volume.length).fill(NaN);
  const lv = Float64Array.from(volume, (v) => (v > 0 ? Math.log(v) : NaN));
  let sum = 0, count = 0;
  for (let t = 0; t < volume.length; t++) {
    if (t >= 1) out[t] = Number.isNaN(lv[t]) || count === 0 ? 0 : lv[t] - sum / count;
    if (!Number.isNaN(lv[t])) { sum += lv[t]; count++; }
    const old = t - k;
    if (old >= 0 && !Number.isNaN(lv[old])) { sum -= lv[old]; count--; }
  }
  return out;
}

function barColumns(b: Bars, ewmaLambda: number): Record<string, Float64Array> {
  const n = b.close.length;
  const r = logReturns(b.close);
  const r2 = Float64Array.from(r, (x) => (Number.isNaN(x) ? 0 : x * x));
  const gk = new Float64Array(n), pk = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    gk[t] = garmanKlassVariance(b.open[t], b.high[t], b.low[t], b.close[t]);
    pk[t] = parkinsonVariance(b.high[t], b.low[t]);
  }
  const ew = ewmaVariance(r, ewmaLambda);
  return {
    ret1: r, ret7: lagReturn(b.close, 7), ret30: lagReturn(b.close, 30),
    ewmaVol: Float64Array.from(ew, (v) => (Number.isNaN(v) ? NaN : halfLog(v))),
    ccVol365: trailingLogVol(r2, 365, 1),
    gkVol1: trailingLogVol(gk, 1, 0), gkVol7: trailingLogVol(gk, 7, 0), gkVol30: trailingLogVol(gk, 30, 0),
    parkVol1: trailingLogVol(pk, 1, 0), parkVol7: trailingLogVol(pk, 7, 0), parkVol30: trailingLogVol(pk, 30, 0),
    relVolume: relativeVolume(b.volume, 30),
  };
}

/**
 * The feature matrix of `b` for the named features (default: every bar feature, then every live column as
 * `live.<name>`). Unknown names are an error (returned, naming the name and the known ones).
 */
export function featureMatrix(b: Bars, names?: readonly string[], ewmaLambda = 0.94): { ok: true; value: FeatureMatrix } | { ok: false; reason: string } {
  const all: Record<string, Float64Array> = barColumns(b, ewmaLambda);
  for (const [k, v] of Object.entries(b.live ?? {})) all[`live.${k}`] = v;
  const want = names ?? Object.keys(all);
  const unknown = want.filter((w) => !(w in all));
  if (unknown.length > 0) return { ok: false, reason: `unknown feature ${unknown.join(", ")} (known: ${Object.keys(all).join(", ")})` };
  const cols = want.map((w) => all[w]);
  let firstValid = FEATURE_WARMUP;
  for (const c of cols) while (firstValid < c.length && !Number.isFinite(c[firstValid])) firstValid++;
  return { ok: true, value: { names: [...want], rows: b.close.length, cols, firstValid } };
}
