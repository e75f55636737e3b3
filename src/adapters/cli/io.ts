import { closeSync, createReadStream, fstatSync, openSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import type { Portfolio } from "../../domain/portfolio.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { portfolioFromLine } from "../../input/portfolioLine.js";

function readFailure(e: unknown, path: string, what: string): DpmInputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a file" : `cannot read (${code ?? String(e)})`;
  return new DpmInputError(`cannot read ${what}`, [{ path: what, message: why, value: path }]);
}

/** Read a file (or stdin for "-"); a missing or unreadable file is an input problem naming the option. */
export function readText(path: string, what: string): string {
  try {
    return path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch (e) {
    throw readFailure(e, path, what);
  }
}

function jsonError(e: unknown, text: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (text.trim() === "") return "is empty";
  return `is not valid JSON (${msg.replace(/^JSON\.parse: /, "")})`;
}

/** Parse one JSON document, reporting syntax errors (e.g. truncated files) against `what`. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DpmInputError(`cannot parse ${what}`, [{ path: what, message: jsonError(e, text) }]);
  }
}

/** Where a document sits in its input: the 1-based line of JSON lines, the index in a JSON array, or neither (a single document). */
export interface Where {
  readonly line?: number;
  readonly index?: number;
}

/**
 * One input document, or why it could not be parsed. With `portfolio` (streams opened with `portfolios: true`), the
 * line was read straight into the portfolio `parsePortfolioFast` gives for it, and `value` is not set.
 */
export type Doc = { readonly where: Where; readonly value: unknown; readonly portfolio?: Portfolio } | { readonly where: Where; readonly issues: readonly InputIssue[] };

/** One line of JSON lines parsed: its value, or why it is not JSON (with its 1-based line number). */
export function parsed(text: string, what: string, line: number): Doc {
  try {
    return { where: { line }, value: JSON.parse(text) };
  } catch (e) {
    return { where: { line }, issues: [{ path: what, message: jsonError(e, text) }] };
  }
}

/** Is `v` a JSON object (not null, not an array)? */
const objectValue = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);

/** Is `text` one JSON object on its own (how JSON lines are recognised)? */
export const isObject = (text: string): boolean => {
  try {
    return objectValue(JSON.parse(text));
  } catch {
    return false;
  }
};

/**
 * A whole text: one JSON object, a JSON array of them, or JSON lines. It is JSON lines when it does not parse
 * as one document, has several non-empty lines and at least half of them are objects on their own (so a bad
 * first line is reported by number while a truncated pretty-printed file reports its own syntax error).
 */
export function readDocuments(text: string, what: string): Doc[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new DpmInputError(`cannot parse ${what}`, [{ path: what, message: "is empty" }]);
  try {
    const v: unknown = JSON.parse(trimmed);
    if (Array.isArray(v)) return v.map((value, index) => ({ value, where: { index } }));
    return [{ value: v, where: {} }];
  } catch (e) {
    const lines = text.split("\n").map((l, i) => ({ text: l.trimEnd(), line: i + 1 })).filter((l) => l.text.trim() !== "");
    const docs = lines.map((l) => parsed(l.text, what, l.line)); // each line parsed once, then counted
    const objects = docs.filter((d) => "value" in d && objectValue(d.value)).length;
    if (lines.length < 2 || 2 * objects < lines.length) {
      throw new DpmInputError(`cannot parse ${what}`, [{ path: what, message: jsonError(e, text) }]);
    }
    return docs;
  }
}

/** An input opened for streaming, with its size in bytes when known (files; not stdin). */
export interface Opened {
  readonly stream: Readable;
  readonly size?: number;
}

/** Open an input for streaming (a file, or stdin for "-"); a missing or unreadable file is an input problem naming `what`. */
export function openInput(path: string, what: string): Opened {
  if (path === "-") return { stream: process.stdin };
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
    return { stream: createReadStream(path, { fd, highWaterMark: 1 << 20 }), size: st.size };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    throw readFailure(e, path, what);
  }
}

