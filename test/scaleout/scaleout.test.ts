/**
 * Two workers in one process (partitions 0/2 and 1/2, SQLite files, port 0), on the in-process bus and on
 * NATS JetStream (a unique stream and subject prefix per run, deleted at the end; skipped with a message
 * when NATS is unreachable, failed under CI).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { InprocBus } from "../../src/adapters/bus-inproc/inprocBus.js";
import { NatsBus } from "../../src/adapters/bus-nats/natsBus.js";
import type { Service, ScaleOutServiceOptions } from "../../src/adapters/http/service.js";
import { MARKET } from "../service/helpers.js";
import { until } from "./bus.conformance.js";
import { NATS_URL, natsReachable, uniqueNames } from "./nats.js";
import { call, idsByOwner, loggedTicks, startWorker } from "./workers.js";

const T0 = Date.parse("2024-11-20T08:00:00Z");
const natsUp = await natsReachable();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

interface Kind { readonly name: string; readonly skip: boolean; bus(): { so: Omit<ScaleOutServiceOptions, "partition" | "consumer">; cleanup: () => Promise<void> } }
const kinds: Kind[] = [
  { name: "inproc", skip: false, bus: () => { const bus = new InprocBus(); return { so: { bus }, cleanup: () => bus.close() }; } },
  { name: "NATS JetStream", skip: !natsUp, bus: () => {
    const names = uniqueNames();
    return { so: { nats: NATS_URL, ...names }, cleanup: async () => { const b = await NatsBus.open({ servers: NATS_URL, ...names }); await b.deleteStream(); await b.close(); } };
  } },
];

/** Publish a tick through worker `w` (HTTP); returns its market stream seq as the publisher's engine logged it. */
async function tick(w: Service, asset: string, i: number, index: number): Promise<number> {
  const r = await call(w, "POST", "/v1/market/ticks", { asset, ts: T0 + i * 1000, index, ...(asset === "BTC" ? { instruments: { "BTC-PERPETUAL": { mark: index } } } : {}) });
  expect(r.status, r.text).toBe(201);
  return (r.json as { event: { marketSeq: number } }).event.marketSeq;
}

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`scale-out, two workers (${kind.name})`, () => {
    it("route accounts to their partition, apply the same market sequence, and catch up exactly after a restart", async () => {
      const dir = mkdtempSync(join(tmpdir(), "dpm-scaleout-"));
      dirs.push(dir);
      const { so, cleanup } = kind.bus();
      let w0 = await startWorker(dir, 0, 2, { ...so, publishMarket: true, consumer: "w0" });
      let w1 = await startWorker(dir, 1, 2, { ...so, consumer: "w1" });
      try {
        // Issue 11: /v1/partition needs a key like every /v1 route (it was public and undocumented).
        expect((await call(w1, "GET", "/v1/partition", undefined, null)).status).toBe(401);
        expect((await call(w1, "GET", "/v1/partition")).json).toEqual({ index: 1, count: 2, hash: "fnv1a32(utf8(accountId)) mod count", publisher: false, marketSeq: 0 });
        const [mine0, mine1] = idsByOwner(2, 2);
        const ws = [w0, w1];
        for (const [p, ids] of [mine0, mine1].entries()) for (const id of ids) {
          const ok = await call(ws[p], "POST", "/v1/accounts", { id, collateral: { USDC: "100000" } });
          expect(ok.status, `${id} on its owner ${p}: ${ok.text}`).toBe(201);
          const other = ws[1 - p];
          const wrong = await call(other, "POST", "/v1/accounts", { id: `${id}` });
          expect([wrong.status, wrong.json], `${id} on ${1 - p}`).toEqual([421, { error: `account ${id} belongs to partition ${p} of 2, not ${1 - p}`, partition: 1 - p, owner: p }]);
          expect((await call(other, "GET", `/v1/accounts/${id}`)).status).toBe(421);
          expect((await call(other, "POST", `/v1/accounts/${id}/fills`, { instrument: "BTC-PERPETUAL", size: 92000, price: 92000 })).status).toBe(421);
          expect((await call(ws[p], "POST", `/v1/accounts/${id}/fills`, { instrument: "BTC-PERPETUAL", size: 92000, price: 92000 })).status).toBe(201);
        }
        expect([w0.engine.state.accounts.size, w1.engine.state.accounts.size]).toEqual([2, 2]);
        const book = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/books/put-credit-spread.json"), "utf8"));
        for (const w of ws) expect((await call(w, "POST", "/v1/margin", { portfolio: book, market: MARKET })).text).toBe(JSON.stringify(computeMargin(book, MARKET)));
        expect((await call(w1, "POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 1, index: 1 })).status).toBe(421);

        const seqs: number[] = [];
        for (let i = 1; i <= 6; i++) seqs.push(await tick(w0, i % 2 ? "BTC" : "ETH", i, i % 2 ? 92000 - 500 * i : 3100 + 7 * i));
        expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
        await until(() => w1.engine.state.marketSeq === 6, () => `worker 1 at market seq 6, is at ${w1.engine.state.marketSeq}`);
        const ticks0 = await loggedTicks(w0);
        expect(await loggedTicks(w1)).toEqual(ticks0);
        expect(ticks0.map((t) => t[2])).toEqual([91500, 3114, 90500, 3128, 89500, 3142]);
        expect(w1.engine.margins.get(mine1[0])?.equity, "worker 1 re-margined its account on the ticks (92,000 USD of inverse BTC perp bought at 92000, marked 89500: -2,500 USD)").toBeCloseTo(100000 + (89500 - 92000), 6);

        // Summaries are broadcast every 50 ms here: wait for one of worker 1's sent after its accounts were created.
        const heard1 = () => (w0.scaleOut?.fleetAll() as { partitions: { index: number; summary: { accounts: number } }[] }).partitions.find((p) => p.index === 1)?.summary.accounts;
        await until(() => heard1() === 2, () => `worker 0 to hear worker 1's summary with 2 accounts (heard ${String(heard1())})`);
        const fleet = (await call(w0, "GET", "/v1/fleet?all=1")).json as { totals: { accounts: number }; partitions: { index: number; ageMs: number; summary: { accounts: number } }[] };
        expect(fleet.totals.accounts).toBe(4);
        expect(fleet.partitions.map((p) => [p.index, p.summary.accounts])).toEqual([[0, 2], [1, 2]]);
        expect(fleet.partitions[1].ageMs).toBeGreaterThanOrEqual(0);

        await w1.close();
        for (let i = 7; i <= 10; i++) await tick(w0, "BTC", i, 90000 + 100 * i);
        w1 = await startWorker(dir, 1, 2, { ...so, consumer: "w1" });
        await until(() => w1.engine.state.marketSeq === 10, () => `restarted worker 1 at market seq 10, is at ${w1.engine.state.marketSeq}`);
        const after0 = await loggedTicks(w0), after1 = await loggedTicks(w1);
        expect(after1).toEqual(after0);
        expect(after1.map((t) => t[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(w1.engine.state.market?.assets.BTC.index).toBe(91000);
        expect(w1.scaleOut?.counters).toMatchObject({ applied: 4, refused: 0 });
        expect(w1.engine.state.accounts.size).toBe(2);
      } finally {
        await w0.close();
        await w1.close();
        await cleanup();
      }
    }, 60_000);
  });
}
