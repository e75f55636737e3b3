/**
 * `parsePortfolioFast(JSON.parse(line))` read straight from a JSON line's UTF-8 bytes, for the common line: ASCII
 * strings without escapes, sizes and amounts as numbers or decimal strings, the portfolio's own keys each at most once. It builds the
 * same `Portfolio` (the same objects with the same keys in the same order, the same doubles) without the
 * intermediate JSON values or the line's string. Anything else, valid or not (an escape, a duplicate key, a field the
 * fast checks leave to the schema, a syntax error), returns undefined: the caller then parses
 * the line as before, so every error is still found and worded by the same code, and this path never decides that
 * an input is invalid.
 *
 * Numbers: up to 15 significant digits without an exponent are exact as integer / 10^d (both exact doubles, one
 * correctly rounded division: Clinger's fast path); any other number is read by `Number` from its text, which for
 * JSON's number grammar is `JSON.parse`'s value.
 */
import type { Instrument } from "../domain/instrument.js";
import type { OpenOrder, Portfolio, Position } from "../domain/portfolio.js";
import { decimalNumber } from "./decimal.js";
import { collateralAmount, fastOrder, fastPosition, instrumentNamed, isAssetCode } from "./portfolioFast.js";

const QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58, MINUS = 45, DOT = 46, ZERO = 48, NINE = 57;
const OPEN_OBJECT = 123, CLOSE_OBJECT = 125, OPEN_ARRAY = 91, CLOSE_ARRAY = 93;
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Strings met before (instrument names, assets, keys) by their bytes: a hash table of the last one per slot. */
class Interned<T> {
  private readonly names: (string | undefined)[];
  private readonly values: (T | undefined)[];
  constructor(private readonly mask: number) {
    this.names = new Array<string | undefined>(mask + 1).fill(undefined);
    this.values = new Array<T | undefined>(mask + 1).fill(undefined);
  }
  /** Slot of bytes [s, e) (`h` their FNV-1a hash, as `LineReader.str` takes it), or −1 when its entry holds other bytes (`slot` then says where to put them). */
  find(b: Buffer, s: number, e: number, h: number): number {
    const at = h & this.mask, n = this.names[at];
    this.slot = at;
    if (n === undefined || n.length !== e - s) return -1;
    for (let i = 0; i < n.length; i++) if (n.charCodeAt(i) !== b[s + i]) return -1;
    return at;
  }
  slot = 0;
  name(at: number): string { return this.names[at]!; }
  value(at: number): T { return this.values[at]!; }
  set(at: number, name: string, value: T): void { this.names[at] = name; this.values[at] = value; }
}

const instruments = new Interned<Instrument | null>(1023);
const assets = new Interned<boolean>(255);

/** Bytes [s, e) as a string (ASCII only: the caller checked). */
const ascii = (b: Buffer, s: number, e: number): string => b.toString("latin1", s, e);

/** Reads one line; `fail` set means: not the common line (the caller parses it as before). */
class LineReader {
  b: Buffer = Buffer.alloc(0);
  i = 0;
  end = 0;
  fail = false;
  /** Start, end and hash of the last string read. */
  s = 0;
  e = 0;
  h = 0;
  num = 0;

  ws(): number {
    const b = this.b;
    let i = this.i;
    for (; i < this.end; i++) { const c = b[i]; if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break; }
    this.i = i;
    return i < this.end ? b[i] : -1;
  }

  /** `c` after blanks, consumed; else fail. */
  expect(c: number): boolean {
    if (this.ws() === c) { this.i++; return true; }
    this.fail = true;
    return false;
  }

