/**
 * Issue 11 in the engine: price bands (409), the state invariant checked on a trial fork before anything is
 * logged, quarantine at replay (fast and safe mode give the same state), the ingest dropping bad feed items.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { MarketIngest } from "../../src/engine/ingest.js";
import { replayEvent } from "../../src/engine/replay.js";
import { emptyState, serializeState } from "../../src/engine/state.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { parseFeedLines } from "../../src/adapters/feeds/replay.js";
import { mapNotification } from "../../src/adapters/feeds/deribitMessages.js";
import type { DpmInputError } from "../../src/input/issues.js";
import type { FeedEvent } from "../../src/market/oracle/types.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";

const MARKET = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8")) as { assets: Record<string, unknown>; instruments: Record<string, unknown> };
const T0 = Date.parse("2024-11-20T08:00:00Z");

async function engine(market: unknown = MARKET): Promise<Engine> {
  const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }));
  const r = await e.submit({ type: "market", snapshot: market });
  if (!r.ok) throw new Error(r.reason);
  for (const ev of [{ type: "account", account: "a" }, { type: "deposit", account: "a", asset: "USDC", amount: "100000" }]) expect((await e.submit(ev)).ok).toBe(true);
  return e;
}

const refusal = (r: Awaited<ReturnType<Engine["submit"]>>) => (r.ok ? { accepted: r.seq } : { status: r.status, issues: r.issues });

describe("price bands of the live market (409)", () => {
  it("a tick's marks within 2× of its own index, its stable price too; the index moves at most 50 % unless forced", async () => {
    const e = await engine();
    const seq = e.state.seq;
    expect(refusal(await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 93000, instruments: { "BTC-27DEC24": { mark: 300000 } } }))).toEqual({
      status: 409, issues: [{ path: "instruments.BTC-27DEC24.mark", message: "must be between 46500 and 186000 (within 2× of the mark (the index 93000 in USD))", value: 300000 }],
    });
    expect(refusal(await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 93000, stable: 10 }))).toEqual({
      status: 409, issues: [{ path: "stable", message: "must be between 46500 and 186000 (within 2× of the tick's index 93000)", value: 10 }],
    });
    expect(refusal(await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 140000 })).status).toBe(409);
    expect(e.state.seq).toBe(seq);
    // forced: the index moves, the futures' marks move with it (completeTick), still inside their band
    const forced = await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 140000, force: true });
    expect(forced.ok).toBe(true);
    expect(e.state.market!.instruments["BTC-PERPETUAL"].mark).toBeCloseTo(92050 * 140000 / 92000, 6);
    // and 50 % exactly is allowed
    expect((await e.submit({ type: "tick", asset: "BTC", ts: T0 + 2000, index: 70000 })).ok).toBe(true);
  });
  it("orders are banded like fills; a linear option below the underlying's price in its quote", async () => {
    const e = await engine();
    const r = await e.submit({ type: "order", account: "a", orderId: "o1", instrument: "BTC-PERPETUAL", size: "100", price: 1000 });
    expect(refusal(r)).toEqual({ status: 409, issues: [{ path: "price", message: "must be between 46025 and 184100 (within 2× of the mark 92050)", value: 1000 }] });
    const sol = await e.submit({ type: "fill", account: "a", instrument: "SOL_USDC-27DEC24-240-C", size: "1", price: 300 });
    expect(refusal(sol)).toEqual({ status: 409, issues: [{ path: "price", message: "must be between 0.0001 and 240 (a linear call is worth less than the SOL price 240 USDC)", value: 300 }] });
    expect((await e.submit({ type: "fill", account: "a", instrument: "SOL_USDC-27DEC24-240-C", size: "1", price: 12.5 })).ok).toBe(true);
  });
});

describe("the state invariant, checked on a trial before the append", () => {
  it("a funding payment that would leave a balance beyond ±1e18 is refused (409) with the path; nothing logged, nothing changed", async () => {
    const e = await engine({ ...MARKET, assets: { ...MARKET.assets, XYZ: { index: 0.000001, vol: 1 } } });
    expect((await e.submit({ type: "fill", account: "a", instrument: "XYZ-PERPETUAL", size: "1000000000000000", price: 0.000001 })).ok).toBe(true);
    const before = { seq: e.state.seq, log: await e.store.lastSeq(), state: serializeState(e.state), margins: JSON.stringify([...e.margins.values()]) };
    const r = await e.submit({ type: "funding", instrument: "XYZ-PERPETUAL", rate: 0.1 });
    expect(refusal(r)).toEqual({ status: 409, issues: [{ path: "accounts.a.balances.XYZ", message: "would be outside the representable range ±1000000000000000000", value: "-100000000000000000000" }] });
    expect({ seq: e.state.seq, log: await e.store.lastSeq(), state: serializeState(e.state), margins: JSON.stringify([...e.margins.values()]) }).toEqual(before);
    // a payment inside the range goes through
    expect((await e.submit({ type: "funding", instrument: "XYZ-PERPETUAL", rate: 0.0001 })).ok).toBe(true);
    expect(String(e.state.accounts.get("a")!.balances.get("XYZ"))).toBe(String(-(10n ** 17n) * 10n ** 12n));
  });
  it("a log holding that funding event (an older version wrote it) opens with it quarantined; fast and safe replay agree", async () => {
    const store = openSqliteStore(":memory:", { sync: "normal" });
    const m = { ...MARKET, assets: { ...MARKET.assets, XYZ: { index: 0.000001, vol: 1 } } };
    await store.appendEvents([
      { type: "market", snapshot: m }, { type: "account", account: "a" }, { type: "deposit", account: "a", asset: "USDC", amount: "100000" },
      { type: "fill", account: "a", instrument: "XYZ-PERPETUAL", size: "1000000000000000", price: 0.000001 },
      { type: "funding", instrument: "XYZ-PERPETUAL", rate: 0.1 },
      { type: "deposit", account: "a", asset: "USDC", amount: "5" },
      { type: "tick", asset: "BTC", ts: T0 + 1000, index: 1e-300 },
      { type: "nonsense" },
    ], 0);
    const e = await Engine.open(store);
    expect(e.quarantined.map((q) => [q.seq, q.type, q.reason.slice(0, 40)])).toEqual([
      [5, "funding", "breaks the state invariant: accounts.a.b"], [7, "tick", "invalid event: index: must be a price > "], [8, "nonsense", "invalid event: type: type must be one of"],
    ]);
    expect(e.state.accounts.get("a")!.balances.get("USDC")).toBe(100005n * 10n ** 12n);
    expect(e.state.seq).toBe(await store.lastSeq()); // 8, plus the status events the start derives
    const again = await Engine.open(store);
    expect(serializeState(again.state)).toBe(serializeState(e.state));
    // the open above went fast mode → safe mode (the funding broke the state once applied); safe mode alone agrees
    const safe = emptyState();
    for (const se of await store.readEvents(1, 100)) replayEvent(safe, se);
    expect(serializeState(safe)).toBe(serializeState(e.state));
    await store.close();
  });
});

describe("the ingest drops feed items outside their bounds instead of losing the tick", () => {
  it("a mark of 1e-300 or 10× the index is dropped and counted; the index still moves; a lagging stable price is clamped", async () => {
    const e = await engine();
    const ingest = new MarketIngest(e);
    const refused0 = ingest.counters.rejected;
    ingest.onFeed({ kind: "instrument", tick: { source: "s", instrument: "BTC-27DEC24", mark: 1e-300, ts: T0 + 1000 } });
    ingest.onFeed({ kind: "instrument", tick: { source: "s", instrument: "NOT-AN-INSTRUMENT-X", mark: 1, ts: T0 + 1000 } });
    ingest.onFeed({ kind: "instrument", tick: { source: "s", instrument: "BTC-28MAR25", mark: 950000, ts: T0 + 1000 } });
    ingest.onFeed({ kind: "instrument", tick: { source: "s", instrument: "BTC-27DEC24-95000-C", markIv: 0.61, ts: T0 + 1000 } });
    for (const source of ["a", "b", "c"]) ingest.price({ source, asset: "BTC", price: 93000, ts: T0 + 1000 });
    const [r] = await ingest.flush();
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(ingest.counters.rejected - refused0).toBe(3);
    const m = e.state.market!;
    expect(m.assets.BTC.index).toBe(93000);
    expect(m.instruments["BTC-28MAR25"].mark).toBeCloseTo(95500 * 93000 / 92000, 6);
    expect(m.instruments["BTC-27DEC24-95000-C"].markIv).toBe(0.61);
  });
});

describe("feeds: a recording with absurd values is refused whole; a Deribit ticker with an unknown instrument is dropped, not thrown", () => {
  it("replay file: vol 1e-300 and a mark of 1e-300 are reported with their line and path", () => {
    const text = ['{"kind":"asset","tick":{"source":"s","asset":"BTC","vol":1e-300,"ts":1}}', '{"kind":"instrument","tick":{"source":"s","instrument":"BTC-PERPETUAL","mark":1e-300,"ts":1}}', '{"kind":"price","tick":{"source":"s","asset":"BTC","price":-5,"ts":1}}'].join("\n");
    try {
      parseFeedLines(text);
      expect.unreachable();
    } catch (e) {
      expect((e as DpmInputError).issues.map((i) => i.path)).toEqual(["line 1.tick.vol", "line 2.tick.mark"]);
    }
  });
  it("an instrument tick naming no instrument reaches the ingest as a refusal (it used to throw inside the feed's callback)", async () => {
    const e = await engine();
    const ingest = new MarketIngest(e);
    const events = mapNotification("ticker.XYZ-1.100ms", { instrument_name: "NOT_AN-INSTRUMENT", mark_price: 5, timestamp: T0 }, "deribit");
    expect(Array.isArray(events)).toBe(true);
    for (const ev of events as FeedEvent[]) expect(() => ingest.onFeed(ev)).not.toThrow();
    expect(ingest.counters.rejected).toBe(1);
    // prices of assets named like Object's members reach the oracle as plain names and never become ticks
    for (const asset of ["__proto__", "constructor", "toString"]) ingest.onFeed({ kind: "price", tick: { source: "s", asset, price: 1, ts: T0 } });
    const seq = e.state.seq;
    expect(await ingest.flush()).toEqual([]);
    expect(e.state.seq).toBe(seq);
  });
});

describe("market and portfolio files refuse absurd values with paths", () => {
  it("index 1e-300, vol 1e-300, a mark 1000× its index, a call mark above 1 coin", () => {
    const r = parseMarket({ ...MARKET, asOf: "2024-11-20T08:00:00Z", assets: { ...MARKET.assets, BTC: { index: 1e-300, vol: 0.5 }, ETH: { index: 3100, vol: 1e-300 } }, instruments: { "SOL_USDC-PERPETUAL": { mark: 240000 }, "BTC-27DEC24-95000-C": { mark: 2 } } });
    expect(r.ok ? [] : r.issues.map((i) => [i.path, i.value])).toEqual([
      ["assets.BTC.index", 1e-300], ["assets.ETH.vol", 1e-300], ['instruments["SOL_USDC-PERPETUAL"].mark', 240000],
    ]);
    const call = parseMarket({ ...MARKET, asOf: "2024-11-20T08:00:00Z", instruments: { "BTC-27DEC24-95000-C": { mark: 2 } } });
    expect(call.ok ? [] : call.issues.map((i) => [i.path, i.message])).toEqual([['instruments["BTC-27DEC24-95000-C"].mark', "must be between 0.0001 and 1 (a coin-settled call is worth less than 1 coin)"]]);
    expect(parseMarket({ ...MARKET, asOf: "2024-11-20T08:00:00Z" }).ok).toBe(true);
  });
  it("a portfolio's entry price below 1e-12 and an option with a strike beyond 1e12", () => {
    const r = parsePortfolio({ account: "x", positions: [{ instrument: "BTC-PERPETUAL", size: 1, entryPrice: 5e-324 }, { instrument: "BTC-27DEC24-9000000000000-C", size: 1 }] });
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(["positions[0].entryPrice", "positions[1].instrument"]);
  });
});
