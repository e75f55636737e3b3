/**
 * Liquidity-adaptive charges (src/margin/liquidityCharge.ts): the square-root rate by hand, the position add-on
 * and the collateral haircut in `dpm margin`'s result against hand-computed figures, properties (grows with
 * size and spread, falls with depth), and off by default (no preset enables it; no depth → no change).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { haircutUsd } from "../../src/margin/haircut.js";
import { dailyVol, liquidityRate, notionalUsd, positionCharges, type LiquidityChargeParams } from "../../src/margin/liquidityCharge.js";
import { loadPreset, presetNames, rawPreset } from "../../src/input/presets.js";
import { parseParams } from "../../src/input/paramsSchema.js";
import { instrumentNamed } from "../../src/domain/instrument.js";
import { repoJson, ROOT } from "../helpers/shared.js";
import { runCli } from "../helpers/cli.js";
import { join } from "node:path";

const P: LiquidityChargeParams = { impact: 0.5, maxRate: 0.25, defaultVol: 0.8, positions: true, collateral: true };
const params = (liq: Partial<LiquidityChargeParams> = {}) => ({ extends: "deribit", name: "deribit-liquidity", source: "test", liquidity: { ...P, ...liq } });
const market = repoJson<{ asOf: string; assets: Record<string, { index: number; vol?: number }>; instruments: Record<string, Record<string, number>> }>("examples/market.json");

function withBooks(books: Record<string, { depthUsd: number; spread: number }>) {
  const m = structuredClone(market);
  for (const [n, b] of Object.entries(books)) m.instruments[n] = { ...m.instruments[n], ...b };
  return m;
}

describe("the square-root rate", () => {
  it("by hand: N 1,000,000, D 4,000,000, spread 0.1 %, σ_d 4 %, k 0.5 → 0.05 % + 1 % = 1.05 %, 10,500 USD", () => {
    const r = liquidityRate(1_000_000, 4_000_000, 0.0005, 0.04, P);
    expect(r.impact).toBeCloseTo(0.01, 15);
    expect(r.rate).toBeCloseTo(0.0105, 15);
    expect(1_000_000 * r.rate).toBeCloseTo(10_500, 8);
  });

  it("is capped at maxRate and uses σ_annual / √365", () => {
    expect(liquidityRate(1e9, 1, 0, 0.04, P).rate).toBe(0.25);
    expect(dailyVol(0.55)).toBeCloseTo(0.55 / 19.1049731745428, 14);
  });

  it("positions: net notional per instrument, futures and perpetuals only, only where depth is known", () => {
    const perp = instrumentNamed("BTC-PERPETUAL")!, put = instrumentNamed("BTC-27DEC24-85000-P")!, fut = instrumentNamed("BTC-27DEC24")!;
    const m = { book: (n: string) => (n === "BTC-PERPETUAL" ? { depthUsd: 4_000_000, spread: 0.001 } : n === "BTC-27DEC24-85000-P" ? { depthUsd: 1e6, spread: 0.05 } : undefined), index: () => 92_000, vol: () => 0.04 * Math.sqrt(365) };
    const c = positionCharges([{ instrument: perp, size: 600_000 }, { instrument: perp, size: 400_000 }, { instrument: put, size: -10 }, { instrument: fut, size: 50_000 }], m, P);
    expect(c.map((x) => x.name)).toEqual(["BTC-PERPETUAL"]);
    expect(c[0].valueUsd).toBe(1_000_000);
    expect(c[0].amountUsd).toBeCloseTo(10_500, 6);
    expect(notionalUsd(instrumentNamed("SOL_USDC-PERPETUAL")!, -10, 240)).toBe(2400);
  });
});

describe("in dpm margin (the core result)", () => {
  const book = { account: "liq", collateral: { USDC: 200_000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 2_000_000 }] };

  it("adds the position charge to IM and 0.8 × it to MM, as a liquidityAddOn component", () => {
    const plain = createMarginEngine(market, { preset: "deribit" }).margin(book);
    const m = withBooks({ "BTC-PERPETUAL": { depthUsd: 8_000_000, spread: 0.0002 } });
    const r = createMarginEngine(m, { params: params() }).margin(book);
    // N = 2,000,000 USD (inverse perpetual), σ_d = 0.55/√365, k = 0.5: rate = 0.0001 + 0.5 σ_d √(0.25)
    const rate = 0.0001 + 0.5 * (0.55 / Math.sqrt(365)) * 0.5;
    expect(rate).toBeCloseTo(0.0073, 4);
    const charge = 2_000_000 * rate;
    expect(r.initialMargin - plain.initialMargin).toBeCloseTo(charge, 6);
    expect(r.maintenanceMargin - plain.maintenanceMargin).toBeCloseTo(0.8 * charge, 6);
    expect(r.adjustedEquity).toBe(plain.adjustedEquity);
    const comp = r.components.find((c) => c.name === "liquidityAddOn")!;
    expect(comp).toMatchObject({ instrument: "BTC-PERPETUAL", detail: { depthUsd: 8_000_000, spread: 0.0002 } });
    expect(comp.amount).toBeCloseTo(charge, 6);
  });

  it("replaces the tier haircut of collateral with a known spot book: r₀ + s/2 + k σ_d √(V/D)", () => {
    const coins = { account: "coins", collateral: { BTC: 10 }, positions: [] };
    const plain = createMarginEngine(market, { preset: "deribit" }).margin(coins);
    const m = withBooks({ BTC: { depthUsd: 2_000_000, spread: 0.0004 } });
    const r = createMarginEngine(m, { params: params({ impact: 1 }) }).margin(coins);
    const V = 920_000, schedule = loadPreset("deribit").collateral.haircuts.BTC;
    const tier = haircutUsd(V, schedule);
    expect(tier).toBeCloseTo(0.02 * V + 0.015 * V * V / 1e7, 6); // 18,400 + 1,269.6
    const liq = V * (0.02 + 0.0002 + (0.55 / Math.sqrt(365)) * Math.sqrt(V / 2_000_000));
    expect(plain.adjustedEquity).toBeCloseTo(V - tier, 6);
    expect(r.adjustedEquity).toBeCloseTo(V - liq, 6);
    expect(liq).toBeCloseTo(36_547.17, 1); // 920,000 × (0.02 + 0.0002 + 0.028788 × 0.678233)
    expect(r.components.find((c) => c.name === "liquidityHaircut")?.detail).toMatchObject({ replacesTierHaircutUsd: tier });
  });

  it("changes nothing without depth, when disabled per part, or with a shipped preset", () => {
    const plain = createMarginEngine(market, { preset: "deribit" }).margin(book);
    expect(createMarginEngine(market, { params: params() }).margin(book)).toEqual({ ...plain, params: expect.anything() });
    const m = withBooks({ "BTC-PERPETUAL": { depthUsd: 8_000_000, spread: 0.0002 } });
    expect(createMarginEngine(m, { params: params({ positions: false }) }).margin(book).initialMargin).toBe(plain.initialMargin);
    expect(createMarginEngine(m, { preset: "deribit" }).margin(book).initialMargin).toBe(plain.initialMargin);
    for (const name of presetNames()) expect(loadPreset(name).liquidity, name).toBeUndefined();
  });

  it("validates the section with bounds and paths", () => {
    const r = parseParams(params({ impact: -1, maxRate: 2 }), rawPreset);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(["liquidity.impact", "liquidity.maxRate"]);
    const bad = structuredClone(market) as { instruments: Record<string, Record<string, number>> };
    bad.instruments["BTC-PERPETUAL"].spread = 3;
    expect(() => createMarginEngine(bad, { params: params() })).toThrow(/spread/);
  });
});

describe("dpm margin on the examples (examples/liquidity/)", () => {
  it("whale: the three perpetual add-ons and the BTC collateral haircut, against --preset deribit on the same market", async () => {
    const f = (n: string) => join(ROOT, "examples/liquidity", n);
    const plain = await runCli("margin", f("whale.json"), "--market", f("market.json"), "--preset", "deribit", "--json");
    const liq = await runCli("margin", f("whale.json"), "--market", f("market.json"), "--params", f("params.json"), "--json");
    expect(liq.code, liq.stderr).toBe(0);
    const a = JSON.parse(plain.stdout), b = JSON.parse(liq.stdout);
    const sd = (vol: number) => vol / Math.sqrt(365);
    const btc = 6e6 * (0.0001 + 0.5 * sd(0.55) * Math.sqrt(1.5)), eth = 1.5e6 * (0.0002 + 0.5 * sd(0.65)), sol = 480_000 * (0.0005 + 0.5 * sd(0.85) * Math.sqrt(1.6));
    expect(btc).toBeCloseTo(106_375.03, 2);
    expect(b.initialMargin - a.initialMargin).toBeCloseTo(btc + eth + sol, 6);
    expect(b.maintenanceMargin - a.maintenanceMargin).toBeCloseTo(0.8 * (btc + eth + sol), 6);
    const coins = 20 * 92000, tier = a.equity - a.adjustedEquity;
    expect(tier).toBeCloseTo(41_878.4, 6);
    expect(a.adjustedEquity - b.adjustedEquity).toBeCloseTo(coins * (0.02 + 0.00015 + 0.5 * sd(0.55) * Math.sqrt(coins / 1.5e6)) - tier, 6);
  });
});

describe("properties", () => {
  const arb = { n: fc.double({ min: 1, max: 1e9, noNaN: true }), d: fc.double({ min: 1, max: 1e10, noNaN: true }), s: fc.double({ min: 0, max: 0.05, noNaN: true }), v: fc.double({ min: 0.001, max: 0.2, noNaN: true }) };
  it("the charge grows with size and spread and falls with depth", () => {
    fc.assert(fc.property(arb.n, arb.n, arb.d, arb.d, arb.s, arb.v, (n1, n2, d1, d2, s, v) => {
      const [na, nb] = n1 <= n2 ? [n1, n2] : [n2, n1], [da, db] = d1 <= d2 ? [d1, d2] : [d2, d1];
      const c = (n: number, d: number, sp: number) => n * liquidityRate(n, d, sp / 2, v, P).rate;
      return c(na, da, s) <= c(nb, da, s) && c(na, db, s) <= c(na, da, s) && c(na, da, 0) <= c(na, da, s);
    }));
  });
});
