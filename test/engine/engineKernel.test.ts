/**
 * The engine's tick path on the kernel (issue 10 item 1) against the explanation path: after every event of
 * random streams (fills, resting orders, cancels, deposits, withdrawals, ticks with oracle stable prices and
 * liquidity data, linked accounts, liquidations; also with liquidity charges enabled: books with depth on ticks,
 * spot collateral), every account's published margin equals
 * `accountMargin(...)` on the committed state (contributions off), JSON-identical (bit for bit; the `seq` field
 * aside, which says when it was computed). Also: the `margins` bus payload (ids, lazy accounts), and that a
 * refused event or a failed append leaves the published figures and the kernel as they were.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { accountMargin } from "../../src/engine/accountMargin.js";
import { Engine, type MarginsChanged } from "../../src/engine/engine.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { KernelMargins } from "../../src/engine/kernelMargins.js";
import { stableView } from "../../src/engine/marketState.js";
import type { Store } from "../../src/engine/store.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");
const INSTS = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-27DEC24-92000-P", "BTC-27DEC24-95000-C", "ETH-PERPETUAL", "ETH-27DEC24-3000-C", "SOL_USDC-PERPETUAL", "BTC_USDC-PERPETUAL"];

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason}`);
  return r.seq;
}

const noSeq = (m: unknown): string => { const c = { ...(m as Record<string, unknown>) }; delete c.seq; return JSON.stringify(c); };

/** Every account's published margin against accountMargin on the committed state; returns how many were compared. */
function expectEqualToExplanation(e: Engine, msg: string): number {
  const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params).context();
  const sv = stableView(s.market!);
  const imCtx = sv ? new IncrementalRiskContext(sv, s.params).context() : undefined;
  let n = 0;
  for (const a of s.accounts.values()) {
    const linked = [...s.accounts.values()].filter((x) => x.owner === a.owner).map((x) => x.id);
    const want = accountMargin(s, ctx, a, linked, imCtx, undefined, false).summary;
    expect(noSeq(e.margins.get(a.id)), `${msg}: ${a.id}`).toBe(noSeq(want));
    if (want.stableAddOn > 0) seen.stable++;
    if (want.concentrationAddOn > 0) seen.concentration++;
    if (Object.values(want.greeks).some((g) => (g.collateralDelta ?? 0) !== 0)) seen.collateral++;
    if ((want.liquidityAddOn ?? 0) > 0 || (want.liquidityHaircut ?? 0) !== 0) seen.liquidityCharged++;
    else if (want.liquidityAddOn === 0 && want.liquidityHaircut === 0 && Object.keys(want.greeks).length > 0) seen.liquidityZero++;
    n++;
  }
  return n;
}

async function engineWith(store: Store = openSqliteStore(":memory:", { sync: "normal" })): Promise<Engine> {
  const e = await Engine.open(store);
  await ok(e, { type: "market", snapshot: MARKET });
  return e;
}

const seen = { venueFills: 0, stable: 0, concentration: 0, collateral: 0, liquidityCharged: 0, liquidityZero: 0, liquidations: 0, orders: 0, compared: 0, statusEvents: 0 };

/** Parameters with the liquidity charges on (positions and collateral; src/margin/liquidityCharge.ts). */
const LIQUIDITY_PARAMS = { extends: "deribit", name: "deribit-liquidity", source: "test: liquidity charges on", liquidity: { impact: 0.5, maxRate: 0.25, defaultVol: 0.8, positions: true, collateral: true } };

/**
 * Random streams of events on four accounts (two of one owner), after each of which every account's margin is
 * compared with the explanation path (`expectEqualToExplanation`); `params` set first when given.
 */
