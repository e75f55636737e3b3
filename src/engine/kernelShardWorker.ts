/**
 * Worker thread of `KernelShards` (kernelShards.ts): owns a contiguous shard of accounts in its own position
 * store, reads the instrument matrices the main thread writes on `SharedArrayBuffer`s, and writes its accounts'
 * results into the shared result arrays at their global indices. Messages are processed in order; a re-margin
 * reads the main thread's sequence number with `Atomics.load` before touching the matrices (so every row written
 * before that store is visible) and publishes its own with `Atomics.store` after writing results.
 */
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { MarginKernel } from "../margin/kernel/kernel.js";
import { KernelMarket } from "../margin/kernel/matrix.js";
import { KernelRegistry } from "../margin/kernel/registry.js";
import { KernelResults } from "../margin/kernel/results.js";
import type { MarginParams } from "../margin/params.js";
import type { ShardData, ToWorker } from "./kernelShardMessages.js";

const data = workerData as ShardData;
const port = parentPort;
if (!port) throw new Error("kernelShardWorker must run in a worker thread");

const params: MarginParams = data.params;
const registry = new KernelRegistry(params);
const market = new KernelMarket(registry);
const results = KernelResults.view(data.results, data.offset, data.length);
const kernel = new MarginKernel(params, { registry, market, results });
const sync = new Int32Array(data.sync);

function handle(m: ToWorker): void {
  switch (m.type) {
    case "registry":
      for (const a of m.assets) registry.asset(a);
      for (const n of m.instruments) registry.instrument(n);
      if (registry.assetCount !== m.assetTotal || registry.instrumentCount !== m.instrumentTotal) throw new Error("registry out of step with the main thread");
      return;
    case "buffers":
      for (const x of m.matrices) market.attach(x.asset, x.buffer, x.cap);
      market.attachIndex(m.index);
      return;
    case "results": {
      const v = KernelResults.view(m.results, data.offset, m.length);
      results.equity = v.equity; results.adjusted = v.adjusted; results.im = v.im; results.mm = v.mm; results.upnl = v.upnl; results.status = v.status;
      results.cap = v.cap;
      return;
    }
    case "accounts":
      for (const x of m.items) kernel.setAccount(x.a - data.offset, x.spec);
      return;
    case "stats":
      port!.postMessage({ type: "done", seq: m.seq, count: kernel.count, bytes: kernel.store.bytes() });
      return;
    case "remargin": {
      if (Atomics.load(sync, 0) < m.seq) throw new Error("matrices older than the re-margin request");
      const t0 = performance.now();
      const n = m.moved === null ? (kernel.remarginAll(), kernel.count) : kernel.remarginAssets(m.moved);
      const ms = performance.now() - t0;
      Atomics.store(sync, 1 + data.worker, m.seq);
      port!.postMessage({ type: "done", seq: m.seq, count: n, ms });
      return;
    }
  }
}

port.on("message", (m: ToWorker) => {
  try {
    handle(m);
  } catch (e) {
    port.postMessage({ type: "error", message: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
