/**
 * In-process market bus: the MarketBus contract (src/engine/marketBus.ts) in memory, for a single process
 * (several services started in one process share one instance, as the scale-out tests do). Messages and
 * consumer positions live as long as the object; bodies are JSON-copied on publish, as a wire would.
 */
import type { BusConsumer, MarketBus, MarketMessage, PublishAck } from "../../engine/marketBus.js";

/** Delay before a message whose handler threw is delivered again (ms). */
const REDELIVER_MS = 20;

export class InprocBus implements MarketBus {
  private readonly messages: MarketMessage[] = [];
  private readonly byMsgId = new Map<string, number>();
  /** Consumer name → sequence of its last acknowledged message. */
  private readonly ackFloor = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<(index: number, summary: unknown) => void>();
  private closed = false;

  async publish(subject: string, body: unknown, msgId: string): Promise<PublishAck> {
    if (this.closed) throw new Error("bus closed");
    const seen = this.byMsgId.get(msgId);
    if (seen !== undefined) return { seq: seen, duplicate: true };
    const seq = this.messages.length + 1;
    this.messages.push({ seq, subject, body: JSON.parse(JSON.stringify(body)) as unknown });
    this.byMsgId.set(msgId, seq);
    for (const w of [...this.waiters]) w();
    return { seq, duplicate: false };
  }

  async consume(name: string, startAfter: number, handle: (m: MarketMessage) => Promise<void>): Promise<BusConsumer> {
    const floor = this.ackFloor.get(name);
    if (floor === undefined || floor > startAfter) this.ackFloor.set(name, startAfter);
    let stopped = false;
    let wakeStop: (() => void) | undefined;
    const sleep = (ms?: number) => new Promise<void>((res) => {
      const done = () => { this.waiters.delete(done); clearTimeout(t); wakeStop = undefined; res(); };
      const t = ms === undefined ? undefined : setTimeout(done, ms);
      wakeStop = done;
      if (ms === undefined) this.waiters.add(done);
    });
    const loop = (async () => {
      while (!stopped && !this.closed) {
        const next = this.messages[this.ackFloor.get(name) ?? 0];
        if (!next) { await sleep(); continue; }
        try {
          await handle(next);
          this.ackFloor.set(name, next.seq);
        } catch {
          if (!stopped) await sleep(REDELIVER_MS);
        }
      }
    })();
    return {
      stop: async () => { stopped = true; wakeStop?.(); await loop; },
    };
  }

  announce(index: number, summary: unknown): void {
    const copy = JSON.parse(JSON.stringify(summary)) as unknown;
    setImmediate(() => { for (const l of this.listeners) l(index, copy); });
  }

  onAnnounce(listen: (index: number, summary: unknown) => void): () => void {
    this.listeners.add(listen);
    return () => { this.listeners.delete(listen); };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.waiters]) w();
    this.listeners.clear();
  }
}
