/**
 * Live features (issue 13 item 1, the live part): the same price path as daily CSV bars and as a tick stream
 * aggregated by BarBuilder gives bit-identical bars, feature matrices and model moves; realised vol over tick
 * windows, book spread and depth within ±0.5/1/2 % of the mid, signed flow and the smile's level and skew by hand.
 */
import { describe, expect, it } from "vitest";
import { parseBarsCsv, type Bars } from "../../../src/analytics/adaptive/bars.js";
import { DEFAULT_ADAPTIVE_FEATURES, featureMatrix } from "../../../src/analytics/adaptive/features.js";
import { appendBars, BarBuilder, DAY_MS, realisedVol, YEAR_MS } from "../../../src/analytics/adaptive/liveBars.js";
import { basis, bookMetrics, smileLevelSkew, tradeFlow } from "../../../src/analytics/adaptive/microstructure.js";
import { DEFAULT_APC } from "../../../src/analytics/adaptive/apc.js";
import { backtestBars } from "../../../src/analytics/adaptive/walkForward.js";
import { dayText } from "../../../src/risk/history.js";
import { syntheticGarchBars } from "./synthetic.js";

function csvOf(b: Bars): string {
  const rows = Array.from(b.periods, (p, i) => `${dayText(p)},${b.open[i]},${b.high[i]},${b.low[i]},${b.close[i]},${b.volume[i]}`);
  return `Date,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`;
}

/** The day as ticks: open just after midnight (with the day's volume), high, low (or low, high), close just before the next day. */
function ticksOf(b: Bars): { ts: number; price: number; volume: number }[] {
  const out: { ts: number; price: number; volume: number }[] = [];
  for (let i = 0; i < b.close.length; i++) {
    const d = b.periods[i] * DAY_MS, upFirst = i % 2 === 0;
    out.push({ ts: d + 1_000, price: b.open[i], volume: b.volume[i] });
    out.push({ ts: d + 3_600_000 * 5, price: upFirst ? b.high[i] : b.low[i], volume: 0 });
    out.push({ ts: d + 3_600_000 * 11, price: (b.open[i] + b.close[i]) / 2, volume: 0 });
    out.push({ ts: d + 3_600_000 * 17, price: upFirst ? b.low[i] : b.high[i], volume: 0 });
    out.push({ ts: d + DAY_MS - 1_000, price: b.close[i], volume: 0 });
  }
  return out;
}

describe("offline bars and live ticks give the same features", () => {
  const syn = syntheticGarchBars(13, 520).bars;
  const parsed = parseBarsCsv(csvOf(syn), "SYN");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const offline = parsed.value;
  const builder = new BarBuilder("SYN");
  for (const t of ticksOf(syn)) expect(builder.add(t.ts, t.price, t.volume)).toBe(true);
  const live = builder.bars();

  it("the bars are identical, bit for bit", () => {
    expect(live.periods).toEqual(offline.periods);
    for (const k of ["open", "high", "low", "close", "volume"] as const) expect(Array.from(live[k]), k).toEqual(Array.from(offline[k]));
  });

  it("every bar feature is identical (featureMatrix on both), and so is the adaptive model's move", () => {
    const a = featureMatrix(offline), b = featureMatrix(live);
    if (!a.ok || !b.ok) throw new Error("features");
    expect(b.value.names).toEqual(a.value.names);
    for (let k = 0; k < a.value.cols.length; k++) {
      const same = Array.from(a.value.cols[k]).every((x, t) => Object.is(x, b.value.cols[k][t]));
      expect(same, a.value.names[k]).toBe(true);
    }
    const spec = { confidence: 0.99, horizon: 1, trainBars: 365, refitEvery: 63, ewmaLambda: 0.94, features: DEFAULT_ADAPTIVE_FEATURES, staticMove: Math.log1p(0.16), apc: DEFAULT_APC };
    const x = backtestBars(offline, spec), y = backtestBars(live, spec);
    if (!x.ok || !y.ok) throw new Error("backtest");
    expect(Array.from(y.value.series.apc.adaptive)).toEqual(Array.from(x.value.series.apc.adaptive));
    expect(x.value.series.apc.adaptive.length).toBe(520 - 365);
  });

  it("out-of-order and invalid observations are refused; live measurements become live.* columns (NaN on history rows)", () => {
    const bb = new BarBuilder("BTC");
    expect(bb.add(10 * DAY_MS + 5, 100)).toBe(true);
    expect(bb.add(10 * DAY_MS + 4, 101)).toBe(false);
    expect(bb.add(10 * DAY_MS + 6, 0)).toBe(false);
    expect(bb.addLive(10 * DAY_MS + 7, "spread", 0.001)).toBe(true);
    expect(bb.addLive(10 * DAY_MS + 8, "spread", 0.002)).toBe(true);
    expect(bb.add(11 * DAY_MS, 102, 5)).toBe(true);
    const b = bb.bars();
    expect(Array.from(b.live!.spread)).toEqual([0.002, NaN]);
    const joined = appendBars(offline, { ...b, periods: Int32Array.from([offline.periods[519] + 1, offline.periods[519] + 2]) });
    expect(joined.close.length).toBe(522);
    expect(Number.isNaN(joined.live!.spread[0])).toBe(true);
    expect(joined.live!.spread[520]).toBe(0.002);
    const fm = featureMatrix(joined, ["gkVol1", "live.spread"]);
    expect(fm.ok && fm.value.names).toEqual(["gkVol1", "live.spread"]);
  });
});

