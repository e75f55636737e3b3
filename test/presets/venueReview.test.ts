import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { repoJson } from "../helpers/shared.js";

// Defects found in the venue-method review (issue 6); each test failed before its fix.

describe("span: published risk arrays, short option minimum and spread charges are USD, whatever --currency", () => {
  // McMillan's arrays (DESIGN.md section 5) on a BTC future, index 100,000: in BTC the scan risk is 10,000 / 100,000.
  const FUT = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000];
  const CALL = [460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500];
  const index = 100000;
  const market = { asOf: "2024-11-20T08:00:00Z", assets: { BTC: { index, vol: 0.5 }, USDC: { index: 1 } }, instruments: {} };
  const params = { extends: "span", span: { riskArrays: { "BTC_USDC-PERPETUAL": FUT, "BTC_USDC-27DEC24-100000-C": CALL }, shortOptionMinimum: { default: 8000 }, intraSpreadCharge: { default: 500 } } };
  const run = (positions: { instrument: string; size: number }[], currency: string) =>
    computeMargin({ account: "t", collateral: { USDC: 1e6 }, positions }, market, { params, currency });
  const comp = (r: ReturnType<typeof run>, n: string) => r.components.find((c) => c.name === n)?.amount ?? NaN;
  it("scan risk of a long future: 10,000 USD = 0.1 BTC", () => {
    const usd = run([{ instrument: "BTC_USDC-PERPETUAL", size: 1 }], "USD"), btc = run([{ instrument: "BTC_USDC-PERPETUAL", size: 1 }], "BTC");
    expect(comp(usd, "scanRisk")).toBe(10000);
    expect(comp(btc, "scanRisk"), `BTC scan ${comp(btc, "scanRisk")}`).toBeCloseTo(10000 / index, 12);
    expect(btc.maintenanceMargin * index).toBeCloseTo(usd.maintenanceMargin, 6);
  });
  it("short option minimum 8,000 USD per option binds at 0.08 BTC; covered write scan 6,620 USD = 0.0662 BTC", () => {
    const cw = [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC_USDC-27DEC24-100000-C", size: -1 }];
    const btc = run(cw, "BTC");
    expect(comp(btc, "scanRisk")).toBeCloseTo(6620 / index, 12);
    expect(comp(btc, "shortOptionMinimum")).toBeCloseTo(8000 / index, 12);
    expect(btc.maintenanceMargin).toBeCloseTo(8000 / index, 12);
  });
  it("intra-commodity spread charge 500 USD per spread = 0.005 BTC", () => {
    const cal = [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC_USDC-27DEC24", size: -1 }];
    const usd = run(cal, "USD"), btc = run(cal, "BTC");
    const spreadsUsd = comp(usd, "intraCommoditySpread") / 500; // number of spreads (≈ 1, from the model deltas)
    expect(spreadsUsd).toBeGreaterThan(0.9);
    expect(comp(btc, "intraCommoditySpread") * index / 500, `BTC intra ${comp(btc, "intraCommoditySpread")}`).toBeCloseTo(spreadsUsd, 2);
  });
});

describe("deribit-cross: the pnlOffset credit replaces, not adds to, a correlation credit", () => {
  const m = repoJson("examples/market.json");
  const book = { account: "x", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1e6 }, { instrument: "ETH_USDC-PERPETUAL", size: -300 }] };
  const plain = computeMargin(book, m, { preset: "deribit-cross" });
  it.each([0, -1])("crossAsset correlation %d, maxCredit 1: IM = the preset's (credit never above the sum of unit margins, IM ≥ 0)", (corr) => {
    const params = { extends: "deribit-cross", portfolio: { crossAsset: { mode: "correlation", correlations: { "BTC/ETH": corr }, maxCredit: 1 } } };
    const r = computeMargin(book, m, { params });
    const units = computeMargin(book, m, { preset: "deribit" });
    const credits = r.components.filter((c) => c.amount < 0 && !c.underlying).reduce((s, c) => s - c.amount, 0);
    expect(r.initialMargin, `IM ${r.initialMargin}`).toBeGreaterThanOrEqual(0);
    expect(credits, `credits ${credits} vs Σ units ${units.initialMargin}`).toBeLessThanOrEqual(units.initialMargin);
    expect(r.initialMargin).toBeCloseTo(plain.initialMargin, 6);
    expect(r.maintenanceMargin).toBeCloseTo(plain.maintenanceMargin, 6);
  });
});
