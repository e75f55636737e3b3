/**
 * Kernel benchmarks (issue 10): the floor loop against the kernel re-margining 10,000 accounts × 20 positions
 * after a BTC tick (p50/p99, max over 1,000 ticks, heap allocated per tick); 100,000 × 20 on two worker threads
 * (p99 per tick, memory per account); the explanation path (one 50-position account with and without
 * contributions, a 20,000-account book) against the implementation it replaced. Every figure beside its
 * baseline from the same run. Runs in a child process started with --expose-gc (a clean heap, and RSS growth
 * that is the kernel's own); `--quick` for development (fewer ticks and accounts).
 *
 * `node dist/bench/kernel.js [--quick]` prints the section; `npm run bench` includes it (bench/run.ts).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { IncrementalRiskContext } from "../src/engine/incrementalContext.js";
import { KernelShards } from "../src/engine/kernelShards.js";
import { instrumentNamed } from "../src/domain/instrument.js";
import type { Portfolio } from "../src/domain/portfolio.js";
import { loadPreset } from "../src/input/presets.js";
import { MarginKernel, type KernelAccountSpec } from "../src/margin/kernel/index.js";
import { portfolioMargin } from "../src/margin/portfolioModel.js";
import { portfolioMargin as portfolioMarginV1 } from "./baseline/portfolioModelV1.js";
import { explainBench, type ExplainFigures } from "./kernelExplain.js";
import { btcAccount, btcTick, Floor, kernelData } from "./kernelData.js";
import { kernelReport } from "./kernelReport.js";
import { mulberry32 } from "./prng.js";
import { must, quantile, TickWindows } from "./stats.js";

const log = (s: string): void => { process.stderr.write(`[bench kernel] ${s}\n`); };
const heap = (): number => getHeapStatistics().used_heap_size;
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };

/** Distribution of per-tick times (ms) and heap growth (bytes) of ticks without a GC. */
export interface Dist { p50: number; p99: number; max: number; n: number }
export interface HeapDist { median: number; max: number; cleanTicks: number; gcTicks: number }

function dist(xs: readonly number[]): Dist {
  return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), n: xs.length };
}

/** GC pauses seen while `f` runs (start, end in performance.now() ms), to tell which ticks a GC fell in. */
async function withGcLog<T>(f: () => Promise<T>): Promise<{ value: T; gcs: [number, number][] }> {
  const gcs: [number, number][] = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]); });
  obs.observe({ entryTypes: ["gc"] });
  const value = await f();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return { value, gcs };
}

function heapDist(windows: readonly [number, number, number][], gcs: readonly [number, number][], probe: number): HeapDist {
  const clean: number[] = [];
  let gcTicks = 0;
  for (const [s, e, bytes] of windows) {
    if (gcs.some(([a, b]) => a < e && b > s) || bytes < 0) gcTicks++;
    else clean.push(Math.max(0, bytes - probe));
  }
  return { median: clean.length > 0 ? quantile(clean, 0.5) : NaN, max: clean.length > 0 ? Math.max(...clean) : NaN, cleanTicks: clean.length, gcTicks };
}

/** Heap growth of two back-to-back readings (what the measurement itself allocates). */
function heapProbe(): number {
  const xs: number[] = [];
  for (let i = 0; i < 200; i++) { const a = heap(); xs.push(heap() - a); }
  return quantile(xs, 0.5);
}

export interface TickFigures {
  accounts: number; ticks: number; floorRuns: number;
  floor: Dist; remargin: Dist; full: Dist; reprice: Dist;
  /** The same, in this process's CPU time (what the code costs, without the time other processes held the cores). */
  cpu: { floor: Dist; remargin: Dist; full: Dist };
  heapRemargin: HeapDist; heapFull: HeapDist; gcPauses: number;
  baselineV1Ms: number; baselineExplainMs: number; storeBytesPerAccount: number; unitsPerAccount: number;
}

function portfolioOf(account: string, s: KernelAccountSpec): Portfolio {
  return {
    account, collateral: s.collateral, openOrders: [],
    positions: s.positions.map((p) => {
      const instrument = instrumentNamed(p.instrument)!;
      return p.entryPrice !== undefined ? { instrument, size: p.size, entryPrice: p.entryPrice } : { instrument, size: p.size };
    }),
  };
}

