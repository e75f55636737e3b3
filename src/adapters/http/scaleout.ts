/**
 * A scale-out worker (docs/scale-out.md): this service owns the accounts of one partition and applies the
 * market stream to its engine. Market events (ticks, funding, params) are never applied directly: the
 * publishing worker appends them to the stream and every worker, itself included, applies them from its
 * durable consumer in stream order, stamped with their stream sequence (`marketSeq`, kept in the engine
 * state and log), so a redelivered message (at-least-once) is recognised and skipped.
 */
import { randomUUID } from "node:crypto";
import type { Engine, SubmitResult } from "../../engine/engine.js";
import { parseEvent } from "../../engine/events.js";
import { engineFleet, type FleetSummary } from "../../engine/fleet.js";
import type { BusConsumer, MarketBus, MarketMessage } from "../../engine/marketBus.js";
import { ownerOf, PARTITION_HASH, type Partition } from "../../engine/partition.js";
import type { ScaleOutHooks } from "./server.js";

export interface ScaleOutOptions {
  readonly partition: Partition;
  readonly bus: MarketBus;
  /** Durable consumer name of this worker (default `dpm-worker-<index>`). */
  readonly consumer?: string;
  /** This worker publishes market data (runs the feed, accepts market writes). */
  readonly publisher: boolean;
  /** Fleet summary broadcast interval (ms, default 1000; 0: never). */
  readonly announceMs?: number;
  /** How long a market write waits for this worker to apply it before 503 (ms, default 10,000). */
  readonly applyTimeoutMs?: number;
  readonly clock: () => number;
}

/** A fleet summary as broadcast on `<prefix>.fleet.<index>`. */
export interface FleetAnnouncement {
  readonly index: number;
  readonly count: number;
  readonly publisher: boolean;
  readonly marketSeq: number;
  readonly at: number;
  readonly summary: FleetSummary;
}

const MARKET_TYPES = new Set(["tick", "funding", "params"]);
const KEEP_RESULTS = 1024;
const ACCOUNT_ROUTE = /^\/v1\/accounts\/:id(\/|$)/;
const MARKET_WRITES = new Set(["POST /v1/market/ticks", "POST /v1/oracle/prices", "POST /v1/funding", "PUT /v1/params"]);

export class ScaleOutWorker implements ScaleOutHooks {
  readonly counters = { applied: 0, duplicates: 0, refused: 0, published: 0 };
  private readonly results = new Map<number, SubmitResult>();
  private readonly waiters = new Map<number, (r: SubmitResult) => void>();
  private readonly heard = new Map<number, { receivedAt: number; a: FleetAnnouncement }>();
  private readonly publisherId = randomUUID();
  private pseq = 0;
  private consumer: BusConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(private readonly engine: Engine, private readonly o: ScaleOutOptions) {}

  get partition(): Partition { return this.o.partition; }

  /** Start consuming the market stream (after the last market seq in the engine's state) and announcing. */
  async start(): Promise<void> {
    this.unlisten = this.o.bus.onAnnounce((index, body) => {
      const a = body as FleetAnnouncement;
      if (index !== this.o.partition.index && typeof a === "object" && a !== null) this.heard.set(index, { receivedAt: this.o.clock(), a });
    });
    this.consumer = await this.o.bus.consume(this.o.consumer ?? `dpm-worker-${this.o.partition.index}`, this.engine.state.marketSeq, (m) => this.apply(m));
    const every = this.o.announceMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => this.o.bus.announce(this.o.partition.index, this.announcement()), every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unlisten?.();
    await this.consumer?.stop();
    for (const [seq, w] of this.waiters) w({ ok: false, status: 503, reason: `worker stopped before applying market stream seq ${seq}` });
    this.waiters.clear();
  }

  /** Apply one stream message to the engine (a thrown error means: deliver it again). */
  private async apply(m: MarketMessage): Promise<void> {
    if (m.seq <= this.engine.state.marketSeq) {
      this.counters.duplicates++;
      return;
    }
    const event = (m.body as { event?: unknown } | null)?.event;
    const type = (event as { type?: unknown } | null)?.type;
    let r: SubmitResult;
    if (typeof event !== "object" || event === null || typeof type !== "string" || !MARKET_TYPES.has(type)) {
      r = { ok: false, status: 400, reason: `market stream seq ${m.seq} is not a tick, funding or params event` };
    } else r = await this.engine.submit({ ...event, marketSeq: m.seq });
    if (r.ok) this.counters.applied++;
    else this.counters.refused++;
    this.settle(m.seq, r);
  }

  private settle(seq: number, r: SubmitResult): void {
    this.results.set(seq, r);
    if (this.results.size > KEEP_RESULTS) this.results.delete(this.results.keys().next().value as number);
    this.waiters.get(seq)?.(r);
    this.waiters.delete(seq);
  }

