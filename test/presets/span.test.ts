import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { SPAN_SCENARIOS } from "../../src/margin/venues/span/spanMargin.js";

// McMillan, Options as a Strategic Investment, ch. 34 (DESIGN.md section 5): published risk arrays, scan range 10,000.
const FUT = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000];
const CALL = [460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500];
const market = { asOf: "2024-11-20T08:00:00Z", assets: { SP: { index: 410, vol: 0.2 } }, instruments: { "SP-20DEC24": { mark: 410 } } };
const params = { extends: "span", span: { riskArrays: { "SP-20DEC24": FUT, "SP-20DEC24-410-C": CALL } } };
const scan = (positions: { instrument: string; size: number }[]) => {
  const r = computeMargin({ account: "t", collateral: { USD: 1e6 }, positions }, market, { params });
  return { r, c: r.components.find((c) => c.name === "scanRisk") };
};

describe("SPAN textbook case through the span preset, published risk arrays as input", () => {
  it("long 1 future: scan risk 10,000 (scenario 13)", () => {
    const { c } = scan([{ instrument: "SP-20DEC24", size: 1 }]);
    expect(c?.amount).toBe(10000);
    expect(c?.detail?.scenario).toBe(13);
  });
  it("long 1 Dec 410 call: scan risk 3,990 (scenario 14)", () => {
    const { c } = scan([{ instrument: "SP-20DEC24-410-C", size: 1 }]);
    expect(c?.amount).toBe(3990);
    expect(c?.detail?.scenario).toBe(14);
  });
  it("covered write (long future, short call): scan risk 6,620 (scenario 13); MM = 6,620, IM = 110 %", () => {
    const { r, c } = scan([{ instrument: "SP-20DEC24", size: 1 }, { instrument: "SP-20DEC24-410-C", size: -1 }]);
    expect(c?.amount).toBe(6620);
    expect(c?.detail?.scenario).toBe(13);
    expect(r.maintenanceMargin).toBe(6620);
    expect(r.initialMargin).toBeCloseTo(7282, 9);
  });
  it("short option minimum binds when larger than the scan risk", () => {
    const p = { extends: "span", span: { riskArrays: { "SP-20DEC24": FUT, "SP-20DEC24-410-C": CALL }, shortOptionMinimum: { default: 8000 } } };
    const r = computeMargin({ account: "t", collateral: { USD: 1e6 }, positions: [{ instrument: "SP-20DEC24", size: 1 }, { instrument: "SP-20DEC24-410-C", size: -1 }] }, market, { params: p });
    expect(r.maintenanceMargin).toBe(8000);
  });
});

describe("SPAN risk arrays from the model follow CME's scenario layout", () => {
  it("a future's model array is ±1/3, 2/3, 3/3 of the scan range and 35 % of 2× at 15/16", () => {
    const m = { asOf: "2024-11-20T08:00:00Z", assets: { BTC: { index: 92000 } }, instruments: {} };
    const r = computeMargin({ account: "f", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] }, { ...m, assets: { ...m.assets, USDC: { index: 1 } } }, { preset: "span" });
    const c = r.components.find((x) => x.name === "scanRisk");
    expect(c?.amount).toBeCloseTo(92000 * 0.25, 6); // BTC scan range 25 %, worst at −3/3
    expect(SPAN_SCENARIOS.map((s) => s.move)).toEqual([0, 0, 1 / 3, 1 / 3, -1 / 3, -1 / 3, 2 / 3, 2 / 3, -2 / 3, -2 / 3, 1, 1, -1, -1, 1, -1]);
  });
  it("inter-commodity credit: opposite BTC/ETH deltas earn credit × spreads × price risk per delta", () => {
    const m = { asOf: "2024-11-20T08:00:00Z", assets: { BTC: { index: 90000 }, ETH: { index: 3000 }, USDC: { index: 1 } }, instruments: {} };
    const params = { extends: "span", span: { interSpreads: [{ legs: ["BTC", "ETH"], deltaRatio: [1, 30], credit: 0.5 }] } };
    const r = computeMargin({ account: "s", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "ETH_USDC-PERPETUAL", size: -30 }] }, m, { params });
    // BTC scan 22,500 (25 %), ETH scan 27,000 (30 % of 90,000); 1 spread → credits 0.5 × 22,500 and 0.5 × 27,000.
    expect(r.maintenanceMargin).toBeCloseTo(22500 + 27000 - 0.5 * (22500 + 27000), 6);
  });
});
