/**
 * Fixed-width text tables written as UTF-8 bytes into a growable buffer (issue 10: a 20,000-account batch
 * prints millions of cells; padding them as strings and joining lines cost more than formatting the numbers).
 * Cells stay strings; the padding, rules and line ends are written as bytes, with no intermediate strings.
 */

import { numberWasm, type NumberWasm } from "./numberWasm.js";

/** A growable byte buffer for text written piece by piece. */
export class TextBuffer {
  /** The bytes; valid up to `pos`. */
  buf: Buffer;
  /** Bytes written. */
  pos = 0;

  /** A new buffer of `size` bytes, or writing over `buf` (a spare one, reused). */
  constructor(size: number | Buffer = 1 << 16) {
    this.buf = typeof size === "number" ? Buffer.allocUnsafe(size) : size;
  }

  /** Make room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** Append `s` as UTF-8 (a short ASCII string copied byte by byte: cheaper than a call into `Buffer#write`). */
  text(s: string): void {
    const n = s.length;
    this.room(3 * n);
    const b = this.buf;
    if (n > 64) {
      this.pos += b.write(s, this.pos, "utf8");
      return;
    }
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos = p + b.write(s.slice(i), p, "utf8");
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** Append `n` copies of the ASCII character `code`. */
  repeat(code: number, n: number): void {
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = code;
    this.pos = p;
  }

  /** Append `n` bytes of `src` from `off` (a short run: a loop, no view). */
  copy(src: Uint8Array, off: number, n: number): void {
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = off; i < off + n; i++) b[p++] = src[i];
    this.pos = p;
  }

  /** The bytes written (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The text written. */
  toString(): string {
    return this.buf.toString("utf8", 0, this.pos);
  }
}

const SPACE = 32, DASH = 45;
/** The line end, as a byte. */
export const NEWLINE = 10;
const widths: number[] = [];

/**
 * Append a table to `out`: the header, a rule, then `rows` rows whose `header.length` cells each are laid out
 * row by row in `cells`; first column left-aligned, the others right-aligned, columns two spaces apart, no
 * trailing blanks on a line, no line end after the last row. Widths are in UTF-16 units (`String#length`).
 */
export function tableInto(out: TextBuffer, header: readonly string[], cells: readonly string[], rows: number): void {
  const n = header.length;
  for (let i = 0; i < n; i++) widths[i] = header[i].length;
  for (let j = 0, o = 0; j < rows; j++) {
    for (let i = 0; i < n; i++, o++) if (cells[o].length > widths[i]) widths[i] = cells[o].length;
  }
  headerInto(out, header, n);
  for (let j = 0; j < rows; j++) {
    out.repeat(NEWLINE, 1);
    line(out, cells, j * n, n);
  }
}

/** The header row and the rule under it, at the current `widths`. */
function headerInto(out: TextBuffer, header: readonly string[], n: number): void {
  line(out, header, 0, n);
  out.repeat(NEWLINE, 1);
  out.repeat(DASH, widths[0]);
  for (let i = 1; i < n; i++) {
    out.repeat(SPACE, 2);
    out.repeat(DASH, widths[i]);
  }
}

/** One row: cells `o … o+n-1` padded to `widths`, trailing blanks dropped (as `String#trimEnd` drops them). */
function line(out: TextBuffer, cells: readonly string[], o: number, n: number): void {
  const start = out.pos, first = cells[o];
  out.text(first);
  out.repeat(SPACE, widths[0] - first.length);
  for (let i = 1; i < n; i++) {
    const x = cells[o + i];
    out.repeat(SPACE, 2 + widths[i] - x.length);
    out.text(x);
  }
  if (!trimmed(out, start)) trimmedLine(out, cells, o, n);
}

/**
 * Drop the ASCII blanks that end the row started at `start`; false (the row taken back) when it then ends in a
 * non-ASCII character, which may be a non-ASCII blank (U+00A0, U+3000, …): the caller trims it as a string.
 */
function trimmed(out: TextBuffer, start: number): boolean {
  const b = out.buf;
  let p = out.pos;
  while (p > start && (b[p - 1] === SPACE || (b[p - 1] >= 9 && b[p - 1] <= 13))) p--;
  out.pos = p;
  if (p > start && b[p - 1] > 127) {
    out.pos = start;
    return false;
  }
  return true;
}

/** A row built as a string and trimmed by `String#trimEnd` (rows ending in a non-ASCII character). */
function trimmedLine(out: TextBuffer, cells: readonly string[], o: number, n: number): void {
  let s = cells[o].padEnd(widths[0]);
  for (let i = 1; i < n; i++) s += `  ${cells[o + i].padStart(widths[i])}`;
  out.text(s.trimEnd());
}

/** Where this thread's table numbers are written by the WebAssembly module before they are copied into a cell. */
let numbers: { readonly x: NumberWasm; readonly mem: Uint8Array; readonly at: number } | undefined;