/** 10,000 × 20 in process: the kernel after each BTC tick, the floor interleaved, heap per tick. */
async function tickBench(quick: boolean): Promise<TickFigures> {
  const N = 10_000, TICKS = quick ? 200 : 1000, FLOOR_RUNS = quick ? 200 : 300, WARM = 30;
  const d = kernelData(), params = loadPreset("deribit");
  const specs = Array.from({ length: N }, (_, a) => btcAccount(d.universe, 1, a));
  const inc = new IncrementalRiskContext(d.market, params);
  const k = new MarginKernel(params);
  specs.forEach((s, a) => k.setAccount(a, s));
  k.refresh(inc.context(), null);
  k.remarginAll();
  const floor = new Floor(d.floorInstruments, specs);
  const rng = mulberry32(99);
  const rnd = () => rng.next();
  const reprice: number[] = [], remargin: number[] = [], full: number[] = [], floorMs: number[] = [];
  const cpuRemargin: number[] = [], cpuFull: number[] = [], cpuFloor: number[] = [];
  const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
  const wRem = new TickWindows(), wFull = new TickWindows();
  const probe = heapProbe();
  const tick = (record: boolean, i: number): void => {
    btcTick(d.market, rnd);
    const c0 = process.cpuUsage(), h0 = heap(), t0 = performance.now();
    inc.invalidate(["BTC"], d.market, params);
    k.refresh(inc.context(), ["BTC"]);
    const t1 = performance.now(), c1 = process.cpuUsage(), h1 = heap();
    k.remarginAssets(["BTC"]);
    const t2 = performance.now(), h2 = heap(), c2 = process.cpuUsage();
    if (!record) return;
    reprice.push(t1 - t0); remargin.push(t2 - t1); full.push(t2 - t0);
    cpuRemargin.push(cpuMs(c2) - cpuMs(c1));
    cpuFull.push(cpuMs(c2) - cpuMs(c0));
    wRem.add(t1, t2, h2 - h1); wFull.add(t0, t2, h2 - h0);
    if (i < FLOOR_RUNS) {
      floor.fill(inc.context());
      const g0 = process.cpuUsage(), f0 = performance.now();
      floor.run();
      floorMs.push(performance.now() - f0);
      cpuFloor.push(cpuMs(process.cpuUsage(g0)));
    }
  };
  for (let i = 0; i < WARM; i++) { tick(false, i); floor.fill(inc.context()); floor.run(); }
  gc();
  log(`ticks: ${N} accounts, ${TICKS} BTC ticks`);
  const { gcs } = await withGcLog(async () => { for (let i = 0; i < TICKS; i++) tick(true, i); });
  // Baselines: the same accounts through the pre-kernel portfolioMargin and the new explanation path (contributions off).
  const ctx = inc.context();
  const pfs = specs.map((s, a) => portfolioOf(`a${a}`, s));
  const pass = (f: typeof portfolioMargin): number => { const t0 = performance.now(); for (const pf of pfs) must(f(ctx, pf, false)); return performance.now() - t0; };
  pass(portfolioMarginV1); pass(portfolioMargin);
  const v1: number[] = [], ex: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) { v1.push(pass(portfolioMarginV1)); ex.push(pass(portfolioMargin)); }
  return {
    accounts: N, ticks: TICKS, floorRuns: floorMs.length, floor: dist(floorMs), remargin: dist(remargin), full: dist(full), reprice: dist(reprice),
    cpu: { floor: dist(cpuFloor), remargin: dist(cpuRemargin), full: dist(cpuFull) },
    heapRemargin: heapDist(wRem.toArray(), gcs, probe), heapFull: heapDist(wFull.toArray(), gcs, probe), gcPauses: gcs.length,
    baselineV1Ms: quantile(v1, 0.5), baselineExplainMs: quantile(ex, 0.5), storeBytesPerAccount: k.store.bytes() / N, unitsPerAccount: k.store.U.used / N,
  };
}

export interface ShardFigures {
  accounts: number; workers: number; ticks: number; startS: number;
  sharded: Dist; single: Dist; singleTicks: number; rssPerAccount: number; storeBytesPerAccount: number; heapMain: HeapDist;
  /** Per tick: the slower worker's own re-margin time, and both workers' times added (ms). */
  slowestWorker: Dist; sumWorkers: Dist;
}

