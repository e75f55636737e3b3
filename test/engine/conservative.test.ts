/**
 * IM at the more conservative of index and stable price (issue 4 item 1), MM at the fresh index: the
 * engine's IM is checked against two independent `computeMargin` runs (market at the index, market at the
 * stable price) combined as documented: IM = IM(index) + max(0, headroom(index) − headroom(stable)).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { computeMargin } from "../../src/api.js";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { preTradeCheck } from "../../src/engine/checks.js";

const MARKET_TEXT = readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8");
const T0 = Date.parse("2024-11-20T08:00:00Z");

/** The example market with BTC valued at `px`: index and the marks of BTC futures/perpetuals scaled. */
function marketAt(px: number): Record<string, any> {
  const m = JSON.parse(MARKET_TEXT);
  const k = px / m.assets.BTC.index;
  m.assets.BTC.index = px;
  for (const [name, x] of Object.entries<Record<string, number>>(m.instruments)) if (name.startsWith("BTC") && !/-[CP]$/.test(name) && x.mark !== undefined) x.mark *= k;
  return m;
}

async function engineWith(book: { collateral: Record<string, string>; fills: [string, string, number][] }): Promise<Engine> {
  const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }));
  const must = async (x: unknown) => { const r = await e.submit(x); if (!r.ok) throw new Error(`${JSON.stringify(x)}: ${r.reason}`); };
  await must({ type: "market", snapshot: JSON.parse(MARKET_TEXT) });
  await must({ type: "account", account: "a" });
  for (const [asset, amount] of Object.entries(book.collateral)) await must({ type: "deposit", account: "a", asset, amount });
  for (const [instrument, size, price] of book.fills) await must({ type: "fill", account: "a", instrument, size, price });
  return e;
}

function expected(e: Engine, stable: number): { im: number; mm: number; addOn: number } {
  const a = e.state.accounts.get("a")!;
  const pf = {
    account: "a", collateral: Object.fromEntries([...a.balances].map(([k, v]) => [k, Number(v) / 1e12])),
    positions: [...a.positions].map(([instrument, p]) => ({ instrument, size: Number(p.size) / 1e12, ...(p.entryPrice !== undefined && !/-[CP]$/.test(instrument) ? { entryPrice: p.entryPrice } : {}) })),
  };
  const idx = computeMargin(pf, JSON.parse(MARKET_TEXT)), st = computeMargin(pf, marketAt(stable));
  const addOn = Math.max(0, (idx.adjustedEquity - idx.initialMargin) - (st.adjustedEquity - st.initialMargin));
  return { im: idx.initialMargin + addOn, mm: idx.maintenanceMargin, addOn };
}

describe("IM at the conservative of index and stable price, MM at the index", () => {
  const cases: { name: string; book: Parameters<typeof engineWith>[0]; stable: number; addOn: "positive" | "zero" }[] = [
    { name: "short perpetual, stable above the index", book: { collateral: { USDC: "60000" }, fills: [["BTC-PERPETUAL", "-100000", 92050]] }, stable: 96000, addOn: "positive" },
    { name: "long perpetual, stable above the index (index is the conservative side)", book: { collateral: { USDC: "60000" }, fills: [["BTC-PERPETUAL", "100000", 92050]] }, stable: 96000, addOn: "zero" },
    { name: "BTC collateral, stable below the index", book: { collateral: { BTC: "2", USDC: "1000" }, fills: [["BTC-27DEC24-100000-C", "-1", 0.01]] }, stable: 88000, addOn: "positive" },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = await engineWith(c.book);
      const before = e.margins.get("a")!;
      expect(before.stableAddOn).toBe(0);
      const r = await e.submit({ type: "tick", asset: "BTC", ts: T0, index: 92000, stable: c.stable });
      expect(r.ok).toBe(true);
      const m = e.margins.get("a")!;
      const want = expected(e, c.stable);
      expect(m.maintenanceMargin, "MM stays at the index").toBe(before.maintenanceMargin);
      expect(m.adjustedEquity).toBe(before.adjustedEquity);
      expect(m.stableAddOn).toBeCloseTo(want.addOn, 6);
      expect(m.initialMargin).toBeCloseTo(want.im, 6);
      expect(m.availableFunds).toBeCloseTo(m.adjustedEquity - want.im, 6);
      if (c.addOn === "positive") expect(m.stableAddOn).toBeGreaterThan(100);
      else expect(m.stableAddOn).toBe(0);
      // the pre-trade check's "after" uses the same IM (an order of nothing risky: 1 USD of perpetual)
      const chk = preTradeCheck(e, "a", "ETH-PERPETUAL", "1");
      expect(chk.ok && chk.value.after.stableAddOn).toBeCloseTo(m.stableAddOn, 3);
      // a tick without a stable price drops the add-on
      await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1, index: 92000 });
      expect(e.margins.get("a")!.stableAddOn).toBe(0);
    });
  }
});
