import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { loadPreset } from "../../src/adapters/presets.js";
import { scenarioGrid } from "../../src/risk/scenarioGrid.js";
import { okxMr9 } from "../../src/margin/venues/okx/okxMargin.js";
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
  it("long 1 BTC linear perpetual: MR1 = 12 % of notional, MR6 = 24 %, unit MMR = MR6; IMR = 1.3 × MMR", () => {
    const r = computeMargin({ account: "p", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }] }, market, { preset: "okx" });
    expect(mr(r, "MR1")).toBeCloseTo(12000, 6);
    expect(mr(r, "MR2")).toBe(0);
    expect(mr(r, "MR6")).toBeCloseTo(24000, 6);
    expect(mr(r, "MR7")).toBeCloseTo(0.002 * 100000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(24000, 6);
    expect(r.initialMargin).toBeCloseTo(1.3 * 24000, 6);
  });
  it("MR4 basis: 5 % × T × |delta| × F per expiry for a calendar (perpetual vs June future)", () => {
    const r = computeMargin({ account: "c", collateral: { USDC: 1e6 }, positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 2 }, { instrument: "BTC_USDC-27JUN25", size: -2 }] }, market, { preset: "okx" });
    const T = (Date.UTC(2025, 5, 27, 8) - Date.UTC(2024, 10, 20, 8)) / (365 * 86400000);
    expect(mr(r, "MR4")).toBeCloseTo(0.05 * T * 2 * 100000, 6);
    expect(mr(r, "MR1")).toBeCloseTo(0, 6);
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
