/**
 * The engine's tick path on the kernel (issue 10 "Must show"): a BTC tick submitted to the engine (checks, trial,
 * append to SQLite with synchronous=FULL, commit, derived events) with every account × 20 positions re-margined,
 * p50/p99 over 1,000 ticks next to the floor loop measured in the same process; the GC tail (max / p99); heap
 * allocated per tick; 100,000 accounts on two worker threads (p99, memory per account, heap per tick) against the
 * same book in one thread. Runs in a child process with --expose-gc; `--quick` for development.
 *
 * `node dist/bench/engineTicks.js [--quick]` prints the section; `npm run bench` includes it (bench/run.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { Worker } from "node:worker_threads";
import { Engine } from "../src/engine/engine.js";
import { nextBtcTick, writeBook } from "./engineBook.js";
import { engineTicksReport } from "./engineTicksReport.js";
import { Floor, kernelData } from "./kernelData.js";
import { mulberry32 } from "./prng.js";
import { quantile, TickWindows } from "./stats.js";

const log = (s: string): void => { process.stderr.write(`[bench engine] ${s}\n`); };
const heap = (): number => getHeapStatistics().used_heap_size;
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };

export interface Dist { p50: number; p99: number; max: number; n: number }
export interface HeapDist { median: number; max: number; cleanTicks: number; gcTicks: number }
const dist = (xs: readonly number[]): Dist => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), n: xs.length });

/** One engine on a written book, ticked: per tick wall and CPU time, heap growth on ticks without a GC. */
export interface TickRun {
  accounts: number; threads: number; openS: number; rssPerAccount: number; remargined: number;
  wall: Dist; cpu: Dist; heap: HeapDist; gcPauses: number; maxGcMs: number;
  floor?: { wall: Dist; cpu: Dist };
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

async function run(n: number, ticks: number, workers: number, floorRuns: number): Promise<TickRun> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-engine-"));
  try {
    const book = await writeBook(join(dir, "book.sqlite"), n, 2, "full");
    gc();
    const rss0 = process.memoryUsage().rss;
    let t = performance.now();
    // Liquidation off: a planned liquidation is its own cost (bench/liquidation.ts); status events are still written.
    const engine = await Engine.open(book.store, { snapshotEvery: 1e9, workers, liquidation: { enabled: false } });
    const openS = (performance.now() - t) / 1000;
    gc();
    const rssPerAccount = (process.memoryUsage().rss - rss0) / n;
    log(`${n} accounts open in ${openS.toFixed(1)} s on ${engine.kernelThreads} thread(s)`);
    const floor = floorRuns > 0 ? new Floor(kernelData().floorInstruments, book.specs) : undefined;
    const rng = mulberry32(7);
    let index = engine.state.market!.assets.BTC.index, ts = Math.max(...Object.values(engine.state.market!.asOf)), remargined = 0;
    const wall: number[] = [], cpu: number[] = [], win = new TickWindows(), fWall: number[] = [], fCpu: number[] = [];
    const probe = (() => { const xs: number[] = []; for (let i = 0; i < 200; i++) { const a = heap(); xs.push(heap() - a); } return quantile(xs, 0.5); })();
    const tick = async (record: boolean, i: number): Promise<void> => {
      const e = nextBtcTick(index, ts, () => rng.next());
      index = e.index; ts = e.ts;
      const h0 = heap(), c0 = process.cpuUsage(), t0 = performance.now();
      const r = await engine.submit(e);
      const t1 = performance.now(), c1 = process.cpuUsage(c0), h1 = heap();
      if (!r.ok) throw new Error(`tick refused: ${r.reason}`);
      remargined = r.remargined ?? 0;
      if (!record) return;
      wall.push(t1 - t0); cpu.push(cpuMs(c1)); win.add(t0, t1, h1 - h0);
      if (floor && i < floorRuns) {
        floor.fill(engine.riskContext()!.context());
        const g0 = process.cpuUsage(), f0 = performance.now();
        floor.run();
        fWall.push(performance.now() - f0); fCpu.push(cpuMs(process.cpuUsage(g0)));
      }
    };
    for (let i = 0; i < 20; i++) await tick(false, i);
    const gcs: [number, number][] = [];
    const obs = new PerformanceObserver((list) => { for (const x of list.getEntries()) gcs.push([x.startTime, x.startTime + x.duration]); });
    obs.observe({ entryTypes: ["gc"] });
    for (let i = 0; i < ticks; i++) await tick(true, i);
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    const clean: number[] = [];
    let gcTicks = 0;
    for (const [s, e, b] of win.toArray()) { if (gcs.some(([a, z]) => a < e && z > s) || b < 0) gcTicks++; else clean.push(Math.max(0, b - probe)); }
    await engine.close();
    await book.store.close();
    return {
      accounts: n, threads: engine.kernelThreads, openS, rssPerAccount, remargined, wall: dist(wall), cpu: dist(cpu),
      heap: { median: clean.length ? quantile(clean, 0.5) : NaN, max: clean.length ? Math.max(...clean) : NaN, cleanTicks: clean.length, gcTicks },
      gcPauses: gcs.length, maxGcMs: Math.max(0, ...gcs.map(([a, b]) => b - a)),
      ...(floor ? { floor: { wall: dist(fWall), cpu: dist(fCpu) } } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What two threads buy on this machine now: the same CPU loop on one thread, then on two at once (each the full
 * loop); speed-up = 2 × one / both (2× on two idle cores, 1× when other processes hold a core).
 */
async function parallelism(): Promise<{ oneMs: number; twoMs: number; speedup: number }> {
  const loop = "function spin(n) { let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i); return x; }";
  const spin = new Function(`${loop}; return spin;`)() as (n: number) => number;
  const one = (): number => { const t = performance.now(); spin(2e8); return performance.now() - t; };
  one();
  const oneMs = Math.min(one(), one());
  const w = new Worker(`${loop}; const p = require("node:worker_threads").parentPort; spin(1e7); p.postMessage(0); p.once("message", () => { spin(2e8); p.postMessage(1); });`, { eval: true });
  await new Promise((r) => w.once("message", r));
  const t0 = performance.now();
  const done = new Promise((r) => w.once("message", r));
  w.postMessage("go");
  spin(2e8);
  await done;
  const twoMs = performance.now() - t0;
  await w.terminate();
  return { oneMs, twoMs, speedup: (2 * oneMs) / twoMs };
}

export interface EngineTickFigures { quick: boolean; ten: TickRun; hundred: TickRun; hundredSingle: TickRun; parallel: { oneMs: number; twoMs: number; speedup: number } }

async function child(quick: boolean): Promise<void> {
  const before = await parallelism();
  const ten = await run(10_000, quick ? 250 : 1000, 1, 300);
  log(`10k: p50 ${ten.wall.p50.toFixed(1)} p99 ${ten.wall.p99.toFixed(1)} floor p50 ${ten.floor!.wall.p50.toFixed(1)}`);
  const N = quick ? 30_000 : 100_000;
  const hundred = await run(N, quick ? 30 : 200, 2, 0);
  log(`${N}: p50 ${hundred.wall.p50.toFixed(1)} p99 ${hundred.wall.p99.toFixed(1)}`);
  const hundredSingle = await run(N, quick ? 10 : 30, 1, 0);
  const after = await parallelism();
  const parallel = before.speedup <= after.speedup ? before : after;
  log(`two threads' speed-up on this machine: ${before.speedup.toFixed(2)}× before, ${after.speedup.toFixed(2)}× after`);
  const f: EngineTickFigures = { quick, ten, hundred, hundredSingle, parallel: { ...parallel, speedup: (before.speedup + after.speedup) / 2 } };
  process.stdout.write(`${JSON.stringify(f)}\n`);
}

/** The engine tick section of BENCHMARKS.md (measured in a child process: `node --expose-gc engineTicks.js --child`). */
export async function engineTicksBench(quick = process.env.DPM_BENCH_QUICK === "1"): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--expose-gc", self, "--child", ...(quick ? ["--quick"] : [])], { stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`engine tick benchmark child exited ${r.status}`);
  const lines = r.stdout.trim().split("\n");
  return engineTicksReport(JSON.parse(lines[lines.length - 1]) as EngineTickFigures);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  const go = process.argv.includes("--child") ? child(quick) : engineTicksBench(quick).then((s) => { process.stdout.write(s); });
  go.catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
