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

describe("SPAN tiered intra-commodity spreads and the delivery-month charge (hand computed)", () => {
  // Three futures: Dec (30 days), Mar (120 days), Jun (211 days); deltas +3, −1, −4. Tiers end at 60 and 400 days.
  const m3 = { asOf: "2024-11-20T08:00:00Z", assets: { SP: { index: 410, vol: 0.2 } }, instruments: { "SP-20DEC24": { mark: 410 }, "SP-20MAR25": { mark: 412 }, "SP-20JUN25": { mark: 414 } } };
  const zero = new Array(16).fill(0);
  // published composite deltas: one per future contract
  const deltas = { "SP-20DEC24": 1, "SP-20MAR25": 1, "SP-20JUN25": 1 };
  const span = (extra: Record<string, unknown>) => ({ extends: "span", span: { riskArrays: { "SP-20DEC24": zero, "SP-20MAR25": zero, "SP-20JUN25": zero }, deltas, intraSpreadCharge: { default: 10 }, ...extra } });
  const book = { account: "t", collateral: { USD: 1e6 }, positions: [{ instrument: "SP-20DEC24", size: 3 }, { instrument: "SP-20MAR25", size: -1 }, { instrument: "SP-20JUN25", size: -4 }] };
  const comp = (r: ReturnType<typeof computeMargin>, n: string) => r.components.find((c) => c.name === n);

  it("flat: min(longs 3, shorts 5) = 3 spreads × 10 = 30", () => {
    const r = computeMargin(book, m3, { params: span({}) });
    expect(comp(r, "intraCommoditySpread")?.amount).toBe(30);
    expect(r.maintenanceMargin).toBe(30);
  });
  it("tiers: Dec (30 d) is tier 0, Mar (120 d) and Jun tier 1; rule 0/0 finds no spread, rule 0/1 at 50 takes 3 → 150", () => {
    const r = computeMargin(book, m3, { params: span({ intraTiers: { SP: { tierEndDays: [60, 400], charges: [{ tiers: [0, 0], charge: 100 }, { tiers: [0, 1], charge: 50 }] } } }) });
    // Mar is 120 days out: tier 1, not 0. Tier 0 holds Dec +3; tier 1 holds Mar −1 and Jun −4.
    // 0/0: min(3, 0) = 0; 0/1: min(3, 5) = 3 at 50 = 150; flat: 0.
    expect(comp(r, "intraCommoditySpread")).toMatchObject({ amount: 150, detail: { "0/1": 3 } });
  });
  it("tiers ending at 150 and 400 days: rule 0/0 at 100 takes Dec/Mar (1), rule 0/1 at 50 takes Dec/Jun (2) → 200", () => {
    const r = computeMargin(book, m3, { params: span({ intraTiers: { SP: { tierEndDays: [150, 400], charges: [{ tiers: [0, 0], charge: 100 }, { tiers: [0, 1], charge: 50 }] } } }) });
    expect(comp(r, "intraCommoditySpread")).toMatchObject({ amount: 200, detail: { "0/0": 1, "0/1": 2 } });
  });
  it("rules that leave spreads over charge the rest flat: rule 1/1 at 40 (none: tier 1 has no long) then flat 3 × 10", () => {
    const r = computeMargin(book, m3, { params: span({ intraTiers: { default: { tierEndDays: [60, 400], charges: [{ tiers: [1, 1], charge: 40 }] } } }) });
    expect(comp(r, "intraCommoditySpread")).toMatchObject({ amount: 30, detail: { flat: 3 } });
  });
  it("delivery month: expiries within 45 days pay 25 per unit of |delta| (Dec: 3 × 25 = 75) on top of the spread charge", () => {
    const r = computeMargin(book, m3, { params: span({ spotMonth: { SP: { days: 45, charge: 25 } } }) });
    expect(comp(r, "spotMonthCharge")?.amount).toBe(75);
    expect(r.maintenanceMargin).toBe(30 + 75);
  });
});
