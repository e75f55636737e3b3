/**
 * VaR backtest (DESIGN.md section 6): the portfolio is held constant (today's positions at today's market);
 * each day's P&L is the revaluation under that day's actual log returns, and each day's 1-day VaR comes
 * from the `window` daily returns before it (historical, or EWMA-filtered with vols known before that day).
 * A breach is a day whose loss exceeds its VaR. Kupiec POF, Christoffersen independence and the Basel
 * traffic light judge the count and clustering of breaches.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { RiskContext } from "../margin/riskContext.js";
import { erfc } from "../pricing/normal.js";
import { dayText, returnWindow, type PriceHistory, type ReturnWindow } from "../risk/history.js";
import { revalBook, scenarioPnl, type RevalBook } from "./revalue.js";
import type { ScenarioSet } from "../risk/scenarios.js";
import { historicalScenarios } from "../risk/scenarios.js";
import { checkConfidence, varEs } from "../risk/tail.js";
import { asOfDay } from "./varReport.js";

export interface BacktestSpec {
  readonly method: "hs" | "fhs";
  readonly confidence: number;
  /** Daily returns behind each day's VaR. */
  readonly window: number;
  readonly ewmaLambda: number;
  /** Test only the last N days (default: every day with a full window). */
  readonly days?: number;
}

/** p-value of a χ²(1) statistic. */
export function chiSquare1PValue(lr: number): number {
  return lr <= 0 ? 1 : erfc(Math.sqrt(lr / 2));
}

const xlogy = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(y));

/** Kupiec's proportion-of-failures test: LR = −2 ln[(1−p)^(N−x) p^x / (1−x/N)^(N−x) (x/N)^x], χ²(1). */
export function kupiec(breaches: number, observations: number, p: number): { lr: number; pValue: number } {
  const x = breaches, n = observations;
  const lr = Math.max(0, -2 * (xlogy(n - x, 1 - p) + xlogy(x, p) - xlogy(n - x, 1 - x / n) - xlogy(x, x / n)));
  return { lr, pValue: chiSquare1PValue(lr) };
}

/** Christoffersen's independence test on a 0/1 breach sequence (first-order Markov against independence), χ²(1). */
export function christoffersen(hits: ArrayLike<number>): { lr: number; pValue: number; n00: number; n01: number; n10: number; n11: number } {
  let n00 = 0, n01 = 0, n10 = 0, n11 = 0;
  for (let t = 1; t < hits.length; t++) {
    const a = hits[t - 1], b = hits[t];
    if (a === 0 && b === 0) n00++; else if (a === 0) n01++; else if (b === 0) n10++; else n11++;
  }
  const pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
  const pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
  const pi = (n01 + n11) / Math.max(1, n00 + n01 + n10 + n11);
  const l0 = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const l1 = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11);
  const lr = Math.max(0, -2 * (l0 - l1));
  return { lr, pValue: chiSquare1PValue(lr), n00, n01, n10, n11 };
}

/** P(X ≤ x) for X ~ Binomial(n, p), in log space. */
export function binomialCdf(x: number, n: number, p: number): number {
  if (x < 0) return 0;
  if (x >= n) return 1;
  let logPmf = n * Math.log1p(-p);
  let sum = Math.exp(logPmf);
  const ratio = Math.log(p) - Math.log1p(-p);
  for (let k = 0; k < x; k++) {
    logPmf += Math.log(n - k) - Math.log(k + 1) + ratio;
    sum += Math.exp(logPmf);
  }
  return Math.min(1, sum);
}

/** Basel traffic light: green while P(X ≤ breaches) < 95 %, red from 99.99 %, yellow between (250 days at 99 %: 0–4, 5–9, 10+). */
export function trafficLight(breaches: number, observations: number, p: number): "green" | "yellow" | "red" {
  const c = binomialCdf(breaches, observations, p);
  return c < 0.95 ? "green" : c < 0.9999 ? "yellow" : "red";
}

export interface BacktestReport {
  readonly account: string;
  readonly method: "hs" | "fhs";
  readonly confidence: number;
  readonly window: number;
  readonly from: string;
  readonly to: string;
  readonly currency: string;
  readonly observations: number;
  readonly breaches: number;
  readonly expectedBreaches: number;
  readonly breachRate: number;
  readonly kupiec: { readonly lr: number; readonly pValue: number };
  readonly christoffersen: { readonly lr: number; readonly pValue: number; readonly n00: number; readonly n01: number; readonly n10: number; readonly n11: number };
  readonly trafficLight: "green" | "yellow" | "red";
  /** The portfolio (grid) model's margin now against each day's loss, when given. */
  readonly portfolioModel?: { readonly margin: number; readonly exceedances: number; readonly rate: number; readonly worstLoss: number };
  /** Per tested day: date, P&L and VaR (for charts). */
  readonly series: { readonly dates: readonly string[]; readonly pnl: readonly number[]; readonly var: readonly number[] };
}

