/**
 * How many threads `dpm margin` uses for a batch, and the worker threads themselves, started as early as the
 * process can. This module loads little (Node's own modules and io.ts): `bin/dpm` imports it before the CLI, so that for a large
 * JSON-lines file a worker loads the margin code (~0.15 s from its start, while the main thread loads its own) and
 * is ready about when the main thread starts margining (issue 10: the batch CLI on both cores). A worker started
 * here and not used is stopped when the command ends.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { isObject } from "./io.js";

/**
 * Files below this size are margined on this thread alone under `auto`. A second thread costs ~0.2 s before it
 * pays (its own module loading, and its own JIT compiling the same code while both cores are busy) and then
 * margins ~1.7x as fast as one: on 2 cores, 20,000 accounts of 10 positions (11.4 MiB of JSON lines) took 1.24 s
 * against 1.38 s on one thread, 60,000 took 2.27 s against 3.18 s, 10,000 (5.7 MiB) the same either way, and
 * 2,000-5,000 (1.1-2.8 MiB) 10-25 % longer. Where that pays depends on the machine: on a 2-vCPU AMD EPYC VM
 * (2026-12-05 23:00-23:40, after the contributions got cheaper) the same 20,000 took 1.40 s against 1.34 s on one
 * thread (1.43 s before the workers stopped loading zod), 30,000 (17 MiB) the same either way, 40,000 and 60,000
 * 0.85-0.9x; once the main thread stopped loading zod too (2026-12-06 01:00-01:40), 20,000 took 0.99-1.12x the
 * one-thread time (1.26-1.37 s), 60,000 0.8x (2.12-2.15 s against 2.66-2.68 s); with the results written as bytes
 * by WebAssembly (2026-12-06 03:00-03:45) 20,000 took 0.93-0.95x (0.86-0.95 s), 60,000 0.66x (1.46 s against 2.22 s).
 * On 2 cores the second isolate's TurboFan compiles (~0.3 s of CPU per isolate on that VM, `perf`) compete with both
 * margining threads, where one thread leaves them the idle core. Once the JSON lines were written from the evaluated
 * book and the input handed on without a promise per document (2026-12-06 06:00-06:30, same VM), one thread got
 * ~25 % faster and the second isolate's fixed cost weighed more: 20,000 accounts (11.4 MiB) took 1.04-1.16x the
 * one-thread time on two threads (medians of 7 interleaved runs: 1.27 against 1.22 s, 1.55 against 1.37 s), 40,000
 * (22.8 MiB) 0.97x (1.41 against 1.46 s), 60,000 (34 MiB) 0.8x (2.24 against 2.81 s): the threshold moved from 8 to
 * 24 MiB. With common lines read straight into portfolios on this thread (the workers still `JSON.parse` theirs) and
 * the tables' moves (2026-12-06 10:05, same VM, medians of 7 interleaved runs): 20,000 took 1.10x (0.93 against
 * 0.85 s), 40,000 0.84x (0.98 against 1.17 s), 60,000 0.77x (1.27 against 1.66 s): the crossover near 30,000 accounts
 * of 10 positions, and 24 MiB kept.
 */
export const PARALLEL_MIN_BYTES = 24 << 20;
/** Most threads `auto` uses. */
const MAX_AUTO = 4;

/** A `--workers` value that is not auto or an integer from 1 to 64. */
export class WorkersOptionError extends Error {
  constructor(readonly value: string | undefined) {
    super("must be auto or an integer from 1 to 64");
  }
}

/** Size of a file in bytes, or undefined (stdin, unreadable: the in-process path reports why). */
export function fileSize(path: string): number | undefined {
  try {
    return path === "-" ? undefined : statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Threads for a margin batch, this one included: `--workers N` (1: this thread alone), or `auto`: on 2 or more
 * cores, a file (not stdin) of at least `PARALLEL_MIN_BYTES` (24 MiB) that is JSON lines gets min(cores, 4) threads;
 * anything else, one.
 * @throws WorkersOptionError for a value that is not auto or 1-64
 */
export function marginThreads(path: string, option: string | undefined): number {
  const o = option ?? "auto";
  if (o !== "auto") {
    const n = Number(o);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new WorkersOptionError(option);
    return n > 1 && path !== "-" && looksLikeLines(path) ? n : 1;
  }
  const cores = availableParallelism();
  if (cores < 2 || path === "-" || (fileSize(path) ?? 0) < PARALLEL_MIN_BYTES || !looksLikeLines(path)) return 1;
  return Math.min(cores, MAX_AUTO);
}

/**
 * JSON lines as `streamDocuments` decides it: the first non-blank line is an object on its own and a second
 * non-blank line follows (within the first 64 KiB; otherwise the file is left to the in-process path).
 */
function looksLikeLines(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const lines = buf.subarray(0, n).toString("utf8").split("\n");
    lines.pop(); // possibly cut
    const full = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)).filter((l) => l.trim() !== "");
    return full.length >= 2 && isObject(full[0]);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The compiled worker: beside this module (dist/), or under dist/ when running from the TypeScript sources. */
export function workerUrl(): URL {
  const here = new URL("./marginWorker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = fileURLToPath(here).replace(/\/src\/adapters\/cli\/marginWorker\.js$/, "/dist/src/adapters/cli/marginWorker.js");
  if (existsSync(dist)) return pathToFileURL(dist);
  throw new Error(`margin worker not found at ${fileURLToPath(here)} or ${dist}: build dist/ (npm run build)`);
}

/** Options of `dpm margin` that take a value (the next argument, or `--name=value`). */
const VALUE_OPTIONS = new Set(["--market", "--model", "--params", "--preset", "--currency", "--history", "--workers"]);

/** The portfolio argument, the `--workers` value and whether the run needs history (var), read off `dpm margin`'s arguments. */
function marginArgs(args: readonly string[]): { path?: string; workers?: string; history: boolean } {
  let path: string | undefined, workers: string | undefined, history = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = name !== a ? a.slice(eq + 1) : VALUE_OPTIONS.has(a) ? args[++i] : undefined;
    if (name === "--workers") workers = value;
    else if (name === "--history" || (name === "--model" && value === "var")) history = true;
    else if (!a.startsWith("-") || a === "-") path ??= a;
  }
  return { path, workers, history };
}

let early: Worker[] = [];

/**
 * Start the worker threads `dpm margin <args>` will want, before the CLI is loaded: none unless the arguments name
 * a batch that `marginThreads` sends to more than one thread. A guess: the command decides (`takeEarlyWorkers`), and
 * a worker it does not take is stopped (`stopEarlyWorkers`).
 */
export function startEarlyWorkers(args: readonly string[]): void {
  const { path, workers, history } = marginArgs(args);
  if (path === undefined || history) return;
  let n: number;
  try {
    n = marginThreads(path, workers);
  } catch {
    return; // the command reports the bad --workers value
  }
  const url = workerUrl();
  for (let i = 1; i < n; i++) {
    const w = new Worker(url);
    // One that fails before a command takes it is never ready, so it gets no chunk: this thread margins them.
    w.on("error", () => undefined);
    early.push(w);
  }
}

/** Up to `n` of the workers started early (taken: no longer stopped by `stopEarlyWorkers`). */
export function takeEarlyWorkers(n: number): Worker[] {
  const taken = early.slice(0, n);
  early = early.slice(n);
  return taken;
}

/** Stop the workers started early that no command took; resolves to how many were stopped. */
export async function stopEarlyWorkers(): Promise<number> {
  const left = early;
  early = [];
  await Promise.all(left.map((w) => w.terminate()));
  return left.length;
}
