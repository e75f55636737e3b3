/** Markdown of the kernel benchmarks (bench/kernel.ts) for BENCHMARKS.md. */
import { cpus, loadavg, totalmem } from "node:os";
import type { Dist, HeapDist, KernelFigures } from "./kernel.js";
import { met, Report } from "./report.js";
import { fmtFixed, fmtInt, fmtRatio } from "./stats.js";

const ms = (x: number): string => fmtFixed(x, x < 10 ? 2 : 1);
const kib = (b: number): string => (Number.isFinite(b) ? `${fmtFixed(b / 1024, 1)} KiB` : "n/a");
const distRow = (name: string, d: Dist, extra: string): string[] => [name, ms(d.p50), ms(d.p99), ms(d.max), fmtInt(d.n), extra];
const heapCell = (h: HeapDist): string => `${kib(h.median)} median, ${kib(h.max)} max (${h.cleanTicks} ticks without GC; ${h.gcTicks} with)`;

export function kernelReport(f: KernelFigures): string {
  const r = new Report(), t = f.ticks, s = f.shards, e = f.explain;
  r.h2("Margin kernel (issue 10): BTC tick, floor ratio, worker shards, explanation path");
  r.p(`Measured in a child process (\`node --expose-gc dist/bench/kernel.js --child\`) on ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ` +
    `${fmtFixed(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${new Date().toISOString()}; load average after the run ${loadavg().map((x) => fmtFixed(x, 2)).join(" / ")} ` +
    `(other processes share these cores: tails are the machine's as much as the code's).${f.quick ? " **Quick mode** (fewer ticks and accounts)." : ""}`);

  r.h3(`${fmtInt(t.accounts)} accounts × 20 positions, BTC tick, one thread`);
  r.p(`Book: every account holds 20 distinct BTC instruments (of 46: futures, perpetuals, options; half the futures with an entry price) and USDC + BTC collateral, ` +
    `so a BTC tick re-margins all ${fmtInt(t.accounts)} accounts and all 20 positions of each. Tick = index move (futures' marks follow) → ` +
    "`IncrementalRiskContext.invalidate` → `kernel.refresh` (the 46 BTC instruments re-priced and their rows copied) → `kernel.remarginAssets([\"BTC\"])`. " +
    `The floor is the issue's loop (80 instruments × 35 scenarios in one Float64Array; per account Σ size × row over its 20 positions, then the minimum), ` +
    `over the same positions, run after each of the first ${t.floorRuns} ticks. Times in ms, wall clock (performance.now).`);
  const okFloor = t.remargin.p99 <= 3 * t.floor.p50, okTail = t.full.max <= 2 * t.full.p99, c = t.cpu;
  r.table(["", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    distRow("floor (baseline)", t.floor, "baseline"),
    distRow("kernel re-margin (rows filled)", t.remargin, `p99 = ${fmtRatio(t.remargin.p99 / t.floor.p50)} the floor's p50, ${fmtRatio(t.remargin.p99 / t.floor.p99)} its p99`),
    distRow("re-pricing 46 instruments + row copy", t.reprice, "IncrementalRiskContext + refresh"),
    distRow("whole tick (re-price + re-margin)", t.full, `max = ${fmtRatio(t.full.max / t.full.p99)} p99`),
  ]);
  r.p("The same ticks in this process's CPU time (`process.cpuUsage`, µs resolution; process-wide, so V8's background GC and compiler threads count too): " +
    "what the code costs, without the time other processes held the cores.");
  r.table(["CPU time", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    distRow("floor (baseline)", c.floor, `max = ${fmtRatio(c.floor.max / c.floor.p99)} p99`),
    distRow("kernel re-margin", c.remargin, `p99 = ${fmtRatio(c.remargin.p99 / c.floor.p50)} the floor's p50`),
    distRow("whole tick", c.full, `max = ${fmtRatio(c.full.max / c.full.p99)} p99`),
  ]);
  r.table(["figure", "value", "target", "status"], [
    ["kernel re-margin p99 / floor p50 (strict: the floor's typical tick)", fmtRatio(t.remargin.p99 / t.floor.p50), "≤ 3×", met(okFloor)],
    ["kernel re-margin p99 / floor p99 (like for like: both tails under the same load)", fmtRatio(t.remargin.p99 / t.floor.p99), "≤ 3×", met(t.remargin.p99 <= 3 * t.floor.p99)],
    ["kernel re-margin p50 / floor p50", fmtRatio(t.remargin.p50 / t.floor.p50), "—", "—"],
    ["kernel re-margin p99 / floor p50, CPU time", fmtRatio(c.remargin.p99 / c.floor.p50), "≤ 3×", met(c.remargin.p99 <= 3 * c.floor.p50)],
    [`GC tail: max / p99 of the whole tick over ${fmtInt(t.ticks)} ticks (wall; the floor's own max / p99: ${fmtRatio(t.floor.max / t.floor.p99)})`, fmtRatio(t.full.max / t.full.p99), "≤ 2×", met(okTail)],
    ["reference: max / p99 of the whole tick in process-wide CPU time", fmtRatio(c.full.max / c.full.p99), "—", "—"],
    ["heap allocated per tick, re-margin only", heapCell(t.heapRemargin), "—", "—"],
    ["heap allocated per tick, whole tick", heapCell(t.heapFull), "< 5 MB", met(t.heapFull.max < 5e6)],
    [`GC pauses during the ${fmtInt(t.ticks)} ticks`, fmtInt(t.gcPauses), "—", "—"],
    ["baseline: the pre-kernel portfolioMargin over the same accounts (contributions off), ms per tick", ms(t.baselineV1Ms), "baseline", `kernel whole tick p50 ${fmtRatio(t.baselineV1Ms / t.full.p50)} faster`],
    ["reference: the new explanation path over the same accounts (contributions off), ms", ms(t.baselineExplainMs), "—", "—"],
    ["position store (typed arrays, capacity) per account", `${fmtInt(t.storeBytesPerAccount)} bytes (${fmtFixed(t.unitsPerAccount, 1)} units per account)`, "—", "—"],
  ]);
  r.p("Heap allocated per tick: growth of `v8.getHeapStatistics().used_heap_size` across the tick, on ticks during which no GC ran (PerformanceObserver `gc` entries), " +
    "less what two back-to-back readings allocate. The re-margin itself allocates nothing; what the whole tick allocates is the re-priced `InstrumentRisk` objects.");

  r.h3(`${fmtInt(s.accounts)} accounts × 20 positions on ${s.workers} worker threads`);
  r.p(`Same kind of book (BTC, 20 positions, USDC + BTC collateral): every account re-margined on each BTC tick. The main thread re-prices and fills the shared ` +
    `matrices, posts "re-margin BTC", and the tick ends when both workers have written their shard's results. Start-up (specs made one at a time, stores built in the workers, ` +
    `first full re-margin): ${fmtFixed(s.startS, 1)} s. Baseline: the same book in one thread (in-process kernel), ${s.singleTicks} ticks.`);
  r.table(["", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    distRow(`${s.workers} workers`, s.sharded, `${fmtRatio(s.single.p50 / s.sharded.p50)} faster than one thread (p50)`),
    distRow("one thread (baseline)", s.single, "baseline"),
    distRow("the slower worker's own re-margin time", s.slowestWorker, "inside the worker"),
    distRow("both workers' re-margin times added", s.sumWorkers, `tick ≈ slower worker: parallel; tick ≈ sum: the cores were busy`),
  ]);
  r.table(["figure", "value", "target", "status"], [
    [`p99 per BTC tick, ${fmtInt(s.accounts)} accounts, ${s.workers} workers`, `${ms(s.sharded.p99)} ms`, "≤ 250 ms", met(s.sharded.p99 <= 250)],
    ["memory per account: RSS growth / accounts", `${fmtInt(s.rssPerAccount)} bytes`, "stated", "—"],
    ["memory per account: workers' position stores (typed-array capacity) / accounts", `${fmtInt(s.storeBytesPerAccount)} bytes`, "stated", "—"],
    ["heap allocated per tick, main thread", heapCell(s.heapMain), "< 5 MB", met(s.heapMain.max < 5e6)],
  ]);
  r.p("RSS growth includes the two worker isolates and the shared matrices and results, measured after a forced GC; the store figure is the kernel's own data.");

  const L = e.large, B = e.book;
  r.h3("Explanation path (`portfolioMargin`, the CLI/API result) against the implementation it replaced");
  r.p(`One ${L.positions}-position account (bench/run.ts's large account), warm context, ${fmtInt(L.newWith.n)} calls per case interleaved in rounds; ` +
    `results JSON-identical: ${L.identical ? "yes" : "**NO**"}. Book: ${fmtInt(B.accounts)} accounts (${fmtInt(B.positions)} positions), one shared context per pass, ` +
    `median of ${B.passes} passes; accounts/s of wall time and of this process's CPU time (the machine is shared).`);
  r.table(["case", "new median µs", "new p99 µs", "before median µs", "before p99 µs", "speed-up", "target", "status"], [
    ["with contributions", fmtFixed(L.newWith.medianUs, 1), fmtFixed(L.newWith.p99Us, 1), fmtFixed(L.v1With.medianUs, 1), fmtFixed(L.v1With.p99Us, 1), fmtRatio(L.v1With.medianUs / L.newWith.medianUs), "≤ 20 µs", met(L.newWith.medianUs <= 20)],
    ["without contributions (tick path)", fmtFixed(L.newWithout.medianUs, 1), fmtFixed(L.newWithout.p99Us, 1), fmtFixed(L.v1Without.medianUs, 1), fmtFixed(L.v1Without.p99Us, 1), fmtRatio(L.v1Without.medianUs / L.newWithout.medianUs), "≤ 8 µs", met(L.newWithout.medianUs <= 8)],
  ]);
  r.table(["book", "new accounts/s (wall)", "new (CPU)", "before (wall)", "before (CPU)", "speed-up (CPU)", "target", "status"], [
    ["with contributions (CLI default)", fmtInt(B.newWith.wall), fmtInt(B.newWith.cpu), fmtInt(B.v1With.wall), fmtInt(B.v1With.cpu), fmtRatio(B.newWith.cpu / B.v1With.cpu), "≥ 300,000", met(B.newWith.wall >= 300_000)],
    ["without contributions", fmtInt(B.newWithout.wall), fmtInt(B.newWithout.cpu), fmtInt(B.v1Without.wall), fmtInt(B.v1Without.cpu), fmtRatio(B.newWithout.cpu / B.v1Without.cpu), "≥ 300,000", met(B.newWithout.wall >= 300_000)],
    ["reference: kernel, store built + re-margined (numbers only)", fmtInt(B.kernelBuild.wall), fmtInt(B.kernelBuild.cpu), "—", "—", "—", "—", "—"],
    ["reference: kernel, re-margin of the built store", fmtInt(B.kernelRemargin.wall), fmtInt(B.kernelRemargin.cpu), "—", "—", "—", "—", "—"],
  ]);
  return r.toString();
}
