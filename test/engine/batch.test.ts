/**
 * Engine.submitBatch (issue 12, src/engine/batch.ts): events checked as submit checks them, the accepted ones
 * appended in one transaction; one result per input; an event whose trial fails is refused alone; a dry run
 * appends nothing; a batch holds account events only, at most one per account. And `book` events replay. On the
 * kernel (the engine's tick path, docs/kernel.md): a trial that is not committed (a dry run, a batch whose trial
 * failed, an event tried alone) is undone, so the kernel's rows and working columns stay the committed state's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { accountMargin } from "../../src/engine/accountMargin.js";
import { Engine } from "../../src/engine/engine.js";
import type { EngineMargins } from "../../src/engine/engineMargins.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { stableView } from "../../src/engine/marketState.js";
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

const noSeq = (m: unknown): string => { const c = { ...(m as Record<string, unknown>) }; delete c.seq; return JSON.stringify(c); };

/**
 * The kernel in step with the committed state: every account's published margin equal to accountMargin on the
 * live state, and the kernel's working figures equal to the published ones (nothing of an undone trial left).
 */
function expectKernelInStep(e: Engine, msg: string): void {
  const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params).context();
  const sv = stableView(s.market!), imCtx = sv ? new IncrementalRiskContext(sv, s.params).context() : undefined;
  const em = (e as unknown as { em: EngineMargins }).em;
  for (const a of s.accounts.values()) {
    const linked = [...s.accounts.values()].filter((x) => x.owner === a.owner).map((x) => x.id);
    const want = noSeq(accountMargin(s, ctx, a, linked, imCtx, undefined, false).summary);
    expect(noSeq(e.margins.get(a.id)), `${msg}: ${a.id} published`).toBe(want);
    const i = em.km.indexOf(a.id)!;
    expect(noSeq(em.km.summaryOf(s, em.km.work, i, 0)), `${msg}: ${a.id} working`).toBe(want);
  }
}

describe("Engine.submitBatch on the kernel: trials that are not committed are undone", () => {
  async function loaded() {
    const { e, store } = await engine();
    const r = await e.submitBatch([book("a"), book("b", { balances: { BTC: "3" }, positions: [{ instrument: "ETH-PERPETUAL", size: "-20000" }] }), book("c", { owner: "a" })]);
    expect(r.every((x) => x.ok)).toBe(true);
    return { e, store };
  }

  it("a dry run (new accounts, a deposit, a fill) leaves the kernel as it was: the next ticks margin from the committed state", async () => {
    const { e, store } = await loaded();
    const r = await e.submitBatch([
      book("d", { owner: "a" }), { type: "deposit", account: "a", asset: "USDC", amount: "900000" },
      { type: "fill", account: "b", instrument: "BTC-PERPETUAL", size: "50000", price: 92050 },
    ], { dryRun: true });
    expect(r.map((x) => x.ok && x.dryRun)).toEqual([true, true, true]);
    expect(r.map((x) => (x.ok ? x.seq : 0))).toEqual([5, 6, 7]);
    expect(await store.lastSeq()).toBe(4);
    expect(e.state.accounts.has("d")).toBe(false);
    expectKernelInStep(e, "after the dry run");
    expect((await e.submit({ type: "tick", asset: "BTC", ts: Date.parse("2024-11-20T08:01:00Z"), index: 90000 })).ok).toBe(true);
    expectKernelInStep(e, "a BTC tick");
    expect((await e.submit({ type: "tick", asset: "ETH", ts: Date.parse("2024-11-20T08:01:00Z"), index: 3000 })).ok).toBe(true);
    expectKernelInStep(e, "an ETH tick");
  });

  it("a batch whose trial fails: each event tried alone and undone, the one that fails refused, the rest committed; the kernel in step", async () => {
    const { e } = await loaded();
    expect((await e.submit(book("whale", { positions: [{ instrument: "BTC_USDC-PERPETUAL", size: "1000000000000000", entryPrice: 92050 }] }))).ok).toBe(true);
    const dry = await e.submitBatch([
      { type: "deposit", account: "b", asset: "USDC", amount: "5" },
      { type: "fill", account: "whale", instrument: "BTC_USDC-PERPETUAL", size: "-1000000000000000", price: 184000 },
      book("e"),
    ], { dryRun: true });
    expect(dry.map((x) => (x.ok ? "ok" : x.status))).toEqual(["ok", 409, "ok"]);
    expectKernelInStep(e, "after the failed dry run");
    const r = await e.submitBatch([
      { type: "deposit", account: "b", asset: "USDC", amount: "5" },
      { type: "fill", account: "whale", instrument: "BTC_USDC-PERPETUAL", size: "-1000000000000000", price: 184000 },
      book("e"),
    ]);
    expect(r.map((x) => (x.ok ? "ok" : x.status))).toEqual(["ok", 409, "ok"]);
    expect(e.state.accounts.has("e")).toBe(true);
    expectKernelInStep(e, "after the batch");
    expect((await e.submit({ type: "tick", asset: "BTC", ts: Date.parse("2024-11-20T08:01:00Z"), index: 91000 })).ok).toBe(true);
    expectKernelInStep(e, "a BTC tick");
  });
});
