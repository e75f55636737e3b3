import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { DEFAULT_COST_MODEL, execute, impactIntegral, liquidityOf } from "../../src/liquidation/costModel.js";
import { health } from "../../src/liquidation/health.js";
import { liquidityFromBook } from "../../src/liquidation/orderBook.js";
import { mmUsage, planLiquidation, type LiquidationPlan } from "../../src/liquidation/planner.js";
import { repoJson } from "../helpers/shared.js";

const engine = createMarginEngine(repoJson("examples/market.json"));
const ctx = engine.context;
function pf(x: unknown): Portfolio {
  const r = parsePortfolio(x);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}
function plan(p: Portfolio, o: Parameters<typeof planLiquidation>[2] = {}): LiquidationPlan {
  const r = planLiquidation(ctx, p, o);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}
const LEV = pf({ account: "lev", collateral: { USDC: 26000 }, positions: [
  { instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC-27DEC24-92000-C", size: -2 }, { instrument: "ETH_USDC-PERPETUAL", size: -5 }],
  openOrders: [{ instrument: "BTC-PERPETUAL", size: 1000 }] });

function checkPlan(p: LiquidationPlan, label: string): void {
  const msg = `${label}: ${JSON.stringify({ outcome: p.outcome, fallback: p.fallback, steps: p.steps.map((s) => [s.action, s.instrument, s.size]) })}`;
  if (p.outcome === "restored") {
    expect(mmUsage(p.after), msg).toBeLessThanOrEqual(p.targetUsage);
    expect(p.after.equity, msg).toBeGreaterThanOrEqual(0);
  } else {
    expect(p.final.positions.length, msg).toBe(0);
    expect(p.outcome === "bankrupt", msg).toBe(p.after.equity < 0);
  }
  for (const s of p.steps) {
    if (s.action === "reduce" || s.action === "close" || s.action === "hedge") {
      expect(mmUsage({ maintenanceMargin: s.maintenanceMarginAfter, adjustedEquity: s.adjustedEquityAfter }), msg)
        .toBeLessThan(mmUsage({ maintenanceMargin: s.maintenanceMarginBefore, adjustedEquity: s.adjustedEquityBefore }));
    }
  }
  expect(p.cost, msg).toBeLessThanOrEqual(p.closeAllCost + 1e-9 * Math.max(1, p.closeAllCost));
}

describe("health ladder", () => {
  const r = (equity: number, adj: number, im: number, mm: number) => health({ equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm });
  it("maps the four numbers and the bands to levels", () => {
    expect(r(100, 100, 50, 40).level).toBe("healthy");
    expect(r(100, 100, 120, 70).level).toBe("margin_call");
    expect(r(100, 100, 90, 82).level).toBe("margin_call"); // 82 % ≥ 80 % band
    expect(r(100, 100, 95, 92).level).toBe("reduce_only");
    expect(r(100, 100, 150, 101).level).toBe("liquidation");
    expect(r(-1, -1, 150, 101).level).toBe("bankrupt");
    expect(r(100, 100, 95, 92).warning).toBe(0.9);
    expect(health({ equity: 100, adjustedEquity: 100, initialMargin: 10, maintenanceMargin: 85 }, { marginCall: 0.9, reduceOnly: 0.95, warnings: [0.5] }).level).toBe("healthy");
  });
});

describe("cost model", () => {
  it("integrates a linear depth curve exactly and prices against the trade", () => {
    const curve = [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.001 }];
    // ∫0^2e6 of 1e-9·x dx = 0.5·1e-9·4e12 = 2000 (extrapolated along the segment)
    expect(impactIntegral(curve, 2e6)).toBeCloseTo(2000, 6);
    const perp = ctx.risk(pf({ account: "x", positions: [{ instrument: "BTC-PERPETUAL", size: 1 }] }).positions[0].instrument);
    if (!perp.ok) throw new Error(perp.reason);
    const liq = liquidityOf(DEFAULT_COST_MODEL, perp.value.resolved.instrument);
    const sell = execute(liq, perp.value.resolved, perp.value.markPrice, -1e6);
    // 1 bp half-spread + ∫ of 5e-10·x to 1e6 = 100 + 250 USD
    expect(sell.costUsd).toBeCloseTo(350, 6);
    expect(sell.price).toBeLessThan(perp.value.markPrice);
  });
  it("reads an order-book snapshot: half-spread and depth beyond the touch", () => {
    const perp = ctx.risk(pf({ account: "x", positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] }).positions[0].instrument);
    if (!perp.ok) throw new Error(perp.reason);
    const l = liquidityFromBook(perp.value.resolved, [[99, 2], [98, 5]], [[101, 1], [103, 4]]);
    if (!l.ok) throw new Error(l.reason);
    expect(l.value.halfSpread).toBeCloseTo(0.01, 12);
    expect(l.value.buy[1].impact).toBeCloseTo(0.02, 12);
    expect(l.value.sell[1].impact).toBeCloseTo(0.01, 12);
    expect(liquidityFromBook(perp.value.resolved, [[101, 1]], [[100, 1]]).ok).toBe(false);
  });
});

