/**
 * `dpm margin` on worker threads for large JSON-lines batches (issue 10: the batch CLI on both cores). This thread
 * reads the file and cuts it into chunks of raw lines (parsing is the workers' job); each worker (marginWorker.ts)
 * builds the same context from the same flags and answers a chunk with its output bytes and the lines it left out;
 * answers are written in input order, so stdout, stderr and the exit code are byte for byte those of the
 * in-process loop (test/cli/parallelMargin.test.ts).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { DpmInputError } from "../../input/issues.js";
import { Rejects } from "./batch.js";
import type { MarginFlags } from "./common.js";
import type { Cli } from "./context.js";
import { isObject, lineBatches, openInput } from "./io.js";
import type { LineChunk } from "./marginChunk.js";
import type { ChunkReply, ChunkRequest } from "./marginWorker.js";

/** Files below this size are margined in process (starting workers would cost more than they save). */
export const PARALLEL_MIN_BYTES = 1 << 20;
/** Lines per chunk sent to a worker. */
const CHUNK_LINES = 256;
/** Chunks in flight per worker (read ahead, bounded). */
const IN_FLIGHT = 3;
/** Most workers `auto` starts. */
const MAX_AUTO = 4;
/**
 * Least cores for `auto` to start workers. On 2 cores the in-process loop already keeps the second core busy with
 * V8's parallel garbage collection and concurrent compilation: two workers measured no faster there (BENCHMARKS.md,
 * CLI section), so `auto` leaves a 2-core machine in process and `--workers 2` is a choice.
 */
const MIN_AUTO_CORES = 4;

/** Size of a file in bytes, or undefined (stdin, unreadable: the in-process path reports why). */
export function fileSize(path: string): number | undefined {
  try {
    return path === "-" ? undefined : statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Worker threads for a margin batch: `--workers N` (1: in process), or `auto`: on 4 or more cores, a file (not
 * stdin) of at least 1 MiB that is JSON lines gets min(cores, 4) workers; anything else runs in process.
 */
export function marginWorkers(path: string, option: string | undefined): number {
  const o = option ?? "auto";
  if (o !== "auto") {
    const n = Number(o);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new DpmInputError("invalid --workers", [{ path: "--workers", message: "must be auto or an integer from 1 to 64", value: option }]);
    return n > 1 && path !== "-" && looksLikeLines(path) ? n : 1;
  }
  const cores = availableParallelism();
  if (cores < MIN_AUTO_CORES || path === "-" || (fileSize(path) ?? 0) < PARALLEL_MIN_BYTES || !looksLikeLines(path)) return 1;
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
function workerUrl(): URL {
  const here = new URL("./marginWorker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = fileURLToPath(here).replace(/\/src\/adapters\/cli\/marginWorker\.js$/, "/dist/src/adapters/cli/marginWorker.js");
  if (existsSync(dist)) return pathToFileURL(dist);
  throw new Error(`margin worker not found at ${fileURLToPath(here)} or ${dist}: build dist/ (npm run build)`);
}

/** Chunks of the non-blank lines of `path` with their 1-based numbers (as `streamDocuments` numbers them), and the bytes taken. */
async function* lineChunks(path: string, used: { bytes: number }): AsyncGenerator<LineChunk> {
  const { stream } = openInput(path, "<portfolio>");
  let lines: string[] = [], nos: number[] = [], line = 0;
  try {
    for await (const b of lineBatches(stream as AsyncIterable<Buffer>)) {
      used.bytes += b.used;
      for (const text of b.lines) {
        line++;
        const t = text.endsWith("\r") ? text.slice(0, -1) : text;
        if (t.trim() !== "") { lines.push(t); nos.push(line); }
        if (lines.length >= CHUNK_LINES) { yield { lines, nos }; lines = []; nos = []; }
      }
    }
    if (lines.length > 0) yield { lines, nos };
  } finally {
    stream.destroy();
  }
}

/** Workers answering numbered chunks; answers are handed on in chunk order. */
class ChunkPool {
  private readonly workers: Worker[];
  private readonly ready = new Map<number, ChunkReply>();
  private sent = 0;
  private done = 0;
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(n: number, flags: MarginFlags, private readonly onReply: (r: ChunkReply) => void) {
    const url = workerUrl();
    this.workers = Array.from({ length: n }, () => new Worker(url, { workerData: { flags } }));
    for (const w of this.workers) {
      w.on("message", (m: ChunkReply) => { this.ready.set(m.id, m); this.drain(); this.notify(); });
      w.on("error", (e) => { this.failure ??= e; this.notify(); });
      w.on("exit", (code) => { if (code !== 0) this.failure ??= new Error(`margin worker exited with code ${code}`); this.notify(); });
    }
  }

  /** Send a chunk (round robin), then wait while too many are in flight or `stop()` says so. */
  async send(chunk: LineChunk, stop: () => boolean): Promise<void> {
    const req: ChunkRequest = { id: this.sent, ...chunk };
    this.workers[this.sent++ % this.workers.length].postMessage(req);
    await this.until(() => this.sent - this.done < IN_FLIGHT * this.workers.length || stop());
  }

  /** Wait until every chunk sent is handed on (or `stop()`). */
  finish(stop: () => boolean): Promise<void> {
    return this.until(() => this.done === this.sent || stop());
  }

  close(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }

  private drain(): void {
    for (let r = this.ready.get(this.done); r !== undefined; r = this.ready.get(this.done)) {
      this.ready.delete(this.done++);
      this.onReply(r);
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async until(ok: () => boolean): Promise<void> {
    while (!ok() && this.failure === undefined) await new Promise<void>((r) => { this.wake = r; });
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Margin the JSON lines of `path` on `workers` threads, printing as the in-process loop prints; see the module comment. */
export async function parallelMargin(cli: Cli, path: string, f: MarginFlags, workers: number): Promise<void> {
  const flags: MarginFlags = { market: f.market, model: f.model, currency: f.currency, json: f.json, ...(f.params !== undefined ? { params: f.params } : {}), ...(f.preset !== undefined ? { preset: f.preset } : {}) };
  const rejects = new Rejects();
  const pool = new ChunkPool(workers, flags, (r) => {
    for (const x of r.rejects) rejects.reject({ line: x.line }, x.issues);
    cli.out.pushBytes(r.bytes);
  });
  const bar = cli.progress("margin", "MB");
  const used = { bytes: 0 }, size = fileSize(path);
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  const closed = () => cli.out.closed;
  try {
    for await (const chunk of lineChunks(path, used)) {
      for (const line of chunk.nos) rejects.count({ line });
      await pool.send(chunk, closed);
      if (size !== undefined) bar.update(Math.min(mb(used.bytes), mb(size)), mb(size), `${chunk.nos[chunk.nos.length - 1].toLocaleString("en-US")} lines`);
      if (closed()) break;
    }
    await pool.finish(closed);
  } finally {
    bar.stop();
    await pool.close();
  }
  rejects.finish(path);
}
