/**
 * The kernel on both cores (issue 10 item 2), standalone: N `worker_threads`, each owning a contiguous shard of
 * accounts (its own position store), all reading the instrument matrices the main thread fills on
 * `SharedArrayBuffer`s, all writing into shared result arrays at the accounts' global indices. A tick: the main
 * thread copies the moved instruments' rows from its RiskContext (`refresh`), then `remargin(moved)` posts
 * "re-margin X" to every worker and resolves when all have answered; results are then in account order in
 * `results`. An account's figures do not depend on which worker computed them (same code, same inputs, same
 * order of operations), so N = 1 and N = 2 give identical bits, and the event log, not the threads, decides
 * state.
 *
 * Worker entry: kernelShardWorker.js next to this module (the built `dist/src/engine/`). Running from the
 * TypeScript sources (vitest), there is no .js beside this file: pass `workerUrl` (the test compiles the worker
 * with tsc into a temporary directory), or build `dist/` and the default falls back to
 * `dist/src/engine/kernelShardWorker.js`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { kernelServes, registerSpec } from "../margin/kernel/kernel.js";
import { KernelMarket, sharedAllocate } from "../margin/kernel/matrix.js";
import type { KernelAccountSpec } from "../margin/kernel/positionStore.js";
import { KernelRegistry } from "../margin/kernel/registry.js";
import { KernelResults } from "../margin/kernel/results.js";
import type { MarginParams } from "../margin/params.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { KernelBackend } from "./kernelBackend.js";
import type { FromWorker, ShardData, ToWorker } from "./kernelShardMessages.js";

export interface ShardOptions {
  /** Worker threads (default 2). */
  readonly workers?: number;
  /** Result entries to allocate (≥ the initial accounts; accounts added later go to the last shard). Default 2 × initial. */
  readonly capacity?: number;
  /** The compiled worker entry (see the module comment). */
  readonly workerUrl?: URL;
}