describe("planner", () => {
  it("cancels orders first, then steps down to the target (worked example)", () => {
    for (const model of ["portfolio", "standard", "isolated"] as const) {
      const p = plan(LEV, { model });
      expect(p.steps[0].action).toBe("cancel_orders");
      expect(p.healthBefore.level).toBe("liquidation");
      expect(p.outcome).toBe("restored");
      expect(p.fallback).toBeNull();
      checkPlan(p, model);
    }
  });

  it("hedges delta with the perpetual when that is cheaper than trading the options", () => {
    const book = pf({ account: "puts", collateral: { USDC: 40000 }, positions: [{ instrument: "BTC-27DEC24-92000-P", size: -3 }] });
    const dear = { ...DEFAULT_COST_MODEL, kinds: { ...DEFAULT_COST_MODEL.kinds, option: { halfSpread: 0.01, depth: [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.01 }] } } };
    const p = plan(book, { costs: dear });
    checkPlan(p, "hedge");
    const first = p.steps.find((s) => s.action !== "cancel_orders");
    expect(first?.action, JSON.stringify(p.steps.map((s) => [s.action, s.instrument]))).toBe("hedge");
    expect(first?.instrument).toBe("BTC-PERPETUAL");
    const noHedge = plan(book, { costs: dear, hedge: false });
    expect(noHedge.steps.some((s) => s.action === "hedge")).toBe(false);
    expect(p.cost).toBeLessThan(noHedge.cost);
  });

  it("closes everything at once when adjusted equity is gone, and reports the deficit", () => {
    const p = plan(pf({ account: "broke", collateral: { USDC: 1000 }, positions: [{ instrument: "BTC-27DEC24-92000-C", size: -5 }] }));
    expect(p.outcome).toBe("bankrupt");
    expect(p.steps.at(-1)?.action).toBe("close_all");
    expect(p.deficit).toBeCloseTo(-p.after.equity, 9);
    checkPlan(p, "broke");
  });

  const NAMES = ["BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-27DEC24", "ETH_USDC-PERPETUAL", "SOL_USDC-PERPETUAL", "BTC-27DEC24-92000-C", "BTC-27DEC24-92000-P", "BTC-27DEC24-85000-P", "BTC-27DEC24-100000-C"];
  const UNIT: Record<string, number> = { "BTC-PERPETUAL": 92000, "BTC-27DEC24": 92000, "ETH_USDC-PERPETUAL": 30, "SOL_USDC-PERPETUAL": 400 };
  const book = fc.record({
    positions: fc.array(fc.record({ instrument: fc.constantFrom(...NAMES), size: fc.double({ min: -5, max: 5, noNaN: true }).filter((x) => Math.abs(x) > 0.01) }), { minLength: 1, maxLength: 6 }),
    usdc: fc.double({ min: 500, max: 200_000, noNaN: true }),
    model: fc.constantFrom("portfolio" as const, "standard" as const, "isolated" as const),
  });
  it("property: every plan ends healthy or closed (bankrupt ⇔ equity < 0), each trade step lowers MM usage, cost ≤ close-all", () => {
    fc.assert(fc.property(book, (b) => {
      const p = pf({ account: "r", collateral: { USDC: b.usdc }, positions: b.positions.map((x) => ({ instrument: x.instrument, size: x.size * (UNIT[x.instrument] ?? 1) })) });
      checkPlan(plan(p, { model: b.model }), JSON.stringify(b));
    }), { numRuns: 150, seed: 5 });
  });
});