/** Documents of an input as they are read, and how far the reading got. */
export interface DocStream {
  readonly docs: AsyncGenerator<Doc>;
  /**
   * The same documents, a chunk's at a time (each parsed as it is taken from the chunk; take them all before asking
   * for the next chunk). Read either `docs` or `batches`, not both.
   */
  readonly batches: AsyncGenerator<Iterable<Doc>>;
  /** Size of the input in bytes, when known. */
  readonly size?: number;
  /** Bytes read so far (the reading runs up to a chunk ahead of the documents handed on). */
  readonly bytesRead: () => number;
  /** Bytes of the lines handed on so far (per chunk read), line ends included: for progress. */
  readonly consumed: () => number;
}

const NEWLINE = 10;

/**
 * The lines a chunk of input completed and the bytes read and taken with them (line ends included). Each line is
 * decoded when it is asked for (`at`): a chunk's ~1,800 lines decoded at once stayed alive, as strings on the heap,
 * across young-generation collections, which copied them; undecoded they are bytes of the chunk's buffer.
 */
export interface LineBatch {
  /** Number of lines. */
  readonly count: number;
  /** Line i (0-based), decoded as UTF-8; a "\r" before the "\n" is kept. */
  at(i: number): string;
  /** The bytes of the chunk, and line i's start and end in them (start −1: a line joined across chunks). */
  readonly chunk: Buffer;
  start(i: number): number;
  end(i: number): number;
  readonly read: number;
  readonly used: number;
}

/** Lines of one chunk: a first line joined across chunks (`head`), then byte ranges of `chunk`. */
class ChunkLines implements LineBatch {
  constructor(
    readonly chunk: Buffer,
    private readonly head: string | undefined,
    /** Start and end (exclusive) of each line after `head`, in pairs. */
    private readonly ranges: number[],
    readonly read: number,
    readonly used: number,
  ) {}

  get count(): number {
    return (this.head === undefined ? 0 : 1) + (this.ranges.length >> 1);
  }

  at(i: number): string {
    if (this.head !== undefined) {
      if (i === 0) return this.head;
      i--;
    }
    return this.chunk.toString("utf8", this.ranges[2 * i], this.ranges[2 * i + 1]);
  }

  start(i: number): number {
    if (this.head === undefined) return this.ranges[2 * i];
    return i === 0 ? -1 : this.ranges[2 * i - 2];
  }

  end(i: number): number {
    if (this.head === undefined) return this.ranges[2 * i + 1];
    return i === 0 ? -1 : this.ranges[2 * i - 1];
  }
}

/**
 * The lines of a byte stream, one batch per chunk read: cut at "\n" in the bytes (a native search), each line
 * decoded as UTF-8 on its own when asked for (a character cut by a chunk end is never split), a line across chunks
 * joined once; a last line without its line end counts too. Line texts keep a "\r" before the "\n" (callers strip it).
 */
export async function* lineBatches(stream: AsyncIterable<Buffer | string>): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    const ranges: number[] = [];
    let head: string | undefined;
    let from = 0, used = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; from = nl + 1, nl = chunk.indexOf(NEWLINE, from)) {
      if (pending.length === 0) {
        used += nl + 1 - from;
        ranges.push(from, nl);
      } else {
        pending.push(chunk.subarray(from, nl));
        const joined = Buffer.concat(pending);
        pending = [];
        used += joined.length + 1;
        head = joined.toString("utf8");
      }
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    yield new ChunkLines(chunk, head, ranges, chunk.length, used);
  }
  if (pending.length > 0) {
    const last = Buffer.concat(pending);
    yield new ChunkLines(last, last.toString("utf8"), [], 0, last.length + 1);
  }
}

