import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { haircutUsd } from "../../src/margin/haircut.js";
import { repoJson } from "../helpers/shared.js";

const market = repoJson<{ assets: Record<string, { index: number }> }>("examples/market.json");
const engine = createMarginEngine(market);
const S = 92000;
const book = (name: string) => repoJson(`examples/books/${name}.json`);
const comp = (r: ReturnType<typeof engine.margin>, name: string, u?: string) =>
  r.components.find((c) => c.name === name && (u === undefined || c.underlying === u));

describe("standard model (Deribit standard margin, DESIGN.md section 1)", () => {
  it("inverse perpetual: IM = (2 % + 0.005 % × coins) × notional, MM = (1 % + same) × notional", () => {
    const r = engine.margin({ account: "f", collateral: { USDC: 1e5 }, positions: [{ instrument: "BTC-PERPETUAL", size: 100000 }] }, "standard");
    const coins = 100000 / 92050;
    expect(r.initialMargin).toBeCloseTo((0.02 + 0.00005 * coins) * 100000, 8);
    expect(r.maintenanceMargin).toBeCloseTo((0.01 + 0.00005 * coins) * 100000, 8);
  });
  it("linear ETH perpetual uses ETH's size term 0.0004 % per coin", () => {
    const r = engine.margin({ account: "f", collateral: { USDC: 1e5 }, positions: [{ instrument: "ETH_USDC-PERPETUAL", size: -20 }] }, "standard");
    const notional = 20 * 3101.5; // mark of ETH_USDC-PERPETUAL falls back to ETH-PERPETUAL's mark
    expect(r.initialMargin).toBeCloseTo((0.02 + 0.000004 * 20) * notional, 8);
  });
  it("short call: IM = max(0.15 − OTM/index, 0.1) + mark, MM = 0.075 + mark (coin terms × index)", () => {
    const r = engine.margin({ account: "c", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24-100000-C", size: -3 }] }, "standard");
    const mark = r.positions[0].markPrice; // BTC per BTC
    expect(mark).toBeGreaterThan(0);
    const im = (Math.max(0.15 - 8000 / S, 0.1) + mark) * S * 3;
    expect(r.initialMargin).toBeCloseTo(im, 6);
    expect(r.maintenanceMargin).toBeCloseTo((0.075 + mark) * S * 3, 6);
  });
  it("short put: IM = max(max(0.15 − OTM/index, 0.1) + mark, MM), MM = max(0.075, 0.075 × mark) + mark", () => {
    const r = engine.margin({ account: "p", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24-85000-P", size: -2 }] }, "standard");
    const mark = r.positions[0].markPrice;
    const mm = (Math.max(0.075, 0.075 * mark) + mark) * S * 2;
    expect(r.maintenanceMargin).toBeCloseTo(mm, 6);
    expect(r.initialMargin).toBeCloseTo(Math.max((Math.max(0.15 - 7000 / S, 0.1) + mark) * S * 2, mm), 6);
  });
  it("long options and spot carry no margin", () => {
    const r = engine.margin({ account: "l", collateral: { USDC: 1e4 }, positions: [{ instrument: "BTC-27DEC24-92000-C", size: 2 }, { instrument: "BTC", size: 1 }] }, "standard");
    expect(r.initialMargin).toBe(0);
    expect(r.maintenanceMargin).toBe(0);
  });
  it("isolated: the same margins, but one position's gain does not back another", () => {
    const pf = { account: "i", collateral: { USDC: 1e4 }, positions: [
      { instrument: "BTC-PERPETUAL", size: 100000, entryPrice: 80000 }, { instrument: "ETH_USDC-PERPETUAL", size: 10, entryPrice: 3200 }] };
    const std = engine.margin(pf, "standard"), iso = engine.margin(pf, "isolated");
    expect(iso.initialMargin).toBeCloseTo(std.initialMargin, 9);
    const gain = std.positions[0].value;
    expect(gain).toBeGreaterThan(0);
    expect(std.positions[1].value).toBeLessThan(0);
    expect(std.adjustedEquity - iso.adjustedEquity).toBeCloseTo(gain, 6);
  });
});

describe("portfolio model", () => {
  it("hedged books are cheaper than standard margin: put credit spread and calendar spread", () => {
    for (const name of ["put-credit-spread", "calendar-spread", "short-straddle-hedged"]) {
      const [, std, pm] = engine.compare(book(name));
      expect(pm.initialMargin, name).toBeLessThan(0.5 * std.initialMargin);
    }
  });
  it("contribution = margin with the position minus without it: the long put of a credit spread removes most of the short put's margin", () => {
    const pf = book("put-credit-spread") as { positions: unknown[] };
    const r = engine.margin(pf);
    const shortOnly = engine.margin({ ...pf, positions: [pf.positions[0]] });
    expect(r.positions[1].marginContribution).toBeCloseTo(r.initialMargin - shortOnly.initialMargin, 6);
    expect(r.positions[1].marginContribution).toBeLessThan(-0.5 * shortOnly.initialMargin);
  });
  it("an account holding only BTC has no scenario margin, just the haircut", () => {
    const r = engine.margin({ account: "b", collateral: { BTC: 10 }, positions: [] });
    expect(r.initialMargin).toBe(0);
    expect(r.collateral[0]).toMatchObject({ asset: "BTC", countedAs: "haircut" });
    expect(r.equity - r.adjustedEquity).toBeCloseTo(haircutUsd(920000, [{ fromUsd: 0, haircut: 0.02 }, { fromUsd: 1e7, haircut: 0.05 }]), 6);
  });
  it("BTC collateral joins the scenarios when it hedges (cash-and-carry): no price risk left, roll shock only", () => {
    const r = engine.margin(book("cash-and-carry"));
    expect(r.collateral[0].countedAs).toBe("scenario");
    expect(comp(r, "worstScenario", "BTC")?.amount).toBeLessThan(1e-6);
    const T = (Date.UTC(2025, 2, 28, 8) - Date.UTC(2024, 10, 20, 8)) / (365 * 86400000);
    expect(comp(r, "rollShock", "BTC")?.amount).toBeCloseTo(0.075 * T * 10 * 95500, 4);
    expect(r.adjustedEquity).toBe(r.equity);
  });
  it("delta-1 P&L on the extended moves is clamped to the grid edge", () => {
    const r = engine.margin({ account: "x", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 10 }] });
    const edge = comp(r, "worstScenario")?.amount ?? 0;
    expect(edge).toBeCloseTo(10 * 92050 * 0.16, 6);
    expect(comp(r, "extendedScenario")?.amount).toBeCloseTo(edge * (0.16 / 0.33), 6);
  });
  it("open orders raise IM (the side that raises it most) but not MM", () => {
    const pf = book("short-straddle-hedged") as { openOrders: unknown[] };
    const without = engine.margin({ ...pf, openOrders: [] });
    const withOrders = engine.margin(pf);
    const oo = comp(withOrders, "openOrders")?.amount ?? 0;
    expect(oo).toBeGreaterThan(0);
    expect(withOrders.initialMargin).toBeCloseTo(without.initialMargin + oo, 6);
    expect(withOrders.maintenanceMargin).toBeCloseTo(without.maintenanceMargin, 9);
  });
  it("short-option minimum: 0.3 % of the index per net short contract", () => {
    const r = engine.margin({ account: "s", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24-85000-P", size: -4 }, { instrument: "BTC-27DEC24-85000-P", size: 1 }] });
    expect(comp(r, "shortOptionMinimum")?.amount).toBeCloseTo(0.003 * S * 3, 8);
  });
  it("delta shock charges net delta beyond 20,000,000 USD, capped at 10 %", () => {
    const size = 400e6; // 400 M USD of inverse perpetual
    const r = engine.margin({ account: "d", collateral: { USDC: 1e9 }, positions: [{ instrument: "BTC-PERPETUAL", size }] });
    const netUsd = (size / 92050) * S;
    expect(comp(r, "deltaShock")?.amount).toBeCloseTo(Math.min(0.1, 0.0001 * (netUsd - 2e7) / 1e6) * netUsd, 2);
  });
  it("correlation credit across underlyings is capped and lowers IM", () => {
    const pf = book("multi-asset");
    const sum = engine.margin(pf);
    const params = { extends: "deribit", portfolio: { crossAsset: { mode: "correlation", correlations: { "BTC/ETH": 0.8, "BTC/SOL": 0.7, "ETH/SOL": 0.7 }, maxCredit: 0.1 } } };
    const corr = createMarginEngine(market, { params }).margin(pf);
    const credit = -(comp(corr, "correlationCredit")?.amount ?? 0);
    expect(credit).toBeGreaterThan(0);
    expect(corr.initialMargin).toBeCloseTo(sum.initialMargin - credit, 6);
    expect(credit).toBeLessThanOrEqual(0.1 * (sum.maintenanceMargin / 0.8) + 1e-6);
  });
  it("status walks healthy → margin_call → liquidation → bankrupt as collateral shrinks", () => {
    const at = (usdc: number) => engine.margin({ account: "s", collateral: { USDC: usdc }, positions: [{ instrument: "BTC-27DEC24-85000-P", size: -5 }] });
    const base = at(1e6);
    const liab = -base.positions[0].value;
    const im = base.initialMargin, mm = base.maintenanceMargin;
    expect(at(liab + im * 1.01).status).toBe("healthy");
    expect(at(liab + (im + mm) / 2).status).toBe("margin_call");
    expect(at(liab + mm * 0.5).status).toBe("liquidation");
    const b = at(liab * 0.5);
    expect(b.status).toBe("bankrupt");
    expect(b.marginRatio).toBeNull();
  });
  it("BTC numeraire: equity and every amount converted at the index", () => {
    const pf = book("naked-short-put");
    const usd = engine.margin(pf);
    const btc = createMarginEngine(market, { currency: "BTC" }).margin(pf);
    expect(btc.currency).toBe("BTC");
    expect(btc.equity).toBeCloseTo(usd.equity / S, 10);
  });
});

describe("collateral haircuts", () => {
  const schedule = [{ fromUsd: 0, haircut: 0.02 }, { fromUsd: 1e7, haircut: 0.05 }, { fromUsd: 5e7, haircut: 0.1 }];
  it("integrates a linearly interpolated marginal rate", () => {
    expect(haircutUsd(1e7, schedule)).toBeCloseTo(((0.02 + 0.05) / 2) * 1e7, 6);
    expect(haircutUsd(6e7, schedule)).toBeCloseTo(350000 + ((0.05 + 0.1) / 2) * 4e7 + 0.1 * 1e7, 4);
    expect(haircutUsd(0, schedule)).toBe(0);
    expect(haircutUsd(-5, schedule)).toBe(0);
  });
  it("has no cliff at tier edges", () => {
    for (const edge of [1e7, 5e7]) {
      const jump = haircutUsd(edge + 1, schedule) - haircutUsd(edge - 1, schedule);
      expect(jump, `edge ${edge}`).toBeLessThan(0.25);
    }
  });
});

describe("library boundary", () => {
  it("a raw book with no positions but open orders is parsed, not mistaken for a parsed Portfolio", () => {
    const r = engine.margin({ account: "o", collateral: { USDC: 1e5 }, positions: [], openOrders: [{ instrument: "BTC-PERPETUAL", size: 10000 }] });
    expect(r.initialMargin).toBeGreaterThan(0);
    expect(r.components.find((c) => c.name === "openOrders")?.amount).toBeCloseTo(r.initialMargin, 9);
  });
});

describe("contributions on request", () => {
  it("skipping marginal contributions changes nothing but them", async () => {
    const { marginWith } = await import("../../src/margin/computeMargin.js");
    const { parsePortfolio } = await import("../../src/input/portfolioSchema.js");
    for (const name of ["multi-asset", "put-credit-spread", "covered-call"]) {
      const pf = parsePortfolio(book(name));
      if (!pf.ok) throw new Error(name);
      const full = marginWith(engine.context, pf.value, "portfolio");
      const lean = marginWith(engine.context, pf.value, "portfolio", { contributions: false });
      if (!full.ok || !lean.ok) throw new Error(name);
      expect(full.value.positions.some((p) => p.marginContribution !== 0), name).toBe(true);
      const strip = (r: typeof full.value) => ({ ...r, positions: r.positions.map((p) => ({ ...p, marginContribution: 0 })) });
      expect(lean.value, name).toEqual(strip(full.value));
    }
  });
});
