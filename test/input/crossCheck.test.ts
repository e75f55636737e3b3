import { describe, expect, it } from "vitest";
import { portfolioMarketIssues } from "../../src/input/crossCheck.js";
import type { InputIssue } from "../../src/input/issues.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import type { MarketSnapshot } from "../../src/market/snapshot.js";
import { repoJson } from "../helpers/shared.js";

function market(json: unknown): MarketSnapshot {
  const r = parseMarket(json);
  if (!r.ok) throw new Error(`bad test market: ${JSON.stringify(r.issues)}`);
  return r.value;
}

function portfolio(json: unknown): Portfolio {
  const r = parsePortfolio(json);
  if (!r.ok) throw new Error(`bad test portfolio: ${JSON.stringify(r.issues)}`);
  return r.value;
}

const base = {
  asOf: "2024-11-20T08:00:00Z",
  assets: { BTC: { index: 92000, vol: 0.55 }, ETH: { index: 3100 }, USDC: { index: 1 } },
  instruments: { "BTC-27DEC24-85000-P": { markIv: 0.6 } },
};

function only(issues: readonly InputIssue[], path: string): InputIssue {
  expect(issues.map((i) => i.path)).toEqual([path]);
  return issues[0];
}

describe("portfolioMarketIssues", () => {
  it("a portfolio fully covered by the market has no issues", () => {
    const pf = portfolio({
      account: "a",
      collateral: { BTC: 1, USDC: 1000, USD: 5 },
      positions: [
        { instrument: "BTC-PERPETUAL", size: 1000 },
        { instrument: "BTC-27DEC24-85000-P", size: -1 },
        { instrument: "BTC-28MAR25-100000-C", size: 1 }, // flat BTC vol
        { instrument: "BTC_USDC-PERPETUAL", size: 0.1 },
        { instrument: "BTC", size: 0.5 },
        { instrument: "ETH-27DEC24", size: 100 }, // no vol needed for a future
      ],
    });
    expect(portfolioMarketIssues(pf, market(base))).toEqual([]);
  });

  it("every example book is consistent with the example market", () => {
    const m = market(repoJson("examples/market.json"));
    for (const name of ["calendar-spread", "cash-and-carry", "covered-call", "multi-asset", "naked-short-put", "put-credit-spread", "short-straddle-hedged"]) {
      expect(portfolioMarketIssues(portfolio(repoJson(`examples/books/${name}.json`)), m)).toEqual([]);
    }
  });

  it("option with no vol anywhere (no markIv, no surface, no flat vol) names positions[i].instrument", () => {
    const pf = portfolio({
      account: "a",
      positions: [{ instrument: "ETH-PERPETUAL", size: 10 }, { instrument: "ETH-27DEC24-3500-C", size: -1 }],
    });
    const i = only(portfolioMarketIssues(pf, market(base)), "positions[1].instrument");
    expect(i.value).toBe("ETH-27DEC24-3500-C");
    expect(i.message).toMatch(/no volatility/);
    expect(i.message).toContain("ETH-27DEC24-3500-C");
  });

  it("the same option is fine with a markIv, a surface, or a flat vol", () => {
    const pf = portfolio({ account: "a", positions: [{ instrument: "ETH-27DEC24-3500-C", size: -1 }] });
    const withIv = { ...base, instruments: { "ETH-27DEC24-3500-C": { markIv: 0.7 } } };
    const withFlat = { ...base, assets: { ...base.assets, ETH: { index: 3100, vol: 0.65 } } };
    const withSurface = { ...base, assets: { ...base.assets, ETH: { index: 3100, surface: { "27DEC24": { a: 0.012, b: 0.08, rho: -0.25, m: 0.02, sigma: 0.25 } } } } };
    for (const m of [withIv, withFlat, withSurface]) expect(portfolioMarketIssues(pf, market(m))).toEqual([]);
  });

  it("a surface whose slices are all expired does not count as a vol", () => {
    const pf = portfolio({ account: "a", positions: [{ instrument: "ETH-27DEC24-3500-C", size: -1 }] });
    const m = { ...base, assets: { ...base.assets, ETH: { index: 3100, surface: { "1NOV24": { a: 0.012, b: 0.08, rho: -0.25, m: 0.02, sigma: 0.25 } } } } };
    expect(only(portfolioMarketIssues(pf, market(m)), "positions[0].instrument").message).toMatch(/no volatility/);
  });

  it("expired option (expiry before asOf) gets a clear message", () => {
    const pf = portfolio({ account: "a", positions: [{ instrument: "BTC-27DEC24-85000-P", size: -1 }] });
    const i = only(portfolioMarketIssues(pf, market({ ...base, asOf: "2025-01-15T00:00:00Z" })), "positions[0].instrument");
    expect(i.value).toBe("BTC-27DEC24-85000-P");
    expect(i.message).toMatch(/expired/);
    expect(i.message).toContain("2024-12-27T08:00:00.000Z");
    expect(i.message).toContain("2025-01-15T00:00:00.000Z");
  });

  it("an instrument expiring exactly at asOf is expired; one minute before is not", () => {
    const pf = portfolio({ account: "a", positions: [{ instrument: "BTC-27DEC24", size: 100 }] });
    expect(only(portfolioMarketIssues(pf, market({ ...base, asOf: "2024-12-27T08:00:00Z" })), "positions[0].instrument").message).toMatch(/expired/);
    expect(portfolioMarketIssues(pf, market({ ...base, asOf: "2024-12-27T07:59:00Z" }))).toEqual([]);
  });

  it("underlying missing from the market", () => {
    const pf = portfolio({
      account: "a",
      positions: [{ instrument: "BTC-PERPETUAL", size: 1 }, { instrument: "SOL-PERPETUAL", size: 1 }, { instrument: "DOGE", size: 5 }],
    });
    const issues = portfolioMarketIssues(pf, market(base));
    expect(issues.map((i) => i.path)).toEqual(["positions[1].instrument", "positions[2].instrument"]);
    expect(issues[0].value).toBe("SOL-PERPETUAL");
    expect(issues[0].message).toMatch(/no index for SOL/);
    expect(issues[1].message).toMatch(/no index for DOGE/);
  });

  it("linear instrument whose quote (USDC) has no index", () => {
    const { USDC: _drop, ...assets } = base.assets;
    const pf = portfolio({ account: "a", positions: [{ instrument: "BTC_USDC-PERPETUAL", size: 1 }, { instrument: "BTC-PERPETUAL", size: 1 }] });
    const i = only(portfolioMarketIssues(pf, market({ ...base, assets })), "positions[0].instrument");
    expect(i.value).toBe("BTC_USDC-PERPETUAL");
    expect(i.message).toMatch(/quote currency USDC/);
  });

  it("collateral asset without an index; USD needs none", () => {
    const pf = portfolio({ account: "a", collateral: { USD: 100, BTC: 1, DOGE: 1000 } });
    const i = only(portfolioMarketIssues(pf, market(base)), "collateral.DOGE");
    expect(i.value).toBe(1000);
    expect(i.message).toMatch(/no index for DOGE/);
  });

  it("open orders are checked too, and every issue is reported with the prefix", () => {
    const pf = portfolio({
      account: "a",
      collateral: { XRP: 1 },
      positions: [{ instrument: "ETH-27DEC24-3500-C", size: 1 }],
      openOrders: [{ instrument: "SOL_USDC-PERPETUAL", size: 1 }],
    });
    const issues = portfolioMarketIssues(pf, market(base), "[2]");
    expect(issues.map((i) => i.path)).toEqual(["[2].positions[0].instrument", "[2].openOrders[0].instrument", "[2].collateral.XRP"]);
  });
});
