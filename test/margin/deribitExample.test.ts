import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";

// Deribit private/pme/simulate public example (June 2024, BTC; DESIGN.md section 5): +0.314538 BTC of
// delta in BTC-PERPETUAL, −0.001188 BTC in BTC-28JUN24, index 65,666.19. Published (BTC): worst case
// 0.059686 at the −16 % bucket, roll shock 0.0031573, delta shock 0, risk-matrix margin 0.062843,
// MM 0.050275 = 0.8 × 0.062843.
const index = 65666.19;
const market = {
  asOf: "2024-06-21T08:00:00Z",
  assets: { BTC: { index, vol: 0.5 } },
  instruments: {},
};
const portfolio = {
  account: "deribit-example",
  collateral: { BTC: 1 },
  positions: [
    { instrument: "BTC-PERPETUAL", size: 0.314538 * index },
    { instrument: "BTC-28JUN24", size: -0.001188 * index },
  ],
};

function within(got: number, want: number, rel: number, what: string) {
  expect(Math.abs(got - want) / Math.abs(want), `${what}: got ${got}, published ${want}`).toBeLessThanOrEqual(rel);
}

describe("Deribit portfolio-margin worked example, in BTC terms", () => {
  const r = computeMargin(portfolio, market, { currency: "BTC" });
  const comp = (name: string) => r.components.find((c) => c.name === name && c.underlying === "BTC");
  it("worst case 0.059686 BTC at the −16 % bucket", () => {
    const w = comp("worstScenario");
    within(w?.amount ?? 0, 0.059686, 0.005, "worst case");
    expect(w?.scenario?.priceShock).toBeCloseTo(-0.16, 12);
  });
  it("roll shock 0.0031573 BTC, delta shock 0", () => {
    within(comp("rollShock")?.amount ?? 0, 0.0031573, 0.005, "roll shock");
    expect(comp("deltaShock")?.amount).toBe(0);
  });
  it("MM 0.050275 BTC = 0.8 × risk-matrix margin 0.062843", () => {
    within(r.maintenanceMargin, 0.050275, 0.005, "MM");
    within(r.initialMargin, 0.062843, 0.005, "risk-matrix margin (IM without MMP and open orders)");
  });
  it("BTC collateral has no P&L of its own in BTC terms: it joins the scenarios at no cost", () => {
    expect(r.collateral[0]).toMatchObject({ asset: "BTC", countedAs: "scenario", haircut: 0 });
    expect(r.equity).toBeCloseTo(1, 12);
  });
});
