/**
 * Fixed-width text tables written as UTF-8 bytes into a growable buffer (issue 10: a 20,000-account batch
 * prints millions of cells; padding them as strings and joining lines cost more than formatting the numbers).
 * Cells stay strings; the padding, rules and line ends are written as bytes, with no intermediate strings.
 */

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
