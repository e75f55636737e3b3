import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { barsUpTo, consecutiveTail, parseBarsCsv, type Bars } from "../../../src/analytics/adaptive/bars.js";
import { ewmaVariance, featureMatrix, forwardRangeVariance, forwardReturns, garmanKlassVariance, logReturns, parkinsonVariance } from "../../../src/analytics/adaptive/features.js";
import { dayText, parseDay } from "../../../src/risk/history.js";
import { PRICES } from "../../risk/helpers.js";

const bars = (rows: readonly (readonly [number, number, number, number, number])[]): Bars => ({
  asset: "T", periods: Int32Array.from(rows, (_, i) => 100 + i),
  open: Float64Array.from(rows, (r) => r[0]), high: Float64Array.from(rows, (r) => r[1]), low: Float64Array.from(rows, (r) => r[2]),
  close: Float64Array.from(rows, (r) => r[3]), volume: Float64Array.from(rows, (r) => r[4]),
});

describe("range-based variance of one bar (hand computations)", () => {
  it("Parkinson: (ln(H/L))² / (4 ln 2)", () => {
    // ln(110/95) = 0.146603474; squared 0.021492578; / 2.772588722 = 0.007751809.
    expect(parkinsonVariance(110, 95)).toBeCloseTo(0.007751809156810511, 15);
    expect(parkinsonVariance(100, 100)).toBe(0);
  });
  it("Garman–Klass: ½ (ln(H/L))² − (2 ln 2 − 1)(ln(C/O))²", () => {
    // ½ · 0.021492578 − 0.386294361 · (ln 1.05)² = 0.010746289 − 0.000919566 = 0.009826723.
    expect(garmanKlassVariance(100, 110, 95, 105)).toBeCloseTo(0.00982672327557351, 15);
    // Open = close: GK = ½ (ln(H/L))² = 2 ln 2 × Parkinson.
    expect(garmanKlassVariance(100, 110, 95, 100)).toBeCloseTo(2 * Math.LN2 * parkinsonVariance(110, 95), 15);
  });
});

describe("EWMA variance against a direct computation", () => {
  it("the causal seed (mean of the first squares) then v_t = λ v_{t−1} + (1 − λ) r_t²", () => {
    const r = Float64Array.of(NaN, 0.01, -0.02, 0.03, -0.01, 0.05);
    const v = ewmaVariance(r, 0.94, 2);
    const seed = (0.01 ** 2 + 0.02 ** 2) / 2;
    // Direct: v_5 = λ³ seed + (1−λ)(λ² 0.03² + λ 0.01² + 0.05²).
    const direct = 0.94 ** 3 * seed + 0.06 * (0.94 ** 2 * 0.0009 + 0.94 * 0.0001 + 0.0025);
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v[1]).toBeCloseTo(0.0001, 18);
    expect(v[2]).toBeCloseTo(seed, 18);
    expect(v[5]).toBeCloseTo(direct, 18);
    expect(v[5]).toBeCloseTo(0.0004110004, 12);
  });
});

