/**
 * Engine.submitBatch (issue 12, src/engine/batch.ts): events checked as submit checks them, the accepted ones
 * appended in one transaction; one result per input; an event whose trial fails is refused alone; a dry run
 * appends nothing; a batch holds account events only, at most one per account. And `book` events replay.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { serializeState } from "../../src/engine/state.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const book = (account: string, over: Record<string, unknown> = {}) => ({ type: "book", account, balances: { USDC: "100000" }, positions: [{ instrument: "BTC-PERPETUAL", size: "10000" }], ...over });

async function engine() {
  const store = openSqliteStore(":memory:", { sync: "normal" });
  const e = await Engine.open(store);
  expect((await e.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
  return { e, store };
}

describe("Engine.submitBatch", () => {
  it("one result per input, in order; the accepted ones in one append with consecutive sequence numbers", async () => {
    const { e, store } = await engine();
    const r = await e.submitBatch([
      book("a"), book("b"), book("a"), { type: "tick", asset: "BTC", ts: 1, index: 92000 },
      { type: "margin_status", account: "a", kind: "restored", status: "healthy", initialMargin: 0, maintenanceMargin: 0, adjustedEquity: 0 },
      { type: "book", account: "c", balances: { USDC: "-5" }, positions: [] },
    ]);
    expect(r.map((x) => (x.ok ? "ok" : x.status))).toEqual(["ok", "ok", 409, 400, 400, 400]);
    expect(r.map((x) => (x.ok ? x.seq : null)).slice(0, 2)).toEqual([2, 3]);
    expect(r[2]).toMatchObject({ reason: "account a appears more than once in this batch" });
    expect(r[5]).toMatchObject({ issues: [{ path: "balances.USDC", message: "must be ≥ 0 (borrowing is not supported)" }] });
    expect(await store.lastSeq()).toBe(3);
    expect([...e.state.accounts.keys()]).toEqual(["a", "b"]);
    expect(e.margins.get("a")?.initialMargin).toBeGreaterThan(0);
  });

  it("a dry run checks and tries everything and appends nothing", async () => {
    const { e, store } = await engine();
    const r = await e.submitBatch([book("a"), book("b", { positions: [{ instrument: "BTC-PERPETUAL", size: "10", entryPrice: 1 }] })], { dryRun: true });
    expect(r[0]).toMatchObject({ ok: true, dryRun: true });
    expect(r[1]).toMatchObject({ ok: false, status: 409, issues: [{ path: "positions[0].entryPrice" }] });
    expect(await store.lastSeq()).toBe(1);
    expect(e.state.accounts.size).toBe(0);
  });

  it("an event whose trial breaks the state invariant is refused alone; the rest of the batch goes through", async () => {
    const { e } = await engine();
    // a whale long 1e15 BTC of the linear perpetual: selling it all at twice the mark would realise 9.2e19 USDC (> 1e18)
    expect((await e.submit(book("whale", { positions: [{ instrument: "BTC_USDC-PERPETUAL", size: "1000000000000000", entryPrice: 92050 }] }))).ok).toBe(true);
    expect((await e.submit(book("a"))).ok).toBe(true);
    const r = await e.submitBatch([
      { type: "fill", account: "whale", instrument: "BTC_USDC-PERPETUAL", size: "-1000000000000000", price: 184000 },
      { type: "deposit", account: "a", asset: "USDC", amount: "5" },
    ]);
    expect(r[0]).toMatchObject({ ok: false, status: 409 });
    expect(!r[0].ok && r[0].reason).toMatch(/would break the state invariant/);
    expect(r[1]).toMatchObject({ ok: true });
    expect(e.state.accounts.get("a")!.balances.get("USDC")).toBe(100_005_000_000_000_000n);
    expect(e.state.accounts.get("whale")!.positions.get("BTC_USDC-PERPETUAL")!.size).toBe(10n ** 27n);
  });

  it("book events replay: a fresh engine on the log has the same state and margins", async () => {
    const { e, store } = await engine();
    await e.submitBatch([book("a", { orders: [{ orderId: "o1", instrument: "BTC-27DEC24-92000-C", size: "-1" }] }), book("b", { owner: "a", balances: { BTC: "2" } })]);
    const fresh = await Engine.open(store);
    expect(serializeState(fresh.state)).toBe(serializeState(e.state));
    expect(JSON.stringify([...fresh.margins])).toBe(JSON.stringify([...e.margins]));
    expect(fresh.state.accounts.get("a")!.orders!.get("o1")!.price).toBeGreaterThanOrEqual(0.0001);
    expect(fresh.state.accounts.get("b")!.owner).toBe("a");
  });
});
