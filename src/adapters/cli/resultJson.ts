/**
 * `JSON.stringify` of a margin result, byte for byte, with the `params` block written once per distinct object:
 * the explanation path shares one frozen `params` object per combination of parameters, risk units and collateral
 * assets (explainResult.ts `usedParams`), so a 20,000-line batch stringifies a handful of them instead of 20,000.
 */
import type { MarginResult } from "../../margin/result.js";
import type { TextBuffer } from "./textTable.js";

const bytesCache = new WeakMap<object, Buffer>();

/** Is `params` the result's last key (so that splicing it at the end keeps the key order)? */
function paramsLast(r: object): boolean {
  let last: string | undefined;
  for (const k in r) last = k;
  return last === "params";
}

/**
 * `JSON.stringify(r)` and a line end, appended to `out` as UTF-8 without building the joined string: the body as
 * `JSON.stringify` writes it, then the `params` block's bytes, encoded once per distinct `params` object.
 */
export function resultJsonLineInto(out: TextBuffer, r: MarginResult): void {
  const p: unknown = (r as { params?: unknown }).params;
  if (p === null || typeof p !== "object" || !Object.isFrozen(p) || !paramsLast(r)) {
    out.text(JSON.stringify(r));
    out.text("\n");
    return;
  }
  let bytes = bytesCache.get(p);
  if (bytes === undefined) bytesCache.set(p, (bytes = Buffer.from(`"params":${JSON.stringify(p)}}\n`)));
  const { params: _omit, ...rest } = r as MarginResult & { params?: unknown };
  const body = JSON.stringify(rest);
  out.text(body);
  out.pos -= 1; // the body's closing brace; params follow inside the object
  if (body.length > 2) out.text(",");
  out.room(bytes.length);
  out.pos += bytes.copy(out.buf, out.pos);
}