  /** Validate, publish, and wait until this worker applied it (its engine's answer), or 503 after the timeout. */
  async submitMarket(input: unknown): Promise<SubmitResult> {
    const p = parseEvent(input);
    if (!p.ok) return { ok: false, status: 400, reason: "invalid event", issues: p.issues };
    const e = p.value;
    if (e.type !== "tick" && e.type !== "funding" && e.type !== "params") return { ok: false, status: 400, reason: `${e.type} events do not go through the market stream` };
    if (e.marketSeq !== undefined) return { ok: false, status: 400, reason: "invalid event", issues: [{ path: "marketSeq", message: "is set by the market stream, not by clients", value: e.marketSeq }] };
    const subject = e.type === "tick" ? `tick.${e.asset}` : e.type;
    const pseq = ++this.pseq;
    const ack = await this.o.bus.publish(subject, { event: e, publisher: this.publisherId, pseq }, `${this.publisherId}-${pseq}`);
    this.counters.published++;
    return this.applied(ack.seq);
  }

  private applied(seq: number): Promise<SubmitResult> {
    const done = this.results.get(seq);
    if (done) return Promise.resolve(done);
    if (seq <= this.engine.state.marketSeq) return Promise.resolve({ ok: false, status: 409, reason: `market stream seq ${seq} was applied earlier (result no longer kept)` });
    return new Promise((res) => {
      const t = setTimeout(() => { this.waiters.delete(seq); res({ ok: false, status: 503, reason: `published as market stream seq ${seq}, not applied by this worker within ${this.o.applyTimeoutMs ?? 10_000} ms (it will be)` }); }, this.o.applyTimeoutMs ?? 10_000);
      this.waiters.set(seq, (r) => { clearTimeout(t); res(r); });
    });
  }

  /** 421 for another partition's account, or a market write on a worker that does not publish. */
  misdirected(req: { readonly method: string; readonly route: string; readonly params: unknown; readonly body: unknown }): Readonly<Record<string, unknown>> | undefined {
    const { index, count } = this.o.partition;
    let id: unknown;
    if (ACCOUNT_ROUTE.test(req.route)) id = (req.params as Record<string, unknown> | undefined)?.id;
    else if (req.method === "POST" && req.route === "/v1/accounts") id = (req.body as Record<string, unknown> | null | undefined)?.id;
    else if (!this.o.publisher && MARKET_WRITES.has(`${req.method} ${req.route}`)) {
      const pub = [...this.heard.values()].find((h) => h.a.publisher)?.a.index;
      return { error: "market data is published by the worker started with --publish-market (or --feed)", partition: index, ...(pub !== undefined ? { publisher: pub } : {}) };
    }
    if (typeof id !== "string") return undefined;
    const owner = ownerOf(id, count);
    return owner === index ? undefined : { error: `account ${id} belongs to partition ${owner} of ${count}, not ${index}`, partition: index, owner };
  }

  /** `GET /v1/partition`. */
  describe(): { index: number; count: number; hash: string; publisher: boolean; marketSeq: number } {
    return { ...this.o.partition, hash: PARTITION_HASH, publisher: this.o.publisher, marketSeq: this.engine.state.marketSeq };
  }

  private announcement(): FleetAnnouncement {
    const { index, count } = this.o.partition;
    return { index, count, publisher: this.o.publisher, marketSeq: this.engine.state.marketSeq, at: this.o.clock(), summary: engineFleet(this.engine) };
  }

  /** This worker's live summary and the latest one heard from every other partition, with its age. */
  fleetAll(): unknown {
    const now = this.o.clock();
    const mine = this.announcement();
    const parts = [{ ...mine, ageMs: 0 }, ...[...this.heard.values()].map((h) => ({ ...h.a, ageMs: now - h.receivedAt }))].sort((x, y) => x.index - y.index);
    const have = new Set(parts.map((p) => p.index));
    const missing = Array.from({ length: this.o.partition.count }, (_, i) => i).filter((i) => !have.has(i));
    const sum = (f: (s: FleetSummary) => number) => parts.reduce((t, p) => t + f(p.summary), 0);
    return {
      count: this.o.partition.count, missing,
      totals: { accounts: sum((s) => s.accounts), equity: sum((s) => s.totals.equity), initialMargin: sum((s) => s.totals.initialMargin), maintenanceMargin: sum((s) => s.totals.maintenanceMargin) },
      partitions: parts.map((p) => ({ index: p.index, publisher: p.publisher, marketSeq: p.marketSeq, ageMs: p.ageMs, summary: p.summary })),
    };
  }
}
