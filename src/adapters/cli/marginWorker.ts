/**
 * Worker thread of `dpm margin --workers N` (parallelMargin.ts): builds the command's context from the same flags,
 * then answers each chunk of lines with its output as UTF-8 bytes (transferred, not copied) and its rejects.
 */
import { parentPort, workerData } from "node:worker_threads";
import { contextOf, type MarginFlags } from "./common.js";
import { marginChunk, type LineChunk, type LineReject } from "./marginChunk.js";

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

const flags = (workerData as { flags: MarginFlags }).flags;
const ctx = contextOf(flags);
parentPort?.on("message", (m: ChunkRequest) => {
  const r = marginChunk(ctx, flags.model, flags.json, m);
  const reply: ChunkReply = { id: m.id, bytes: r.bytes, rejects: r.rejects };
  parentPort?.postMessage(reply, [r.bytes.buffer]);
});
