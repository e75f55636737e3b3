import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { repoJson } from "../helpers/shared.js";

// Properties of the portfolio model (DESIGN.md section 5) over random books on the example market.
const market = repoJson("examples/market.json");
const engine = createMarginEngine(market);
const ctx = engine.context;

const OPTIONS = [
  "BTC-27DEC24-85000-P", "BTC-27DEC24-80000-P", "BTC-27DEC24-92000-C", "BTC-27DEC24-92000-P",
  "BTC-27DEC24-95000-C", "BTC-27DEC24-100000-C", "BTC-28MAR25-95000-C", "ETH-27DEC24-3500-C", "SOL_USDC-27DEC24-200-P",
];
const DELTA_ONE: Record<string, number> = { "BTC-PERPETUAL": 50_000, "BTC-27DEC24": 50_000, "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": 10, "SOL_USDC-PERPETUAL": 100, BTC: 1 };
const NAMES = [...OPTIONS, ...Object.keys(DELTA_ONE)];

const position = fc.record({
  instrument: fc.constantFrom(...NAMES),
  size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
}).map((p) => ({ instrument: p.instrument, size: p.size * (DELTA_ONE[p.instrument] ?? 1) }));
const book = fc.array(position, { minLength: 1, maxLength: 8 }).map((positions) => ({ account: "p", collateral: { USDC: 1_000_000 }, positions }));

/** Scenario part of the risk margin: worst of grid and weighted extended, summed over units. */
function scenarioLoss(pf: unknown): number {
  const r = engine.margin(pf);
  let s = 0;
  const units = new Set(r.components.filter((c) => c.underlying).map((c) => c.underlying));
  for (const u of units) {
    const w = r.components.find((c) => c.underlying === u && c.name === "worstScenario")?.amount ?? 0;
    const e = r.components.find((c) => c.underlying === u && c.name === "extendedScenario")?.amount ?? 0;
    s += Math.max(w, e);
  }
  return s;
}

const riskMargin = (pf: unknown) => engine.margin(pf).maintenanceMargin / ctx.params.portfolio.mmFactor;
const tol = (x: number) => 1e-9 * Math.max(1, Math.abs(x));

describe("portfolio model properties (fast-check)", () => {
  it("a long option's margin never exceeds its premium plus contingencies", () => {
    fc.assert(fc.property(fc.constantFrom(...OPTIONS), fc.double({ min: 0.01, max: 50, noNaN: true }), (name, size) => {
      const r = engine.margin({ account: "l", collateral: { USDC: 1e6 }, positions: [{ instrument: name, size }] });
      const premium = r.positions[0].value;
      const cont = r.components.filter((c) => ["rollShock", "deltaShock", "shortOptionMinimum"].includes(c.name)).reduce((a, c) => a + c.amount, 0);
      expect(r.initialMargin, `${name} x ${size}`).toBeLessThanOrEqual(premium + cont + tol(premium));
    }), { numRuns: 200 });
  });

  it("scaling every size by k scales the scenario margin by k", () => {
    fc.assert(fc.property(book, fc.double({ min: 0.1, max: 10, noNaN: true }), (pf, k) => {
      const scaled = { ...pf, positions: pf.positions.map((p) => ({ ...p, size: p.size * k })) };
      const a = scenarioLoss(pf), b = scenarioLoss(scaled);
      expect(Math.abs(b - k * a), `k=${k} book=${JSON.stringify(pf)}`).toBeLessThanOrEqual(1e-8 * Math.max(1, k * a));
    }), { numRuns: 150 });
  });

  it("adding an offsetting hedge (−λ of every position, 0 ≤ λ ≤ 1) never raises the scenario loss", () => {
    fc.assert(fc.property(book, fc.double({ min: 0, max: 1, noNaN: true }), (pf, lambda) => {
      const hedged = { ...pf, positions: [...pf.positions, ...pf.positions.map((p) => ({ ...p, size: -lambda * p.size }))].filter((p) => p.size !== 0) };
      const a = scenarioLoss(pf), b = scenarioLoss(hedged);
      expect(b, `λ=${lambda} book=${JSON.stringify(pf)}`).toBeLessThanOrEqual(a + tol(a));
    }), { numRuns: 150 });
  });

  it("hedging a delta-1 position with the perpetual, up to its full delta, never raises the scenario loss", () => {
    fc.assert(fc.property(fc.double({ min: -2e6, max: 2e6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, lambda) => {
      const pf = { account: "h", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24", size: n }] };
      const hedged = { ...pf, positions: [...pf.positions, { instrument: "BTC-PERPETUAL", size: -lambda * n }] };
      expect(scenarioLoss(hedged)).toBeLessThanOrEqual(scenarioLoss(pf) + tol(n));
    }), { numRuns: 200 });
  });

  it("portfolio risk margin never exceeds the sum of each position's own (below the delta-shock threshold)", () => {
    fc.assert(fc.property(book, (pf) => {
      const whole = riskMargin(pf);
      const parts = pf.positions.reduce((a, p) => a + riskMargin({ ...pf, positions: [p] }), 0);
      expect(whole, JSON.stringify(pf)).toBeLessThanOrEqual(parts + tol(parts));
    }), { numRuns: 150 });
  });

  it("naked short options are charged at least the loss of the grid's worst scenario", () => {
    fc.assert(fc.property(fc.constantFrom(...OPTIONS), fc.double({ min: 0.01, max: 50, noNaN: true }), (name, size) => {
      const r = engine.margin({ account: "s", collateral: { USDC: 1e6 }, positions: [{ instrument: name, size: -size }] });
      const worst = r.components.find((c) => c.name === "worstScenario")?.amount ?? 0;
      expect(worst).toBeGreaterThan(0);
      expect(r.initialMargin).toBeGreaterThanOrEqual(worst);
      expect(r.maintenanceMargin).toBeCloseTo(0.8 * r.initialMargin, 6);
    }), { numRuns: 100 });
  });

  it("results never contain NaN or infinities", () => {
    fc.assert(fc.property(book, (pf) => {
      for (const model of ["isolated", "standard", "portfolio"] as const) {
        const bad: string[] = [];
        JSON.stringify(engine.margin(pf, model), (k, v) => {
          if (typeof v === "number" && !Number.isFinite(v)) bad.push(`${k}=${v}`);
          return v;
        });
        expect(bad, `${model} ${JSON.stringify(pf)}`).toEqual([]);
      }
    }), { numRuns: 100 });
  });
});