async function randomStreams(params: unknown, numRuns: number): Promise<void> {
  // Books: depth and spread for a perpetual and for the asset's spot (collateral), or none (depth 0); with the liquidity charges only.
  const books = fc.record({ k: fc.constant("book"), a: fc.constantFrom("BTC", "ETH"), depth: fc.constantFrom(0, 200_000, 5_000_000), spot: fc.constantFrom(0, 500_000), spread: fc.constantFrom(0.0002, 0.002) });
  const ev = fc.oneof(
    fc.record({ k: fc.constant("tick"), a: fc.constantFrom("BTC", "ETH", "SOL", "USDC"), m: fc.double({ min: 0.9, max: 1.1, noNaN: true }), st: fc.option(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { nil: undefined }) }),
    fc.record({ k: fc.constant("fill"), acct: fc.integer({ min: 0, max: 3 }), i: fc.integer({ min: 0, max: INSTS.length - 1 }), s: fc.integer({ min: -20, max: 20 }).filter((x) => x !== 0) }),
    fc.record({ k: fc.constant("dep"), acct: fc.integer({ min: 0, max: 3 }), amt: fc.integer({ min: 1, max: 100000 }), btc: fc.boolean() }),
    fc.record({ k: fc.constant("wd"), acct: fc.integer({ min: 0, max: 3 }), amt: fc.integer({ min: 1, max: 30000 }) }),
    fc.record({ k: fc.constant("order"), acct: fc.integer({ min: 0, max: 3 }), i: fc.integer({ min: 0, max: INSTS.length - 1 }), s: fc.integer({ min: -5, max: 5 }).filter((x) => x !== 0) }),
    fc.record({ k: fc.constant("cancel"), acct: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ k: fc.constant("tick"), a: fc.constant("BTC"), m: fc.constantFrom(0.6, 0.8, 1.25), st: fc.constant(undefined) }),
    // A multi-venue account (docs/venues.md "In the service"): margined on the explanation path, never by the kernel.
    fc.record({ k: fc.constant("vfill"), venue: fc.constantFrom("deribit", "okx"), i: fc.integer({ min: 0, max: INSTS.length - 1 }), s: fc.integer({ min: -20, max: 20 }).filter((x) => x !== 0) }),
    ...(params !== undefined ? [books] : []),
  );
  await fc.assert(fc.asyncProperty(fc.array(ev, { minLength: 4, maxLength: 18 }), async (events) => {
    const e = await engineWith();
    if (params !== undefined) await ok(e, { type: "params", params });
    let orders = 0, ts = T0;
    for (let i = 0; i < 4; i++) {
      await ok(e, { type: "account", account: `a${i}`, owner: i >= 2 ? "shared" : `a${i}` });
      await ok(e, { type: "deposit", account: `a${i}`, asset: "USDC", amount: "50000" });
    }
    await ok(e, { type: "account", account: "desk", owner: "shared", venues: { deribit: {}, okx: {} } });
    for (const venue of ["deribit", "okx"]) await ok(e, { type: "deposit", account: "desk", venue, asset: "USDC", amount: "100000" });
    await ok(e, { type: "tick", asset: "SOL", ts, index: 240, instruments: { "SOL_USDC-PERPETUAL": { openInterest: 500, depthUsd: 50000 } } });
    seen.compared += expectEqualToExplanation(e, "start");
    for (const [j, x] of events.entries()) {
      const coin = (inst: string) => (inst.startsWith("BTC-P") || inst === "BTC-27DEC24" ? 1000 : inst.includes("ETH-P") ? 100 : inst.startsWith("SOL") ? 50 : 1);
      const price = (inst: string) => (inst.endsWith("-P") || inst.endsWith("-C") ? 0.02 : e.state.market!.assets[inst.split(/[-_]/)[0]].index);
      if (x.k === "tick") {
        ts += 60_000;
        const index = e.state.market!.assets[x.a].index * x.m;
        await e.submit({ type: "tick", asset: x.a, ts, index, ...(x.st !== undefined ? { stable: index * (1 + x.st) } : {}) });
      } else if (x.k === "book") {
        ts += 60_000;
        const perp = `${x.a}-PERPETUAL`, book = (depthUsd: number) => (depthUsd > 0 ? { depthUsd, spread: x.spread } : { depthUsd: 0 });
        await e.submit({ type: "tick", asset: x.a, ts, index: e.state.market!.assets[x.a].index, instruments: { [perp]: book(x.depth), [x.a]: book(x.spot) } });
      } else if (x.k === "vfill") {
        if ((await e.submit({ type: "fill", account: "desk", venue: x.venue, instrument: INSTS[x.i], size: x.s * coin(INSTS[x.i]), price: price(INSTS[x.i]) })).ok) seen.venueFills++;
      } else if (x.k === "fill") await e.submit({ type: "fill", account: `a${x.acct}`, instrument: INSTS[x.i], size: x.s * coin(INSTS[x.i]), price: price(INSTS[x.i]) });
      else if (x.k === "order") await e.submit({ type: "order", account: `a${x.acct}`, orderId: `o${++orders}`, instrument: INSTS[x.i], size: x.s * coin(INSTS[x.i]), price: price(INSTS[x.i]) });
      else if (x.k === "cancel") {
        const open = [...(e.state.accounts.get(`a${x.acct}`)?.orders?.keys() ?? [])];
        if (open.length > 0) await e.submit({ type: "cancel", account: `a${x.acct}`, orderId: open[0] });
      } else if (x.k === "dep") await e.submit({ type: "deposit", account: `a${x.acct}`, asset: x.btc ? "BTC" : "USDC", amount: x.btc ? "0.5" : String(x.amt) });
      else await e.submit({ type: "withdrawal", account: `a${x.acct}`, asset: "USDC", amount: String(x.amt) });
      await e.idle();
      seen.compared += expectEqualToExplanation(e, `after event ${j} (${x.k})`);
    }
    for (const a of e.state.accounts.values()) if ((a.orders?.size ?? 0) > 0) seen.orders++;
    // Every margin_status event is a change of the account's status (none counts as healthy).
    const status = new Map<string, string>();
    for (const { event } of await e.store.readEvents(1, 100_000)) {
      const x = event as { type: string; account: string; status: string };
      if (x.type !== "margin_status") continue;
      const was = status.get(x.account) ?? "none";
      expect(x.status === was || (was === "none" && x.status === "healthy"), `${x.account}: ${was} → ${x.status}`).toBe(false);
      status.set(x.account, x.status);
      seen.statusEvents++;
    }
    seen.liquidations += e.counters.liquidations;
  }), { numRuns });
}

