import { marginOf } from "../../src/analytics/models.js";
import { describe, expect, it } from "vitest";
import { loadPreset } from "../../src/input/presets.js";
import { parseStressFile } from "../../src/input/stressSchema.js";
import { DpmInputError } from "../../src/input/issues.js";
import { historicalScenarios } from "../../src/adapters/stressLibrary.js";
import { backtest, binomialCdf, christoffersen, kupiec, trafficLight } from "../../src/analytics/backtest.js";
import { reverseStress } from "../../src/analytics/reverseStress.js";
import { runStress } from "../../src/analytics/stress.js";
import { BTC_MARKET, closesFromCsv, context, history, market, portfolio } from "./helpers.js";

describe("backtest statistics", () => {
  it("Kupiec POF: at T = 1000, p = 1 % the 95 % non-rejection region is 5..16 breaches (Jorion, Value at Risk, table of Kupiec regions)", () => {
    const accepted = Array.from({ length: 30 }, (_, x) => x).filter((x) => kupiec(x, 1000, 0.01).lr < 3.841);
    expect([accepted[0], accepted[accepted.length - 1]]).toEqual([5, 16]);
    expect(kupiec(10, 1000, 0.01).lr).toBe(0);
    expect(kupiec(10, 1000, 0.01).pValue).toBe(1);
  });
  it("Basel traffic light at 250 days and 99 %: 0–4 green, 5–9 yellow, 10+ red; cumulative probabilities of the Basel table", () => {
    expect([4, 5, 9, 10].map((x) => trafficLight(x, 250, 0.01))).toEqual(["green", "yellow", "yellow", "red"]);
    expect(binomialCdf(4, 250, 0.01)).toBeCloseTo(0.8922, 4);
    expect(binomialCdf(5, 250, 0.01)).toBeCloseTo(0.9588, 4);
  });
  it("Christoffersen: clustered breaches are rejected, spread ones are not", () => {
    const spread = new Uint8Array(1000); for (let i = 50; i < 1000; i += 100) spread[i] = 1;
    const clustered = new Uint8Array(1000); for (let i = 500; i < 510; i++) clustered[i] = 1;
    expect(christoffersen(spread).pValue).toBeGreaterThan(0.05);
    expect(christoffersen(clustered).pValue).toBeLessThan(0.001);
    expect(christoffersen(clustered).n11).toBe(9);
  });
  it("counts the breaches of 1 BTC exactly (independent recomputation from the CSV)", () => {
    const ctx = context(market(BTC_MARKET));
    const pf = portfolio({ account: "b", collateral: {}, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] });
    const r = backtest(ctx, pf, history(["BTC"]), { method: "hs", confidence: 0.99, window: 250, ewmaLambda: 0.94, days: 1000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const rows = closesFromCsv("BTC");
    const end = rows.findIndex((x) => x.date === "2024-11-20");
    const pnl = (t: number): number => 92000 * (rows[t].close / rows[t - 1].close - 1);
    let breaches = 0;
    for (let t = end - 999; t <= end; t++) {
      const losses: number[] = [];
      for (let s = t - 250; s < t; s++) losses.push(-pnl(s));
      losses.sort((a, b) => b - a);
      if (-pnl(t) > losses[2]) breaches++;
    }
    expect(r.value.observations).toBe(1000);
    expect(r.value.breaches).toBe(breaches);
    expect(r.value.expectedBreaches).toBeCloseTo(10, 9);
    expect(r.value.series.dates[999]).toBe("2024-11-20");
    const long = backtest(ctx, pf, history(["BTC"]), { method: "hs", confidence: 0.99, window: 5000, ewmaLambda: 0.94 });
    expect(long.ok ? "" : long.reason).toMatch(/longer than the data/);
  });
});

describe("stress tests", () => {
  it("the shipped library has the issue's events, each number with a source", () => {
    const lib = historicalScenarios();
    expect(lib.map((s) => s.date)).toEqual(["2020-03-12", "2021-05-19", "2022-05-12", "2022-06-18", "2022-11-09", "2023-03-11", "2024-08-05", "2025-10-10"]);
    for (const s of lib) {
      for (const a of Object.keys(s.moves)) expect((s as { sources?: Record<string, string> }).sources?.[`moves.${a}`], `${s.name} ${a}`).toMatch(/shared\/data\/prices/);
    }
    const bt = lib[0];
    const rows = closesFromCsv("BTC");
    const c = (d: string) => rows.find((x) => x.date === d)?.close ?? NaN;
    expect(bt.moves.BTC).toBeCloseTo(c("2020-03-12") / c("2020-03-11") - 1, 4);
  });
  it("P&L of 1 BTC spot collateral under Black Thursday is the move times the index; a USDC depeg hits stablecoin collateral", () => {
    const m = market(BTC_MARKET);
    const params = loadPreset("deribit");
    const lib = historicalScenarios();
    const pf = portfolio({ account: "s", collateral: { BTC: 1, USDC: 10000 }, positions: [] });
    const r = runStress(m, params, "USD", pf, "portfolio", lib[0]);
    expect(r.ok && r.value.pnl).toBeCloseTo(92000 * lib[0].moves.BTC, 6);
    const usdc = runStress(m, params, "USD", pf, "portfolio", lib[5]);
    expect(usdc.ok && usdc.value.pnl).toBeCloseTo(92000 * lib[5].moves.BTC + 10000 * (0.8774 - 1), 6);
  });
  it("futures without an entry price still show their scenario P&L", () => {
    const m = market(BTC_MARKET);
    const pf = portfolio({ account: "f", collateral: { USDC: 50000 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: -1 }] });
    const r = runStress(m, loadPreset("deribit"), "USD", pf, "portfolio", { name: "up", moves: { BTC: 0.1 } });
    expect(r.ok && r.value.pnl).toBeCloseTo(-9200, 6);
  });
  it("custom scenario files are validated with paths", () => {
    try {
      parseStressFile({ scenarios: [{ name: "x", moves: { BTC: -1.5 } }, { name: "x", moves: {}, foo: 1 }] }, "f.json");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DpmInputError);
      const paths = (e as DpmInputError).issues.map((i) => i.path);
      expect(paths).toEqual(["scenarios[0].moves.BTC", "scenarios[1].foo"]);
    }
  });
  it("reverse stress: bankruptcy of a long linear perpetual is at the move that wipes the collateral", () => {
    const m = market(BTC_MARKET);
    const pf = portfolio({ account: "r", collateral: { USDC: 20000 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] });
    const r = reverseStress(m, loadPreset("deribit"), "USD", pf, "portfolio", { BTC: -1 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.bankruptcy?.distance).toBeCloseTo(20000 / 92000, 4);
    expect(r.value.liquidation?.distance ?? 1).toBeLessThan(r.value.bankruptcy?.distance ?? 0);
    const worst = reverseStress(m, loadPreset("deribit"), "USD", pf, "portfolio");
    expect(worst.ok && worst.value.direction).toEqual({ BTC: -1 });
  });
});

describe("var margin model", () => {
  it("IM = max(ES now, κ·ES stressed) + contingencies; MM = factor × IM; VaR ≤ ES; marginal contributions", () => {
    const m = market(BTC_MARKET);
    const ctx = context(m);
    const pf = portfolio({ account: "v", collateral: { USDC: 100000 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "ETH_USDC-PERPETUAL", size: -10 }] });
    const r = marginOf(ctx, pf, "var", { history: history(["BTC", "ETH"]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value;
    const c = (n: string) => v.components.filter((x) => x.name === n).reduce((s, x) => s + x.amount, 0);
    const es = c("expectedShortfall"), floor = c("stressFloor");
    expect(v.initialMargin).toBeCloseTo(Math.max(es, floor) + c("rollShock") + c("deltaShock") + c("shortOptionMinimum"), 9);
    expect(v.maintenanceMargin).toBeCloseTo(0.8 * v.initialMargin, 9);
    const detail = v.components[0].detail ?? {};
    expect(Number(detail.var)).toBeLessThanOrEqual(es);
    expect(Number.isFinite(v.positions[0].marginContribution)).toBe(true);
    expect(marginOf(ctx, pf, "var").ok).toBe(false);
  });
});
