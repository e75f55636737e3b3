/** Idempotent fills and transfers: a repeated fillId / requestId is acknowledged once, applied once, in replay and snapshots too. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits } from "../../src/domain/money.js";
import { fingerprint, lookupRequest, recordRequest, emptyRequestIds, requestIdsFromJson, requestIdsToJson, REQUEST_ID_WINDOW } from "../../src/engine/requestIds.js";
import { serializeState } from "../../src/engine/state.js";
import type { Store } from "../../src/engine/store.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));

async function engineWith(store: Store = openSqliteStore(":memory:", { sync: "normal" }), snapshotEvery = 1000): Promise<Engine> {
  const e = await Engine.open(store, { snapshotEvery });
  expect((await e.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
  expect((await e.submit({ type: "account", account: "a" })).ok).toBe(true);
  expect((await e.submit({ type: "deposit", account: "a", asset: "USDC", amount: "1000000" })).ok).toBe(true);
  return e;
}

const fill = (fillId: string, size = "1000") => ({ type: "fill", account: "a", instrument: "BTC-PERPETUAL", size, price: 92000, fillId });

describe("a repeated fillId returns the original acknowledgement and is applied once", () => {
  it("same seq, duplicate: true, nothing appended, position unchanged", async () => {
    const e = await engineWith();
    const first = await e.submit(fill("f-1"));
    expect(first.ok).toBe(true);
    const seqAfter = await e.store.lastSeq();
    const again = await e.submit(fill("f-1"));
    expect(again).toMatchObject({ ok: true, seq: first.ok ? first.seq : -1, duplicate: true });
    expect(await e.store.lastSeq(), "no event appended").toBe(seqAfter);
    expect(formatUnits(e.state.accounts.get("a")!.positions.get("BTC-PERPETUAL")!.size)).toBe("1000");
  });
  it("the same fillId for a different fill is refused (409) and not applied", async () => {
    const e = await engineWith();
    expect((await e.submit(fill("f-1"))).ok).toBe(true);
    const other = await e.submit(fill("f-1", "2000"));
    expect(other).toMatchObject({ ok: false, status: 409 });
    expect(formatUnits(e.state.accounts.get("a")!.positions.get("BTC-PERPETUAL")!.size)).toBe("1000");
  });
  it("deposits and withdrawals with a requestId; the namespaces of fills and transfers are separate", async () => {
    const e = await engineWith();
    const d1 = await e.submit({ type: "deposit", account: "a", asset: "USDC", amount: "5", requestId: "r1" });
    const d2 = await e.submit({ type: "deposit", account: "a", asset: "USDC", amount: "5", requestId: "r1" });
    expect(d2).toMatchObject({ ok: true, duplicate: true, seq: d1.ok ? d1.seq : -1 });
    const w1 = await e.submit({ type: "withdrawal", account: "a", asset: "USDC", amount: "3", requestId: "r1" });
    expect(w1.ok && !w1.duplicate).toBe(true);
    expect((await e.submit({ type: "withdrawal", account: "a", asset: "USDC", amount: "3", requestId: "r1" }))).toMatchObject({ ok: true, duplicate: true });
    expect((await e.submit(fill("r1"))).ok).toBe(true);
    expect(formatUnits(e.state.accounts.get("a")!.balances.get("USDC")!)).toBe("1000002");
  });
  it("a refused fill does not consume its id (a retry is evaluated again)", async () => {
    const e = await engineWith();
    const r = await e.submit({ ...fill("x"), account: "nobody" });
    expect(r).toMatchObject({ ok: false, status: 404 });
    expect((await e.submit(fill("x"))).ok).toBe(true);
  });
});

describe("retention: the last REQUEST_ID_WINDOW ids exactly, older ones as fingerprints", () => {
  it(`after ${REQUEST_ID_WINDOW + 20} fills, a retry of the first is refused with a clear 409; a recent one gets its ack`, async () => {
    const e = await engineWith();
    const seqs: number[] = [];
    for (let i = 0; i < REQUEST_ID_WINDOW + 20; i++) {
      const r = await e.submit(fill(`id-${i}`, "10"));
      expect(r.ok, `fill ${i}`).toBe(true);
      if (r.ok) seqs.push(r.seq);
    }
    const old = await e.submit(fill("id-0", "10"));
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.reason).toMatch(/fillId id-0 was already used .*older than its last 256/);
    const recent = await e.submit(fill(`id-${REQUEST_ID_WINDOW + 10}`, "10"));
    expect(recent).toMatchObject({ ok: true, duplicate: true, seq: seqs[REQUEST_ID_WINDOW + 10] });
    expect(formatUnits(e.state.accounts.get("a")!.positions.get("BTC-PERPETUAL")!.size)).toBe(String(10 * (REQUEST_ID_WINDOW + 20)));
  });
  it("fingerprints survive merges and the snapshot form; memory is 4 bytes per old id", () => {
    const r = emptyRequestIds();
    const n = 5000;
    for (let i = 0; i < n; i++) recordRequest(r, `fill:k${i}`, i + 1);
    expect(r.recent.size).toBe(REQUEST_ID_WINDOW);
    for (let i = 0; i < n; i++) expect(lookupRequest(r, `fill:k${i}`), `k${i}`).toBe(i < n - REQUEST_ID_WINDOW ? "old" : i + 1);
    const back = requestIdsFromJson(JSON.parse(JSON.stringify(requestIdsToJson(r))));
    expect(back.old.length).toBe(n - REQUEST_ID_WINDOW);
    expect(back.old.byteLength).toBe(4 * (n - REQUEST_ID_WINDOW));
    for (let i = 0; i < n; i += 97) expect(lookupRequest(back, `fill:k${i}`)).toBe(lookupRequest(r, `fill:k${i}`));
    // fresh keys: only a fingerprint collision (probability ≈ 4744 / 2^32 each) would be refused
    let collisions = 0;
    for (let i = 0; i < 2000; i++) if (lookupRequest(back, `fill:fresh${i}`) !== undefined) collisions++;
    expect(collisions).toBe(0);
    expect(fingerprint("fill:a")).toBe(fingerprint("fill:a"));
  });
});

describe("replay and snapshot + replay agree on the ids", () => {
  it("random streams with repeated ids: live state = full replay = snapshot + replay (serialized, exactly)", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ kind: fc.constantFrom("fill", "deposit", "withdrawal"), id: fc.integer({ min: 0, max: 30 }), size: fc.constantFrom("10", "-10", "25") }), { minLength: 10, maxLength: 120 }),
      async (ops) => {
        const store = openSqliteStore(":memory:", { sync: "normal" });
        const live = await engineWith(store, 7);
        for (const o of ops) {
          if (o.kind === "fill") await live.submit(fill(`f${o.id}`, o.size));
          else await live.submit({ type: o.kind, account: "a", asset: "USDC", amount: o.size.replace("-", ""), requestId: `r${o.id}` });
        }
        const want = serializeState(live.state);
        const fromSnap = await Engine.open(store);
        expect(serializeState(fromSnap.state)).toBe(want);
        const full = await Engine.open({ ...store, latestSnapshot: async () => undefined } as Store);
        expect(serializeState(full.state)).toBe(want);
        // a duplicate after the restart still gets the original acknowledgement
        const last = ops.find((o) => o.kind === "fill");
        if (last) expect(await fromSnap.submit(fill(`f${last.id}`, last.size))).toMatchObject({ ok: true, duplicate: true });
      }), { numRuns: 15 });
  });
});