  /** A string of printable ASCII without escapes into [s, e), its FNV-1a hash into `h`; else fail. */
  str(): boolean {
    if (!this.expect(QUOTE)) return false;
    const b = this.b, s = this.i;
    let i = s, h = 0x811c9dc5;
    for (; i < this.end; i++) {
      const c = b[i];
      if (c === QUOTE) break;
      if (c < 32 || c > 126 || c === BACKSLASH) { this.fail = true; return false; }
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.h = h >>> 0;
    if (i >= this.end) { this.fail = true; return false; }
    this.s = s; this.e = i; this.i = i + 1;
    return true;
  }

  /** A JSON number into `num` (JSON.parse's double); else fail. */
  number(): boolean {
    const b = this.b, start = this.ws();
    let i = this.i;
    const neg = start === MINUS;
    if (neg) i++;
    let c = b[i];
    if (!(c >= ZERO && c <= NINE) || i >= this.end) { this.fail = true; return false; }
    let mant = 0, sig = 0, frac = 0;
    if (c === ZERO) { i++; c = b[i]; if (c >= ZERO && c <= NINE && i < this.end) { this.fail = true; return false; } }
    else for (; i < this.end && c >= ZERO && c <= NINE; c = b[++i]) { mant = mant * 10 + (c - ZERO); sig++; }
    if (i < this.end && c === DOT) {
      c = b[++i];
      if (!(c >= ZERO && c <= NINE) || i >= this.end) { this.fail = true; return false; }
      for (; i < this.end && c >= ZERO && c <= NINE; c = b[++i]) {
        mant = mant * 10 + (c - ZERO); frac++;
        if (mant > 0) sig++;
      }
    }
    let v: number;
    if (i < this.end && (c === 101 || c === 69)) {
      c = b[++i];
      if (c === 43 || c === MINUS) c = b[++i];
      if (!(c >= ZERO && c <= NINE) || i >= this.end) { this.fail = true; return false; }
      while (i < this.end && c >= ZERO && c <= NINE) c = b[++i];
      v = Number(ascii(b, this.i, i));
    } else if (sig <= 15 && frac <= 22) v = neg ? -(frac === 0 ? mant : mant / POW10[frac]) : frac === 0 ? mant : mant / POW10[frac];
    else v = Number(ascii(b, this.i, i));
    if (!Number.isFinite(v)) { this.fail = true; return false; }
    this.num = v; this.i = i;
    return true;
  }

  /** A size or amount as the fast checks read it: a number, or an exact decimal string (`decimalNumber`); else fail. */
  amount(): boolean {
    if (this.ws() !== QUOTE) return this.number();
    if (!this.str()) return false;
    const v = decimalNumber(ascii(this.b, this.s, this.e));
    if (v === undefined || !Number.isFinite(v)) { this.fail = true; return false; }
    this.num = v;
    return true;
  }

  /** After a member: true when another follows (`,`), false at `close`; else fail. */
  more(close: number): boolean {
    const c = this.ws();
    this.i++;
    if (c === COMMA) return true;
    if (c !== close) this.fail = true;
    return false;
  }

  /** Opens `open`; true when it is not empty (`close` right after it is consumed). */
  opens(open: number, close: number): boolean {
    if (!this.expect(open)) return false;
    if (this.ws() === close) { this.i++; return false; }
    return true;
  }

  /** Key bytes equal `k`. */
  keyIs(k: string): boolean {
    if (this.e - this.s !== k.length) return false;
    for (let j = 0; j < k.length; j++) if (this.b[this.s + j] !== k.charCodeAt(j)) return false;
    return true;
  }

  /** The instrument of the string just read (a valid name), or null. */
  instrument(): Instrument | null {
    let at = instruments.find(this.b, this.s, this.e, this.h);
    if (at < 0) { at = instruments.slot; const name = ascii(this.b, this.s, this.e); instruments.set(at, name, instrumentNamed(name)); }
    return instruments.value(at);
  }
}

const r = new LineReader();

/** An array of positions or orders (`order`: size ≠ 0 and `price` instead of `entryPrice`); undefined: fail. */
function entries(order: boolean): (Position | OpenOrder)[] | undefined {
  const out: (Position | OpenOrder)[] = [];
  if (!r.opens(OPEN_ARRAY, CLOSE_ARRAY)) return r.fail ? undefined : out;
  do {
    let inst: Instrument | null | undefined, size: number | undefined, px: number | undefined;
    if (!r.opens(OPEN_OBJECT, CLOSE_OBJECT)) return undefined;
    do {
      if (!r.str() || !r.expect(COLON)) return undefined;
      if (r.keyIs("instrument")) {
        if (inst !== undefined || !r.str()) return undefined;
        inst = r.instrument();
      } else if (r.keyIs("size")) {
        if (size !== undefined || !r.amount()) return undefined;
        size = r.num;
      } else if (r.keyIs(order ? "price" : "entryPrice")) {
        if (px !== undefined || !r.number()) return undefined;
        px = r.num;
      } else return undefined;
    } while (r.more(CLOSE_OBJECT));
    if (r.fail) return undefined;
    const x = order ? fastOrder(inst ?? null, size, px) : fastPosition(inst ?? null, size, px);
    if (x === undefined || out.push(x) > 100_000) return undefined;
  } while (r.more(CLOSE_ARRAY));
  return r.fail ? undefined : out;
}

function collateral(): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  if (!r.opens(OPEN_OBJECT, CLOSE_OBJECT)) return r.fail ? undefined : out;
  do {
    if (!r.str()) return undefined;
    let at = assets.find(r.b, r.s, r.e, r.h);
    if (at < 0) { at = assets.slot; const code = ascii(r.b, r.s, r.e); assets.set(at, code, isAssetCode(code)); }
    const code = assets.name(at);
    if (!assets.value(at) || Object.prototype.hasOwnProperty.call(out, code) || !r.expect(COLON) || !r.amount()) return undefined;
    const x = r.num;
    if (!collateralAmount(x)) return undefined;
    out[code] = x;
  } while (r.more(CLOSE_OBJECT));
  return r.fail ? undefined : out;
}

