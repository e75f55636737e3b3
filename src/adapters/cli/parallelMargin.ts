/**
 * `dpm margin` on more than one thread for large JSON-lines batches (issue 10: the batch CLI on both cores). This
 * thread reads the file and cuts it into chunks of raw lines; a chunk goes to a worker thread (marginWorker.ts,
 * started early by marginThreads.ts, its context built from the market and parameters this thread validated) when one
 * is ready and has room, else this thread margins it itself. Each chunk is answered with its output bytes and the
 * lines it left out. Documents are checked with the fast checks; a chunk holding one they cannot decide (on a worker
 * or here) is margined here with the full checks, loaded (zod) the first time one is needed. Answers are written in
 * input order, so stdout, stderr and the exit code are byte for byte those of the in-process loop (test/cli/e2e.test.ts).
 */
import { Worker } from "node:worker_threads";
import { checkPortfolioFast, fullPortfolioChecks, type FullCheck } from "../../input/checkFast.js";
import { Rejects } from "./batch.js";
import type { MarginFlags } from "./common.js";
import type { Cli } from "./context.js";
import { lineBatches, openInput } from "./io.js";
import { fileSize, takeEarlyWorkers, workerUrl } from "./marginThreads.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { marginChunk, recycleOutput, type LineChunk } from "./marginChunk.js";
import type { ChunkReply, ChunkRequest, WorkerMessage, WorkerRequest, WorkerSetup } from "./marginWorker.js";

/** Lines per chunk. */
const CHUNK_LINES = 128;
/** Chunks a worker holds at once (its queue: it never waits for this thread, which may be margining a chunk). */
const IN_FLIGHT = 2;
/** Answers held for an earlier chunk still on a worker, at most (~0.7 MB each for 10-position accounts in JSON). */
const MAX_AHEAD = 64;

