import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normCdf } from "../../src/pricing/normal.js";
import { normInv } from "../../src/analytics/calibrate.js";
import { tailCount, varEs } from "../../src/risk/tail.js";
import { runVar, type VarSpec } from "../../src/analytics/varReport.js";
import { BTC_MARKET, closesFromCsv, context, history, market, portfolio } from "./helpers.js";

const SPEC: VarSpec = { method: "hs", confidence: 0.99, horizonDays: 1, lookbackDays: 1000, ewmaLambda: 0.94, shrinkage: 0, paths: 10000, seed: 7, distribution: "normal", dof: 5 };

describe("k = ⌈(1 − α)N⌉ without floating-point noise", () => {
  it("gives the textbook counts", () => {
    expect((1 - 0.99) * 1000).toBeGreaterThan(10); // the noise the convention guards against
    expect(tailCount(0.99, 1000)).toBe(10);
    expect(tailCount(0.975, 1000)).toBe(25);
    expect(tailCount(0.99, 1460)).toBe(15);
    expect(tailCount(0.99, 250)).toBe(3);
    expect(tailCount(0.999, 100)).toBe(1);
    expect(tailCount(0.95, 100000)).toBe(5000);
  });
  it("VaR is the k-th largest loss and ES the mean of the k largest", () => {
    const pnl = Array.from({ length: 100 }, (_, i) => i - 50); // losses 50, 49, 48, ...
    const r = varEs(pnl, 0.97);
    expect(r.ok && [r.value.k, r.value.var, r.value.es]).toEqual([3, 48, 49]);
  });
  it("VaR ≤ ES for any sample and α (property)", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0.5001, max: 0.9999, noNaN: true }), (xs, a) => {
      const r = varEs(xs, a);
      return r.ok && r.value.var <= r.value.es + 1e-9 * Math.max(1, Math.abs(r.value.es));
    }));
  });
  it("rejects α outside (0.5, 1), empty samples and NaN P&L with a reason", () => {
    for (const a of [0.5, 1, 1.2, 0.3, Number.NaN]) {
      const r = varEs([1, 2, 3], a);
      expect(r.ok ? "" : r.reason, `alpha ${a}`).toMatch(/strictly between 0.5 and 1/);
    }
    expect(varEs([], 0.99).ok).toBe(false);
    const n = varEs([1, Number.NaN], 0.99);
    expect(n.ok ? "" : n.reason).toMatch(/non-finite/);
  });
});

describe("historical VaR/ES of 1 BTC linear on ../shared/data/prices", () => {
  it("equals an independent computation from the CSV", () => {
    const m = market(BTC_MARKET);
    const ctx = context(m);
    const pf = portfolio({ account: "one-btc", collateral: {}, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] });
    const r = runVar(ctx, pf, history(["BTC"]), SPEC);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // Independent: last 1001 closes dated on or before 2024-11-20, loss = −92000·(c_t/c_{t−1} − 1).
    const rows = closesFromCsv("BTC");
    const end = rows.findIndex((x) => x.date === "2024-11-20");
    const losses: number[] = [];
    for (let t = end - 999; t <= end; t++) losses.push(-92000 * (rows[t].close / rows[t - 1].close - 1));
    losses.sort((a, b) => b - a);
    const es = losses.slice(0, 10).reduce((s, x) => s + x, 0) / 10;
    expect(r.value.report.k).toBe(10);
    expect(r.value.report.var).toBeCloseTo(losses[9], 6);
    expect(r.value.report.es).toBeCloseTo(es, 6);
    expect(r.value.report.window).toEqual({ from: rows[end - 999].date, to: "2024-11-20", returns: 1000 });
    expect(r.value.report.var).toBeLessThanOrEqual(r.value.report.es);
  });
  it("Monte Carlo normal ES of a linear book converges to the closed form (within 2 % at 100,000 paths)", () => {
    const m = market(BTC_MARKET);
    const ctx = context(m);
    const pf = portfolio({ account: "lin", collateral: {}, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 2 }] });
    const spec: VarSpec = { ...SPEC, method: "mc", paths: 100_000, horizonDays: 2 };
    const r = runVar(ctx, pf, history(["BTC"]), spec);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // P&L = 2·F·(e^{σz} − 1), z ~ N(0,1): ES_α = 2F(1 − e^{σ²/2} Φ(q − σ)/(1 − α)), q = Φ⁻¹(1 − α).
    const sigma = (r.value.report.annualVol.BTC / Math.sqrt(365)) * Math.sqrt(2);
    const q = normInv(0.01);
    const closed = 2 * 92000 * (1 - (Math.exp(sigma * sigma / 2) * normCdf(q - sigma)) / 0.01);
    expect(Math.abs(r.value.report.es / closed - 1), `ES ${r.value.report.es} vs closed form ${closed} (σ ${sigma})`).toBeLessThan(0.02);
    expect(r.value.report.scenarios).toBe(100_000);
  });
  it("Monte Carlo is reproducible from its seed and Student-t has the fatter tail", () => {
    const ctx = context(market(BTC_MARKET));
    const pf = portfolio({ account: "lin", collateral: {}, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] });
    const h = history(["BTC"]);
    const a = runVar(ctx, pf, h, { ...SPEC, method: "mc" }), b = runVar(ctx, pf, h, { ...SPEC, method: "mc" });
    const t = runVar(ctx, pf, h, { ...SPEC, method: "mc", distribution: "t", dof: 4, confidence: 0.999 });
    const n = runVar(ctx, pf, h, { ...SPEC, method: "mc", confidence: 0.999 });
    expect(a.ok && b.ok && a.value.report.es === b.value.report.es).toBe(true);
    expect(t.ok && n.ok && t.value.report.es > n.value.report.es).toBe(true);
  });
  it("filtered historical VaR rescales by σ_now/σ_t; a window longer than the data is a clear error", () => {
    const ctx = context(market(BTC_MARKET));
    const pf = portfolio({ account: "lin", collateral: { BTC: 1 }, positions: [] });
    const fhs = runVar(ctx, pf, history(["BTC"]), { ...SPEC, method: "fhs" });
    expect(fhs.ok && Number.isFinite(fhs.value.report.es) && fhs.value.report.es > 0).toBe(true);
    const long = runVar(ctx, pf, history(["BTC"]), { ...SPEC, lookbackDays: 9000 });
    expect(long.ok ? "" : long.reason).toMatch(/needs 9000 daily returns/);
    const alpha = runVar(ctx, pf, history(["BTC"]), { ...SPEC, confidence: 1.5 });
    expect(alpha.ok ? "" : alpha.reason).toMatch(/strictly between 0.5 and 1/);
  });
});