/** One top-level member (the key just read); false: fail. */
function member(into: { account?: string; collateral?: Record<string, number>; positions?: Position[]; openOrders?: OpenOrder[] }): boolean {
  if (r.keyIs("account")) {
    if (into.account !== undefined || !r.str() || r.e - r.s < 1 || r.e - r.s > 200) return false;
    into.account = ascii(r.b, r.s, r.e);
  } else if (r.keyIs("collateral")) {
    if (into.collateral !== undefined) return false;
    into.collateral = collateral();
    return into.collateral !== undefined;
  } else if (r.keyIs("positions")) {
    if (into.positions !== undefined) return false;
    into.positions = entries(false) as Position[] | undefined;
    return into.positions !== undefined;
  } else if (r.keyIs("openOrders")) {
    if (into.openOrders !== undefined) return false;
    into.openOrders = entries(true) as OpenOrder[] | undefined;
    return into.openOrders !== undefined;
  } else return false;
  return true;
}

/**
 * The portfolio of the JSON line in bytes [start, end) of `bytes` when it is a common line the fast checks accept
 * (then equal to `parsePortfolioFast(JSON.parse(line))`), else undefined.
 */
export function portfolioFromLine(bytes: Buffer, start: number, end: number): Portfolio | undefined {
  r.b = bytes; r.i = start; r.end = end; r.fail = false;
  const into: { account?: string; collateral?: Record<string, number>; positions?: Position[]; openOrders?: OpenOrder[] } = {};
  if (!r.opens(OPEN_OBJECT, CLOSE_OBJECT)) return undefined;
  do {
    if (!r.str() || !r.expect(COLON) || !member(into)) return undefined;
  } while (r.more(CLOSE_OBJECT));
  if (r.fail || r.ws() !== -1 || into.account === undefined) return undefined;
  return { account: into.account, collateral: into.collateral ?? {}, positions: into.positions ?? [], openOrders: into.openOrders ?? [] };
}
