import { describe, expect, it } from "vitest";
import { accountGreeks } from "../../src/margin/accountGreeks.js";
import { prepareContext } from "../../src/margin/computeMargin.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import { portfolioFrom } from "../../src/input/portfolioSchema.js";
import type { GreeksRow } from "../../src/risk/greeksReport.js";
import { repoJson } from "../helpers/shared.js";

const m = parseMarket(repoJson("examples/market.json"));
if (!m.ok) throw new Error("market");
const ctx = (currency: string) => {
  const c = prepareContext(m.value, loadPreset("deribit"), currency);
  if (!c.ok) throw new Error(c.reason);
  return c.value;
};
const rows = (currency: string, pf: unknown): GreeksRow[] => {
  const r = accountGreeks(ctx(currency), portfolioFrom(pf));
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const find = (rs: readonly GreeksRow[], u: string, e: string) => rs.find((r) => r.underlying === u && r.expiry === e);

describe("account greeks: spot collateral counts as spot, in the numeraire's terms", () => {
  it("USD: a coin held has delta 1 per coin; stablecoins none", () => {
    const rs = rows("USD", { account: "a", collateral: { ETH: 3, USDC: 1000 } });
    expect(rs).toEqual([
      { underlying: "ETH", expiry: "COLLATERAL", delta: 3, gamma: 0, vega: 0, theta: 0, positions: 0, held: 3 },
      { underlying: "ETH", expiry: "ALL", delta: 3, gamma: 0, vega: 0, theta: 0, positions: 0, held: 3 },
    ]);
  });

  it("in its own coin a holding has delta 0; everything else is short that coin (NUMERAIRE row): −value, gamma value/index", () => {
    const rs = rows("ETH", { account: "a", collateral: { ETH: 3, USDC: 3100, BTC: 1 } });
    expect(find(rs, "ETH", "COLLATERAL")).toMatchObject({ delta: 0, gamma: 0, held: 3 });
    // 3,100 USDC + 1 BTC (92,000) = 30.6774 ETH held outside ETH
    const outside = 3100 / 3100 + 92000 / 3100;
    expect(find(rs, "ETH", "NUMERAIRE")?.delta).toBeCloseTo(-outside, 12);
    expect(find(rs, "ETH", "NUMERAIRE")?.gamma).toBeCloseTo(outside / 3100, 15);
    expect(find(rs, "ETH", "ALL")?.delta).toBeCloseTo(-outside, 12);
    // BTC held, measured in ETH, still moves with BTC one for one
    expect(find(rs, "BTC", "COLLATERAL")?.delta).toBe(1);
  });

  it("a cash-and-carry (long BTC, short future) is near flat in USD; the ALL row adds collateral to positions", () => {
    const pf = repoJson<{ collateral: Record<string, number> }>("examples/books/cash-and-carry.json");
    const rs = rows("USD", pf);
    const all = find(rs, "BTC", "ALL");
    const parts = rs.filter((r) => r.underlying === "BTC" && r.expiry !== "ALL").reduce((s, r) => s + r.delta, 0);
    expect(all?.delta).toBeCloseTo(parts, 12);
    expect(Math.abs(all?.delta ?? 1)).toBeLessThan(0.5);
  });

  it("a position that cannot be valued is a failure value, not a throw", () => {
    const r = accountGreeks(ctx("USD"), portfolioFrom({ account: "a", positions: [{ instrument: "XRP-PERPETUAL", size: 1 }] }));
    expect(r.ok).toBe(false);
  });
});