/** Chunks of the non-blank lines of `path` with their 1-based numbers (as `streamDocuments` numbers them), and the bytes taken. */
async function* lineChunks(path: string, used: { bytes: number }): AsyncGenerator<LineChunk> {
  const { stream } = openInput(path, "<portfolio>");
  let lines: string[] = [], nos: number[] = [], line = 0;
  try {
    for await (const b of lineBatches(stream as AsyncIterable<Buffer>)) {
      used.bytes += b.used;
      for (let i = 0; i < b.count; i++) {
        const text = b.at(i);
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

/** A worker thread and the chunks it holds. */
interface Helper {
  readonly worker: Worker;
  /** It has built its context (its first message); chunks go to it only from then on. */
  ready: boolean;
  /** Chunks sent to it and not yet answered, by number (an undecided one is margined here). */
  readonly held: Map<number, LineChunk>;
}

/**
 * Numbered chunks margined by this thread and by worker threads, answers handed on in chunk order. A chunk goes
 * to a ready worker with room (fewer than `IN_FLIGHT` held), else this thread margins it, then lets the event loop
 * turn once so that the workers' answers come in. This thread's answers wait (at most `MAX_AHEAD` chunks) for an
 * earlier chunk a worker still holds.
 */
class ChunkPool {
  private readonly helpers: Helper[];
  private readonly ready = new Map<number, ChunkReply>();
  /** The worker that answered each chunk of `ready` (none: margined here). */
  private readonly answeredBy = new Map<number, Helper>();
  private next = 0;
  private done = 0;
  private failure: unknown;
  private wake: (() => void) | undefined;

  /** Chunks this thread could not decide with the fast checks, margined once the full checks are in (`needFull`). */
  private waiting: { id: number; chunk: LineChunk }[] = [];

  /**
   * `local` margins a chunk here: undefined when the fast checks could not decide it and the full checks are not in;
   * `needFull` loads them (after which `local` always decides). `onReply` hands an answer on, in chunk order: true
   * when its bytes were written out, its buffer then going back to the thread that filled it.
   */
  constructor(workers: number, setup: WorkerSetup, private readonly local: (id: number, chunk: LineChunk) => ChunkReply | undefined, private readonly needFull: () => Promise<void>, private readonly onReply: (r: ChunkReply) => boolean) {
    const started = takeEarlyWorkers(workers);
    const url = started.length < workers ? workerUrl() : undefined;
    while (url !== undefined && started.length < workers) started.push(new Worker(url));
    this.helpers = started.map((worker) => ({ worker, ready: false, held: new Map<number, LineChunk>() }));
    for (const h of this.helpers) {
      h.worker.postMessage({ setup } satisfies WorkerRequest);
      h.worker.on("message", (m: WorkerMessage) => {
        if ("ready" in m) h.ready = true;
        else {
          const chunk = h.held.get(m.id);
          h.held.delete(m.id);
          if (!("undecided" in m)) { this.ready.set(m.id, m); this.answeredBy.set(m.id, h); }
          else if (chunk !== undefined) this.here(m.id, chunk); // the full checks, here
          else this.failure ??= new Error(`margin worker: chunk ${m.id} answered undecided but not held`);
          this.drain();
        }
        this.notify();
      });
      h.worker.on("error", (e) => { this.failure ??= e; this.notify(); });
      h.worker.on("exit", (code) => { if (code !== 0) this.failure ??= new Error(`margin worker exited with code ${code}`); this.notify(); });
    }
  }

  /** Margin a chunk here or on a worker (see the class comment); waits while too many answers are held. */
  async send(chunk: LineChunk, stop: () => boolean): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const id = this.next++;
    const h = this.helpers.find((x) => x.ready && x.held.size < IN_FLIGHT);
    if (h !== undefined) {
      h.held.set(id, chunk);
      const req: ChunkRequest = { id, ...chunk };
      h.worker.postMessage(req);
      return;
    }
    this.here(id, chunk);
    this.drain();
    await new Promise<void>((r) => setImmediate(r)); // the workers' answers come in
    await this.until(() => this.ready.size <= MAX_AHEAD || stop());
  }

  /** Wait until every chunk sent is handed on (or `stop()`). */
  finish(stop: () => boolean): Promise<void> {
    return this.until(() => this.done === this.next || stop());
  }

  close(): Promise<number[]> {
    return Promise.all(this.helpers.map((h) => h.worker.terminate()));
  }

  /** Margin a chunk here; one the fast checks cannot decide waits for the full checks (loaded once). */
  private here(id: number, chunk: LineChunk): void {
    const r = this.local(id, chunk);
    if (r !== undefined) { this.ready.set(id, r); return; }
    this.waiting.push({ id, chunk });
    if (this.waiting.length > 1) return; // the load is under way
    this.needFull().then(() => {
      for (const w of this.waiting.splice(0)) {
        const again = this.local(w.id, w.chunk);
        if (again === undefined) this.failure ??= new Error(`chunk ${w.id} undecided with the full checks`);
        else this.ready.set(w.id, again);
      }
      this.drain();
      this.notify();
    }, (e: unknown) => { this.failure ??= e; this.notify(); });
  }

  private drain(): void {
    for (let r = this.ready.get(this.done); r !== undefined; r = this.ready.get(this.done)) {
      const by = this.answeredBy.get(this.done);
      this.answeredBy.delete(this.done);
      this.ready.delete(this.done++);
      if (!this.onReply(r)) continue;
      // Written out: its buffer goes back to the thread that filled it, for a later chunk.
      const buf = r.bytes.buffer as ArrayBuffer;
      if (by === undefined) recycleOutput(buf);
      else by.worker.postMessage({ recycle: buf } satisfies WorkerRequest, [buf]);
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

/**
 * Margin the JSON lines of `path` on `threads` threads (this one, which also reads and writes, and `threads - 1`
 * worker threads), printing as the in-process loop prints; see the module comment. `ctx` is this thread's context,
 * built from the same flags.
 */
export async function parallelMargin(cli: Cli, path: string, f: MarginFlags, threads: number, ctx: RiskContext): Promise<void> {
  const setup: WorkerSetup = { market: ctx.market, params: ctx.params, currency: f.currency, model: f.model, json: f.json };
  const rejects = new Rejects();
  let full: FullCheck | undefined;
  const here = (id: number, chunk: LineChunk): ChunkReply | undefined => {
    const r = full !== undefined ? marginChunk(ctx, f.model, f.json, chunk, full) : marginChunk(ctx, f.model, f.json, chunk, checkPortfolioFast);
    return r === undefined ? undefined : { id, ...r };
  };
  const needFull = async (): Promise<void> => { full = await fullPortfolioChecks(); };
  const pool = new ChunkPool(threads - 1, setup, here, needFull, (r) => {
    for (const x of r.rejects) rejects.reject({ line: x.line }, x.issues);
    return cli.out.pushBytes(r.bytes);
  });
  const bar = cli.progress("margin", "MB");
  const used = { bytes: 0 }, size = fileSize(path);
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  const closed = () => cli.out.closed;
  try {
    for await (const chunk of lineChunks(path, used)) {
      for (const line of chunk.nos) rejects.count({ line });
      await pool.send(chunk, closed);
      if (size !== undefined) bar.update(Math.min(mb(used.bytes), mb(size)), mb(size), () => `${chunk.nos[chunk.nos.length - 1].toLocaleString("en-US")} lines`);
      if (closed()) break;
    }
    await pool.finish(closed);
  } finally {
    bar.stop();
    await pool.close();
  }
  rejects.finish(path);
}
