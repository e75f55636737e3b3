/**
 * The text tables of `dpm margin` laid out in WebAssembly (issue 10: the human table must not take longer than the
 * JSON). A table's cells are written into the memory of the module of native/shortestDigits.c: text cells as their
 * UTF-8 bytes, number cells by the module itself (format.ts's `fixed` and `grouped` fast paths, `num`'s exponent
 * form), so a number never becomes a string, and each cell's { offset, bytes, width } triple straight into the
 * module's memory; the module then lays the table out as `tableInto` lays out the same cells as strings, and the
 * bytes are copied into the output once. Its code runs compiled from the first call, where the JavaScript layout it
 * replaced was compiled again by every thread while both cores margined. A header's cells are written once and kept.
 *
 * Memory of the thread's instance: [headers: HEADER_BYTES][triples: MAX_CELLS × 12 bytes][cell bytes, then the
 * table]. A table of more than MAX_CELLS cells keeps its cells as strings and is laid out by `tableInto`.
 * One module instance per thread, shared by its `Cells`: one table at a time (`clear()` takes it; a `Cells` used
 * after another took it throws). Where WebAssembly is not available (`node --jitless`), cells are strings only, the
 * number formats decline (the caller uses format.ts's strings) and the table is `tableInto`'s.
 */
import { numberWasm, type NumberWasm } from "./numberWasm.js";
import { tableInto, type TextBuffer } from "./textTable.js";

const PAGE = 65536;
/** Room for one number cell (the longest `fixed`: 20 decimals and a 15-digit integer part, and a sign). */
const NUMBER_ROOM = 48;
/** Bytes kept for headers (their text and triples), and cells with a triple in the module's memory. */
const HEADER_BYTES = 1 << 14, MAX_CELLS = 8192;
const encoder = new TextEncoder();

interface Shared {
  readonly x: NumberWasm;
  /** Views of the module's memory (renewed when it grows). */
  mem: Uint8Array;
  i32: Int32Array;
  /** Where the headers, the triples and the cells' bytes start; the next free byte of the headers. */
  readonly headers: number;
  readonly triples: number;
  readonly bytes: number;
  headersEnd: number;
  /** Each header's triples, by header (module constants in practice). */
  readonly headerAt: WeakMap<readonly string[], number>;
  owner: Cells | undefined;
}

let shared: Shared | null | undefined;

function sharedModule(): Shared | undefined {
  if (shared === undefined) {
    const x = numberWasm();
    if (x === undefined) { shared = null; return undefined; }
    const headers = ((x.__heap_base.value as number) + 15) & ~15, triples = headers + HEADER_BYTES, bytes = triples + 12 * MAX_CELLS;
    const need = bytes + PAGE - x.memory.buffer.byteLength;
    if (need > 0) x.memory.grow(Math.ceil(need / PAGE));
    shared = {
      x, mem: new Uint8Array(x.memory.buffer), i32: new Int32Array(x.memory.buffer), headers, triples, bytes,
      headersEnd: headers, headerAt: new WeakMap(), owner: undefined,
    };
  }
  return shared ?? undefined;
}

/** Make room up to byte `end` of the module's memory (it grows; the views are renewed). */
function reach(s: Shared, end: number): void {
  if (end <= s.mem.length) return;
  const have = s.x.memory.buffer.byteLength;
  s.x.memory.grow(Math.max(Math.ceil((end - have) / PAGE), have / PAGE));
  s.mem = new Uint8Array(s.x.memory.buffer);
  s.i32 = new Int32Array(s.x.memory.buffer);
}

/** `t` as UTF-8 at byte `at` of the memory (room for 3 bytes per UTF-16 unit made by the caller); the end. */
function utf8At(mem: Uint8Array, at: number, t: string): number {
  let p = at;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c > 127) return at + encoder.encodeInto(t, mem.subarray(at)).written;
    mem[p++] = c;
  }
  return p;
}

/** A number cell's format (`Cells#numberCellAt`). */
export type CellFormat = 0 | 1 | 2;
export const CELL_FIXED = 0, CELL_GROUPED = 1, CELL_NUM = 2;

/** A number handed to `numberCellAt` by `fixed` and `grouped`. */
const one = new Float64Array(1);

/** Cells of one table for `cellsTableInto`, text or number; reused: `clear()` before each table. */
export class Cells {
  /** Cells added. */
  n = 0;
  /** The text of cell i, or undefined for a number cell. */
  private readonly texts: (string | undefined)[] = [];
  /** The next free byte of the cells' bytes. */
  private pos = 0;
  /** The thread's module memory; undefined without WebAssembly (strings only). */
  private readonly m = sharedModule();

  constructor() {
    this.clear();
  }

  /** Start a table: no cells (and the thread's module memory is this table's). */
  clear(): void {
    this.n = 0;
    const m = this.m;
    if (m === undefined) return;
    m.owner = this;
    this.pos = m.bytes;
  }

  /** A text cell. */
  text(t: string): void {
    const m = this.m;
    if (m === undefined || this.n >= MAX_CELLS) { this.texts[this.n++] = t; return; }
    this.room(m, 3 * t.length);
    this.add(m, t, utf8At(m.mem, this.pos, t), t.length);
  }

  /** format.ts `fixed(v, d)` as a number cell; false, and no cell, where `fixed` leaves its fast path. */
  fixed(v: number, d: number): boolean {
    one[0] = v;
    return this.numberCellAt(CELL_FIXED, one, 0, d);
  }