function numberScratch(): { readonly x: NumberWasm; readonly mem: Uint8Array; readonly at: number } {
  if (numbers === undefined) {
    const x = numberWasm();
    x.memory.grow(1); // room after the module's data for one number
    numbers = { x, mem: new Uint8Array(x.memory.buffer), at: ((x.__heap_base.value as number) + 15) & ~15 };
  }
  return numbers;
}

/**
 * Cells of one table for `cellsTableInto`: text cells (strings) and number cells written as ASCII bytes into the
 * cells' own buffer (`fixed` and `grouped`: format.ts's number formats, by the WebAssembly module of
 * native/shortestDigits.c, whose code runs compiled from the first call; or `reserve`, then `commit`), so a number
 * never becomes a string. Reused: `clear()` before each table.
 */
export class Cells {
  n = 0;
  /** The text of cell i, or undefined for a byte cell. */
  readonly texts: (string | undefined)[] = [];
  off = new Int32Array(64);
  len = new Int32Array(64);
  bytes = new Uint8Array(4096);
  private pos = 0;

  clear(): void {
    this.n = 0;
    this.pos = 0;
  }

  text(s: string): void {
    this.grow();
    this.texts[this.n] = s;
    this.len[this.n++] = s.length;
  }

  /** Where to write the next byte cell, with room for `max` bytes. */
  reserve(max: number): number {
    if (this.pos + max > this.bytes.length) {
      const b = new Uint8Array(Math.max(2 * this.bytes.length, this.pos + max));
      b.set(this.bytes.subarray(0, this.pos));
      this.bytes = b;
    }
    return this.pos;
  }

  /** The byte cell written from `reserve`'s position up to `end`. */
  commit(end: number): void {
    this.grow();
    this.texts[this.n] = undefined;
    this.off[this.n] = this.pos;
    this.len[this.n++] = end - this.pos;
    this.pos = end;
  }

  /** format.ts `fixed(v, d)` as a byte cell; false, and no cell, where `fixed` leaves its fast path. */
  fixed(v: number, d: number): boolean {
    const s = numberScratch(), end = s.x.fixed(v, d, s.at);
    if (end < 0) return false;
    this.byteCell(s.mem, s.at, end);
    return true;
  }

  /** format.ts `grouped(v, d)` as a byte cell; false, and no cell, where `grouped` leaves its fast path. */
  grouped(v: number, d: number): boolean {
    const s = numberScratch(), end = s.x.grouped(v, d, s.at);
    if (end < 0) return false;
    this.byteCell(s.mem, s.at, end);
    return true;
  }

  private byteCell(src: Uint8Array, from: number, to: number): void {
    let p = this.reserve(to - from);
    const b = this.bytes;
    for (let i = from; i < to; i++) b[p++] = src[i];
    this.commit(p);
  }

  /** Cell i as a string. */
  at(i: number): string {
    return this.texts[i] ?? String.fromCharCode(...this.bytes.subarray(this.off[i], this.off[i] + this.len[i]));
  }

  private grow(): void {
    if (this.n < this.off.length) return;
    const off = new Int32Array(2 * this.off.length), len = new Int32Array(2 * this.off.length);
    off.set(this.off);
    len.set(this.len);
    this.off = off;
    this.len = len;
  }
}

/** `tableInto` of `Cells`: the same layout and bytes as `tableInto` of the cells' strings. */
export function cellsTableInto(out: TextBuffer, header: readonly string[], cells: Cells, rows: number): void {
  const n = header.length, len = cells.len;
  for (let i = 0; i < n; i++) widths[i] = header[i].length;
  for (let j = 0, o = 0; j < rows; j++) {
    for (let i = 0; i < n; i++, o++) if (len[o] > widths[i]) widths[i] = len[o];
  }
  headerInto(out, header, n);
  for (let j = 0; j < rows; j++) {
    out.repeat(NEWLINE, 1);
    cellsLine(out, cells, j * n, n);
  }
}

const rowTexts: string[] = [];

/** `line` of `Cells`. */
function cellsLine(out: TextBuffer, cells: Cells, o: number, n: number): void {
  const start = out.pos, texts = cells.texts, len = cells.len;
  for (let i = 0; i < n; i++) {
    const t = texts[o + i], l = len[o + i];
    if (i > 0) out.repeat(SPACE, 2 + widths[i] - l);
    if (t !== undefined) out.text(t);
    else out.copy(cells.bytes, cells.off[o + i], l);
    if (i === 0) out.repeat(SPACE, widths[0] - l);
  }
  if (trimmed(out, start)) return;
  rowTexts.length = 0;
  for (let i = 0; i < n; i++) rowTexts.push(cells.at(o + i));
  trimmedLine(out, rowTexts, 0, n);
}
