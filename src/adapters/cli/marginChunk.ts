/**
 * The margin command's work on a chunk of JSON lines, in a worker thread (marginWorker.ts): each line parsed,
 * validated against the schema and the market, margined and written as the in-process loop writes it (`--json`:
 * `marginOutputInto`), as UTF-8 bytes laid out in one buffer; a line that fails at any
 * step is left out with its problems and its line number, as `Rejects` records it. The same functions as the
 * in-process path, in the same order.
 */
import { marginOf } from "../../analytics/models.js";
import type { InputIssue } from "../../input/issues.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { validate } from "./batch.js";
import { marginTextInto } from "./format.js";
import { parsed } from "./io.js";
import { resultJsonLineInto } from "./resultJson.js";
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

/** Margin every line of `chunk` against `ctx` under `model`; see the module comment. */
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk): ChunkOutput {
  const out = new TextBuffer(1 << 20);
  const rejects: LineReject[] = [];
  for (let i = 0; i < chunk.lines.length; i++) {
    const line = chunk.nos[i];
    const d = parsed(chunk.lines[i], "<portfolio>", line);
    if ("issues" in d) { rejects.push({ line, issues: d.issues }); continue; }
    const v = validate(d.value, ctx.market);
    if (!v.ok) { rejects.push({ line, issues: v.issues }); continue; }
    const r = marginOf(ctx, v.value, model);
    if (!r.ok) { rejects.push({ line, issues: [{ path: "--model", message: `cannot compute ${model} margin: ${r.reason}`, value: model }] }); continue; }
    marginOutputInto(out, r.value, json);
  }
  // A copy of exactly the bytes written, in a buffer of its own: the one transferred to the main thread.
  const bytes = new Uint8Array(out.pos);
  bytes.set(out.bytes());
  return { bytes, rejects };
}