/** Where the compiled worker is: beside this module, or under dist/ when running from the sources. */
export function defaultWorkerUrl(): URL {
  const here = new URL("./kernelShardWorker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = fileURLToPath(here).replace(/\/src\/engine\/kernelShardWorker\.js$/, "/dist/src/engine/kernelShardWorker.js");
  if (existsSync(dist)) return pathToFileURL(dist);
  throw new Error(`kernel shard worker not found at ${fileURLToPath(here)} or ${dist}: build dist/ (npm run build) or pass workerUrl`);
}

/** The accounts to start with: account i = specs[i], or specs made one at a time (a large book need not exist at once). */
export type ShardAccounts = readonly KernelAccountSpec[] | { readonly count: number; spec(a: number): KernelAccountSpec };

/** Accounts per "accounts" message while starting; every `SETTLE_BATCHES` batches the workers are waited for. */
const BATCH = 1000;
const SETTLE_BATCHES = 16;

interface Shard {
  readonly worker: Worker;
  readonly start: number;
  /** One past its last account index (the last shard's grows as accounts are added). */
  end: number;
}

export class KernelShards {
  readonly reg: KernelRegistry;
  readonly market: KernelMarket;
  /** Shared results at global account indices (replaced, contents kept, when the capacity grows). */
  results: KernelResults;
  private readonly sync: Int32Array;
  private readonly shards: Shard[] = [];
  private sentAssets = 0;
  private sentInstruments = 0;
  private sentGeneration = -1;
  private seq = 0;
  private pending: { seq: number; replies: FromWorker[]; left: number; resolve: (r: FromWorker[]) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(readonly params: MarginParams, capacity: number, workers: number) {
    if (!kernelServes(params, "USD")) throw new Error(`KernelShards: the kernel does not serve the parameters "${params.name}"`);
    this.reg = new KernelRegistry(params);
    this.market = new KernelMarket(this.reg, sharedAllocate);
    this.results = new KernelResults(capacity, sharedAllocate);
    this.sync = new Int32Array(new SharedArrayBuffer(4 * (1 + workers)));
  }

  /** Start `workers` threads over the accounts (account i = the i-th spec), split into contiguous shards. */
  static async start(params: MarginParams, accounts: ShardAccounts, opts: ShardOptions = {}): Promise<KernelShards> {
    const count = "count" in accounts ? accounts.count : accounts.length;
    const specOf = "count" in accounts ? (a: number) => accounts.spec(a) : (a: number) => accounts[a];
    const n = Math.max(1, opts.workers ?? 2);
    const capacity = Math.max(opts.capacity ?? 2 * count, count, 1);
    const ks = new KernelShards(params, capacity, n);
    const url = opts.workerUrl ?? defaultWorkerUrl();
    for (let w = 0; w < n; w++) {
      const start = Math.floor((w * count) / n), end = Math.floor(((w + 1) * count) / n);
      const data: ShardData = { params, worker: w, offset: start, length: (w === n - 1 ? capacity : end) - start, results: ks.results.buffers(), sync: ks.sync.buffer as SharedArrayBuffer };
      const worker = new Worker(url, { workerData: data });
      worker.on("message", (m: FromWorker) => ks.onMessage(m));
      worker.on("error", (e) => ks.fail(e));
      ks.shards.push({ worker, start, end });
    }
    let batches = 0;
    for (const sh of ks.shards) {
      for (let from = sh.start; from < sh.end; from += BATCH) {
        const items: { a: number; spec: KernelAccountSpec }[] = [];
        for (let a = from; a < Math.min(sh.end, from + BATCH); a++) { const spec = specOf(a); registerSpec(ks.reg, spec); items.push({ a, spec }); }
        ks.flushRegistry();
        ks.post(sh, { type: "accounts", items });
        if (++batches % SETTLE_BATCHES === 0) await ks.request((seq) => ({ type: "stats", seq }));
      }
    }
    return ks;
  }

  /** Typed-array bytes of every worker's position store, and the accounts they hold. */
  async stats(): Promise<{ storeBytes: number; accounts: number }> {
    const replies = await this.request((seq) => ({ type: "stats", seq }));
    let storeBytes = 0, accounts = 0;
    for (const r of replies) if (r.type === "done") { storeBytes += r.bytes ?? 0; accounts += r.count; }
    return { storeBytes, accounts };
  }

  /** Number of accounts. */
  get count(): number {
    return this.shards[this.shards.length - 1].end;
  }

  /** Rebuild account `a` (an existing index, or the next one: it joins the last shard; the capacity grows as needed). */
  setAccount(a: number, spec: KernelAccountSpec): void {
    const last = this.shards[this.shards.length - 1];
    if (a > last.end) throw new Error(`KernelShards: account ${a} is beyond the next index ${last.end}`);
    if (a >= this.results.cap) this.grow(a + 1);
    if (a === last.end) last.end++;
    registerSpec(this.reg, spec);
    this.flushRegistry();
    const sh = this.shards.find((s) => a >= s.start && a < s.end)!;
    this.post(sh, { type: "accounts", items: [{ a, spec }] });
  }

  /**
   * Room for `n` accounts: new shared result buffers (twice the capacity at least, contents copied), and every
   * worker re-views its range of them (the last shard's range reaches the new capacity). Messages are processed in
   * order, so a later "accounts" or "remargin" message sees the new buffers.
   */
  private grow(n: number): void {
    const old = this.results, cap = Math.max(n, 2 * old.cap);
    const next = new KernelResults(cap, sharedAllocate);
    next.equity.set(old.equity); next.adjusted.set(old.adjusted); next.im.set(old.im); next.mm.set(old.mm); next.upnl.set(old.upnl); next.status.set(old.status);
    this.results = next;
    this.shards.forEach((sh, w) => this.post(sh, { type: "results", results: next.buffers(), length: (w === this.shards.length - 1 ? cap : sh.end) - sh.start }));
  }

  /** This kernel as a `KernelMargins` backend (re-margins are promises: the workers answer). */
  backend(): KernelBackend {
    const self = this;
    return {
      reg: this.reg, market: this.market, get results() { return self.results; },
      setAccount: (i, spec) => this.setAccount(i, spec),
      refresh: (ctx, moved) => this.refresh(ctx, moved),
      remargin: (moved) => this.remargin(moved.includes("*") ? null : moved),
      close: () => this.close(),
      threads: this.shards.length,
    };
  }

  /** Copy rows from `ctx` for the instruments depending on the moved assets (null: all) and rows never filled. */
  refresh(ctx: RiskContext, moved: readonly string[] | null): void {
    const ids: number[] = [];
    if (moved !== null) for (const c of moved) { const id = this.reg.assetId(c); if (id !== undefined) ids.push(id); }
    this.market.refresh(ctx, moved === null ? null : ids);
  }

  /** Re-margin on every worker: accounts depending on `moved` (null: all). Resolves with the number re-margined. */
  async remargin(moved: readonly string[] | null): Promise<number> {
    if (this.market.filledUpTo < this.reg.instrumentCount) throw new Error("KernelShards: call refresh(ctx, moved) after new instruments were registered");
    this.flushBuffers();
    const replies = await this.request((seq) => ({ type: "remargin", seq, moved }), true);
    let n = 0;
    this.lastWorkerMs.length = 0;
    for (const r of replies) if (r.type === "done") { n += r.count; this.lastWorkerMs.push(r.ms ?? NaN); }
    return n;
  }

  /** Post a request to every worker and wait for all replies (`publish`: the main thread's sequence is stored first). */
  private request(make: (seq: number) => ToWorker, publish = false): Promise<FromWorker[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error("KernelShards: a request is already running"));
    const seq = ++this.seq;
    if (publish) Atomics.store(this.sync, 0, seq);
    return new Promise((resolve, reject) => {
      this.pending = { seq, replies: [], left: this.shards.length, resolve, reject };
      const m = make(seq);
      for (const sh of this.shards) this.post(sh, m);
    });
  }

  /** Stop the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  private closed = false;
  /** Each worker's own time (ms) for the last re-margin, in reply order (diagnostics: parallel when the tick ≈ the slowest). */
  readonly lastWorkerMs: number[] = [];

  private onMessage(m: FromWorker): void {
    const p = this.pending;
    if (m.type === "error") { this.fail(new Error(`kernel shard worker: ${m.message}`)); return; }
    if (!p || m.seq !== p.seq) return;
    p.replies.push(m);
    if (--p.left > 0) return;
    // A re-margin's results are visible once each worker's published sequence is read (Atomics).
    for (let w = 0; w < this.shards.length; w++) Atomics.load(this.sync, 1 + w);
    this.pending = undefined;
    p.resolve(p.replies);
  }

  private fail(e: Error): void {
    this.failure = e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private post(sh: Shard, m: ToWorker): void {
    sh.worker.postMessage(m);
  }

  private flushRegistry(): void {
    const reg = this.reg;
    if (reg.assetCount === this.sentAssets && reg.instrumentCount === this.sentInstruments) return;
    const m: ToWorker = {
      type: "registry", assets: reg.assetLog.slice(this.sentAssets), instruments: reg.instrumentLog.slice(this.sentInstruments),
      assetTotal: reg.assetCount, instrumentTotal: reg.instrumentCount,
    };
    for (const sh of this.shards) this.post(sh, m);
    this.sentAssets = reg.assetCount;
    this.sentInstruments = reg.instrumentCount;
  }

  private flushBuffers(): void {
    const mk = this.market;
    if (mk.generation === this.sentGeneration) return;
    const matrices: { asset: number; buffer: ArrayBufferLike; cap: number }[] = [];
    for (let a = 0; a < mk.data.length; a++) if (mk.data[a]) matrices.push({ asset: a, buffer: mk.data[a].buffer, cap: mk.capRows[a] });
    for (const sh of this.shards) this.post(sh, { type: "buffers", matrices, index: mk.index.buffer });
    this.sentGeneration = mk.generation;
  }
}