describe("engine margins on the kernel = accountMargin", () => {
  it("after every event of random streams, every account's margin is JSON-identical to the explanation path's (fast-check)", async () => {
    await randomStreams(undefined, 30);
    expect(seen.compared).toBeGreaterThan(1000);
    expect(seen.stable, "stable add-ons exercised").toBeGreaterThan(0);
    expect(seen.concentration, "concentration add-ons exercised").toBeGreaterThan(0);
    expect(seen.collateral, "spot collateral Greeks exercised").toBeGreaterThan(0);
    expect(seen.orders, "resting orders exercised").toBeGreaterThan(0);
    expect(seen.liquidations, "liquidations exercised").toBeGreaterThan(0);
    expect(seen.statusEvents, "status events checked").toBeGreaterThan(0);
    expect(seen.venueFills, "fills on the multi-venue account").toBeGreaterThan(0);
  });

  it("with liquidity charges enabled (books with depth on ticks): charged accounts (accountMargin's), uncharged ones (the kernel's, zero charges) and collateral stay identical (fast-check)", async () => {
    const before = { ...seen };
    await randomStreams(LIQUIDITY_PARAMS, 20);
    expect(seen.liquidityCharged - before.liquidityCharged, "accounts with a liquidity charge").toBeGreaterThan(0);
    expect(seen.liquidityZero - before.liquidityZero, "accounts with liquidity on and no charge (kernel path)").toBeGreaterThan(0);
    expect(seen.collateral - before.collateral, "spot collateral Greeks exercised").toBeGreaterThan(0);
  });

  it("a params event (new kernel layout) and a preset the kernel does not serve keep the equality", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "a" });
    await ok(e, { type: "deposit", account: "a", asset: "USDC", amount: "100000" });
    await ok(e, { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "20000", price: 92000 });
    await ok(e, { type: "fill", account: "a", instrument: "ETH-27DEC24-3000-C", size: "-5", price: 0.02 });
    const p = structuredClone(e.state.params) as { portfolio: { crossAsset: { mode: string } } };
    p.portfolio.crossAsset.mode = "correlation";
    await ok(e, { type: "params", params: p });
    expect(e.state.params.portfolio.crossAsset.mode).toBe("correlation");
    expectEqualToExplanation(e, "correlation");
    await ok(e, { type: "params", preset: "okx" });
    expectEqualToExplanation(e, "okx");
    await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 93000 });
    expectEqualToExplanation(e, "okx after a tick");
  });
});

describe("the margins bus payload", () => {
  it("carries the re-margined ids and builds the accounts only when read", async () => {
    const e = await engineWith();
    for (const id of ["btc", "eth"]) {
      await ok(e, { type: "account", account: id });
      await ok(e, { type: "deposit", account: id, asset: "USDC", amount: "10000" });
    }
    await ok(e, { type: "fill", account: "btc", instrument: "BTC-PERPETUAL", size: "1000", price: 92000 });
    const got: MarginsChanged[] = [];
    e.bus.on("margins", (m: MarginsChanged) => got.push(m));
    const r = await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 93000 });
    expect(r.ok && r.remargined).toBe(1);
    expect(got[0].ids).toEqual(["btc"]);
    expect(got[0].moved).toEqual(["BTC"]);
    expect(got[0].accounts.map((a) => a.account)).toEqual(["btc"]);
    expect(got[0].accounts[0]).toEqual(e.margins.get("btc"));
    expect(got[0].accounts[0].seq).toBe(r.ok ? r.seq : -1);
  });
});

