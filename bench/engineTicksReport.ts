/** Markdown of the engine tick benchmarks (bench/engineTicks.ts) for BENCHMARKS.md. */
import { cpus, loadavg } from "node:os";
import type { Dist, EngineTickFigures, TickRun } from "./engineTicks.js";
import { met, Report } from "./report.js";
import { fmtFixed, fmtInt, fmtRatio } from "./stats.js";

const ms = (x: number): string => fmtFixed(x, x < 10 ? 2 : 1);
const kib = (b: number): string => (Number.isFinite(b) ? `${fmtFixed(b / 1024, 1)} KiB` : "n/a");
const row = (name: string, d: Dist, note: string): string[] => [name, ms(d.p50), ms(d.p99), ms(d.max), fmtInt(d.n), note];
const heapCell = (t: TickRun): string => `${kib(t.heap.median)} median, ${kib(t.heap.max)} max (${t.heap.cleanTicks} ticks without GC; ${t.heap.gcTicks} with)`;

export function engineTicksReport(f: EngineTickFigures): string {
  const r = new Report(), t = f.ten, fl = t.floor!, h = f.hundred, one = f.hundredSingle;
  r.h2("Engine tick path on the kernel (issue 10): floor ratio, GC tail, worker threads");
  r.p(`Measured in a child process (\`node --expose-gc dist/bench/engineTicks.js --child\`), ${cpus().length} cores; load average after the run ` +
    `${loadavg().map((x) => fmtFixed(x, 2)).join(" / ")} (other jobs share these cores).${f.quick ? " **Quick mode** (fewer ticks and accounts)." : ""} ` +
    "Book: accounts of 20 distinct BTC instruments each (futures, perpetuals, options) with USDC + BTC collateral (bench/kernelData.ts `btcAccount`), " +
    "written as the market event plus a state snapshot (bench/engineBook.ts; what `dpm serve --book` loads) into SQLite, WAL, **synchronous=FULL** (the default store: one fsync per tick). " +
    "A tick is `engine.submit({type:\"tick\", asset:\"BTC\", ...})` (index ±0.2 %, futures' marks follow) until it resolves: checks, the trial (kernel re-margin of every " +
    "account into the working columns, the finiteness check), the append, the commit (published columns, bus event), derived status events. " +
    "Liquidation off (a planned liquidation is its own cost, see Liquidation); snapshots off.");

  r.h3(`${fmtInt(t.accounts)} accounts × 20 positions, BTC tick, kernel in process`);
  r.p(`Every tick re-margins all ${fmtInt(t.remargined)} accounts (the tick answer's \`remargined\`). The floor is the issue's loop (80 instruments × 35 scenarios, ` +
    `Σ size × row over each account's 20 positions, then the minimum) over the same positions, run in the same process after each of the first ${fl.wall.n} ticks. ` +
    `Engine start on the book (snapshot, kernel build, first re-margin): ${fmtFixed(t.openS, 1)} s.`);
  r.table(["wall clock", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    row("floor (baseline)", fl.wall, "baseline"),
    row("engine tick (submit → answer)", t.wall, `p99 = ${fmtRatio(t.wall.p99 / fl.wall.p50)} the floor's p50, ${fmtRatio(t.wall.p99 / fl.wall.p99)} its p99`),
  ]);
  r.table(["CPU time (process)", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    row("floor (baseline)", fl.cpu, "baseline"),
    row("engine tick", t.cpu, `p99 = ${fmtRatio(t.cpu.p99 / fl.cpu.p50)} the floor's p50`),
  ]);
  r.table(["figure", "value", "target", "status"], [
    ["floor ratio: engine tick p99 / floor p99 (both measured here, same load)", fmtRatio(t.wall.p99 / fl.wall.p99), "≤ 3×", met(t.wall.p99 <= 3 * fl.wall.p99)],
    ["strict: engine tick p99 / floor p50", fmtRatio(t.wall.p99 / fl.wall.p50), "≤ 3×", met(t.wall.p99 <= 3 * fl.wall.p50)],
    ["engine tick p50 / floor p50", fmtRatio(t.wall.p50 / fl.wall.p50), "—", "—"],
    ["CPU time: engine tick p99 / floor p50", fmtRatio(t.cpu.p99 / fl.cpu.p50), "≤ 3×", met(t.cpu.p99 <= 3 * fl.cpu.p50)],
    [`GC tail: max / p99 over ${fmtInt(t.wall.n)} ticks (wall; the floor's own max / p99: ${fmtRatio(fl.wall.max / fl.wall.p99)})`, fmtRatio(t.wall.max / t.wall.p99), "≤ 2×", met(t.wall.max <= 2 * t.wall.p99)],
    ["reference: the same in process CPU time", fmtRatio(t.cpu.max / t.cpu.p99), "—", "—"],
    ["heap allocated per tick", heapCell(t), "< 5 MB", met(t.heap.max < 5e6)],
    [`GC pauses during the ticks (longest)`, `${fmtInt(t.gcPauses)} (${ms(t.maxGcMs)} ms)`, "—", "—"],
  ]);

  r.h3(`${fmtInt(h.accounts)} accounts × 20 positions on ${h.threads} worker threads`);
  r.p(`The engine opened with \`workers: 2\` (\`dpm serve --workers 2\`; "auto" chooses 2 from 20,000 accounts on ≥ 2 cores): the accounts split into two ` +
    `contiguous shards, each worker holding its shard's position store, the instrument matrices and the results on SharedArrayBuffers. Per tick the main thread ` +
    `re-prices the moved instruments, fills the shared rows, posts "re-margin BTC", adds the engine's add-ons and checks the figures, appends and publishes. ` +
    `Start (snapshot, shards, first re-margin): ${fmtFixed(h.openS, 1)} s. Baseline: the same book with the kernel in process, ${one.wall.n} ticks (start ${fmtFixed(one.openS, 1)} s).`);
  r.table(["wall clock", "p50 ms", "p99 ms", "max ms", "ticks", "note"], [
    row(`${h.threads} worker threads`, h.wall, `${fmtRatio(one.wall.p50 / h.wall.p50)} faster than one thread (p50)`),
    row("one thread (baseline)", one.wall, "baseline"),
    row(`${h.threads} worker threads, process CPU time`, h.cpu, "main thread + workers"),
  ]);
  r.table(["figure", "value", "target", "status"], [
    [`p99 per BTC tick, ${fmtInt(h.accounts)} accounts, ${h.threads} workers`, `${ms(h.wall.p99)} ms`, "≤ 250 ms", met(h.wall.p99 <= 250)],
    ["memory per account: RSS growth at start / accounts (main thread state + workers' stores)", `${fmtInt(h.rssPerAccount)} bytes`, "stated", "—"],
    ["heap allocated per tick, main thread", heapCell(h), "< 5 MB", met(h.heap.max < 5e6)],
    [`GC pauses during the ticks (longest)`, `${fmtInt(h.gcPauses)} (${ms(h.maxGcMs)} ms)`, "—", "—"],
    ["baseline: what two threads buy on this machine during the run (a CPU loop on 1 thread, then on 2 at once; mean of before and after)", fmtRatio(f.parallel.speedup), "2× on two idle cores", "reference"],
  ]);
  return r.toString();
}
