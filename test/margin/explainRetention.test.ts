/**
 * The explanation path keeps scratch between calls (portfolioModel.ts's one `ExplainBook`): after a call on another
 * context, nothing of an earlier context may stay reachable through it (a long-lived process margins against a new
 * market every tick). Checked with a `WeakRef` to one of the first context's instrument risks, held only by that
 * context and by the scratch, and a full garbage collection.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { parseMarket } from "../../src/input/marketSchema.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import { prepareContext } from "../../src/margin/computeMargin.js";
import { portfolioMargin } from "../../src/margin/portfolioModel.js";
import type { InstrumentRisk } from "../../src/risk/instrumentRisk.js";
import { repoJson } from "../helpers/shared.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

const market = parseMarket(repoJson("examples/market.json"));
const params = loadPreset("deribit");
const portfolio = (positions: [string, number][]) => {
  const p = parsePortfolio({ account: "r", collateral: { USDC: 1e6 }, positions: positions.map(([instrument, size]) => ({ instrument, size })) });
  if (!p.ok) throw new Error("portfolio does not parse");
  return p.value;
};
const big = portfolio([["BTC-PERPETUAL", 1], ["BTC-27DEC24", -1], ["BTC-27DEC24-95000-C", 2], ["BTC-27DEC24-90000-P", -3], ["ETH-PERPETUAL", 10]]);
const small = portfolio([["ETH-PERPETUAL", 1]]);

describe("the explanation path's scratch after a call on another context", () => {
  it("holds none of the earlier context's instrument risks", async () => {
    if (!market.ok) throw new Error("market does not parse");
    const ref = ((): WeakRef<InstrumentRisk> => {
      const first = prepareContext(market.value, params);
      if (!first.ok) throw new Error(first.reason);
      expect(portfolioMargin(first.value, big).ok).toBe(true);
      const r = first.value.risk(big.positions[3].instrument);
      if (!r.ok) throw new Error(r.reason);
      return new WeakRef(r.value);
    })();
    const second = prepareContext(market.value, params);
    if (!second.ok) throw new Error(second.reason);
    expect(portfolioMargin(second.value, small).ok).toBe(true);
    for (let i = 0; i < 3 && ref.deref() !== undefined; i++) { await turn(); gc(); }
    expect(ref.deref()).toBeUndefined();
  });
});