describe("nothing is published before the append", () => {
  async function book(): Promise<Engine> {
    const e = await engineWith();
    await ok(e, { type: "account", account: "a" });
    await ok(e, { type: "deposit", account: "a", asset: "USDC", amount: "100000" });
    await ok(e, { type: "fill", account: "a", instrument: "BTC-27DEC24-95000-C", size: "-3", price: 0.02 });
    await ok(e, { type: "account", account: "b" });
    await ok(e, { type: "deposit", account: "b", asset: "BTC", amount: "2" });
    await ok(e, { type: "fill", account: "b", instrument: "ETH-PERPETUAL", size: "-3000", price: 3100 });
    return e;
  }

  it("a trial whose figures fail the check is refused, and the published figures and the kernel stay the committed state's", async () => {
    const e = await book();
    const before = JSON.stringify([...e.margins.values()]);
    // The bounds keep real inputs from overflowing: the check itself is made to fail once.
    const spy = vi.spyOn(KernelMargins.prototype, "issues").mockReturnValueOnce([{ path: "accounts.a.margin.initialMargin", message: "would not be finite", value: "Infinity" }]);
    const r = await e.submit({ type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "10000", price: 92000 });
    spy.mockRestore();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/not finite: accounts.a.margin.initialMargin/);
    expect(e.state.accounts.get("a")!.positions.has("BTC-PERPETUAL")).toBe(false);
    expect(JSON.stringify([...e.margins.values()])).toBe(before);
    await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 90000 });
    expectEqualToExplanation(e, "the next tick");
  });

  it("a failed append is undone: nothing published, the next events margin from the committed state", async () => {
    const e = await book();
    const before = JSON.stringify([...e.margins.values()]);
    const store = e.store;
    const append = store.appendEvents.bind(store);
    let fail = true;
    store.appendEvents = async (evs, at) => { if (fail) { fail = false; throw new Error("disk full"); } return append(evs, at); };
    await expect(e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 80000 })).rejects.toThrow("disk full");
    expect(JSON.stringify([...e.margins.values()])).toBe(before);
    expectEqualToExplanation(e, "after the failed append");
    await ok(e, { type: "tick", asset: "ETH", ts: T0 + 2000, index: 3000 });
    expectEqualToExplanation(e, "an ETH tick");
    await ok(e, { type: "tick", asset: "BTC", ts: T0 + 3000, index: 81000 });
    expectEqualToExplanation(e, "a BTC tick");
    await ok(e, { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "10000", price: 81000 });
    expectEqualToExplanation(e, "a fill");
  });
});

describe("a large tick in slices", () => {
  it("turns the event loop between slices; reads during the tick see the committed margins; the result equals the explanation path", async () => {
    const e = await engineWith();
    for (let i = 0; i < 1100; i++) {
      const id = `s${String(i).padStart(4, "0")}`;
      await ok(e, { type: "account", account: id });
      await ok(e, { type: "deposit", account: id, asset: "USDC", amount: "100000" });
      await ok(e, { type: "fill", account: id, instrument: i % 2 ? "BTC-PERPETUAL" : "BTC-27DEC24-95000-C", size: i % 2 ? String(1000 + i) : "-1", price: i % 2 ? 92000 : 0.02 });
    }
    const before = JSON.stringify(e.margins.get("s0001"));
    let turned = 0, seenDuring = "";
    const tick = e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 90000 });
    const spin = () => { turned++; if (turned === 1) seenDuring = JSON.stringify(e.margins.get("s0001")); if (turned < 1000) setImmediate(spin); };
    setImmediate(spin);
    const r = await tick;
    expect(r.ok && r.remargined).toBe(1100);
    // Unsliced, the tick resolves within microtasks (turned 0); two slices turn the loop once.
    expect(turned, "the event loop ran while the tick was computed").toBeGreaterThanOrEqual(1);
    expect(seenDuring).toBe(before);
    expectEqualToExplanation(e, "after a sliced tick");
    expect(e.margins.get("s0001")!.seq).toBe(r.ok ? r.seq : -1);
  }, 60_000);
});
