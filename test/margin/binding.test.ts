/** The binding component (src/margin/binding.ts) on the example books under several venue methods. */
import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { bindingComponent, signedPercent } from "../../src/margin/binding.js";
import type { MarginComponent } from "../../src/margin/result.js";
import { repoJson } from "../helpers/shared.js";

const market = repoJson("examples/market.json");
const book = (name: string) => repoJson(`examples/books/${name}.json`);
const bind = (preset: string | undefined, name: string) => {
  const r = createMarginEngine(market, preset ? { preset } : {}).margin(book(name));
  return { r, b: bindingComponent(r.components, r.initialMargin) };
};

describe("bindingComponent", () => {
  it("grid model: the worst grid scenario of the put credit spread (README: 18,884.88 of 22,443.70, −16 %, vol down)", () => {
    const { b } = bind(undefined, "put-credit-spread");
    expect(b?.name).toBe("worstScenario");
    expect(b?.underlying).toBe("BTC");
    expect(b?.amount).toBeCloseTo(18884.88, 2);
    expect(b?.share).toBeCloseTo(18884.88 / 22443.70, 5);
    expect(b?.label).toBe("worstScenario BTC −16.0 % vol down");
  });

  it("grid model: the extended move sets the naked short put's margin (−66 %, weight 0.242), not the larger-looking grid", () => {
    const { b } = bind(undefined, "naked-short-put");
    expect(b?.name).toBe("extendedScenario");
    expect(b?.amount).toBeCloseTo(60443.39, 2);
    expect(b?.label).toBe("extendedScenario BTC −66.0 % vol up ×0.242");
  });

  it("grid model: the roll shock is the cash-and-carry's whole margin; open orders can bind", () => {
    expect(bind(undefined, "cash-and-carry").b).toMatchObject({ name: "rollShock", underlying: "BTC", share: 1, label: "rollShock BTC" });
    const pf = { account: "o", collateral: { USDC: 1e6 }, positions: [], openOrders: [{ instrument: "BTC-PERPETUAL", size: 500000 }] };
    const r = createMarginEngine(market).margin(pf);
    expect(bindingComponent(r.components, r.initialMargin)?.name).toBe("openOrders");
  });

  it("OKX: the risk unit with the largest MMR, named by the MR that sets it, with MR1's scenario", () => {
    const { b } = bind("okx", "multi-asset");
    expect(b).toMatchObject({ name: "riskUnitMMR", term: "MR1", underlying: "BTC", scenario: { priceShock: -0.12, volShock: "up" } });
    expect(b?.amount).toBeCloseTo(12193.37, 2);
    expect(b?.label).toBe("riskUnitMMR (MR1) BTC −12.0 % vol up");
  });

  it("SPAN: the commodity requirement, set by its scan risk", () => {
    const { b } = bind("span", "multi-asset");
    expect(b).toMatchObject({ name: "commodityRequirement", term: "scanRisk", underlying: "BTC" });
    expect(b?.amount).toBeCloseTo(24986.42, 2);
  });

  it("Derive PM2: the worst loss (a negative net-margin figure) is negated and named by its scenario", () => {
    const { b } = bind("derive", "put-credit-spread");
    expect(b?.name).toBe("worstLoss");
    expect(b?.amount).toBeCloseTo(15709.43, 2);
    expect(b?.label).toBe("worstLoss BTC scenario 22");
  });

  it("engine add-ons compete as extra terms; credits, haircuts and ties are handled as documented", () => {
    const comps: MarginComponent[] = [
      { name: "worstScenario", underlying: "BTC", amount: 100, scenario: { priceShock: -0.16, volShock: "up" } },
      { name: "extendedScenario", underlying: "BTC", amount: 100, scenario: { priceShock: -0.66, volShock: "up", weight: 0.2 } },
      { name: "haircut", amount: 5000, detail: { reduces: "adjustedEquity" } },
      { name: "correlationCredit", amount: -40 },
    ];
    expect(bindingComponent(comps, 160)?.name).toBe("worstScenario"); // tie: the earlier one
    const c = bindingComponent(comps, 260, [{ name: "concentration", amount: 160, instrument: "MNGO-PERPETUAL", note: "rate 45.0 %" }]);
    expect(c).toMatchObject({ name: "concentration", amount: 160, share: 160 / 260, label: "concentration MNGO-PERPETUAL rate 45.0 %" });
    expect(bindingComponent([{ name: "haircut", amount: 9 }], 0)).toBeNull();
  });

  it("signedPercent writes a true minus, an explicit plus and no sign on zero", () => {
    expect([signedPercent(-0.16), signedPercent(0.08), signedPercent(0), signedPercent(-0.00001), signedPercent(0.1234, 2)]).toEqual(["−16.0 %", "+8.0 %", "0.0 %", "0.0 %", "+12.34 %"]);
  });
});
