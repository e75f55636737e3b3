/**
 * `JSON.stringify` of a margin result and a line end, byte for byte, as UTF-8: the body written by `JsonBytes`
 * (numbers by WebAssembly, no intermediate string), and the `params` block written once per distinct object: the
 * explanation path shares one frozen `params` object per combination of parameters, risk units and collateral
 * assets (explainResult.ts `usedParams`), so a 20,000-line batch writes a handful of them instead of 20,000.
 * A result `JsonBytes` does not copy (not plain data) is written by `JSON.stringify`. For the portfolio model on the
 * explanation path, `explainedOutputInto` writes the line (or the text tables) from the evaluated book instead, with no
 * result object built (explainedBytes.ts, explainedText.ts); `resultJsonLineInto` serves every other result.
 */
import type { Portfolio } from "../../domain/portfolio.js";
import { explainResult } from "../../margin/kernel/explainResult.js";
import { explainedBook } from "../../margin/portfolioModel.js";
import type { MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { ExplainedBytes } from "./explainedBytes.js";
import { ResultBytes } from "./resultBytes.js";
import { explainedTextInto } from "./explainedText.js";
import { NEWLINE, type TextBuffer } from "./textTable.js";

const bytesCache = new WeakMap<object, Buffer>();
/** This thread's writer; null where WebAssembly is not available (every line then by `JSON.stringify`). */
let writer: ResultBytes | null | undefined;

function append(out: TextBuffer, bytes: Uint8Array, n: number): void {
  out.room(n);
  out.buf.set(n === bytes.length ? bytes : bytes.subarray(0, n), out.pos);
  out.pos += n;
}

/** `JSON.stringify(r)` and a line end, appended to `out` as UTF-8 (see the module comment). */
export function resultJsonLineInto(out: TextBuffer, r: MarginResult): void {
  writer ??= ResultBytes.create() ?? null;
  const p: unknown = (r as { params?: unknown }).params;
  if (writer !== null && p !== null && typeof p === "object" && Object.isFrozen(p)) {
    const body = writer.write(r, "params");
    if (body !== undefined && writer.skippedLast) {
      let bytes = bytesCache.get(p);
      if (bytes === undefined) bytesCache.set(p, (bytes = Buffer.from(`"params":${JSON.stringify(p)}}\n`)));
      append(out, body, body.length - 1); // the body's closing brace; params follow inside the object
      if (body.length > 2) out.text(",");
      append(out, bytes, bytes.length);
      return;
    }
  }
  // Params not shared, or not the last key: written in place; without a writer, or for what it declines, by JSON.stringify.
  const body = writer?.write(r);
  if (body !== undefined) append(out, body, body.length);
  else out.text(JSON.stringify(r));
  out.text("\n");
}

/** This thread's writer of results read off the book; null where WebAssembly is not available. */
let explained: ExplainedBytes | null | undefined;

/**
 * `dpm margin`'s output of the portfolio model's result for `pf` (with contributions) appended to `out`, where
 * `portfolioResultIsExplained(ctx)`: the `--json` line or the text tables written from the evaluated book
 * (explainedBytes.ts, explainedText.ts), no result object built. The bytes of `marginOutputInto` of
 * `marginWith(ctx, pf, "portfolio")`'s result. Returns the reason the account cannot be margined (nothing written).
 */
export function explainedOutputInto(out: TextBuffer, ctx: RiskContext, pf: Portfolio, json: boolean): string | undefined {
  const b = explainedBook(ctx, pf);
  if (!b.ok) return b.reason;
  if (!json) {
    explainedTextInto(out, b.value);
    out.repeat(NEWLINE, 2);
    return undefined;
  }
  explained ??= ExplainedBytes.create() ?? null;
  const bytes = explained?.line(b.value);
  if (bytes !== undefined) append(out, bytes, bytes.length);
  else resultJsonLineInto(out, explainResult(b.value, true));
  return undefined;
}
