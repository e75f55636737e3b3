/** At-least-once delivery applied once: redelivered market messages are skipped, and the position survives a replay of the log. */
import { describe, expect, it } from "vitest";
import { ScaleOutWorker } from "../../src/adapters/http/scaleout.js";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import type { BusConsumer, MarketBus, MarketMessage } from "../../src/engine/marketBus.js";
import { deserializeState, emptyState, serializeState, applyEvent } from "../../src/engine/state.js";
import { MARKET } from "../service/helpers.js";

const T0 = Date.parse("2024-11-20T08:00:00Z");
const msg = (seq: number, index: number): MarketMessage => ({ seq, subject: "tick.BTC", body: { event: { type: "tick", asset: "BTC", ts: T0 + seq, index } } });

/** A bus that delivers a fixed list (with repeats, as a redelivering stream would), then nothing. */
class ScriptedBus implements MarketBus {
  constructor(private readonly script: readonly MarketMessage[]) {}
  async publish(): Promise<never> { throw new Error("not used"); }
  async consume(_name: string, _after: number, handle: (m: MarketMessage) => Promise<void>): Promise<BusConsumer> {
    for (const m of this.script) await handle(m);
    return { stop: async () => undefined };
  }
  announce(): void {}
  onAnnounce(): () => void { return () => undefined; }
  async close(): Promise<void> {}
}

async function tickSeqs(engine: Engine): Promise<(number | undefined)[]> {
  return (await engine.store.readEvents(1, 1000)).map((e) => e.event as { type: string; marketSeq?: number }).filter((e) => e.type === "tick").map((e) => e.marketSeq);
}

describe("idempotent apply of the market stream", () => {
  it("applies each stream seq once whatever the redeliveries, and keeps the last one across a restart from the log alone", async () => {
    const store = await openSqliteStore(":memory:", { sync: "normal" });
    const engine = await Engine.open(store, { snapshotEvery: 1e9 });
    expect((await engine.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
    const script = [msg(1, 91000), msg(2, 90000), msg(2, 90000), msg(1, 91000), msg(3, 89000), msg(3, 89000), msg(5, 88000), msg(4, 95000)];
    const w = new ScaleOutWorker(engine, { partition: { index: 0, count: 1 }, bus: new ScriptedBus(script), publisher: false, announceMs: 0, clock: () => 0 });
    await w.start();
    await engine.idle();
    expect(await tickSeqs(engine), `script ${script.map((m) => m.seq).join(",")}`).toEqual([1, 2, 3, 5]);
    expect(w.counters).toMatchObject({ applied: 4, duplicates: 4 });
    expect([engine.state.marketSeq, engine.state.market?.assets.BTC.index]).toEqual([5, 88000]);
    // The engine itself refuses a stream seq it already applied (a second line of defence; the same check on replay).
    const again = await engine.submit({ type: "tick", asset: "BTC", ts: T0 + 9, index: 1, marketSeq: 5 });
    expect(again).toMatchObject({ ok: false, status: 409 });
    const reopened = await Engine.open(store, { snapshotEvery: 1e9 });
    expect(reopened.state.marketSeq).toBe(5);
    await store.close();
  });

  it("snapshots keep the market seq; old snapshots without it read as 0", () => {
    const s = emptyState();
    applyEvent(s, { type: "market", snapshot: MARKET }, 1);
    applyEvent(s, { type: "tick", asset: "BTC", ts: T0 + 1, index: 90000, marketSeq: 42 }, 2);
    expect(deserializeState(serializeState(s)).marketSeq).toBe(42);
    const old = JSON.parse(serializeState(s)) as Record<string, unknown>;
    delete old.marketSeq;
    expect(deserializeState(JSON.stringify(old)).marketSeq).toBe(0);
  });
});
