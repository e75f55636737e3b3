/**
 * The service: store + engine + oracle ingest + HTTP/WebSocket server, started together and closed in
 * order. Used by `dpm serve` and by the integration tests (port 0 picks a free port).
 */
import type { FastifyInstance } from "fastify";
import { Engine, type EngineProblem } from "../../engine/engine.js";
import type { BandOptions } from "../../engine/priceBands.js";
import { MarketIngest, type WrappedAssetConfig } from "../../engine/ingest.js";
import type { LiquidationConfig } from "../../engine/liquidation.js";
import type { Store } from "../../engine/store.js";
import type { MarketFeed } from "../../market/oracle/types.js";
import type { MarketBus } from "../../engine/marketBus.js";
import type { Partition } from "../../engine/partition.js";
import { InprocBus } from "../bus-inproc/inprocBus.js";
import { NatsBus } from "../bus-nats/natsBus.js";
import { openStore } from "../storeFactory.js";
import { ScaleOutWorker } from "./scaleout.js";
import { KeyRing } from "./keys.js";
import { OperatorLog, stderrSink, type LogSink } from "./log.js";
import { Metrics } from "./metrics.js";
import { buildServer, type ServerOptions } from "./server.js";
import type { StreamHub } from "./stream.js";
import type { BookStatus } from "../bookLoader.js";
import { AdaptiveScheduler, type AdaptiveConfig } from "../adaptive/scheduler.js";

export interface ServiceOptions extends ServerOptions {
  /** SQLite file (`:memory:` for a throwaway store). */
  readonly db: string;
  readonly port?: number;
  readonly host?: string;
  readonly sync?: "full" | "normal";
  readonly snapshotEvery?: number;
  /** Admin key (else DPM_ADMIN_KEY is not consulted here; the CLI passes it). */
  readonly adminKey?: string;
  /** Initial market snapshot (raw JSON), submitted when the log is empty. */
  readonly initialMarket?: unknown;
  /** Wrapped collateral assets valued by redemption (see margin/wrappedCollateral.ts). */
  readonly wrapped?: Readonly<Record<string, WrappedAssetConfig>>;
  /** Wall clock (ms) for rate limiting and append times. */
  readonly clock?: () => number;
  /** Liquidation by the engine (planner options; default on with the planner's defaults and default cost model). */
  readonly liquidation?: LiquidationConfig;
  /** No operator log lines (`dpm serve --quiet`). */
  readonly quiet?: boolean;
  /** Where operator log lines go (default: stderr). */
  readonly logSink?: LogSink;
  /** Feed ticks refused in a row for one asset before a log line (then at 10×, 100×, ...); default 20. */
  readonly feedRejectThreshold?: number;
  /** Run as one worker of a partitioned fleet (docs/scale-out.md); absent: a single process, no market stream. */
  readonly scaleOut?: ScaleOutServiceOptions;
  /** State-dependent price bands (`--price-band`, `--max-index-move`); default 2× and 50 %. */
  readonly bands?: Partial<BandOptions>;
  /** A book will be loaded after the start (`--book`): `/healthz` says `bookLoaded: false` until `loadBook` sets it. */
  readonly book?: boolean;
  /** Adaptive parameters (`--adaptive propose|auto`, docs/adaptive.md); not with scale-out. */
  readonly adaptive?: AdaptiveConfig;
  /** Margin kernel threads (`dpm serve --workers`; engineMargins.ts): 1 in process, N worker threads, "auto" (default) by book size. */
  readonly workers?: number | "auto";
}

/** Scale-out worker options (`dpm serve --nats URL --partition I/N [--publish-market]`). */
export interface ScaleOutServiceOptions {
  readonly partition: Partition;
  /** NATS server URL; the market stream is then JetStream. Without it (and without `bus`), an in-process bus. */
  readonly nats?: string;
  /** A bus to use instead (not closed by the service; tests share one InprocBus between workers). */
  readonly bus?: MarketBus;
  /** JetStream stream name (default DPM_MARKET) and subject prefix (default dpm). */
  readonly stream?: string;
  readonly prefix?: string;
  /** Durable consumer name (default `dpm-worker-<index>`). */
  readonly consumer?: string;
  /** This worker runs the feed and accepts market writes, publishing them to the stream. */
  readonly publishMarket?: boolean;
  /** Fleet summary broadcast interval (ms, default 1000). */
  readonly announceMs?: number;
}