describe("features of a bar series", () => {
  const b = bars(Array.from({ length: 40 }, (_, i) => {
    const c = 100 * Math.exp(0.01 * Math.sin(i)), o = 100 * Math.exp(0.01 * Math.sin(i - 1));
    return [o, Math.max(o, c) * 1.01, Math.min(o, c) * 0.99, c, i === 35 ? 0 : 1000 + 10 * i] as const;
  }));
  const f = featureMatrix(b);
  if (!f.ok) throw new Error(f.reason);
  const col = (n: string): Float64Array => f.value.cols[f.value.names.indexOf(n)];
  it("returns at lags 1, 7 and 30 and vols are logs of per-bar standard deviations", () => {
    expect(col("ret1")[31]).toBeCloseTo(Math.log(b.close[31] / b.close[30]), 15);
    expect(col("ret7")[31]).toBeCloseTo(Math.log(b.close[31] / b.close[24]), 15);
    expect(col("ret30")[31]).toBeCloseTo(Math.log(b.close[31] / b.close[1]), 15);
    const gk = (t: number): number => garmanKlassVariance(b.open[t], b.high[t], b.low[t], b.close[t]);
    expect(col("gkVol1")[31]).toBeCloseTo(0.5 * Math.log(gk(31)), 14);
    let s = 0;
    for (let t = 25; t <= 31; t++) s += gk(t);
    expect(col("gkVol7")[31]).toBeCloseTo(0.5 * Math.log(s / 7), 14);
    expect(col("parkVol1")[31]).toBeCloseTo(0.5 * Math.log(parkinsonVariance(b.high[31], b.low[31])), 14);
    expect(col("ewmaVol")[31]).toBeCloseTo(0.5 * Math.log(ewmaVariance(logReturns(b.close), 0.94)[31]), 14);
  });
  it("relative volume: ln V_t minus the mean ln V of the 30 bars before; a zero volume is skipped and scores 0", () => {
    let m = 0;
    for (let t = 1; t <= 30; t++) m += Math.log(1000 + 10 * t);
    expect(col("relVolume")[31]).toBeCloseTo(Math.log(1310) - m / 30, 13);
    expect(col("relVolume")[35]).toBe(0);
    let m2 = 0;
    for (let t = 7; t <= 36; t++) if (t !== 35) m2 += Math.log(1000 + 10 * t);
    expect(col("relVolume")[37]).toBeCloseTo(Math.log(1370) - m2 / 29, 13);
  });
  it("every feature is defined from bar 30 on; labels look h bars ahead", () => {
    expect(f.value.firstValid).toBe(30);
    const R = forwardReturns(b.close, 2), G = forwardRangeVariance(b.open, b.high, b.low, b.close, 2);
    expect(R[10]).toBeCloseTo(Math.log(b.close[12] / b.close[10]), 15);
    expect(Number.isNaN(R[38])).toBe(true);
    expect(G[10]).toBeCloseTo((garmanKlassVariance(b.open[11], b.high[11], b.low[11], b.close[11]) + garmanKlassVariance(b.open[12], b.high[12], b.low[12], b.close[12])) / 2, 15);
  });
  it("optional live columns join the vector as live.<name>; absent offline", () => {
    const live = { ...b, live: { spread: new Float64Array(40).fill(0.001) } };
    const g = featureMatrix(live, ["gkVol7", "live.spread"]);
    expect(g.ok && g.value.names).toEqual(["gkVol7", "live.spread"]);
    const h = featureMatrix(b, ["live.spread"]);
    expect(h.ok).toBe(false);
  });
});

describe("OHLCV CSV parsing", () => {
  it("reads the Yahoo layout by header name and reports bad rows with their lines", () => {
    const ok = parseBarsCsv("Date,Close,High,Low,Open,Volume\n2024-01-01,100,110,90,95,1\n2024-01-02,110,111,99,100,2\n", "BTC");
    expect(ok.ok && [Array.from(ok.value.open), Array.from(ok.value.close), dayText(ok.value.periods[1])]).toEqual([[95, 100], [100, 110], "2024-01-02"]);
    const bad = parseBarsCsv("Date,Close,High,Low,Open,Volume\n2024-01-02,100,110,90,95,1\n2024-01-01,100,110,90,95,1\n2024-01-03,100,99,90,95,1\n2024-01-04,100,110,90,95,-1\n2024-01-05,x,110,90,95,1\n", "BTC");
    expect(bad.ok === false && bad.problems.map((p) => `line ${p.line}: ${p.message}`)).toEqual([
      "line 3: dates must be increasing",
      "line 4: BTC: must satisfy low ≤ min(open, close) ≤ max(open, close) ≤ high",
      "line 5: BTC: volume must be a finite number ≥ 0",
      "line 6: BTC: close must be a finite number > 0",
    ]);
    const noVol = parseBarsCsv("Date,Close\n2024-01-01,1\n", "BTC");
    expect(noVol.ok === false && noVol.problems[0].message).toMatch(/no open column/);
  });
  it("AVAX: the gap after 2020-07-14 cuts the first two bars; the tail is consecutive", () => {
    const p = parseBarsCsv(readFileSync(join(PRICES, "AVAX-USD_1d.csv"), "utf8"), "AVAX");
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    const t = consecutiveTail(p.value);
    expect([p.value.close.length, t.bars.close.length, t.dropped, dayText(t.bars.periods[0])]).toEqual([1606, 1604, 2, "2020-09-22"]);
    const upTo = barsUpTo(t.bars, parseDay("2020-09-30") ?? 0);
    expect(upTo.close.length).toBe(9); // 2020-09-22..30
  });
});
