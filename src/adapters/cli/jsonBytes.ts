/**
 * `JSON.stringify` of plain data, byte for byte, written as UTF-8 straight into a byte buffer (issue 10: the batch
 * CLI's `--json` lines). Numbers are written by a WebAssembly module (native/shortestDigits.c: the shortest digits
 * that read back, laid out as ECMAScript prints numbers) into its own memory, where the rest of the line is written
 * too. V8 11's `JSON.stringify` spent ~50 ns on each key and ~65 on each number of a margin result, and the string
 * it built was then encoded again.
 *
 * Keys: the sequences of keys met are kept in a tree (a key's node holds its bytes, `,"key":`, in the module's
 * memory), so an object shaped like one written before costs a pointer comparison per key, and a key followed by a
 * number is one call into the module. Keys not in the tree (it holds at most `KEY_BYTES` of them) are written
 * character by character.
 *
 * What it writes: plain objects (prototype `Object.prototype`, unmodified, or null; own enumerable string keys in
 * for-in order, which is JSON.stringify's for such objects), arrays, strings, numbers (non-finite: null), booleans
 * and null, with `undefined` and functions left out of objects and written as null in arrays. Anything else (an
 * enumerable `toJSON`, a Date, a Map, a class instance, a bigint, a symbol value, a cycle or nesting deeper than 64)
 * makes `write` answer undefined: the caller then uses `JSON.stringify`.
 */
import { numberWasm, type NumberWasm } from "./numberWasm.js";

/** A key after the keys on the path to it: its bytes `,"key":` at `off` in the module's memory. */
interface KeyNode {
  readonly key: string;
  readonly off: number;
  readonly len: number;
  readonly next: KeyNode[];
}

const PAGE = 65536;
/** Room kept free for one scalar: the longest number (25 bytes) and its separators. */
const SCALAR_ROOM = 40;
/** The keys' bytes kept in the module's memory, at most; and keys after one key, at most. */
const KEY_BYTES = 1 << 16, MAX_NEXT = 16;
const MAX_DEPTH = 64;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

/** Thrown inside a write for a value JSON.stringify would treat in a way this writer does not copy. */
const UNSUPPORTED = new Error("not plain JSON data");

const encoder = new TextEncoder();

/** A writer of JSON bytes in its own WebAssembly module's memory. */
export class JsonBytes {
  protected readonly x: NumberWasm;
  protected mem: Uint8Array;
  /** Where the keys' bytes are kept, and the next free byte there. */
  private readonly keysStart: number;
  private keysEnd: number;
  /** Where each value's bytes start. */
  private readonly start: number;
  protected pos = 0;
  private limit = 0;
  protected depth = 0;
  private readonly root: KeyNode = { key: "", off: 0, len: 0, next: [] };
  /** After a `write` with `skip`: the skipped key was the last one written or left out (so a caller can splice its value at the end). */
  skippedLast = false;

  /** A writer, or undefined where WebAssembly is not available (`node --jitless`: use `JSON.stringify`). */
  static create(): JsonBytes | undefined {
    const x = numberWasm();
    return x === undefined ? undefined : new JsonBytes(x);
  }

  protected constructor(x: NumberWasm) {
    this.x = x;
    this.keysStart = this.keysEnd = ((this.x.__heap_base.value as number) + 15) & ~15;
    this.start = this.keysStart + KEY_BYTES;
    this.mem = new Uint8Array(this.x.memory.buffer);
    this.limit = this.mem.length;
    this.pos = this.start;
    this.room(PAGE);
  }

  /**
   * `JSON.stringify(v)` as UTF-8 bytes (a view valid until the next write), leaving out of `v`, when it is a plain
   * object, the key `skip` (see `skippedLast`). Undefined for a value this writer does not copy (module comment).
   */
  write(v: unknown, skip?: string): Uint8Array | undefined {
    this.pos = this.start;
    this.depth = 0;
    this.skippedLast = false;
    try {
      if (skip !== undefined && isPlainObject(v)) this.object(v, skip);
      else this.value(v);
    } catch (e) {
      if (e === UNSUPPORTED) return undefined;
      throw e;
    }
    return this.mem.subarray(this.start, this.pos);
  }

