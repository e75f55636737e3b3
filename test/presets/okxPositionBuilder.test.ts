import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";

/*
 * OKX's own numbers: the example response of POST /api/v5/account/position-builder in OKX's API v5
 * documentation, "Position builder (new)", https://www.okx.com/docs-v5/en/#trading-account-rest-api-position-builder-new
 * (response ts 1736936801642 = 2025-01-15 10:26:41 UTC, after the 2025-01-06 MR1/MR6 and 2025-01-15 MR7 changes;
 * read from a mirror of that page crawled 2026-06-29). Request: simPos −10 BTC-USDT-SWAP and +10 LTC-USDT-SWAP.
 *
 * Inputs as dpm reads them:
 * - size: contracts × ctVal (LTC-USDT-SWAP 1 LTC, BTC-USDT-SWAP 0.01 BTC); dpm's `X_USDT-PERPETUAL` is sized in coins.
 * - mark: the response's `markPx` (USDT).
 * - USDT/USD 0.99954: the response's cash `delta` over pos × ctVal × markPx, for both units
 *   (1019.5308 / 1,020 and −9,704.9036898 / −9,709.37).
 * - index (USD): not in the response; taken as markPx × USDT/USD (no perpetual premium). The MR1 grid implies an index
 *   0.005 % (LTC) and 0.015 % (BTC) lower, hence MR1 here is that much higher, well within 1 %.
 * - vol: irrelevant to perpetuals.
 * OKX's published fields: mr1, mr4, mr6 (the final MR6, = ½ × |mr6FinalResult.pnl|), mr7, mmr, imr; dpm's MR8 is 0 (no
 * borrowing), so the two-unit book's MMR is compared with OKX's `derivMmr` (its `totalMmr` adds the example's USDT debt).
 */
const USDT_USD = 0.99954;

interface Unit {
  readonly unit: string;
  readonly instrument: string;
  readonly size: number;
  readonly markPx: number;
  readonly okx: {
    readonly mr1: number; readonly mr1Shock: number; readonly mr4: number; readonly mr6: number;
    readonly mr6Pnl: number; readonly mr6Shock: number; readonly mr7: number; readonly mmr: number; readonly imr: number;
  };
}

const UNITS: readonly Unit[] = [
  {
    unit: "LTC", instrument: "LTC_USDT-PERPETUAL", size: 10 * 1, markPx: 102,
    okx: { mr1: 183.50672805719995, mr1Shock: -0.18, mr4: 8.1562464, mr6: 183.5067280572, mr6Pnl: -367.0134561144, mr6Shock: -0.36, mr7: 7.1367156, mmr: 191.6629744572, imr: 249.16186679436 },
  },
  {
    unit: "BTC", instrument: "BTC_USDT-PERPETUAL", size: -10 * 0.01, markPx: 97093.7,
    okx: { mr1: 1164.4109244719994, mr1Shock: 0.12, mr4: 19.4098073796, mr6: 1164.4109244720003, mr6Pnl: -2328.8218489440005, mr6Shock: 0.24, mr7: 43.67206660410001, mmr: 1183.8207318516002, imr: 1538.9669514070802 },
  },
];
const DERIV_MMR = 1375.4837063088003;

function marketOf(units: readonly Unit[]) {
  const assets: Record<string, { index: number; vol?: number }> = { USDT: { index: USDT_USD }, USDC: { index: 1 } };
  const instruments: Record<string, { mark: number }> = {};
  for (const u of units) {
    assets[u.unit] = { index: u.markPx * USDT_USD, vol: 0.6 };
    instruments[u.instrument] = { mark: u.markPx };
  }
  return { asOf: "2025-01-15T10:26:41Z", assets, instruments };
}
const bookOf = (units: readonly Unit[]) => ({ account: "okx-position-builder", collateral: { USDT: 100000 }, positions: units.map((u) => ({ instrument: u.instrument, size: u.size })) });
const within1pct = (got: number, want: number) => Math.abs(got / want - 1) < 0.01;

describe("okx preset reproduces OKX's position-builder example (each field within 1 %)", () => {
  it.each(UNITS)("$unit risk unit: MR1, MR4, MR6 (final), MR7, MMR, IMR", (u) => {
    const market = marketOf([u]), book = bookOf([u]);
    const r = computeMargin(book, market, { preset: "okx" });
    const c = (name: string) => r.components.find((x) => x.name === name && x.underlying === u.unit);
    const got = { mr1: c("MR1")?.amount, mr4: c("MR4")?.amount, mr6: c("MR6")?.amount, mr7: c("MR7")?.amount, mmr: r.maintenanceMargin, imr: r.initialMargin };
    const inputs = JSON.stringify({ book, market, okx: u.okx, dpm: got, mr6Detail: c("MR6")?.detail, mr1Scenario: c("MR1")?.scenario });
    for (const k of ["mr1", "mr4", "mr6", "mr7", "mmr", "imr"] as const) {
      expect(within1pct(got[k] ?? NaN, u.okx[k]), `${u.unit} ${k}: dpm ${got[k]} vs OKX ${u.okx[k]}; inputs ${inputs}`).toBe(true);
    }
    // OKX's mr1FinalResult / mr6FinalResult: the worst move and the unweighted extreme-move loss
    expect(c("MR1")?.scenario?.priceShock, inputs).toBeCloseTo(u.okx.mr1Shock, 12);
    expect(c("MR6")?.detail?.move, inputs).toBeCloseTo(u.okx.mr6Shock, 12);
    const extremeLoss = Number(c("MR6")?.detail?.extremeLoss);
    expect(within1pct(extremeLoss, -u.okx.mr6Pnl), `${u.unit} mr6FinalResult: dpm ${extremeLoss} vs OKX ${-u.okx.mr6Pnl}; inputs ${inputs}`).toBe(true);
  });

  it("both units in one book: MMR = OKX's derivMmr (1,375.48), IMR = 1.3 × it", () => {
    const market = marketOf(UNITS), book = bookOf(UNITS);
    const r = computeMargin(book, market, { preset: "okx" });
    const inputs = JSON.stringify({ book, market, mmr: r.maintenanceMargin, imr: r.initialMargin });
    expect(within1pct(r.maintenanceMargin, DERIV_MMR), inputs).toBe(true);
    expect(within1pct(r.initialMargin, 1.3 * DERIV_MMR), inputs).toBe(true);
  });
});
