import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, allocateBy, deficit, passes, units, type AllocVenue, type Measured } from "../../src/analytics/venues/allocation.js";
import { netHoldings } from "../../src/analytics/venues/bookAllocation.js";
import { unitsToNumber } from "../../src/domain/money.js";
import { marginRatio, marginStatus, type MarginStatus } from "../../src/margin/result.js";

const ASSETS = ["USDC", "USDT", "BTC"] as const;
const PRICE: Record<string, number> = { USDC: 1, USDT: 0.9995, BTC: 92000 };
const HAIRCUT: Record<string, number> = { USDC: 0, USDT: 0.01, BTC: 0.02 };
const RANK: Record<MarginStatus, number> = { healthy: 3, margin_call: 2, liquidation: 1, bankrupt: 0 };

interface Spec { lending: boolean; bal: number[]; debt: number; im: number; loss: number }

/** A synthetic venue: derivatives (fixed IM, MM = 0.8 IM, a loss against collateral) or lending (LTV 0.75 / LT 0.8 on every asset, USDC debt). */
function measureOf(specs: Record<string, Spec>) {
  return (v: AllocVenue): Measured => {
    const s = specs[v.name];
    let coll = 0;
    for (const [a, u] of v.balances) coll += unitsToNumber(u) * PRICE[a] * (s.lending ? 1 : 1 - HAIRCUT[a]);
    if (s.lending) {
      const debt = unitsToNumber(v.debts.get("USDC") ?? 0n) * PRICE.USDC, adj = 0.8 * coll, im = debt + 0.05 * coll;
      return { adjustedEquity: adj, initialMargin: im, maintenanceMargin: debt, marginRatio: marginRatio(debt, adj), status: marginStatus(coll - debt, adj, im, debt) };
    }
    const adj = coll - s.loss, mm = 0.8 * s.im;
    return { adjustedEquity: adj, initialMargin: s.im, maintenanceMargin: mm, marginRatio: marginRatio(mm, adj), status: marginStatus(adj, adj, s.im, mm) };
  };
}

const spec = fc.record({
  lending: fc.boolean(),
  bal: fc.tuple(fc.integer({ min: 0, max: 500_000 }), fc.integer({ min: 0, max: 500_000 }), fc.integer({ min: 0, max: 400 }).map((x) => x / 100)),
  debt: fc.integer({ min: 0, max: 600_000 }),
  im: fc.integer({ min: 0, max: 400_000 }),
  loss: fc.integer({ min: 0, max: 300_000 }),
});