  /** format.ts `grouped(v, d)` as a number cell; false, and no cell, where `grouped` leaves its fast path. */
  grouped(v: number, d: number): boolean {
    one[0] = v;
    return this.numberCellAt(CELL_GROUPED, one, 0, d);
  }

  /**
   * `values[i]` as a number cell in `format` (`CELL_FIXED`: format.ts `fixed(v, d)`; `CELL_GROUPED`: `grouped(v, d)`;
   * `CELL_NUM`: `num(v, d)`, i.e. "0" for 0, `fixed` from 1e-4 to 1e6 (exclusive), `toExponential(3)` outside), after
   * the ASCII text `prefix` and before the ASCII text `suffix`, all in one cell; false, and no cell, where the module
   * declines the number (the caller then writes the string). The double is read here, next to the call into the
   * module, so that it is not passed between functions (a double argument of a call V8 does not inline is boxed).
   */
  numberCellAt(format: CellFormat, values: Float64Array, i: number, d: number, prefix = "", suffix = ""): boolean {
    const m = this.m;
    if (m === undefined || this.n >= MAX_CELLS) return false;
    this.room(m, NUMBER_ROOM + prefix.length + suffix.length);
    const v = values[i], at = prefix.length === 0 ? this.pos : utf8At(m.mem, this.pos, prefix);
    let end: number;
    if (format === CELL_GROUPED) end = m.x.grouped(v, d, at);
    else if (format === CELL_FIXED) end = m.x.fixed(v, d, at);
    else if (v === 0) { m.mem[at] = 0x30; end = at + 1; } // "0"
    else { const a = Math.abs(v); end = a < 1e6 && a >= 1e-4 ? m.x.fixed(v, d, at) : m.x.exponent3(v, at); }
    if (end < 0) return false;
    if (suffix.length > 0) end = utf8At(m.mem, end, suffix);
    this.add(m, undefined, end, end - this.pos);
    return true;
  }

  /** Cell i as a string. */
  at(i: number): string {
    const t = this.texts[i], m = this.m;
    if (t !== undefined || m === undefined) return t ?? "";
    const q = (m.triples >> 2) + 3 * i;
    return Buffer.from(m.mem.buffer, m.i32[q], m.i32[q + 1]).toString("latin1");
  }

  /**
   * Lay the cells out as a table under `header` (`rows` rows of `header.length` cells) into `out`: the bytes of
   * `tableInto` of the same cells as strings (which lays out a table whose row ends in a non-ASCII character).
   */
  tableInto(out: TextBuffer, header: readonly string[], rows: number): void {
    const n = header.length, cells = this.n, m = this.m;
    if (cells !== rows * n) throw new Error(`${cells} cells for ${rows} rows of ${n}`);
    const end = m === undefined || cells > MAX_CELLS ? -1 : this.layout(m, header, rows);
    if (m === undefined || end < 0) {
      const strings: string[] = [];
      for (let i = 0; i < cells; i++) strings.push(this.at(i));
      tableInto(out, header, strings, rows);
      return;
    }
    const at = this.pos, len = end - at;
    out.room(len);
    out.buf.set(m.mem.subarray(at, end), out.pos);
    out.pos += len;
  }

  /** The table laid out by the module at `this.pos`: its end, or < 0 (`NumberWasm.table`'s declines). */
  private layout(m: Shared, header: readonly string[], rows: number): number {
    this.room(m, 0);
    const head = this.headerTriples(m, header);
    for (;;) {
      const end = m.x.table(m.triples, header.length, rows, head, this.pos, m.mem.length);
      if (end > -16) return end;
      reach(m, this.pos - 16 - end);
    }
  }

  /** The triples of `header`'s cells: kept from an earlier table, written and kept, or written after the cells. */
  private headerTriples(m: Shared, header: readonly string[]): number {
    const kept = m.headerAt.get(header);
    if (kept !== undefined) return kept;
    let bytes = 0;
    for (const h of header) bytes += 3 * h.length;
    const keep = m.headersEnd + 12 * header.length + bytes <= m.headers + HEADER_BYTES;
    const at = keep ? m.headersEnd : (this.pos + 3) & ~3; // triples are int32s: 4-aligned
    if (!keep) reach(m, at + 12 * header.length + bytes);
    let p = at + 12 * header.length;
    for (let i = 0; i < header.length; i++) {
      const q = (at >> 2) + 3 * i, end = utf8At(m.mem, p, header[i]);
      m.i32[q] = p; m.i32[q + 1] = end - p; m.i32[q + 2] = header[i].length;
      p = end;
    }
    p = (p + 3) & ~3;
    if (keep) { m.headersEnd = p; m.headerAt.set(header, at); } else this.pos = p;
    return at;
  }

  private add(m: Shared, text: string | undefined, end: number, width: number): void {
    const i = this.n++, q = (m.triples >> 2) + 3 * i;
    this.texts[i] = text;
    m.i32[q] = this.pos; m.i32[q + 1] = end - this.pos; m.i32[q + 2] = width;
    this.pos = end;
  }

  /** Room for `bytes` more cell bytes (checking this table still holds the memory). */
  private room(m: Shared, bytes: number): void {
    if (m.owner !== this) throw new Error("Cells: another table took this thread's cell memory; clear() first");
    reach(m, this.pos + bytes);
  }
}

/** `cells.tableInto(out, header, rows)`: the bytes of `tableInto` of the same cells as strings. */
export function cellsTableInto(out: TextBuffer, header: readonly string[], cells: Cells, rows: number): void {
  cells.tableInto(out, header, rows);
}
