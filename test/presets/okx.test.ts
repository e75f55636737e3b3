import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { loadPreset } from "../../src/input/presets.js";
import { scenarioGrid } from "../../src/risk/scenarioGrid.js";
import { depegRate, okxMr9 } from "../../src/margin/venues/okx/okxMargin.js";
import { stepTier } from "../../src/margin/venues/common.js";

// Published OKX parameters (okx.com/help "OKX will further adjust portfolio margin parameters", 2025-01-02).
const okx = loadPreset("okx");
const market = { asOf: "2024-11-20T08:00:00Z", assets: { BTC: { index: 100000, vol: 0.5 }, USDC: { index: 1 }, USDT: { index: 1 } }, instruments: { "BTC-27JUN25": { mark: 100000 } } };
const mr = (r: ReturnType<typeof computeMargin>, n: string) => r.components.find((c) => c.name === n)?.amount ?? NaN;

describe("okx preset: published parameter tables (exact)", () => {
  it("MR1 price moves BTC/ETH ±0,4,8,12 %; LTC..XRP ±0,6,12,18 %; others ±0,8,16,25 %", () => {
    const g = (a: string) => Array.from(scenarioGrid(okx.portfolio.underlyings[a], [], null).priceShocks);
    expect(g("BTC")).toEqual([-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12]);
    expect(g("ETH")).toEqual([-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12]);
    expect(g("XRP")).toEqual([-0.18, -0.12, -0.06, 0, 0.06, 0.12, 0.18]);
    expect(g("default")).toEqual([-0.25, -0.16, -0.08, 0, 0.08, 0.16, 0.25]);
    expect(g("SOL")).toEqual([-0.25, -0.16, -0.08, 0, 0.08, 0.16, 0.25]);
  });
  it("MR6 ±24 % / 36 % / 50 %, MR4 5 % / 15 % / 30 %, IMR = 1.3 × MMR", () => {
    const u = okx.okx?.underlyings ?? {};
    expect([u.BTC.extremeMove, u.SOL.extremeMove, u.default.extremeMove]).toEqual([0.24, 0.36, 0.5]);
    expect([okx.portfolio.underlyings.BTC.annualMoveRisk, okx.portfolio.underlyings.SOL.annualMoveRisk, okx.portfolio.underlyings.default.annualMoveRisk]).toEqual([0.05, 0.15, 0.3]);
    expect(okx.okx?.imFactor).toBe(1.3);
  });
  it("MR7 multipliers by raw charge: [0, 250K] ×1, (250K, 500K] ×2, ..., > 4M ×12 — both ends of each tier", () => {
    const t = u7();
    const cases: [number, number][] = [[0, 1], [250000, 1], [250000.01, 2], [500000, 2], [500000.01, 4], [1e6, 4], [1e6 + 0.01, 6], [2e6, 6], [2e6 + 0.01, 8], [3e6, 8], [3e6 + 0.01, 10], [4e6, 10], [4e6 + 0.01, 12], [1e9, 12]];
    for (const [raw, m] of cases) expect(stepTier(t, raw), `raw ${raw}`).toBe(m);
  });
});
function u7() { return (okx.okx?.underlyings.BTC.minChargeTiers ?? []).map((x) => ({ fromUsd: x.fromUsd, value: x.value })); }

