import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { pnlOffsetCredit } from "../../src/margin/venues/deribit/crossCollateral.js";
import { repoJson } from "../helpers/shared.js";

// Deribit private/pme/simulate public example (June 2024, BTC; DESIGN.md section 5).
const index = 65666.19;
const market = { asOf: "2024-06-21T08:00:00Z", assets: { BTC: { index, vol: 0.5 } }, instruments: {} };
const portfolio = {
  account: "deribit-example", collateral: { BTC: 1 },
  positions: [{ instrument: "BTC-PERPETUAL", size: 0.314538 * index }, { instrument: "BTC-28JUN24", size: -0.001188 * index }],
};
const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe.each(["deribit", "deribit-cross"])("DESIGN.md section 5 Deribit example through --preset %s (BTC terms, 0.5 %)", (preset) => {
  const r = computeMargin(portfolio, market, { currency: "BTC", preset });
  const comp = (n: string) => r.components.find((c) => c.name === n && c.underlying === "BTC")?.amount ?? NaN;
  it("worst case 0.059686 at −16 %, roll shock 0.0031573, delta shock 0", () => {
    expect(rel(comp("worstScenario"), 0.059686), `worst ${comp("worstScenario")}`).toBeLessThan(0.005);
    expect(r.components.find((c) => c.name === "worstScenario")?.scenario?.priceShock).toBeCloseTo(-0.16, 12);
    expect(rel(comp("rollShock"), 0.0031573), `roll ${comp("rollShock")}`).toBeLessThan(0.005);
    expect(comp("deltaShock")).toBe(0);
  });
  it("risk-matrix margin 0.062843, MM 0.050275", () => {
    expect(rel(r.initialMargin, 0.062843), `IM ${r.initialMargin}`).toBeLessThan(0.005);
    expect(rel(r.maintenanceMargin, 0.050275), `MM ${r.maintenanceMargin}`).toBeLessThan(0.005);
  });
});

describe("cross-collateral pnlOffset credit (joint scenarios, gains at pnlOffset)", () => {
  it("two opposite units: credit = Σ worst losses − worst joint loss, by hand", () => {
    const a = Float64Array.from([-100, 0, 50]), b = Float64Array.from([80, 0, -60]);
    // joint cells: −100 + 0.5·80 = −60; 0; 0.5·50 − 60 = −35 → worst joint 60; Σ worst = 160 → credit 100.
    expect(pnlOffsetCredit([a, b], 0.5)).toEqual({ credit: 100, jointCell: 0 });
    expect(pnlOffsetCredit([a, b], 0).credit).toBe(60); // no gain credited: joint worst = max(100, 60) = 100
    // pnlOffset 1: joint cells −20, 0, −10 → worst 20 → credit 140.
    expect(pnlOffsetCredit([a, b], 1).credit).toBe(140);
  });
  it("one unit or unequal grids: no credit", () => {
    expect(pnlOffsetCredit([Float64Array.from([-5, 3])], 0.5).credit).toBe(0);
    expect(pnlOffsetCredit([Float64Array.from([-5, 3]), Float64Array.from([1])], 0.5).credit).toBe(0);
  });
  it("multi-asset book: deribit-cross IM = deribit IM − credit, and the credit is > 0", () => {
    const m = repoJson("examples/market.json");
    const book = { account: "x", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1e6 }, { instrument: "ETH_USDC-PERPETUAL", size: -300 }] };
    const a = computeMargin(book, m, { preset: "deribit" }), b = computeMargin(book, m, { preset: "deribit-cross" });
    const credit = -(b.components.find((c) => c.name === "pnlOffsetCredit")?.amount ?? NaN);
    expect(credit, `IM ${a.initialMargin} → ${b.initialMargin}`).toBeGreaterThan(0);
    expect(b.initialMargin).toBeCloseTo(a.initialMargin - credit, 6);
    expect(b.maintenanceMargin).toBeCloseTo(a.maintenanceMargin - 0.8 * credit, 6);
  });
});
