/** Regression tests from the pre-go-live review of the engine (money rounding, events that leave an account unmarginable). */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits, roundToUnits, SCALE, toUnits } from "../../src/domain/money.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));

async function engineWith(): Promise<Engine> {
  const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }));
  expect((await e.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
  return e;
}

describe("roundToUnits never rounds a large cash flow to a silent zero", () => {
  it("amounts ≥ 1e21 (where toFixed switches to exponent notation) convert exactly", () => {
    for (const x of [1e21, 1e27, -1e27, 123456789e20, Number.MAX_SAFE_INTEGER * 1e9]) {
      const want = BigInt(x) * SCALE;
      expect(roundToUnits(x), `x=${x}`).toBe(want);
    }
    expect(roundToUnits(999999999999999.9)).toBe(toUnits("999999999999999.875"));
  });
  it("a spot fill of 1e15 of a coin at 1e12 (a 1e27 USD debit; it used to be free) is refused: outside the representable range", async () => {
    // Issue 11: the debit is exact (roundToUnits above) but no longer fits the state invariant (±1e18), so the
    // trial refuses the fill before it is logged (it was accepted and then a 1e27 balance sat in the state).
    const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }));
    const m = MARKET as { assets: Record<string, unknown> };
    expect((await e.submit({ type: "market", snapshot: { ...m, assets: { ...m.assets, XBT: { index: 1e12, vol: 0.5 } } } })).ok).toBe(true);
    expect((await e.submit({ type: "account", account: "c" })).ok).toBe(true);
    const seq = e.state.seq;
    const r = await e.submit({ type: "fill", account: "c", instrument: "XBT", size: "1000000000000000", price: 1e12 });
    expect(r.ok ? "accepted" : [r.status, r.issues?.[0]?.path, r.issues?.[0]?.value]).toEqual([409, "accounts.c.balances.USD", `-${BigInt(1e15 * 1e12)}`]);
    expect(e.state.seq).toBe(seq);
    expect(e.state.accounts.get("c")!.balances.size).toBe(0);
    // inside the range it goes through, exactly
    expect((await e.submit({ type: "fill", account: "c", instrument: "XBT", size: "1000", price: 1e12 })).ok).toBe(true);
    expect(formatUnits(e.state.accounts.get("c")!.balances.get("USD")!)).toBe("-1000000000000000");
  });
});

describe("events that would leave an account without a margin are refused before they are logged", () => {
  // An account whose margin cannot be computed (summary.error) is never liquidated (isInLiquidation
  // excludes it): one unknown asset or one expired instrument used to exempt a losing account.
  const cases: [string, unknown][] = [
    ["deposit of an asset the market has no index for", { type: "deposit", account: "x", asset: "ZZZ", amount: "1" }],
    ["fill on a perpetual quoted in an unknown currency", { type: "fill", account: "x", instrument: "BTC_ZZZ-PERPETUAL", size: "1", price: 1 }],
    ["fill on an option that expired before the market time", { type: "fill", account: "x", instrument: "BTC-1JAN20-100000-C", size: "1", price: 1 }],
    ["insurance deposit of an unknown asset", { type: "insurance_deposit", asset: "ZZZ", amount: "1" }],
  ];
  for (const [what, ev] of cases) {
    it(what, async () => {
      const e = await engineWith();
      expect((await e.submit({ type: "account", account: "x" })).ok).toBe(true);
      expect((await e.submit({ type: "deposit", account: "x", asset: "USDC", amount: "1000" })).ok).toBe(true);
      const seq = e.state.seq;
      const r = await e.submit(ev);
      expect(r.ok ? "accepted" : r.status, JSON.stringify(ev)).toBe(409);
      expect(e.state.seq, "nothing logged").toBe(seq);
      expect(await e.store.lastSeq()).toBe(seq);
      expect(e.margins.get("x")!.error).toBeUndefined();
      expect(e.state.insuranceFund.size).toBe(0);
    });
  }
  it("known assets, USD and live instruments still go through", async () => {
    const e = await engineWith();
    expect((await e.submit({ type: "account", account: "x" })).ok).toBe(true);
    for (const ev of [
      { type: "deposit", account: "x", asset: "BTC", amount: "1" },
      { type: "deposit", account: "x", asset: "USD", amount: "1" },
      { type: "fill", account: "x", instrument: "BTC-27DEC24-100000-C", size: "1", price: 0.01 },
      { type: "fill", account: "x", instrument: "ETH", size: "1", price: 3000 },
      { type: "insurance_deposit", asset: "USDC", amount: "5" },
    ]) {
      const r = await e.submit(ev);
      expect(r.ok, `${JSON.stringify(ev)}: ${r.ok ? "" : r.reason}`).toBe(true);
    }
    expect(e.margins.get("x")!.error).toBeUndefined();
  });
});