/** EWMA variance forecasts over a full series, seeded with the mean square of the first `seedCount` returns (no look-ahead after them). */
function ewmaForecasts(r: Float64Array, lambda: number, seedCount: number): Float64Array {
  const v = new Float64Array(r.length + 1);
  let m = 0;
  for (let i = 0; i < seedCount; i++) m += r[i] * r[i];
  v[0] = m / Math.max(1, seedCount);
  for (let t = 1; t <= r.length; t++) v[t] = lambda * v[t - 1] + (1 - lambda) * r[t - 1] * r[t - 1];
  return v;
}

function fhsVar(book: RevalBook, w: ReturnWindow, vars: readonly Float64Array[], t: number, W: number, alpha: number): Parsed<number> {
  const F = w.assets.length;
  const out = new Float64Array(W * F);
  for (let f = 0; f < F; f++) {
    const r = w.returns[f], v = vars[f];
    const now = Math.sqrt(v[t]);
    for (let s = 0; s < W; s++) {
      const sig = Math.sqrt(v[t - W + s]);
      out[s * F + f] = sig > 0 ? (r[t - W + s] * now) / sig : 0;
    }
  }
  const set: ScenarioSet = { factors: w.assets, count: W, returns: out, horizonDays: 1 };
  const p = scenarioPnl(book, set);
  if (!p.ok) return p;
  const e = varEs(p.value.total, alpha);
  return e.ok ? { ok: true, value: e.value.var } : e;
}

/** Backtest one account; `gridMargin` (the portfolio model's risk margin now) adds the exceedance count. */
export function backtest(ctx: RiskContext, pf: Portfolio, history: PriceHistory, spec: BacktestSpec, gridMargin?: number, onProgress?: (d: number, t: number) => void): Parsed<BacktestReport> {
  const c = checkConfidence(spec.confidence);
  if (!c.ok) return c;
  const W = spec.window;
  if (!(Number.isInteger(W) && W >= 10)) return { ok: false, reason: `window must be an integer ≥ 10 (got ${W})` };
  const bp = revalBook(ctx, pf);
  if (!bp.ok) return bp;
  const book = bp.value;
  const wp = returnWindow(history, book.factors, asOfDay(ctx));
  if (!wp.ok) return wp;
  const w = wp.value, n = w.days.length;
  if (n <= W) return { ok: false, reason: `window of ${W} returns is longer than the data: only ${n} consecutive common daily returns of ${book.factors.join(", ")} end ${dayText(w.days[n - 1])}` };
  const first = spec.days !== undefined ? Math.max(W, n - spec.days) : W;
  const all = scenarioPnl(book, historicalScenarios(w, 1, null));
  if (!all.ok) return all;
  const pnl = all.value.total;
  const vars = spec.method === "fhs" ? w.returns.map((r) => ewmaForecasts(r, spec.ewmaLambda, W)) : [];
  const T = n - first;
  const hits = new Uint8Array(T);
  const varSeries: number[] = [], pnlSeries: number[] = [], dates: string[] = [];
  let breaches = 0, exceed = 0, worst = 0;
  for (let i = 0; i < T; i++) {
    const t = first + i;
    const v = spec.method === "fhs" ? fhsVar(book, w, vars, t, W, spec.confidence) : varEs(pnl.subarray(t - W, t), spec.confidence);
    if (!v.ok) return v;
    const VaR = typeof v.value === "number" ? v.value : v.value.var;
    const loss = -pnl[t];
    if (loss > VaR) { hits[i] = 1; breaches++; }
    if (gridMargin !== undefined && loss > gridMargin) exceed++;
    worst = Math.max(worst, loss);
    varSeries.push(VaR); pnlSeries.push(pnl[t]); dates.push(dayText(w.days[t]));
    if (onProgress && i % 50 === 0) onProgress(i, T);
  }
  onProgress?.(T, T);
  const p = 1 - spec.confidence;
  return {
    ok: true,
    value: {
      account: pf.account, method: spec.method, confidence: spec.confidence, window: W, from: dates[0], to: dates[T - 1], currency: ctx.numeraire.currency,
      observations: T, breaches, expectedBreaches: p * T, breachRate: breaches / T,
      kupiec: kupiec(breaches, T, p), christoffersen: christoffersen(hits), trafficLight: trafficLight(breaches, T, p),
      ...(gridMargin !== undefined ? { portfolioModel: { margin: gridMargin, exceedances: exceed, rate: exceed / T, worstLoss: worst } } : {}),
      series: { dates, pnl: pnlSeries, var: varSeries },
    },
  };
}