  /**
   * The top-level object's key whose array has its plain-object elements offered to `element` first (a subclass
   * writing objects of a known shape; see resultBytes.ts).
   */
  protected shapedKey: string | undefined = undefined;

  /** Write `o` if it has the shape this writer knows (nothing written otherwise): whether it did. */
  protected element(_o: Record<string, unknown>): boolean {
    return false;
  }

  /**
   * Keep `,"key":` for each of `keys` in the module's memory (for a subclass's shapes): the offsets and lengths, or
   * undefined when the key area is full.
   */
  protected keyBytes(keys: readonly string[]): { off: Int32Array; len: Int32Array } | undefined {
    return this.keep(keys.map((k) => `,${JSON.stringify(k)}:`));
  }

  /** Keep each of `texts` (JSON fragments) in the key area as UTF-8: offsets and lengths, or undefined when it is full. */
  protected keep(texts: readonly string[]): { off: Int32Array; len: Int32Array } | undefined {
    const off = new Int32Array(texts.length), len = new Int32Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      if (this.keysEnd + 3 * texts[i].length > this.start) return undefined;
      off[i] = this.keysEnd;
      len[i] = encoder.encodeInto(texts[i], this.mem.subarray(this.keysEnd, this.start)).written;
      this.keysEnd += len[i];
    }
    return { off, len };
  }

  /** Start a value of the subclass's own (as `write` starts one). */
  protected begin(): void {
    this.pos = this.start;
    this.depth = 0;
  }

  /** The bytes written since `begin` (a view valid until the next write). */
  protected written(): Uint8Array {
    return this.mem.subarray(this.start, this.pos);
  }

  /** `value(v)`, or false (part of it written) for a value this writer does not copy. */
  protected tryValue(v: unknown): boolean {
    try {
      this.value(v);
      return true;
    } catch (e) {
      if (e === UNSUPPORTED) return false;
      throw e;
    }
  }

  /** Copy `bytes` (JSON written before). */
  protected raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.mem.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Copy `len` bytes of the key area from `off` (a key of `keyBytes`, with or without its comma). */
  protected keyAt(off: number, len: number): void {
    this.room(len);
    const m = this.mem;
    let p = this.pos;
    for (let i = off; i < off + len; i++) m[p++] = m[i];
    this.pos = p;
  }

  /**
   * `,"key":` (the bytes at `off`, `len` of the key area) and `values[i]` as JSON writes it: the double is read here,
   * next to the call into the module, so that it is never passed between JavaScript functions (a double argument of a
   * call V8 does not inline is boxed: an allocation per number).
   */
  protected numberFrom(off: number, len: number, values: Float64Array, i: number): void {
    this.room(len + SCALAR_ROOM);
    this.pos = this.x.field(off, len, values[i], this.pos);
  }

  /** One byte (an ASCII brace, bracket or comma). */
  protected byte(c: number): void {
    this.room(1);
    this.mem[this.pos++] = c;
  }

  /**
   * An object of `keys` whose values were already read (`values[i]` of `keys[i]`), written as `object` writes it:
   * for a subclass's shape whose values turned out not to be of the types its fast path writes.
   */
  protected members(keys: readonly string[], values: readonly unknown[]): void {
    if (++this.depth > MAX_DEPTH) throw UNSUPPORTED;
    this.byte(LBRACE);
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const v = values[i];
      if (typeof v === "symbol" || typeof v === "bigint") throw UNSUPPORTED;
      if (v === undefined || typeof v === "function") continue;
      if (!first) this.byte(COMMA);
      first = false;
      this.string(keys[i]);
      this.byte(COLON);
      this.value(v);
    }
    this.byte(RBRACE);
    this.depth--;
  }

  /** Make room for `n` more bytes (the module's memory grows; its views are renewed). */
  protected room(n: number): void {
    if (this.pos + n <= this.limit) return;
    const have = this.x.memory.buffer.byteLength;
    this.x.memory.grow(Math.max(Math.ceil((this.pos + n - have) / PAGE), have / PAGE));
    this.mem = new Uint8Array(this.x.memory.buffer);
    this.limit = this.mem.length;
  }

  protected value(v: unknown): void {
    switch (typeof v) {
      case "number":
        this.room(SCALAR_ROOM);
        this.pos = this.x.number(v, this.pos);
        return;
      case "string":
        this.string(v);
        return;
      case "boolean":
        this.ascii(v ? "true" : "false");
        return;
      case "object":
        if (v === null) this.ascii("null");
        else if (Array.isArray(v)) this.array(v as readonly unknown[], false);
        else if (isPlainObject(v)) this.object(v, undefined);
        else throw UNSUPPORTED;
        return;
      default:
        throw UNSUPPORTED; // undefined, a function, a symbol or a bigint written on its own
    }
  }

  private object(o: Record<string, unknown>, skip: string | undefined): void {
    if (++this.depth > MAX_DEPTH) throw UNSUPPORTED;
    this.room(1);
    this.mem[this.pos++] = LBRACE;
    let node: KeyNode | undefined = this.root;
    let first = 1;
    for (const k in o) {
      const v = o[k];
      if (k === "toJSON" || typeof v === "symbol" || typeof v === "bigint") throw UNSUPPORTED;
      if (k === skip) { this.skippedLast = true; continue; }
      if (v === undefined || typeof v === "function") continue;
      this.skippedLast = false;
      node = node === undefined ? undefined : this.after(node, k);
      if (node === undefined) {
        this.room(1);
        if (first === 0) this.mem[this.pos++] = COMMA;
        this.string(k);
        this.room(1);
        this.mem[this.pos++] = COLON;
      } else {
        const off = node.off + first, len = node.len - first;
        if (typeof v === "number") {
          this.room(len + SCALAR_ROOM);
          this.pos = this.x.field(off, len, v, this.pos);
          first = 0;
          continue;
        }
        this.room(len);
        const m = this.mem;
        let p = this.pos;
        for (let i = off; i < off + len; i++) m[p++] = m[i];
        this.pos = p;
      }
      first = 0;
      if (this.depth === 1 && k === this.shapedKey && Array.isArray(v)) this.array(v as readonly unknown[], true);
      else this.value(v);
    }
    this.room(1);
    this.mem[this.pos++] = RBRACE;
    this.depth--;
  }

  /** The node of key `k` after `node`: found, or added while there is room; undefined otherwise. */
  private after(node: KeyNode, k: string): KeyNode | undefined {
    const next = node.next;
    for (let i = 0; i < next.length; i++) if (next[i].key === k) return next[i];
    const text = `,${JSON.stringify(k)}:`;
    if (next.length >= MAX_NEXT || this.keysEnd + 3 * text.length > this.start) return undefined;
    const len = encoder.encodeInto(text, this.mem.subarray(this.keysEnd, this.start)).written;
    const n: KeyNode = { key: k, off: this.keysEnd, len, next: [] };
    this.keysEnd += len;
    next.push(n);
    return n;
  }

  /** An array; with `shaped`, each plain-object element offered to `element` first. */
  private array(a: readonly unknown[], shaped: boolean): void {
    if (++this.depth > MAX_DEPTH || Object.getPrototypeOf(a) !== Array.prototype || "toJSON" in a) throw UNSUPPORTED;
    this.room(1);
    this.mem[this.pos++] = LBRACKET;
    for (let i = 0; i < a.length; i++) {
      if (i > 0) { this.room(1); this.mem[this.pos++] = COMMA; }
      const v = a[i];
      if (v === undefined || typeof v === "function") this.ascii("null");
      else if (!(shaped && isPlainObject(v) && this.element(v))) this.value(v);
    }
    this.room(1);
    this.mem[this.pos++] = RBRACKET;
    this.depth--;
  }

  /** A JSON string: printable ASCII byte by byte; anything else as JSON.stringify escapes it, encoded as UTF-8. */
  protected string(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const m = this.mem;
    let p = this.pos;
    m[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === QUOTE || c === BACKSLASH || c > 0x7e) return this.escaped(s);
      m[p++] = c;
    }
    m[p++] = QUOTE;
    this.pos = p;
  }

  private escaped(s: string): void {
    const j = JSON.stringify(s);
    this.room(3 * j.length);
    this.pos += encoder.encodeInto(j, this.mem.subarray(this.pos)).written;
  }

  private ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.mem[this.pos++] = s.charCodeAt(i);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