/**
 * Stream the documents of a portfolio input (a file, or stdin for "-"). JSON lines, recognised by a first
 * non-empty line that is an object on its own, are parsed line by line as they arrive and never held whole;
 * a line that is not JSON becomes a `Doc` with its problem and the line number, and reading goes on. A JSON
 * object or array (or anything else) is read whole and handed to `readDocuments`. A file of a single line is
 * one document (no line number). Lines are cut in the bytes read (a native search for the line end) and each
 * decoded on its own, so a chunk is never decoded, joined and sliced as one string (issue 10).
 */
export function streamDocuments(path: string, what: string, o: { readonly portfolios?: boolean } = {}): DocStream {
  const fast = o.portfolios === true;
  const { stream, size } = openInput(path, what);
  let bytes = 0, used = 0;
  async function* batches(): AsyncGenerator<Iterable<Doc>> {
    // Set by take(), which TypeScript's narrowing cannot see: hence the cast.
    let mode = "undecided" as "undecided" | "lines" | "whole";
    const whole: string[] = [];
    // Lines to hand on (at most two: a held first line and the next), each decoded, parsed and handed on in turn: a
    // chunk's ~1,700 documents parsed at once stayed alive across young-generation collections, which copied and
    // promoted them (issue 10).
    const texts: string[] = [], lines: number[] = [];
    let line = 0, count = 0, heldText: string | undefined, heldLine = 0;
    const take = (text: string): void => {
      line++;
      const t = text.endsWith("\r") ? text.slice(0, -1) : text;
      if (mode === "whole") return void whole.push(text, "\n");
      const blank = t.charCodeAt(0) !== 123 /* { */ && t.trim() === "";
      if (mode === "undecided") {
        // Until the first document decides, keep every line: a whole-read input needs its line numbers intact.
        if (blank) return void whole.push(text, "\n");
        if (!isObject(t)) return void ((mode = "whole"), whole.push(text, "\n"));
        mode = "lines";
        whole.length = 0;
      }
      if (blank) return;
      if (++count === 1) { heldText = t; heldLine = line; return; }
      if (heldText !== undefined) { texts.push(heldText); lines.push(heldLine); heldText = undefined; }
      texts.push(t); lines.push(line);
    };
    /**
     * A chunk's documents, each line decoded and parsed as it is handed on; with `portfolios`, a line after the first
     * two read straight into its portfolio where `portfolioFromLine` can (no string, no JSON values: ~1.5-2 µs less
     * per 10-position line, a quarter of the reading), else as before.
     */
    function* chunkDocs(b: LineBatch): Generator<Doc> {
      for (let i = 0; i < b.count; i++) {
        if (fast && count > 1 && heldText === undefined) {
          const at = b.start(i);
          const pf = at >= 0 ? portfolioFromLine(b.chunk, at, b.end(i)) : undefined;
          if (pf !== undefined) {
            line++; count++;
            yield { where: { line }, value: undefined, portfolio: pf };
            continue;
          }
        }
        take(b.at(i));
        for (let j = 0; j < texts.length; j++) yield parsed(texts[j], what, lines[j]);
        texts.length = 0; lines.length = 0;
      }
    }
    try {
      for await (const b of lineBatches(stream as AsyncIterable<Buffer | string>)) {
        bytes += b.read;
        used += b.used;
        yield chunkDocs(b);
      }
    } catch (e) {
      if (e instanceof DpmInputError) throw e;
      throw readFailure(e, path, what);
    } finally {
      stream.destroy();
    }
    if (mode === "lines") {
      if (heldText === undefined) return;
      // A single document on its own is not a batch: no line number (its problems read as in a single file).
      const held = parsed(heldText, what, heldLine);
      yield [count === 1 && "value" in held ? { value: held.value, where: {} } : held];
      return;
    }
    yield readDocuments(whole.join(""), what);
  }
  async function* docs(b: AsyncGenerator<Iterable<Doc>>): AsyncGenerator<Doc> {
    for await (const chunk of b) yield* chunk;
  }
  const b = batches();
  return { docs: docs(b), batches: b, ...(size !== undefined ? { size } : {}), bytesRead: () => bytes, consumed: () => used };
}
