/**
 * The text tables of `dpm margin` laid out in WebAssembly (issue 10: the human table must not take longer than the
 * JSON). A table's cells are written into the memory of the module of native/shortestDigits.c: text cells as their
 * UTF-8 bytes, number cells by the module itself (format.ts's `fixed` and `grouped` fast paths), so a number never
 * becomes a string; the module then lays the table out as `tableInto` lays out the same cells as strings, and the
 * bytes are copied into the output once. Its code runs compiled from the first call, where the JavaScript layout it
 * replaced was compiled again by every thread while both cores margined.
 * One module instance per thread, shared by its `Cells`: one table at a time (`clear()` takes it; a `Cells` used
 * after another took it throws). Where WebAssembly is not available (`node --jitless`), cells are strings only, the
 * number formats decline (the caller uses format.ts's strings) and the table is `tableInto`'s.
 */
import { numberWasm, type NumberWasm } from "./numberWasm.js";
import { tableInto, type TextBuffer } from "./textTable.js";

const PAGE = 65536;
/** Room for one number cell (the longest `fixed`: 20 decimals and a 15-digit integer part, and a sign). */
const NUMBER_ROOM = 48;
const encoder = new TextEncoder();

interface Shared {
  readonly x: NumberWasm;
  /** The module's memory (renewed when it grows). */
  mem: Uint8Array;
  /** Where the cells' bytes start (after the module's own data). */
  readonly base: number;
  owner: Cells | undefined;
}

let shared: Shared | null | undefined;

function sharedModule(): Shared | undefined {
  if (shared === undefined) {
    const x = numberWasm();
    if (x === undefined) { shared = null; return undefined; }
    const base = ((x.__heap_base.value as number) + 15) & ~15;
    if (x.memory.buffer.byteLength < base + PAGE) x.memory.grow(Math.ceil((base + PAGE - x.memory.buffer.byteLength) / PAGE));
    shared = { x, mem: new Uint8Array(x.memory.buffer), base, owner: undefined };
  }
  return shared ?? undefined;
}

/** Cells of one table for `cellsTableInto`, text or number; reused: `clear()` before each table. */
export class Cells {
  /** Cells added. */
  n = 0;
  /** The text of cell i, or undefined for a number cell. */
  readonly texts: (string | undefined)[] = [];
  /** Cell i's bytes: offset in the module's memory, length, and width in UTF-16 units (what `tableInto` pads by). */
  private off = new Int32Array(64);
  private len = new Int32Array(64);
  private wid = new Int32Array(64);
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
    this.pos = m.base;
  }

  /** A text cell. */
  text(t: string): void {
    const m = this.m, n = t.length;
    if (m === undefined) { this.add(t, this.pos, n); return; }
    this.room(m, 3 * n);
    const mem = m.mem, start = this.pos;
    let p = start;
    for (let i = 0; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c > 127) { p = start + encoder.encodeInto(t, mem.subarray(start)).written; break; }
      mem[p++] = c;
    }
    this.add(t, p, n);
  }

  /** format.ts `fixed(v, d)` as a number cell; false, and no cell, where `fixed` leaves its fast path. */
  fixed(v: number, d: number): boolean {
    const m = this.m;
    if (m === undefined) return false;
    this.room(m, NUMBER_ROOM);
    const end = m.x.fixed(v, d, this.pos);
    if (end < 0) return false;
    this.add(undefined, end, end - this.pos);
    return true;
  }

  /** format.ts `grouped(v, d)` as a number cell; false, and no cell, where `grouped` leaves its fast path. */
  grouped(v: number, d: number): boolean {
    const m = this.m;
    if (m === undefined) return false;
    this.room(m, NUMBER_ROOM);
    const end = m.x.grouped(v, d, this.pos);
    if (end < 0) return false;
    this.add(undefined, end, end - this.pos);
    return true;
  }

  /** Cell i as a string. */
  at(i: number): string {
    const t = this.texts[i];
    if (t !== undefined || this.m === undefined) return t ?? "";
    return Buffer.from(this.m.mem.buffer, this.off[i], this.len[i]).toString("latin1");
  }

  /**
   * Lay the cells out as a table under `header` (`rows` rows of `header.length` cells) into `out`: the bytes of
   * `tableInto` of the same cells as strings (which lays out a table whose row ends in a non-ASCII character).
   */
  tableInto(out: TextBuffer, header: readonly string[], rows: number): void {
    const n = header.length, cells = this.n, m = this.m;
    if (cells !== rows * n) throw new Error(`${cells} cells for ${rows} rows of ${n}`);
    const end = m === undefined ? -1 : this.layout(m, header, rows);
    if (m === undefined || end < 0) {
      const strings: string[] = [];
      for (let i = 0; i < cells; i++) strings.push(this.at(i));
      tableInto(out, header, strings, rows);
      return;
    }
    const at = this.pos;
    out.room(end - at);
    out.buf.set(m.mem.subarray(at, end), out.pos);
    out.pos += end - at;
  }

  /** The table laid out by the module from `this.pos` on: its end, or −1 / −2 (`NumberWasm.table`). */
  private layout(m: Shared, header: readonly string[], rows: number): number {
    const n = header.length, cells = this.n;
    for (const h of header) this.text(h);
    const count = cells + n;
    this.pos = (this.pos + 3) & ~3;
    this.room(m, 12 * count);
    const triples = new Int32Array(m.mem.buffer, this.pos, 3 * count);
    for (let i = 0; i < count; i++) { triples[3 * i] = this.off[i]; triples[3 * i + 1] = this.len[i]; triples[3 * i + 2] = this.wid[i]; }
    const at = this.pos + 12 * count;
    // Each line is at most the columns' widths, two spaces each and a line end; non-ASCII cells add their extra bytes.
    let line = 0, extra = 0;
    for (let i = 0; i < n; i++) {
      let w = this.wid[cells + i];
      for (let j = i; j < cells; j += n) if (this.wid[j] > w) w = this.wid[j];
      line += 3 + w;
    }
    for (let i = 0; i < count; i++) extra += this.len[i] - this.wid[i];
    this.pos = at;
    this.room(m, (rows + 2) * line + extra);
    this.n = cells; // the header's cells were only for the layout
    return m.x.table(at - 12 * count, n, rows, at);
  }

  private add(text: string | undefined, end: number, width: number): void {
    if (this.n === this.off.length) this.grow();
    const i = this.n++;
    this.texts[i] = text;
    this.off[i] = this.pos;
    this.len[i] = end - this.pos;
    this.wid[i] = width;
    this.pos = end;
  }

  /** Room for `bytes` more in the module's memory (checking this table still holds it). */
  private room(s: Shared, bytes: number): void {
    if (s.owner !== this) throw new Error("Cells: another table took this thread's cell memory; clear() first");
    if (this.pos + bytes <= s.mem.length) return;
    const have = s.x.memory.buffer.byteLength;
    s.x.memory.grow(Math.max(Math.ceil((this.pos + bytes - have) / PAGE), have / PAGE));
    s.mem = new Uint8Array(s.x.memory.buffer);
  }

  private grow(): void {
    const m = 2 * this.off.length;
    const off = new Int32Array(m), len = new Int32Array(m), wid = new Int32Array(m);
    off.set(this.off);
    len.set(this.len);
    wid.set(this.wid);
    this.off = off;
    this.len = len;
    this.wid = wid;
  }
}

/** `cells.tableInto(out, header, rows)`: the bytes of `tableInto` of the same cells as strings. */
export function cellsTableInto(out: TextBuffer, header: readonly string[], cells: Cells, rows: number): void {
  cells.tableInto(out, header, rows);
}