describe("okx method: MR components recomputed by hand", () => {
  it("long 1 BTC linear perpetual: MR1 = 12 % of notional, MR6 = ½ × 24 % = MR1, MR4 = the 0.2 % floor, MR7 = 0.45 %; unit MMR = MR1 + MR4", () => {
    const r = computeMargin({ account: "p", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] }, market, { preset: "okx" });
    expect(mr(r, "MR1")).toBeCloseTo(12000, 6);
    expect(mr(r, "MR2")).toBe(0);
    // OKX's position-builder example: mr6 = ½ × mr6FinalResult (the loss at the −24 %/+24 % move)
    expect(mr(r, "MR6")).toBeCloseTo(0.5 * 24000, 6);
    expect(r.components.find((c) => c.name === "MR6")?.detail).toMatchObject({ move: -0.24, extremeLoss: 24000, weight: 0.5 });
    expect(mr(r, "MR4")).toBeCloseTo(0.002 * 100000, 6);
    expect(mr(r, "MR7")).toBeCloseTo(0.0045 * 100000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(12000 + 200, 6);
    expect(r.initialMargin).toBeCloseTo(1.3 * 12200, 6);
  });
  it("MR4 basis: max(floor, 5 % × T) × |cash delta| per expiry for a calendar: the June future at 5 % × T, the perpetual at the 0.2 % floor", () => {
    const r = computeMargin({ account: "c", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 2 }, { instrument: "BTC_USDC-27JUN25", size: -2 }] }, market, { preset: "okx" });
    const T = (Date.UTC(2025, 5, 27, 8) - Date.UTC(2024, 10, 20, 8)) / (365 * 86400000);
    expect(mr(r, "MR4")).toBeCloseTo(0.05 * T * 2 * 100000 + 0.002 * 2 * 100000, 6);
    expect(mr(r, "MR1")).toBeCloseTo(0, 6);
  });
  it("MR4 of a USDT-settled contract is in USD: its cash delta at the USDT index", () => {
    const at = (usdt: number) => mr(computeMargin({ account: "t", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDT-PERPETUAL", size: 1 }] }, { ...market, assets: { ...market.assets, USDT: { index: usdt } } }, { preset: "okx" }), "MR4");
    expect(at(1)).toBeCloseTo(0.002 * 100000, 6);
    expect(at(0.95)).toBeCloseTo(0.002 * 100000 * 0.95, 6);
  });
  it("unit MMR = max(max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7), OKX's stated formula: MR6 and MR4 add up", () => {
    // a short 37-day 70,000 put: convex, so half its loss at −24 % (vol up) exceeds its worst loss on the ±12 % grid
    const r = computeMargin({ account: "s", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24-70000-P", size: -1 }] }, market, { preset: "okx" });
    const m6 = r.components.find((c) => c.name === "MR6");
    expect(mr(r, "MR6")).toBeCloseTo(0.5 * Number(m6?.detail?.extremeLoss), 9);
    expect(m6?.detail?.move).toBe(-0.24);
    expect(mr(r, "MR6")).toBeGreaterThan(mr(r, "MR1"));
    expect(mr(r, "MR4")).toBeGreaterThan(0);
    expect(r.maintenanceMargin).toBeCloseTo(mr(r, "MR6") + mr(r, "MR3") + mr(r, "MR4") + mr(r, "MR5"), 9);
    // max(MR1 + MR3 + MR4 + MR5, MR6) would leave MR3..MR5 out; OKX's formula adds them to the extreme move
    expect(r.maintenanceMargin).toBeGreaterThan(Math.max(mr(r, "MR1") + mr(r, "MR3") + mr(r, "MR4") + mr(r, "MR5"), mr(r, "MR6")));
    expect(r.components.find((c) => c.name === "riskUnitMMR")?.detail).toEqual({ binding: "MR6" });
  });
  it("open orders: the unit's MMR with all buys filled and with all sells filled, the larger rise added to the IMR only", () => {
    const pf = (orders: { instrument: string; size: number }[]) => computeMargin({ account: "o", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }], openOrders: orders }, market, { preset: "okx" });
    const mmr = (btc: number) => (0.12 + 0.002) * btc * 100000; // MR1 (= MR6) + the MR4 floor, per BTC of delta
    const none = pf([]);
    expect(none.maintenanceMargin).toBeCloseTo(mmr(1), 6);
    // buy 1 → long 2 (MMR 24,400); sell 4 → short 3 (MMR 36,600): the sell side rises most
    const r = pf([{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC_USDC-PERPETUAL", size: -4 }]);
    expect(r.maintenanceMargin).toBeCloseTo(mmr(1), 6);
    expect(r.initialMargin).toBeCloseTo(1.3 * mmr(3), 6);
    expect(r.components.find((c) => c.name === "openOrders")).toMatchObject({ underlying: "BTC", detail: { side: "sell" } });
    // a reducing order adds nothing
    expect(pf([{ instrument: "BTC_USDC-PERPETUAL", size: -1 }]).initialMargin).toBeCloseTo(1.3 * mmr(1), 6);
  });
  it("MR9 belongs to the risk unit: a USDC-settled perpetual hedged by an inverse (USD) one pays 0.5 % of the hedged volume", () => {
    const r = computeMargin({ account: "h", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC-PERPETUAL", size: -100000 }] }, market, { preset: "okx" });
    const m9 = r.components.find((c) => c.name === "MR9" && c.underlying === "BTC");
    expect(m9?.amount).toBeCloseTo(0.005 * 100000, 6);
    expect(m9?.detail).toMatchObject({ "USDC/USD": 100000 });
    expect(r.maintenanceMargin).toBeCloseTo(Math.max(mr(r, "MR1"), mr(r, "MR6")) + mr(r, "MR3") + mr(r, "MR4") + mr(r, "MR5") + 500, 6);
  });
  it("MR9 hedging volumes pair by pair: USDT/USD first, then USDT/USDC on what is left", () => {
    const p = okx.okx!;
    const cd = new Map([["USDT", -1000], ["USD", 400], ["USDC", 900]]);
    const r = okxMr9(cd, p);
    expect(r.volumes).toEqual({ "USDT/USD": 400, "USDT/USDC": 600, "USDC/USD": 0 });
    expect(r.amount).toBeCloseTo(0.005 * 1000, 9);
  });
  it("short option: MR2 time decay is 0 (theta earns), a long option pays MR2 = one day's theta", () => {
    const pos = (size: number) => computeMargin({ account: "o", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC-27DEC24-100000-C", size }] }, market, { preset: "okx" });
    expect(mr(pos(-1), "MR2")).toBe(0);
    const long = pos(1);
    expect(mr(long, "MR2")).toBeGreaterThan(0);
    // one day's decay by full revaluation vs the instantaneous theta: within 2 %
    expect(Math.abs(mr(long, "MR2") / -long.positions[0].theta - 1)).toBeLessThan(0.02);
  });
});

describe("okx MR9: OKX's published example and tier tables", () => {
  it("hedged volume is charged through the tiers as brackets: 1M × 0.75 % + 4M × 1.75 % + 5M × 2.5 % = 202,500 USD on 10M", () => {
    // OKX 'OKX will update margin calculation rules for the portfolio margin mode' (2024-11-25): the rates at the
    // example's (unstated) index price; the example fixes the method: brackets, not 10M × 2.5 % = 250,000.
    const p = { ...okx.okx!, depegTiers: [{ fromUsd: 0, value: 0.0075 }, { fromUsd: 1e6, value: 0.0175 }, { fromUsd: 5e6, value: 0.025 }] };
    const r = okxMr9(new Map([["USDT", -10e6], ["USD", 10e6]]), p);
    expect(r.volumes["USDT/USD"]).toBe(10e6);
    expect(r.amount).toBeCloseTo(202500, 6);
  });
  it("tier rates by index: the published points exactly, straight lines between, the minimum at the peg, a premium counted like a discount", () => {
    const [t1, t2, t3] = okx.okx!.depegTiers;
    const cases: [typeof t1, number, number][] = [
      [t1, 1, 0.005], [t1, 0.995, 0.005], [t1, 0.99, 0.005], [t1, 0.8, 0.4], [t1, 0.5, 0.4], [t1, 0.895, 0.2025], [t1, 1 / 0.895, 0.2025],
      [t2, 1, 0.01], [t2, 0.995, 0.01], [t2, 0.9925, 0.0125], [t2, 0.99, 0.015], [t2, 0.8, 0.4],
      [t3, 1, 0.015], [t3, 0.8, 0.4],
    ];
    for (const [t, x, want] of cases) expect(depegRate(t, x), `tier from ${t.fromUsd} at index ${x}`).toBeCloseTo(want, 12);
    expect(okx.okx!.depegTiers.map((t) => t.fromUsd)).toEqual([0, 1e6, 5e6]);
  });
  it("a USDT depeg raises MR9 on a USDT-settled perpetual hedged by an inverse one: 5M hedged at the peg, 4.75M at USDT = 0.95", () => {
    const book = { account: "d", collateral: { USD: 1e7 }, positions: [{ instrument: "BTC_USDT-PERPETUAL", size: 50 }, { instrument: "BTC-PERPETUAL", size: -5e6 }] };
    const at = (usdt: number) => computeMargin(book, { ...market, assets: { ...market.assets, USDT: { index: usdt } } }, { preset: "okx" })
      .components.find((c) => c.name === "MR9" && c.underlying === "BTC");
    const calm = at(1), stressed = at(0.95);
    expect(calm?.detail).toMatchObject({ "USDT/USD": 5e6 });
    expect(calm?.amount).toBeCloseTo(1e6 * 0.005 + 4e6 * 0.01, 6);
    const rate = (lo: number, hi: number) => hi + ((0.95 - 0.8) / (0.99 - 0.8)) * (lo - hi); // straight line 0.99 → 0.8
    // cash deltas in USD: the USDT leg is worth 50 BTC × 100,000 × 0.95 = 4.75M, all of it hedged by the USD leg
    expect(stressed?.detail).toMatchObject({ "USDT/USD": 4.75e6 });
    expect(stressed?.amount).toBeCloseTo(1e6 * rate(0.005, 0.4) + 3.75e6 * rate(0.015, 0.4), 4);
  });
});
