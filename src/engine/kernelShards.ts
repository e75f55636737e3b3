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

interface Shard {
  readonly worker: Worker;
  readonly start: number;
  /** One past its last account index (the last shard's grows as accounts are added). */
  end: number;
}

export class KernelShards {
  readonly reg: KernelRegistry;
  readonly market: KernelMarket;
  readonly results: KernelResults;
  private readonly sync: Int32Array;
  private readonly shards: Shard[] = [];
  private sentAssets = 0;
  private sentInstruments = 0;
  private sentGeneration = -1;
  private seq = 0;
  private pending: { seq: number; left: number; count: number; resolve: (n: number) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(readonly params: MarginParams, capacity: number, workers: number) {
    if (!kernelServes(params, "USD")) throw new Error(`KernelShards: the kernel does not serve the parameters "${params.name}"`);
    this.reg = new KernelRegistry(params);
    this.market = new KernelMarket(this.reg, sharedAllocate);
    this.results = new KernelResults(capacity, sharedAllocate);
    this.sync = new Int32Array(new SharedArrayBuffer(4 * (1 + workers)));
  }

  /** Start `workers` threads over the accounts `specs` (account i = specs[i]), split into contiguous shards. */
  static async start(params: MarginParams, specs: readonly KernelAccountSpec[], opts: ShardOptions = {}): Promise<KernelShards> {
    const n = Math.max(1, opts.workers ?? 2);
    const capacity = Math.max(opts.capacity ?? 2 * specs.length, specs.length, 1);
    const ks = new KernelShards(params, capacity, n);
    const url = opts.workerUrl ?? defaultWorkerUrl();
    for (let w = 0; w < n; w++) {
      const start = Math.floor((w * specs.length) / n), end = Math.floor(((w + 1) * specs.length) / n);
      const data: ShardData = { params, worker: w, offset: start, length: (w === n - 1 ? capacity : end) - start, results: ks.results.buffers(), sync: ks.sync.buffer as SharedArrayBuffer };
      const worker = new Worker(url, { workerData: data });
      worker.on("message", (m: FromWorker) => ks.onMessage(m));
      worker.on("error", (e) => ks.fail(e));
      ks.shards.push({ worker, start, end });
    }
    for (const s of specs) registerSpec(ks.reg, s);
    ks.flushRegistry();
    for (const sh of ks.shards) ks.post(sh, { type: "accounts", items: specs.slice(sh.start, sh.end).map((spec, i) => ({ a: sh.start + i, spec })) });
    return ks;
  }

  /** Number of accounts. */
  get count(): number {
    return this.shards[this.shards.length - 1].end;
  }

  /** Rebuild account `a` (an existing index, or the next one: it joins the last shard). */
  setAccount(a: number, spec: KernelAccountSpec): void {
    const last = this.shards[this.shards.length - 1];
    if (a > last.end || a >= this.results.cap) throw new Error(`KernelShards: account ${a} is beyond the next index ${last.end} or the capacity ${this.results.cap}`);
    if (a === last.end) last.end++;
    registerSpec(this.reg, spec);
    this.flushRegistry();
    const sh = this.shards.find((s) => a >= s.start && a < s.end)!;
    this.post(sh, { type: "accounts", items: [{ a, spec }] });
  }

  /** Copy rows from `ctx` for the instruments depending on the moved assets (null: all) and rows never filled. */
  refresh(ctx: RiskContext, moved: readonly string[] | null): void {
    const ids: number[] = [];
    if (moved !== null) for (const c of moved) { const id = this.reg.assetId(c); if (id !== undefined) ids.push(id); }
    this.market.refresh(ctx, moved === null ? null : ids);
  }

  /** Re-margin on every worker: accounts depending on `moved` (null: all). Resolves with the number re-margined. */
  remargin(moved: readonly string[] | null): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error("KernelShards: a re-margin is already running"));
    if (this.market.filledUpTo < this.reg.instrumentCount) return Promise.reject(new Error("KernelShards: call refresh(ctx, moved) after new instruments were registered"));
    this.flushBuffers();
    const seq = ++this.seq;
    Atomics.store(this.sync, 0, seq);
    return new Promise((resolve, reject) => {
      this.pending = { seq, left: this.shards.length, count: 0, resolve, reject };
      for (const sh of this.shards) this.post(sh, { type: "remargin", seq, moved });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending;
    if (m.type === "error") { this.fail(new Error(`kernel shard worker: ${m.message}`)); return; }
    if (!p || m.seq !== p.seq) return;
    p.count += m.count;
    if (--p.left > 0) return;
    for (let w = 0; w < this.shards.length; w++) if (Atomics.load(this.sync, 1 + w) !== p.seq) { this.fail(new Error("worker results not published")); return; }
    this.pending = undefined;
    p.resolve(p.count);
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
