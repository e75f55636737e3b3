/**
 * Conformance suite of the MarketBus interface (src/engine/marketBus.ts). Every implementation runs it
 * unchanged: busConformance("inproc", async () => ({ bus: new InprocBus() })). Each fixture is a fresh,
 * empty stream.
 */
import { describe, expect, it } from "vitest";
import type { MarketBus, MarketMessage } from "../../src/engine/marketBus.js";

export interface BusFixture {
  readonly bus: MarketBus;
  readonly cleanup?: () => Promise<void>;
}

/** Poll `f` until it returns true (or fail after `ms`, printing `what`). */
export async function until(f: () => boolean, what: () => string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function busConformance(name: string, factory: () => Promise<BusFixture>, skip = false): void {
  const withBus = (f: (bus: MarketBus) => Promise<void>) => async () => {
    const fx = await factory();
    try { await f(fx.bus); } finally { await fx.bus.close().catch(() => undefined); await fx.cleanup?.(); }
  };
  const seqs = (ms: readonly MarketMessage[]) => ms.map((m) => m.seq);

  describe.skipIf(skip)(`MarketBus conformance: ${name}`, () => {
    it("publish assigns consecutive sequences; a repeated message id is stored once", withBus(async (bus) => {
      expect(await bus.publish("tick.BTC", { n: 1 }, "a")).toEqual({ seq: 1, duplicate: false });
      expect(await bus.publish("tick.ETH", { n: 2 }, "b")).toEqual({ seq: 2, duplicate: false });
      expect(await bus.publish("tick.BTC", { n: 1 }, "a")).toEqual({ seq: 1, duplicate: true });
      expect(await bus.publish("funding", { n: 3 }, "c")).toEqual({ seq: 3, duplicate: false });
      const got: MarketMessage[] = [];
      const c = await bus.consume("all", 0, async (m) => { got.push(m); });
      await until(() => got.length >= 3, () => JSON.stringify(got));
      await c.stop();
      expect(got).toEqual([{ seq: 1, subject: "tick.BTC", body: { n: 1 } }, { seq: 2, subject: "tick.ETH", body: { n: 2 } }, { seq: 3, subject: "funding", body: { n: 3 } }]);
    }));

    it("delivers stored and live messages in order, one at a time", withBus(async (bus) => {
      for (let i = 1; i <= 5; i++) await bus.publish(`tick.A${i % 2}`, { i }, `m${i}`);
      const got: number[] = [];
      let inFlight = 0, maxInFlight = 0;
      const c = await bus.consume("w", 0, async (m) => {
        inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        got.push((m.body as { i: number }).i);
        inFlight--;
      });
      for (let i = 6; i <= 10; i++) await bus.publish(`tick.A${i % 2}`, { i }, `m${i}`);
      await until(() => got.length >= 10, () => `10 messages, got ${got.join(",")}`);
      await c.stop();
      expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(maxInFlight).toBe(1);
    }));

    it("starts a new consumer after startAfter", withBus(async (bus) => {
      for (let i = 1; i <= 4; i++) await bus.publish("tick.X", { i }, `m${i}`);
      const got: MarketMessage[] = [];
      const c = await bus.consume("late", 2, async (m) => { got.push(m); });
      await until(() => got.length >= 2, () => `seqs 3,4, got ${seqs(got).join(",")}`);
      await new Promise((r) => setTimeout(r, 50));
      await c.stop();
      expect(seqs(got)).toEqual([3, 4]);
    }));

    it("a stopped durable consumer resumes after its last acknowledged message; redelivers from its ack floor when behind startAfter; restarts after startAfter when ahead", withBus(async (bus) => {
      for (let i = 1; i <= 3; i++) await bus.publish("tick.X", { i }, `m${i}`);
      const first: number[] = [];
      const c1 = await bus.consume("dur", 0, async (m) => { first.push(m.seq); });
      await until(() => first.length >= 3, () => `3, got ${first.join(",")}`);
      await c1.stop();
      for (let i = 4; i <= 6; i++) await bus.publish("tick.X", { i }, `m${i}`);
      // Behind: acknowledged 3, the worker says it applied 5: 4 and 5 come again (the worker skips them).
      const second: number[] = [];
      const c2 = await bus.consume("dur", 5, async (m) => { second.push(m.seq); });
      await until(() => second.length >= 3, () => `4,5,6, got ${second.join(",")}`);
      await c2.stop();
      expect(second).toEqual([4, 5, 6]);
      // Ahead: acknowledged 6, the worker says it applied 1 (its state was restored from an older backup).
      const third: number[] = [];
      const c3 = await bus.consume("dur", 1, async (m) => { third.push(m.seq); });
      await until(() => third.length >= 5, () => `2..6, got ${third.join(",")}`);
      await c3.stop();
      expect(third).toEqual([2, 3, 4, 5, 6]);
    }));

    it("a handler that throws gets the same message again, and order holds (at-least-once)", withBus(async (bus) => {
      for (let i = 1; i <= 3; i++) await bus.publish("tick.X", { i }, `m${i}`);
      const attempts: number[] = [];
      let failures = 2;
      const c = await bus.consume("retry", 0, async (m) => {
        attempts.push(m.seq);
        if (m.seq === 2 && failures-- > 0) throw new Error("transient");
      });
      await until(() => attempts.length >= 5, () => `5 attempts, got ${attempts.join(",")}`);
      await c.stop();
      expect(attempts).toEqual([1, 2, 2, 2, 3]);
    }));

    it("stop waits for the message in hand, and that message is not delivered again", withBus(async (bus) => {
      await bus.publish("tick.X", { i: 1 }, "m1");
      let release: (() => void) | undefined;
      let done = false;
      const c = await bus.consume("slow", 0, async () => { await new Promise<void>((r) => { release = r; }); done = true; });
      await until(() => release !== undefined, () => "the handler to start");
      const stopping = c.stop();
      await new Promise((r) => setTimeout(r, 30));
      expect(done).toBe(false);
      release?.();
      await stopping;
      expect(done).toBe(true);
      await bus.publish("tick.X", { i: 2 }, "m2");
      const again: number[] = [];
      const c2 = await bus.consume("slow", 1, async (m) => { again.push(m.seq); });
      await until(() => again.length >= 1, () => "seq 2");
      await c2.stop();
      expect(again).toEqual([2]);
    }));

    it("consumers with different names are independent", withBus(async (bus) => {
      for (let i = 1; i <= 3; i++) await bus.publish("tick.X", { i }, `m${i}`);
      const a: number[] = [], b: number[] = [];
      const ca = await bus.consume("a", 0, async (m) => { a.push(m.seq); });
      const cb = await bus.consume("b", 1, async (m) => { b.push(m.seq); });
      await until(() => a.length >= 3 && b.length >= 2, () => `a=${a.join(",")} b=${b.join(",")}`);
      await ca.stop(); await cb.stop();
      expect([a, b]).toEqual([[1, 2, 3], [2, 3]]);
    }));

    it("announcements reach every listener with their partition index, until unlistened", withBus(async (bus) => {
      const heard: [number, unknown][] = [];
      const off = bus.onAnnounce((i, s) => heard.push([i, s]));
      await new Promise((r) => setTimeout(r, 50));
      bus.announce(0, { accounts: 3 });
      bus.announce(7, { accounts: 4 });
      await until(() => heard.length >= 2, () => JSON.stringify(heard));
      off();
      await new Promise((r) => setTimeout(r, 50));
      bus.announce(1, { accounts: 5 });
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toEqual([[0, { accounts: 3 }], [7, { accounts: 4 }]]);
    }));
  });
}