describe("realised vol over tick windows", () => {
  it("alternating ±1 % every minute: σ = ln 1.01 · √(YEAR / 1 min), over 1 h and 15 min alike", () => {
    const ts: number[] = [], px: number[] = [];
    for (let i = 0; i <= 240; i++) { ts.push(1e12 + i * 60_000); px.push(i % 2 === 0 ? 100 : 101); }
    const want = Math.log(1.01) * Math.sqrt(YEAR_MS / 60_000);
    expect(realisedVol(ts, px, ts[240], 3_600_000, 60_000)).toBeCloseTo(want, 9);
    expect(realisedVol(ts, px, ts[240], 900_000, 60_000)).toBeCloseTo(want, 9);
    // sampled every 2 minutes the path looks flat
    expect(realisedVol(ts, px, ts[240], 3_600_000, 120_000)).toBe(0);
    expect(realisedVol([], [], 1e12, 3_600_000, 60_000)).toBeNaN();
  });
});

describe("microstructure by hand", () => {
  it("book: mid 100, spread 0.2 %, thinner-side depth 1,500 / 4,000 / 8,000 within ±0.5 / 1 / 2 %", () => {
    const m = bookMetrics([[99.9, 1000], [99.5, 2000], [99, 5000], [97, 10000]], [[100.1, 1500], [100.6, 2500], [101.5, 4000]], (_p, a) => a)!;
    expect(m.mid).toBeCloseTo(100, 12);
    expect(m.spread).toBeCloseTo(0.002, 12);
    expect(m.depth.map((d) => [d.bidUsd, d.askUsd, d.minUsd])).toEqual([[3000, 1500, 1500], [8000, 4000, 4000], [8000, 8000, 8000]]);
    expect(bookMetrics([[101, 1]], [[100, 1]], (_p, a) => a)).toBeUndefined();
    expect(bookMetrics([], [[100, 1]], (_p, a) => a)).toBeUndefined();
  });

  it("flow, basis, smile level and skew", () => {
    expect(tradeFlow([{ usd: 100, side: "buy" }, { usd: 40, side: "sell" }, { usd: 10, side: "buy" }])).toEqual({ volumeUsd: 150, buyUsd: 110, sellUsd: 40, flowUsd: 70 });
    expect(basis(100.5, 100)).toBeCloseTo(0.005, 12);
    const iv = (k: number) => 0.6 - 0.3 * k;
    const pts = [90, 100, 110].map((K) => ({ strike: K, forward: 100, years: 30 / 365, iv: iv(Math.log(K / 100)) }));
    const far = [90, 110].map((K) => ({ strike: K, forward: 100, years: 1, iv: 0.9 }));
    const s = smileLevelSkew([...pts, ...far])!;
    expect(s.atmIv).toBeCloseTo(0.6, 12);
    expect(s.skew).toBeCloseTo(-0.3, 12);
    expect(s.strikes).toBe(3);
    expect(smileLevelSkew([pts[0]])).toBeUndefined();
  });
});
