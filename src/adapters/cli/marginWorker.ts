/**
 * Worker thread of `dpm margin` on several threads (parallelMargin.ts). It loads the margin code as soon as it starts
 * (bin/dpm may start it before the CLI is loaded: marginThreads.ts), builds its context from the market and
 * parameters the main thread has validated (its first message: plain data, cloned), says it is ready, then answers
 * each chunk of lines with its output as UTF-8 bytes (transferred, not copied) and its rejects. It checks documents
 * with the fast checks and loads no zod at start (~75-110 ms of a thread's start); a chunk holding a document those
 * checks cannot decide goes back undecided, the main thread margins it with the full schema, and the worker loads the
 * full checks (zod) then, in the background, so that a book of such documents (multi-venue books, say) is
 * still margined on every thread once they are in.
 */
import { parentPort } from "node:worker_threads";
import type { MarginParams } from "../../margin/params.js";
import { prepareContext } from "../../margin/computeMargin.js";
import type { MarginModel } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { checkPortfolioFast, fullPortfolioChecks } from "../../input/checkFast.js";
import { marginChunk, recycleOutput, type Check, type LineChunk, type LineReject } from "./marginChunk.js";

/** What a worker builds its context from: what the main thread validated and built its own from, and the command's choices. */
export interface WorkerSetup {
  readonly market: MarketSnapshot;
  readonly params: MarginParams;
  readonly currency: string;
  readonly model: MarginModel;
  readonly json: boolean;
}

/**
 * What a worker is sent: its setup (once, first), then chunks to margin, numbered for the in-order merge, and the
 * output buffers of its answers once the main thread has written them (transferred back, reused).
 */
export type WorkerRequest = { readonly setup: WorkerSetup } | ChunkRequest | { readonly recycle: ArrayBuffer };

/** A chunk to margin, numbered for the in-order merge. */
export interface ChunkRequest extends LineChunk {
  readonly id: number;
}

/** A chunk's answer: its output bytes and the lines it left out. */
export interface ChunkReply {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly rejects: readonly LineReject[];
}

/** A chunk holding a document the fast checks could not decide: the main thread margins it. */
export interface ChunkUndecided {
  readonly id: number;
  readonly undecided: true;
}

/** What a worker posts: that its context is built (once, first), then answers. */
export type WorkerMessage = { readonly ready: true } | ChunkReply | ChunkUndecided;

let job: { setup: WorkerSetup; ctx: RiskContext } | undefined;
/** The checks in use: the fast ones, then the full ones once a document has needed them (`loadFullChecks`). */
let check: Check = checkPortfolioFast;
let fullChecks: Promise<void> | undefined;

/** Load the full checks in the background (once); until they are in, undecided chunks go back to the main thread. */
function loadFullChecks(): void {
  fullChecks ??= fullPortfolioChecks().then(
    (c) => { check = c; },
    () => undefined, // stay on the fast checks: the main thread margins what they cannot decide
  );
}
parentPort?.on("message", (m: WorkerRequest) => {
  if ("recycle" in m) {
    recycleOutput(m.recycle);
    return;
  }
  if ("setup" in m) {
    const c = prepareContext(m.setup.market, m.setup.params, m.setup.currency);
    if (!c.ok) throw new Error(`margin worker: ${c.reason}`);
    job = { setup: m.setup, ctx: c.value };
    parentPort?.postMessage({ ready: true } satisfies WorkerMessage);
    return;
  }
  if (job === undefined) throw new Error("margin worker: a chunk came before the setup");
  const r = marginChunk(job.ctx, job.setup.model, job.setup.json, m, check);
  if (r === undefined) {
    loadFullChecks();
    parentPort?.postMessage({ id: m.id, undecided: true } satisfies WorkerMessage);
    return;
  }
  const reply: ChunkReply = { id: m.id, bytes: r.bytes, rejects: r.rejects };
  parentPort?.postMessage(reply, [r.bytes.buffer]);
});