describe("allocation properties", () => {
  it("conserves every asset exactly, never makes a passing venue fail, never worsens a status or a deficit", () => {
    fc.assert(fc.property(fc.array(spec, { minLength: 2, maxLength: 4 }), fc.double({ min: 0.3, max: 1, noNaN: true }), fc.integer({ min: 0, max: 20 }), (ss, target, fee) => {
      const specs: Record<string, Spec> = {};
      const venues: AllocVenue[] = ss.map((s, i) => {
        const name = `v${i}`;
        specs[name] = s;
        const balances = new Map(ASSETS.map((a, j) => [a, units(s.bal[j])] as [string, bigint]));
        return { name, lending: s.lending, balances, debts: new Map(s.lending ? [["USDC", units(s.debt)]] : []) };
      });
      const measure = measureOf(specs);
      const r = allocate({
        venues, measure, target, timeCostPerDay: 0.001,
        route: (asset) => ({ asset, from: "*", to: "*", hours: asset === "BTC" ? 1 : 0.5, fee: asset === "BTC" ? fee / 100000 : fee }),
        price: (a) => PRICE[a], step: (a) => units(a === "BTC" ? 0.0001 : 0.01),
      });
      // Conservation: Σ balances − Σ debts + fees paid, per asset, in exact units.
      const before = netHoldings(venues), after = netHoldings(r.venues);
      const fees = new Map<string, bigint>();
      for (const t of r.transfers) fees.set(t.asset, (fees.get(t.asset) ?? 0n) + units(Number(t.fee)));
      for (const a of ASSETS) expect((after.get(a) ?? 0n) + (fees.get(a) ?? 0n)).toBe(before.get(a) ?? 0n);
      for (const t of r.transfers) expect(units(Number(t.amount)) - units(Number(t.fee))).toBe(units(Number(t.received)));
      // No venue ends less healthy than it started.
      venues.forEach((v, i) => {
        const m0 = measure(v), m1 = measure(r.venues[i]);
        if (passes(m0, target)) expect(passes(m1, target)).toBe(true);
        expect(RANK[m1.status]).toBeGreaterThanOrEqual(RANK[m0.status]);
        expect(deficit(m1, target)).toBeLessThanOrEqual(deficit(m0, target) + 1e-6);
      });
      // Reported shortfall is exactly the venues that still fail.
      expect(r.shortfall.map((s) => s.venue)).toEqual(r.venues.filter((v) => !passes(measure(v), target)).map((v) => v.name));
    }), { numRuns: 150 });
  });

  it("makes every venue pass when one donor can cover the other's deficit in a stablecoin", () => {
    const specs: Record<string, Spec> = { a: { lending: false, bal: [0, 0, 0], debt: 0, im: 0, loss: 0 }, b: { lending: false, bal: [0, 0, 0], debt: 0, im: 100_000, loss: 0 } };
    const venues: AllocVenue[] = [
      { name: "a", lending: false, balances: new Map([["USDC", units(500_000)]]), debts: new Map() },
      { name: "b", lending: false, balances: new Map([["USDC", units(50_000)]]), debts: new Map() },
    ];
    const r = allocate({ venues, measure: measureOf(specs), target: 0.5, timeCostPerDay: 0, route: (asset) => ({ asset, from: "*", to: "*", hours: 1, fee: 1 }), price: () => 1, step: () => units(0.01) });
    expect(r.feasible).toBe(true);
    // b needs adjusted equity ≥ max(IM 100,000, MM 80,000 / 0.5 = 160,000): 110,000 more, plus the 1 USDC fee.
    expect(r.transfers).toEqual([{ asset: "USDC", from: "a", to: "b", amount: "110001", fee: "1", received: "110000", hours: 1, costUsd: 1 }]);
  });

  it("a cheap partial transfer that needs a second fee loses to one transfer that covers the deficit", () => {
    // b lacks 100 USDC of IM; a can give 60 at a 0.5 fee, c can give anything at a 1 fee (no time cost).
    const specs: Record<string, Spec> = { a: { lending: false, bal: [0, 0, 0], debt: 0, im: 0, loss: 0 }, b: { lending: false, bal: [0, 0, 0], debt: 0, im: 100_000, loss: 0 }, c: { lending: false, bal: [0, 0, 0], debt: 0, im: 0, loss: 0 } };
    const usdc = (n: number) => new Map([["USDC", units(n)]]);
    const venues: AllocVenue[] = [
      { name: "a", lending: false, balances: usdc(60), debts: new Map() },
      { name: "b", lending: false, balances: usdc(99_900), debts: new Map() },
      { name: "c", lending: false, balances: usdc(1000), debts: new Map() },
    ];
    const inp = { venues, measure: measureOf(specs), target: 1, timeCostPerDay: 0, route: (asset: string, from: string) => ({ asset, from, to: "*", hours: 1, fee: from === "a" ? 0.5 : 1 }), price: () => 1, step: () => units(0.01) };
    const perUsd = allocateBy(inp, "perUsd");
    expect(perUsd.transfers.map((t) => [t.from, t.amount, t.fee])).toEqual([["a", "60", "0.5"], ["c", "41.5", "1"]]);
    expect(perUsd.costUsd).toBe(1.5);
    const r = allocate(inp);
    expect(r.feasible).toBe(true);
    expect(r.transfers).toEqual([{ asset: "USDC", from: "c", to: "b", amount: "101", fee: "1", received: "100", hours: 1, costUsd: 1 }]);
  });
});
