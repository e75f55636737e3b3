/**
 * applyTick's instrument records: a tick's mark and mark IV replace the record's, what the tick leaves out is kept,
 * and an instrument new to the market gets a record of what the tick gives; completeTick carries futures' marks
 * with the index and keeps what the tick itself says.
 */
import { describe, expect, it } from "vitest";
import { applyTick, completeTick, type MarketState } from "../../src/engine/marketState.js";

function market(): MarketState {
  return {
    assets: { BTC: { index: 100_000 } },
    instruments: { "BTC-PERPETUAL": { mark: 100_010 }, "BTC-27DEC24-100000-C": { mark: 0.05, markIv: 0.6 }, "BTC-27DEC24": { mark: 101_000 } },
    asOf: { BTC: 1_700_000_000_000 }, start: 1_700_000_000_000, liquidity: {}, oracle: {},
  };
}

describe("applyTick", () => {
  it("replaces what the tick gives and keeps the rest of each record", () => {
    const m = market();
    applyTick(m, { type: "tick", asset: "BTC", ts: 1_700_000_001_000, index: 99_000, instruments: { "BTC-27DEC24-100000-C": { markIv: 0.65 }, "BTC-PERPETUAL": { mark: 99_020 }, "BTC-27DEC24-90000-P": { mark: 0.01 } } });
    expect(m.instruments["BTC-27DEC24-100000-C"]).toEqual({ mark: 0.05, markIv: 0.65 });
    expect(m.instruments["BTC-PERPETUAL"]).toEqual({ mark: 99_020 });
    expect(m.instruments["BTC-27DEC24-90000-P"]).toEqual({ mark: 0.01 });
    expect(m.instruments["BTC-27DEC24"]).toEqual({ mark: 101_000 });
    expect(m.assets.BTC.index).toBe(99_000);
  });

  it("completeTick moves futures' and perpetuals' marks with the index unless the tick gives them", () => {
    const m = market();
    const t = completeTick(m, { type: "tick", asset: "BTC", ts: 1_700_000_001_000, index: 99_000, instruments: { "BTC-PERPETUAL": { mark: 99_100 } } });
    expect(t.instruments?.["BTC-PERPETUAL"]).toEqual({ mark: 99_100 });
    expect(t.instruments?.["BTC-27DEC24"]).toEqual({ mark: 101_000 * 0.99 });
    expect(t.instruments?.["BTC-27DEC24-100000-C"]).toBeUndefined();
  });
});