async function startWorker(engine: Engine, ingest: MarketIngest, o: ScaleOutServiceOptions, clock: () => number): Promise<{ worker: ScaleOutWorker; ownBus: MarketBus | undefined }> {
  const ownBus = o.bus ? undefined : o.nats ? await NatsBus.open({ servers: o.nats, ...(o.stream ? { stream: o.stream } : {}), ...(o.prefix ? { prefix: o.prefix } : {}), name: `dpm-worker-${o.partition.index}` }) : new InprocBus();
  const bus = o.bus ?? (ownBus as MarketBus);
  const worker = new ScaleOutWorker(engine, { partition: o.partition, bus, publisher: o.publishMarket ?? false, clock, ...(o.consumer ? { consumer: o.consumer } : {}), ...(o.announceMs !== undefined ? { announceMs: o.announceMs } : {}) });
  ingest.submitTick = o.publishMarket ? (t) => worker.submitMarket(t) : async () => ({ ok: false, status: 409, reason: "this worker does not publish market data (no --publish-market)" });
  try {
    await worker.start();
  } catch (e) {
    await ownBus?.close();
    throw e;
  }
  return { worker, ownBus };
}

export interface Service {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly store: Store;
  readonly ingest: MarketIngest;
  readonly keys: KeyRing;
  readonly hub: StreamHub;
  /** Routes registered (method, fastify URL pattern), HEAD excluded. */
  readonly routes: readonly { method: string; url: string }[];
  /** The admin key when it was generated by this start (print it once), else undefined. */
  readonly generatedAdminKey: string | undefined;
  /** The scale-out worker, when started with `scaleOut`. */
  readonly scaleOut: ScaleOutWorker | undefined;
  /** `/healthz` progress of `--book` (loadBook sets `bookLoaded`). */
  readonly status: BookStatus;
  /** The adaptive-parameter scheduler, when started with `adaptive`. */
  readonly adaptive: AdaptiveScheduler | undefined;
  /** Start a market feed into the oracle. */
  startFeed(feed: MarketFeed): Promise<void>;
  close(): Promise<void>;
}

export async function startService(o: ServiceOptions): Promise<Service> {
  const clock = o.clock ?? Date.now;
  const store = await openStore(o.db, { sync: o.sync ?? "full" });
  const log = new OperatorLog(o.quiet ? undefined : (o.logSink ?? stderrSink), [o.adminKey], clock);
  // Quarantined events (replay) and failures after an event was logged (derived events, snapshots) go to the operator log.
  const onProblem = (p: EngineProblem) => log.write(p.error === "Quarantine" ? "warn" : "error", p.msg, { error: p.error, detail: p.detail, ...(p.seq !== undefined ? { seq: p.seq } : {}) });
  const engine = await Engine.open(store, { snapshotEvery: o.snapshotEvery ?? 1000, clock, onProblem, ...(o.liquidation ? { liquidation: o.liquidation } : {}), ...(o.bands ? { bands: o.bands } : {}), ...(o.workers !== undefined ? { workers: o.workers } : {}) });
  if (!engine.state.market && o.initialMarket !== undefined) {
    const r = await engine.submit({ type: "market", snapshot: o.initialMarket });
    if (!r.ok) throw new Error(`initial market rejected: ${r.reason}`);
  }
  const keys = new KeyRing(store, o.adminKey);
  const generatedAdminKey = await keys.ensureAdmin(clock());
  const ingest = new MarketIngest(engine, o.wrapped ?? {});
  ingest.monitor = { threshold: o.feedRejectThreshold ?? 20, report: (msg, fields) => log.write(fields.error ? "error" : "warn", msg, fields) };
  const metrics = new Metrics();
  if (o.adaptive && o.scaleOut) { await store.close(); throw new Error("adaptive parameters are not available on a scale-out worker (parameters go through the market stream)"); }
  const so = o.scaleOut ? await startWorker(engine, ingest, o.scaleOut, clock).catch(async (e: unknown) => { await store.close(); throw e; }) : undefined;
  const status: BookStatus = o.book ? { bookLoaded: false } : {};
  const adaptive = o.adaptive ? new AdaptiveScheduler(engine, store, o.adaptive, (level, msg, fields) => log.write(level, msg, fields)) : undefined;
  await adaptive?.start(ingest);
  const { app, hub, routes } = await buildServer({ engine, store, keys, ingest, metrics, clock, log, status, ...(so ? { scaleOut: so.worker } : {}), ...(adaptive ? { adaptive } : {}) }, o);
  if (so) app.get("/v1/partition", { config: { access: "any" } }, async () => so.worker.describe());
  const address = await app.listen({ port: o.port ?? 8080, host: o.host ?? "127.0.0.1" });
  const port = Number(new URL(address).port);
  let closed = false;
  return {
    url: `http://${o.host && o.host !== "0.0.0.0" ? o.host : "127.0.0.1"}:${port}`, port, app, engine, store, ingest, keys, hub, routes, generatedAdminKey, scaleOut: so?.worker, status, adaptive,
    startFeed: (feed) => ingest.start(feed),
    async close() {
      if (closed) return;
      closed = true;
      await ingest.stop();
      adaptive?.stop();
      await adaptive?.idle();
      await so?.worker.stop();
      hub.close();
      await app.close();
      await engine.idle();
      await engine.snapshotNow();
      await engine.close();
      await store.close();
      await so?.ownBus?.close();
    },
  };
}