/** 100,000 × 20 on two worker threads; baseline: the same book in one thread. */
async function shardBench(quick: boolean): Promise<ShardFigures> {
  const N = quick ? 20_000 : 100_000, TICKS = quick ? 30 : 200, SINGLE_TICKS = quick ? 10 : 30, WARM = 10;
  const d = kernelData(), params = loadPreset("deribit");
  const inc = new IncrementalRiskContext(d.market, params);
  gc();
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  const ks = await KernelShards.start(params, { count: N, spec: (a) => btcAccount(d.universe, 2, a) }, { workers: 2 });
  try {
    ks.refresh(inc.context(), null);
    await ks.remargin(null);
    const startS = (performance.now() - t) / 1000;
    const st = await ks.stats();
    gc();
    await new Promise((r) => setTimeout(r, 200));
    const rssPerAccount = (process.memoryUsage().rss - rss0) / N;
    log(`shards: ${N} accounts on 2 workers in ${startS.toFixed(1)} s`);
    const rng = mulberry32(7);
    const times: number[] = [], win = new TickWindows(), slowest: number[] = [], sumWorkers: number[] = [];
    const probe = heapProbe();
    const one = async (record: boolean): Promise<void> => {
      btcTick(d.market, () => rng.next());
      const h0 = heap(), t0 = performance.now();
      inc.invalidate(["BTC"], d.market, params);
      ks.refresh(inc.context(), ["BTC"]);
      await ks.remargin(["BTC"]);
      const t1 = performance.now(), h1 = heap();
      if (record) {
        times.push(t1 - t0); win.add(t0, t1, h1 - h0);
        slowest.push(Math.max(...ks.lastWorkerMs)); sumWorkers.push(ks.lastWorkerMs.reduce((a, b) => a + b, 0));
      }
    };
    for (let i = 0; i < WARM; i++) await one(false);
    const { gcs } = await withGcLog(async () => { for (let i = 0; i < TICKS; i++) await one(true); });
    await ks.close();
    // Baseline: one thread, same book, same kind of tick.
    const k = new MarginKernel(params);
    for (let a = 0; a < N; a++) k.setAccount(a, btcAccount(d.universe, 2, a));
    k.refresh(inc.context(), null);
    k.remarginAll();
    const single: number[] = [];
    for (let i = 0; i < SINGLE_TICKS + 3; i++) {
      btcTick(d.market, () => rng.next());
      t = performance.now();
      inc.invalidate(["BTC"], d.market, params);
      k.refresh(inc.context(), ["BTC"]);
      k.remarginAssets(["BTC"]);
      if (i >= 3) single.push(performance.now() - t);
    }
    return {
      accounts: N, workers: 2, ticks: TICKS, startS, sharded: dist(times), single: dist(single), singleTicks: single.length,
      rssPerAccount, storeBytesPerAccount: st.storeBytes / st.accounts, heapMain: heapDist(win.toArray(), gcs, probe),
      slowestWorker: dist(slowest), sumWorkers: dist(sumWorkers),
    };
  } finally {
    await ks.close();
  }
}

export interface KernelFigures { quick: boolean; ticks: TickFigures; shards: ShardFigures; explain: ExplainFigures }

async function child(quick: boolean): Promise<void> {
  const explain = explainBench(quick);
  log("explanation path done");
  const ticks = await tickBench(quick);
  log("ticks done");
  const shards = await shardBench(quick);
  const figures: KernelFigures = { quick, ticks, shards, explain };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** The kernel section of BENCHMARKS.md (measured in a child process: `node --expose-gc kernel.js --child`). */
export async function kernelBench(quick = process.env.DPM_BENCH_QUICK === "1"): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--expose-gc", self, "--child", ...(quick ? ["--quick"] : [])], { stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kernel benchmark child exited ${r.status}`);
  const lines = r.stdout.trim().split("\n");
  return kernelReport(JSON.parse(lines[lines.length - 1]) as KernelFigures);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  const run = process.argv.includes("--child") ? child(quick) : kernelBench(quick).then((s) => { process.stdout.write(s); });
  run.catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
