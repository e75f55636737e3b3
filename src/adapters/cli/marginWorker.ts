/**
 * Worker thread of `dpm margin` on several threads (parallelMargin.ts). It loads the margin code as soon as it starts
 * (bin/dpm may start it before the CLI is loaded: marginThreads.ts), builds the command's context from the flags of
 * its first message, says it is ready, then answers each chunk of lines with its output as UTF-8 bytes
 * (transferred, not copied) and its rejects.
 */
import { parentPort } from "node:worker_threads";
import type { RiskContext } from "../../margin/riskContext.js";
import { contextOf, type MarginFlags } from "./common.js";
import { marginChunk, type LineChunk, type LineReject } from "./marginChunk.js";

/** What a worker is sent: the command's flags (once, first), then chunks to margin, numbered for the in-order merge. */
export type WorkerRequest = { readonly flags: MarginFlags } | ChunkRequest;

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

/** What a worker posts: that its context is built (once, first), then answers. */
export type WorkerMessage = { readonly ready: true } | ChunkReply;

let job: { flags: MarginFlags; ctx: RiskContext } | undefined;
parentPort?.on("message", (m: WorkerRequest) => {
  if ("flags" in m) {
    job = { flags: m.flags, ctx: contextOf(m.flags) };
    parentPort?.postMessage({ ready: true } satisfies WorkerMessage);
    return;
  }
  if (job === undefined) throw new Error("margin worker: a chunk came before the flags");
  const r = marginChunk(job.ctx, job.flags.model, job.flags.json, m);
  const reply: ChunkReply = { id: m.id, bytes: r.bytes, rejects: r.rejects };
  parentPort?.postMessage(reply, [r.bytes.buffer]);
});
