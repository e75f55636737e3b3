/**
 * The margin command's work on a chunk of JSON lines, on this thread or a worker thread (marginWorker.ts): each line
 * parsed, checked against the schema and the market, margined and written as the in-process loop writes it
 * (`--json`: `marginOutputInto`), as UTF-8 bytes laid out in one buffer; a line that fails at any step is left out
 * with its problems and its line number, as `Rejects` records it. The same functions as the in-process path, in the
 * same order. The check is the caller's: this thread passes batch.ts `validate`; a worker passes the fast checks
 * alone (marginWorker.ts), which cannot word every problem, and hands back a chunk they cannot decide. This module
 * loads no zod (batch.ts does), so that a worker does not pay its import.
 */
import { marginOf } from "../../analytics/models.js";
import type { Portfolio } from "../../domain/portfolio.js";
import type { InputIssue } from "../../input/issues.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { MarginModel, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { marketChecked } from "../../input/crossCheck.js";
import { parsePortfolioFast } from "../../input/portfolioFast.js";
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

/**
 * A document checked against the schema and the market: the portfolio, its problems, or undefined when the check
 * cannot decide (the fast checks met a form only the full schema reads or words).
 */
export type Checked = { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } | undefined;

/** How a chunk's documents are checked (batch.ts `validate`, or a worker's fast checks). */
export type Check = (value: unknown, market: MarketSnapshot) => Checked;

/**
 * batch.ts `validate` where the fast portfolio parser decides (the same portfolio, the same market cross-check), and
 * undefined where only the zod schema can (a form the fast parser leaves to it, or a problem it words).
 */
export function fastCheck(value: unknown, market: MarketSnapshot): Checked {
  const p = parsePortfolioFast(value);
  return p === undefined ? undefined : marketChecked(p, market);
}

/** Output bytes per line of the last chunk (a chunk's buffer is sized from it, so that it rarely grows). */
let bytesPerLine = 4096;

/**
 * Margin every line of `chunk` against `ctx` under `model`, each document checked by `check`; see the module comment.
 * Undefined when `check` could not decide a document (nothing of the chunk is kept: the caller checks it in full),
 * which a check that always decides (batch.ts `validate`) never gives.
 */
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: (value: unknown, market: MarketSnapshot) => Exclude<Checked, undefined>): ChunkOutput;
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: Check): ChunkOutput | undefined;
export function marginChunk(ctx: RiskContext, model: MarginModel, json: boolean, chunk: LineChunk, check: Check): ChunkOutput | undefined {
  // At least 64 KiB: a buffer of its own, never a slice of Node's shared pool (the answer's buffer is transferred).
  const out = new TextBuffer(Math.max(1 << 16, Math.ceil(1.2 * bytesPerLine * chunk.lines.length)));
  const rejects: LineReject[] = [];
  for (let i = 0; i < chunk.lines.length; i++) {
    const line = chunk.nos[i];
    const d = parsed(chunk.lines[i], "<portfolio>", line);
    if ("issues" in d) { rejects.push({ line, issues: d.issues }); continue; }
    const v = check(d.value, ctx.market);
    if (v === undefined) return undefined;
    if (!v.ok) { rejects.push({ line, issues: v.issues }); continue; }
    const r = marginOf(ctx, v.value, model);
    if (!r.ok) { rejects.push({ line, issues: [{ path: "--model", message: `cannot compute ${model} margin: ${r.reason}`, value: model }] }); continue; }
    marginOutputInto(out, r.value, json);
  }
  if (chunk.lines.length > 0) bytesPerLine = Math.max(64, out.pos / chunk.lines.length);
  // A view of the buffer written into (its own ArrayBuffer, see above): transferred to the main thread, not copied.
  return { bytes: new Uint8Array(out.buf.buffer as ArrayBuffer, out.buf.byteOffset, out.pos), rejects };
}
