/**
 * The WebAssembly module of native/shortestDigits.c (native/shortestDigits.wasm, built by scripts/build-wasm.mjs and
 * committed): numbers written as ASCII bytes into the module's memory, as `JSON.stringify` writes them
 * (`number`, `field`) and as the text tables do (`fixed`, `grouped`: format.ts's fast paths; `exponent3`: its exponent form; `table`: the layout of
 * textTable.ts `tableInto`). Compiled once per
 * thread, on first use; each caller gets an instance of its own (its own memory). Where WebAssembly is not
 * available (`node --jitless`), or the file is missing from an installation, there is no instance, and the callers
 * use their JavaScript paths (the same bytes, slower).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The module's exports. Offsets are byte offsets into `memory`. */
export interface NumberWasm {
  readonly memory: WebAssembly.Memory;
  /** The first byte after the module's own data and stack: callers write from here. */
  readonly __heap_base: WebAssembly.Global;
  /** Write x as JSON writes it at byte offset `at`; the offset after it. */
  number(x: number, at: number): number;
  /** Copy `len` bytes from `from` to `at`, then write x; the offset after them. */
  field(from: number, len: number, x: number, at: number): number;
  /** format.ts `fixed(v, d)` at `at`: the offset after it, or -1 where `fixed` leaves its fast path. */
  fixed(v: number, d: number, at: number): number;
  /** format.ts `grouped(v, d)` at `at`: the offset after it, or -1 where `grouped` leaves its fast path. */
  grouped(v: number, d: number, at: number): number;
  /** `v.toExponential(3)` at `at` for 1e-16 ≤ |v| < 1e21: the offset after it, or -1 (out of range, NaN, near a half). */
  exponent3(v: number, at: number): number;
  /**
   * Lay out a table (cellTable.ts) from rows × n int32 triples { offset, bytes, width } at `cells` and the header's n
   * at `head`, at `at` if it fits below `limit`: the offset after it; −16 − (bytes needed) when it does not fit; −1
   * where a row ends in a non-ASCII byte, −2 beyond 64 columns or 2 GB.
   */
  table(cells: number, n: number, rows: number, head: number, at: number, limit: number): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** native/shortestDigits.wasm, from dist/src/adapters/cli/ or src/adapters/cli/; undefined when neither has it. */
export function numberWasmPath(): string | undefined {
  for (const up of ["../../../../", "../../../"]) {
    const p = fileURLToPath(new URL(`${up}native/shortestDigits.wasm`, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** A new instance of the module (compiled on first use: ~19 KB, synchronously); undefined without it. */
export function numberWasm(): NumberWasm | undefined {
  if (compiled === undefined) {
    const path = typeof WebAssembly === "undefined" ? undefined : numberWasmPath();
    compiled = path === undefined ? null : new WebAssembly.Module(readFileSync(path));
  }
  return compiled === null ? undefined : (new WebAssembly.Instance(compiled, {}).exports as unknown as NumberWasm);
}
