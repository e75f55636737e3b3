/**
 * The margin command's work on a chunk of JSON lines, on this thread or a worker thread (marginWorker.ts): each line
 * parsed, checked against the schema and the market, margined and written as the in-process loop writes it
 * (`--json`: `marginOutputInto`), as UTF-8 bytes laid out in one buffer; a line that fails at any step is left out
 * with its problems and its line number, as `Rejects` records it. The same functions as the in-process path, in the
 * same order. The check is the caller's: the fast checks (input/checkFast.ts), which cannot word every problem, until
 * a chunk needs the full ones; a chunk they cannot decide is handed back undecided. This module loads no zod, so that
 * a thread does not pay its import.
 */
import { marginOf } from "../../analytics/models.js";
import type { InputIssue } from "../../input/issues.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import type { Checked, FullCheck } from "../../input/checkFast.js";
import { marginTextInto } from "./format.js";
import { parsed } from "./io.js";
import { portfolioResultIsExplained } from "../../margin/computeMargin.js";
import { explainedOutputInto, resultJsonLineInto } from "./resultJson.js";
import { NEWLINE, TextBuffer } from "./textTable.js";

/** Lines of a JSON-lines input (blank lines left out) with their 1-based line numbers. */
export interface LineChunk {
  readonly lines: readonly string[];
  readonly nos: readonly number[];
}

/** A line left out, with its problems. */
export interface LineReject {
  readonly line: number;
  readonly issues: readonly InputIssue[];
}

/** What a chunk gave: the bytes to print (UTF-8, in line order; its own buffer, transferable) and the lines left out. */
export interface ChunkOutput {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly rejects: LineReject[];
}

/** One result as `dpm margin` prints it: a JSON line (`--json`), or its tables and a blank line. */
export function marginOutputInto(out: TextBuffer, r: MarginResult, json: boolean): void {
  if (json) return resultJsonLineInto(out, r);
  marginTextInto(out, r);
  out.repeat(NEWLINE, 2);
}

/** How a chunk's documents are checked (`checkPortfolio`, or the fast checks alone, which may not decide). */
export type Check = (value: unknown, market: MarketSnapshot) => Checked;

/** Output bytes per line of the last chunk (a chunk's buffer is sized from it, so that it rarely grows). */
let bytesPerLine = 4096;

/**
 * Output buffers handed back once their bytes were written (`recycleOutput`), reused for the next chunks: a fresh
 * ~0.7 MB buffer per chunk faulted in fresh pages on its first write, ~8 µs per account on a 2-vCPU VM.
 */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 8;

/** Keep `buf` (a chunk's output buffer whose bytes were written out) for a later chunk of this thread. */
export function recycleOutput(buf: ArrayBuffer): void {
  if (spare.length < MAX_SPARE && buf.byteLength >= 1 << 16) spare.push(buf);
}

/** A buffer of at least `size` bytes: a spare one if it is large enough (a smaller one is dropped), else a new one. */
function outputBuffer(size: number): TextBuffer {
  const b = spare.pop();
  return b !== undefined && b.byteLength >= size ? new TextBuffer(Buffer.from(b)) : new TextBuffer(size);
}

/**
 * Margin every line of `chunk` against `ctx` under `model`, each document checked by `check`; see the module comment.
 * Undefined when `check` could not decide a document (nothing of the chunk is kept: the caller checks it in full),
 * which a check that always decides (`checkPortfolio`) never gives.
 */
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: FullCheck): ChunkOutput;
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: Check): ChunkOutput | undefined;
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: Check): ChunkOutput | undefined {
  // At least 64 KiB: a buffer of its own, never a slice of Node's shared pool (the answer's buffer is transferred).
  const out = outputBuffer(Math.max(1 << 16, Math.ceil(1.2 * bytesPerLine * chunk.lines.length)));
  const rejects: LineReject[] = [];
  // The portfolio model's output written from the evaluated book (resultJson.ts).
  const fromBook = model === "portfolio" && portfolioResultIsExplained(ctx);
  for (let i = 0; i < chunk.lines.length; i++) {
    const line = chunk.nos[i];
    const d = parsed(chunk.lines[i], "<portfolio>", line);
    if ("issues" in d) { rejects.push({ line, issues: d.issues }); continue; }
    const v = check(d.value, ctx.market);
    if (v === undefined) return undefined;
    if (!v.ok) { rejects.push({ line, issues: v.issues }); continue; }
    if (fromBook) {
      const reason = explainedOutputInto(out, ctx, v.value, json);
      if (reason !== undefined) rejects.push({ line, issues: [{ path: "--model", message: `cannot compute ${model} margin: ${reason}`, value: model }] });
      continue;
    }
    const r = marginOf(ctx, v.value, model);
    if (!r.ok) { rejects.push({ line, issues: [{ path: "--model", message: `cannot compute ${model} margin: ${r.reason}`, value: model }] }); continue; }
    marginOutputInto(out, r.value, json);
  }
  if (chunk.lines.length > 0) bytesPerLine = Math.max(64, out.pos / chunk.lines.length);
  // A view of the buffer written into (its own ArrayBuffer, see above): transferred to the main thread, not copied.
  return { bytes: new Uint8Array(out.buf.buffer as ArrayBuffer, out.buf.byteOffset, out.pos), rejects };
}
