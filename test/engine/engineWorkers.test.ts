/**
 * The engine's kernel on worker threads (issue 10 item 2): the same log gives the same state and bit-identical
 * margins with the kernel in process (1 thread) and on 2 worker shards, after every event of random streams
 * (fills, deposits, resting orders, ticks with stable prices, accounts created after start, a parameter change
 * that rebuilds the shards), and both equal the explanation path. The worker is compiled from the current sources
 * into a temporary directory (as in kernelShards.test.ts).
 */
import { join } from "node:path";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { accountMargin } from "../../src/engine/accountMargin.js";
import { Engine } from "../../src/engine/engine.js";
import { workerCount } from "../../src/engine/engineMargins.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { KernelShards } from "../../src/engine/kernelShards.js";
import { stableView } from "../../src/engine/marketState.js";
import { serializeState } from "../../src/engine/state.js";
import { MarginKernel } from "../../src/margin/kernel/index.js";
import { ROOT } from "../helpers/shared.js";
import { compiledShardWorker } from "../helpers/shardWorker.js";
import { deribit, specArb, syntheticState } from "../margin/kernelHelpers.js";

const MARKET: unknown = JSON.parse(readFileSync(join(ROOT, "examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");
const INSTS = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-27DEC24-92000-P", "ETH-PERPETUAL", "ETH-27DEC24-3000-C", "SOL_USDC-PERPETUAL", "BTC_USDC-PERPETUAL"];

const worker = compiledShardWorker("dpm-engine-workers-");

/** Every published margin; `seq` aside (an engine opened on a log margins everything at its last event). */
const view = (e: Engine): string => JSON.stringify([...e.margins.values()].map((m) => ({ ...m, seq: undefined })));

function expectExplained(e: Engine, msg: string): void {
  const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params).context(), sv = stableView(s.market!);
  const imCtx = sv ? new IncrementalRiskContext(sv, s.params).context() : undefined;
  for (const a of s.accounts.values()) {
    const linked = [...s.accounts.values()].filter((x) => x.owner === a.owner).map((x) => x.id);
    const want = { ...accountMargin(s, ctx, a, linked, imCtx, undefined, false).summary, seq: e.margins.get(a.id)!.seq };
    expect(JSON.stringify(e.margins.get(a.id)), `${msg} ${a.id}`).toBe(JSON.stringify(want));
  }
}

describe("engine kernel on 1 and 2 threads", () => {
  it("workers: auto is 1 thread below 20,000 accounts", () => {
    expect(workerCount("auto", 19_999)).toBe(1);
    expect(workerCount(3, 10)).toBe(3);
    expect(workerCount(0, 10)).toBe(1);
  });

  it("same events → same state and bit-identical margins, equal to accountMargin (fast-check)", async () => {
    const ev = fc.oneof(
      fc.record({ k: fc.constant("tick"), a: fc.constantFrom("BTC", "ETH", "SOL"), m: fc.double({ min: 0.9, max: 1.1, noNaN: true }), st: fc.boolean() }),
      fc.record({ k: fc.constant("fill"), acct: fc.nat(), i: fc.integer({ min: 0, max: INSTS.length - 1 }), s: fc.integer({ min: -20, max: 20 }).filter((x) => x !== 0) }),
      fc.record({ k: fc.constant("dep"), acct: fc.nat(), amt: fc.integer({ min: 1, max: 100000 }) }),
      fc.record({ k: fc.constant("order"), acct: fc.nat(), i: fc.integer({ min: 0, max: INSTS.length - 1 }), s: fc.integer({ min: -5, max: 5 }).filter((x) => x !== 0) }),
      fc.record({ k: fc.constant("new"), owner: fc.nat() }),
      fc.record({ k: fc.constant("params") }),
    );
    let threads = 0;
    await fc.assert(fc.asyncProperty(fc.array(ev, { minLength: 3, maxLength: 12 }), async (events) => {
      const s1 = openSqliteStore(":memory:", { sync: "normal" });
      const one = await Engine.open(s1, { workers: 1 });
      const submit = (x: unknown) => one.submit(x);
      await submit({ type: "market", snapshot: MARKET });
      for (let i = 0; i < 5; i++) {
        await submit({ type: "account", account: `a${i}`, owner: `o${i % 3}` });
        await submit({ type: "deposit", account: `a${i}`, asset: "USDC", amount: "60000" });
        await submit({ type: "fill", account: `a${i}`, instrument: INSTS[i], size: i < 3 ? 1000 : 2, price: i === 2 ? 0.02 : one.state.market!.assets[INSTS[i].split(/[-_]/)[0]].index });
      }
      // The two-thread engine opens on a copy of the log: its five accounts are split over two shards.
      const s2 = openSqliteStore(":memory:", { sync: "normal" });
      await s2.appendEvents((await s1.readEvents(1, 10_000)).map((x) => x.event), 0);
      const two = await Engine.open(s2, { workers: 2, workerUrl: worker.url });
      threads = Math.max(threads, two.kernelThreads);
      try {
        expect(view(two)).toBe(view(one));
        let ts = T0, orders = 0, made = 5;
        for (const x of events) {
          const n = one.state.accounts.size, acct = `a${x.k === "fill" || x.k === "dep" || x.k === "order" ? x.acct % n : 0}`;
          let e: unknown;
          if (x.k === "tick") { ts += 60_000; const index = one.state.market!.assets[x.a].index * x.m; e = { type: "tick", asset: x.a, ts, index, ...(x.st ? { stable: index * 0.99 } : {}) }; }
          else if (x.k === "fill") e = { type: "fill", account: acct, instrument: INSTS[x.i], size: x.s * (INSTS[x.i].endsWith("-PERPETUAL") && !INSTS[x.i].includes("_") ? 100 : 1), price: /-[CP]$/.test(INSTS[x.i]) ? 0.02 : one.state.market!.assets[INSTS[x.i].split(/[-_]/)[0]].index };
          else if (x.k === "dep") e = { type: "deposit", account: acct, asset: "USDC", amount: String(x.amt) };
          else if (x.k === "order") e = { type: "order", account: acct, orderId: `o${++orders}`, instrument: INSTS[x.i], size: x.s, price: /-[CP]$/.test(INSTS[x.i]) ? 0.02 : one.state.market!.assets[INSTS[x.i].split(/[-_]/)[0]].index };
          else if (x.k === "new") e = { type: "account", account: `a${made++}`, owner: `o${x.owner % 4}` };
          else { const p = structuredClone(one.state.params) as { portfolio: { crossAsset: { mode: string } } }; p.portfolio.crossAsset.mode = p.portfolio.crossAsset.mode === "sum" ? "correlation" : "sum"; e = { type: "params", params: p }; }
          const [r1, r2] = [await one.submit(e), await two.submit(e)];
          expect(JSON.stringify(r2)).toBe(JSON.stringify(r1));
          await one.idle(); await two.idle();
          expect(serializeState(two.state)).toBe(serializeState(one.state));
          expect(view(two), JSON.stringify(e)).toBe(view(one));
        }
        expectExplained(two, "two threads");
      } finally {
        await two.close();
      }
    }), { numRuns: 12, /* a status event written twice once (fixed) */ examples: [[[{ k: "new", owner: 1 }, { k: "params" }, { k: "dep", acct: 0, amt: 1 }, { k: "params" }]]] });
    expect(threads).toBe(2);
  }, 120_000);

  it("shards grow past their starting capacity (new result buffers re-viewed by the workers): same bits as in process", async () => {
    const specs = fc.sample(specArb, { numRuns: 9, seed: 7 });
    const market = syntheticState();
    const ctx = new IncrementalRiskContext(market, deribit).context();
    const ks = await KernelShards.start(deribit, specs.slice(0, 3), { workers: 2, capacity: 3, workerUrl: worker.url });
    try {
      for (let a = 3; a < specs.length; a++) ks.setAccount(a, specs[a]);
      ks.refresh(ctx, null);
      await ks.remargin(null);
      const k = new MarginKernel(deribit);
      specs.forEach((s, a) => k.setAccount(a, s));
      k.refresh(ctx, null);
      k.remarginAll();
      expect(ks.results.cap).toBeGreaterThanOrEqual(specs.length);
      for (let a = 0; a < specs.length; a++) expect([ks.results.im[a], ks.results.mm[a], ks.results.equity[a], ks.results.status[a]], `account ${a}`).toEqual([k.results.im[a], k.results.mm[a], k.results.equity[a], k.results.status[a]]);
    } finally {
      await ks.close();
    }
  });
});
