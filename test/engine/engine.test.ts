import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits, roundToUnits, toUnits, unitsToNumber } from "../../src/domain/money.js";
import type { Store } from "../../src/engine/store.js";
import { serializeState } from "../../src/engine/state.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");

async function engineWith(store: Store = openSqliteStore(":memory:", { sync: "normal" })): Promise<Engine> {
  const e = await Engine.open(store);
  const r = await e.submit({ type: "market", snapshot: MARKET });
  expect(r.ok).toBe(true);
  return e;
}

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason} ${JSON.stringify(r.issues ?? r.detail ?? "")}`);
  return r.seq;
}

const strip = (m: unknown) => { const c = { ...(m as Record<string, unknown>) }; delete c.seq; return JSON.stringify(c); };

describe("money (exact fixed point)", () => {
  it("decimal strings and numbers convert exactly", () => {
    expect(toUnits("0.1")! + toUnits("0.2")!).toBe(toUnits("0.3"));
    expect(formatUnits(toUnits(0.1)! * 3n)).toBe("0.3");
    expect(toUnits("1.0000000000001")).toBeUndefined();
    expect(formatUnits(toUnits("-123.000000000001")!)).toBe("-123.000000000001");
    expect(roundToUnits(1 / 3)).toBe(333333333333n);
    expect(toUnits(1e-7)).toBe(100000n);
  });
  it("unitsToNumber's fast paths equal Number(formatUnits(u)) bit for bit (fast-check)", () => {
    const units = fc.oneof(
      fc.bigInt({ min: -(10n ** 28n), max: 10n ** 28n }), fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
      fc.integer({ min: -1e9, max: 1e9 }).map((x) => BigInt(x) * 10n ** 12n), fc.integer().map((x) => BigInt(x) * 10n ** 6n),
    );
    fc.assert(fc.property(units, (u) => Object.is(unitsToNumber(u), Number(formatUnits(u)))), { numRuns: 20000 });
  });
  it("format ∘ parse is the identity on units (fast-check)", () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 27n), max: 10n ** 27n }), (u) => toUnits(formatUnits(u)) === u));
  });
});

describe("events and settlement", () => {
  it("inverse future: realised P&L N·(1/entry − 1/exit) in the coin, exact to 1e-12", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "a" });
    await ok(e, { type: "deposit", account: "a", asset: "BTC", amount: "1" });
    await ok(e, { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "10000", price: 90000 });
    await ok(e, { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "20000", price: 100000 });
    const p = e.state.accounts.get("a")!.positions.get("BTC-PERPETUAL")!;
    expect(p.entryPrice).toBeCloseTo(30000 / (10000 / 90000 + 20000 / 100000), 9);
    await ok(e, { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "-30000", price: 95000 });
    expect(e.state.accounts.get("a")!.positions.has("BTC-PERPETUAL")).toBe(false);
    const pnl = 30000 * (1 / p.entryPrice! - 1 / 95000);
    expect(e.state.accounts.get("a")!.balances.get("BTC")).toBe(toUnits("1")! + roundToUnits(pnl));
  });

  it("option expiry settles at 08:00 UTC against the index with an expiry event", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "o" });
    await ok(e, { type: "deposit", account: "o", asset: "BTC", amount: "1" });
    await ok(e, { type: "fill", account: "o", instrument: "BTC-27DEC24-95000-C", size: "2", price: 0.04 });
    expect(formatUnits(e.state.accounts.get("o")!.balances.get("BTC")!)).toBe("0.92");
    await ok(e, { type: "tick", asset: "BTC", ts: Date.parse("2024-12-27T07:59:59Z"), index: 99000 });
    expect(e.state.accounts.get("o")!.positions.size).toBe(1);
    const seq = await ok(e, { type: "tick", asset: "BTC", ts: Date.parse("2024-12-27T08:00:00Z"), index: 100000 });
    const log = await e.store.readEvents(seq + 1, 10);
    expect(log[0].event).toMatchObject({ type: "expiry", underlying: "BTC", expiryCode: "27DEC24", price: 100000 });
    const a = e.state.accounts.get("o")!;
    expect(a.positions.size).toBe(0);
    expect(formatUnits(a.balances.get("BTC")!)).toBe("1.02"); // 0.92 + 2 × 5000/100000
    expect(e.margins.get("o")!.error).toBeUndefined();
  });

  it("funding on an inverse perpetual: longs pay N·rate/index coins", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "f" });
    await ok(e, { type: "deposit", account: "f", asset: "BTC", amount: "1" });
    await ok(e, { type: "fill", account: "f", instrument: "BTC-PERPETUAL", size: "92000", price: 92000 });
    await ok(e, { type: "funding", instrument: "BTC-PERPETUAL", rate: 0.0001 });
    expect(formatUnits(e.state.accounts.get("f")!.balances.get("BTC")!)).toBe("0.9999");
  });

  it("margin calls and liquidation triggers are logged events, then the engine liquidates", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "l" });
    await ok(e, { type: "deposit", account: "l", asset: "USDC", amount: "20000" });
    await ok(e, { type: "fill", account: "l", instrument: "BTC-PERPETUAL", size: "100000", price: 92000 });
    expect(e.margins.get("l")!.status).toBe("healthy");
    const seq = await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 80000, instruments: { "BTC-PERPETUAL": { mark: 80000 } } });
    const after = await e.store.readEvents(seq + 1, 10);
    const kinds = after.map((x) => { const v = x.event as { type: string; kind?: string }; return v.kind ?? v.type; });
    expect(kinds).toEqual(["liquidation_trigger", "liquidation_start", "liquidation_step", "liquidation_step", "liquidation_step", "liquidation_end", "margin_call"]);
    expect(e.margins.get("l")!.status).toBe("margin_call");
  });

  it("refuses invalid events with paths (400), unknown accounts (404), derived types from clients", async () => {
    const e = await engineWith();
    const bad = await e.submit({ type: "deposit", account: "", asset: "usd", amount: "1.0000000000001" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues?.map((i) => i.path).sort()).toEqual(["account", "amount", "asset"]);
    const missing = await e.submit({ type: "deposit", account: "zz", asset: "USDC", amount: 1 });
    expect(!missing.ok && missing.status).toBe(404);
    const derived = await e.submit({ type: "expiry", underlying: "BTC", expiryCode: "27DEC24", price: 1, ts: 0 });
    expect(!derived.ok && derived.status).toBe(400);
    const old = await e.submit({ type: "tick", asset: "BTC", ts: T0 - 1, index: 90000 });
    expect(!old.ok && old.status).toBe(409);
  });
});

describe("incremental recompute equals a full replay", () => {
  it("after random streams of events (with liquidations, bankruptcies and resting orders), every margin equals a fresh engine's, to the last digit (fast-check)", async () => {
    let liquidations = 0;
    const insts = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-27DEC24-92000-P", "ETH-PERPETUAL", "ETH-27DEC24-3000-C", "SOL_USDC-PERPETUAL", "BTC_USDC-PERPETUAL"];
    const ev = fc.oneof(
      fc.record({ k: fc.constant("tick"), a: fc.constantFrom("BTC", "ETH", "SOL", "USDC"), m: fc.double({ min: 0.9, max: 1.1, noNaN: true }) }),
      fc.record({ k: fc.constant("fill"), acct: fc.integer({ min: 0, max: 3 }), i: fc.integer({ min: 0, max: insts.length - 1 }), s: fc.integer({ min: -20, max: 20 }).filter((x) => x !== 0) }),
      fc.record({ k: fc.constant("dep"), acct: fc.integer({ min: 0, max: 3 }), amt: fc.integer({ min: 1, max: 100000 }) }),
      // resting orders (refused when they would breach IM: then nothing is logged), and cancels of whatever rests
      fc.record({ k: fc.constant("order"), acct: fc.integer({ min: 0, max: 3 }), i: fc.integer({ min: 0, max: insts.length - 1 }), s: fc.integer({ min: -5, max: 5 }).filter((x) => x !== 0) }),
      fc.record({ k: fc.constant("cancel"), acct: fc.integer({ min: 0, max: 3 }) }),
      // jumps of BTC that put leveraged accounts into liquidation (the engine then liquidates them)
      fc.record({ k: fc.constant("tick"), a: fc.constant("BTC"), m: fc.constantFrom(0.6, 0.75, 0.85, 1.2, 1.5) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(ev, { minLength: 5, maxLength: 25 }), async (events) => {
      let orders = 0;
      const store = openSqliteStore(":memory:", { sync: "normal" });
      const e = await engineWith(store);
      for (let i = 0; i < 4; i++) {
        await ok(e, { type: "account", account: `a${i}`, owner: i >= 2 ? "shared" : `a${i}` });
        await ok(e, { type: "deposit", account: `a${i}`, asset: "USDC", amount: "50000" });
      }
      await ok(e, { type: "tick", asset: "SOL", ts: T0, index: 240, instruments: { "SOL_USDC-PERPETUAL": { openInterest: 500, depthUsd: 50000 } } });
      let ts = T0;
      for (const x of events) {
        if (x.k === "tick") {
          ts += 60_000;
          const idx = (e.state.market!.assets[x.a as string].index) * (x.m as number);
          await ok(e, { type: "tick", asset: x.a, ts, index: idx });
        } else if (x.k === "fill") {
          const inst = insts[x.i as number];
          const coin = inst.startsWith("BTC-P") || inst === "BTC-27DEC24" ? 1000 : inst.includes("ETH-P") ? 100 : 1;
          const price = inst.endsWith("-P") || inst.endsWith("-C") ? 0.02 : e.state.market!.assets[inst.split(/[-_]/)[0]].index;
          await ok(e, { type: "fill", account: `a${x.acct}`, instrument: inst, size: (x.s as number) * coin, price });
        } else if (x.k === "order") {
          const inst = insts[x.i as number];
          const coin = inst.startsWith("BTC-P") || inst === "BTC-27DEC24" ? 1000 : inst.includes("ETH-P") ? 100 : 1;
          const price = inst.endsWith("-P") || inst.endsWith("-C") ? 0.02 : e.state.market!.assets[inst.split(/[-_]/)[0]].index;
          const r = await e.submit({ type: "order", account: `a${x.acct}`, orderId: `o${++orders}`, instrument: inst, size: (x.s as number) * coin, price });
          if (!r.ok) expect(r.status, r.reason).toBe(409);
        } else if (x.k === "cancel") {
          const open = [...(e.state.accounts.get(`a${x.acct}`)?.orders?.keys() ?? [])];
          if (open.length > 0) await ok(e, { type: "cancel", account: `a${x.acct}`, orderId: open[0] });
        } else await ok(e, { type: "deposit", account: `a${x.acct}`, asset: "USDC", amount: String(x.amt) });
      }
      const fresh = await Engine.open(store);
      for (const [id, m] of e.margins) expect(strip(fresh.margins.get(id)), id).toBe(strip(m));
      expect(e.margins.size).toBe(4);
      expect(fresh.state.insuranceFund).toEqual(e.state.insuranceFund);
      expect(JSON.stringify(fresh.state.liquidations)).toBe(JSON.stringify(e.state.liquidations));
      expect(serializeState(fresh.state)).toBe(serializeState(e.state));
      liquidations += e.counters.liquidations;
    }), { numRuns: 25 });
    expect(liquidations, "some runs liquidated accounts").toBeGreaterThan(0);
  });

  it("an index-only tick carries its futures' and perpetuals' marks along by the same ratio, written into the logged tick", async () => {
    const e = await engineWith();
    const m0 = JSON.parse(JSON.stringify(e.state.market!.instruments)) as Record<string, { mark?: number }>;
    const seq = await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 92000 * 1.05, instruments: { "BTC-27DEC24": { mark: 99999 } } });
    const [logged] = await e.store.readEvents(seq, 1);
    const ins = (logged.event as { instruments: Record<string, { mark?: number }> }).instruments;
    expect(ins["BTC-27DEC24"].mark).toBe(99999); // quoted: kept as sent
    for (const name of ["BTC-PERPETUAL", "BTC-28MAR25"]) {
      expect(ins[name]?.mark, name).toBeCloseTo(m0[name].mark! * 1.05, 9);
      expect(e.state.market!.instruments[name].mark).toBe(ins[name].mark);
    }
    // other assets and options untouched; an instrument without a mark (valued at the index) gets none
    expect(Object.keys(ins).some((n) => n.startsWith("ETH") || /-[CP]$/.test(n) || n === "BTC_USDC-PERPETUAL")).toBe(false);
    expect(e.state.market!.instruments["ETH-PERPETUAL"].mark).toBe(m0["ETH-PERPETUAL"].mark);
  });

  it("a tick on ETH recomputes only ETH-dependent vectors and accounts", async () => {
    const e = await engineWith();
    await ok(e, { type: "account", account: "btc" });
    await ok(e, { type: "deposit", account: "btc", asset: "BTC", amount: "1" });
    await ok(e, { type: "fill", account: "btc", instrument: "BTC-27DEC24-92000-P", size: "1", price: 0.03 });
    await ok(e, { type: "account", account: "eth" });
    await ok(e, { type: "deposit", account: "eth", asset: "USDC", amount: "10000" });
    await ok(e, { type: "fill", account: "eth", instrument: "ETH-PERPETUAL", size: "1000", price: 3100 });
    const before = e.riskContext()!.vectorsComputed;
    const btcSeq = e.margins.get("btc")!.seq;
    const changed: string[][] = [];
    e.bus.on("margins", (m: { accounts: { account: string }[] }) => changed.push(m.accounts.map((a) => a.account)));
    await ok(e, { type: "tick", asset: "ETH", ts: T0 + 1000, index: 3200 });
    expect(changed[0]).toEqual(["eth"]);
    expect(e.margins.get("btc")!.seq).toBe(btcSeq);
    expect(e.riskContext()!.vectorsComputed - before).toBe(1); // ETH-PERPETUAL only
  });
});
