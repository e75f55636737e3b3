import { describe, expect, it } from "vitest";
import { lendingMargin, type AaveParams } from "../../src/margin/lending/aave.js";
import { loadLendingPreset } from "../../src/adapters/venueData.js";
import type { MarketSnapshot } from "../../src/market/snapshot.js";

const market = (eth: number): MarketSnapshot => ({ asOf: Date.UTC(2024, 10, 20, 8), assets: { WETH: { index: eth }, GHO: { index: 1 }, USDC: { index: 1 } }, instruments: {} });
const params: AaveParams = {
  name: "doc-example", source: "aave.com/help/borrowing/liquidations", closeFactor: 0.5, fullCloseBelowHf: 0.95,
  reserves: { WETH: { underlying: "ETH", ltv: 0.75, liquidationThreshold: 0.8, liquidationBonus: 0.05 }, GHO: { underlying: "GHO", ltv: 0, liquidationThreshold: 0, liquidationBonus: 0 } },
};

describe("Aave v3 lending venue", () => {
  it("reproduces Aave's documented example: 10,000 USD of ETH at an 80 % liquidation threshold, 6,000 GHO borrowed → HF 1.333", () => {
    const r = lendingMargin(market(2500), params, { supplied: { WETH: 4 }, borrowed: { GHO: 6000 } });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.healthFactor).toBeCloseTo(4 / 3, 12);
    expect(r.value.marginRatio).toBeCloseTo(0.75, 12); // 1 / HF
    expect(r.value.status).toBe("healthy"); // 6,000 ≤ borrowing power 7,500
    expect(r.value.availableFunds).toBeCloseTo(1500, 9); // Aave's "available to borrow"
    expect(r.value.liquidation).toBeNull();
  });

  it("HF < 1 ⇔ liquidation; a liquidator may repay half the debt, all of it below HF 0.95, and the bonus is the loss", () => {
    // ETH falls until 10,000 → 7,200: HF = 7,200 × 0.8 / 6,000 = 0.96.
    const a = lendingMargin(market(1800), params, { supplied: { WETH: 4 }, borrowed: { GHO: 6000 } });
    if (!a.ok) throw new Error(a.reason);
    expect(a.value.healthFactor).toBeCloseTo(0.96, 12);
    expect(a.value.status).toBe("liquidation");
    expect(a.value.liquidation).toEqual({ repayUsd: 3000, bonusLossUsd: 150 });
    const b = lendingMargin(market(1700), params, { supplied: { WETH: 4 }, borrowed: { GHO: 6000 } });
    if (!b.ok) throw new Error(b.reason);
    expect(b.value.healthFactor).toBeCloseTo(0.9066666666666666, 12);
    expect(b.value.liquidation?.repayUsd).toBeCloseTo(6000, 9);
  });

  it("between LTV and LT the account is in margin call (no new borrows), above the debt's value bankrupt", () => {
    const r = lendingMargin(market(2500), params, { supplied: { WETH: 4 }, borrowed: { GHO: 7800 } });
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.status).toBe("margin_call");
    const z = lendingMargin(market(1000), params, { supplied: { WETH: 4 }, borrowed: { GHO: 7800 } });
    expect(z.ok && z.value.status).toBe("bankrupt");
  });

  it("the shipped Ethereum preset carries the published WETH and WBTC parameters and rejects unknown reserves", () => {
    const p = loadLendingPreset("aave-v3-ethereum");
    expect(p.reserves.WETH).toMatchObject({ ltv: 0.8, liquidationThreshold: 0.83 });
    expect(p.reserves.WBTC).toMatchObject({ ltv: 0.7, liquidationThreshold: 0.77, underlying: "BTC" });
    expect(p.closeFactor).toBe(0.5);
    expect(p.fullCloseBelowHf).toBe(0.95);
    const r = lendingMargin(market(2500), p, { supplied: { STETH: 1 }, borrowed: {} });
    expect(r.ok).toBe(false);
  });
});
