import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { repoJson } from "../helpers/shared.js";

// DESIGN.md section 10: with --currency C, every amount not in C is converted into C at the index of the
// scenario in question. A USDC balance measured in BTC is therefore short BTC.
const market = repoJson("examples/market.json");
const btc = createMarginEngine(market, { currency: "BTC" });
const worst = (r: ReturnType<typeof btc.margin>) => r.components.find((c) => c.name === "worstScenario" && c.underlying === "BTC");

describe("coin numeraire: balances in other currencies move with the coin", () => {
  it("USDC measured in BTC loses 1 − 1/(1+s) of its BTC value when BTC rises by s", () => {
    const r = btc.margin({ account: "u", collateral: { USDC: 92000 } });
    const w = worst(r);
    expect(w?.scenario?.priceShock).toBeCloseTo(0.16, 12);
    expect(w?.amount).toBeCloseTo(1 - 1 / 1.16, 12); // 92,000 USDC = 1 BTC at the index
    expect(r.initialMargin).toBeGreaterThan(0);
  });
  it("USDC plus a long inverse perpetual of the same USD notional is flat in BTC terms (a synthetic coin)", () => {
    const r = btc.margin({ account: "s", collateral: { USDC: 92000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 92050 }] });
    // USDC: 1/(1+s) − 1 BTC; perpetual: (92050/92050)(1 − 1/(1+s)) BTC: they cancel in every cell.
    expect(worst(r)?.amount ?? 1).toBeLessThan(1e-9);
  });
  it("the same book in USD is long BTC instead, and a stablecoin numeraire adds no exposure", () => {
    const book = { account: "s", collateral: { USDC: 92000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 92050 }] };
    const usd = createMarginEngine(market).margin(book);
    expect(worst(usd)?.amount).toBeCloseTo(92050 * 0.16 * (92000 / 92050), 6);
    const usdc = createMarginEngine(market, { currency: "USDC" }).margin({ account: "u", collateral: { USDC: 92000 } });
    expect(usdc.initialMargin).toBe(0);
  });
  it("positions on other underlyings count by their value: an ETH call's premium in BTC terms", () => {
    const r = btc.margin({ account: "e", collateral: {}, positions: [{ instrument: "ETH-27DEC24-3500-C", size: 10 }] });
    const premiumBtc = r.positions[0].value;
    expect(premiumBtc).toBeGreaterThan(0);
    expect(worst(r)?.amount).toBeCloseTo(premiumBtc * (1 - 1 / 1.16), 9);
  });
});
