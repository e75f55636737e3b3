import { closeSync, createReadStream, fstatSync, openSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { DpmInputError, type InputIssue } from "../../input/issues.js";

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

/** One input document, or why it could not be parsed. */
export type Doc = { readonly where: Where; readonly value: unknown } | { readonly where: Where; readonly issues: readonly InputIssue[] };

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
  /** Size of the input in bytes, when known. */
  readonly size?: number;
  /** Bytes read so far (the reading runs up to a chunk ahead of the documents handed on). */
  readonly bytesRead: () => number;
  /** Bytes of the lines handed on so far (per chunk read), line ends included: for progress. */
  readonly consumed: () => number;
}

const NEWLINE = 10;

/** The lines a chunk of input completed, decoded, and the bytes read and taken with them (line ends included). */
export interface LineBatch {
  readonly lines: string[];
  readonly read: number;
  readonly used: number;
}

/**
 * The lines of a byte stream, one batch per chunk read: cut at "\n" in the bytes (a native search), each line
 * decoded as UTF-8 on its own (a character cut by a chunk end is never split), a line across chunks joined once;
 * a last line without its line end counts too. Line texts keep a "\r" before the "\n" (callers strip it).
 */
export async function* lineBatches(stream: AsyncIterable<Buffer | string>): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  for await (const raw of stream) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    const lines: string[] = [];
    let from = 0, used = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; from = nl + 1, nl = chunk.indexOf(NEWLINE, from)) {
      if (pending.length === 0) {
        used += nl + 1 - from;
        lines.push(chunk.toString("utf8", from, nl));
      } else {
        pending.push(chunk.subarray(from, nl));
        const joined = Buffer.concat(pending);
        pending = [];
        used += joined.length + 1;
        lines.push(joined.toString("utf8"));
      }
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    yield { lines, read: chunk.length, used };
  }
  if (pending.length > 0) {
    const last = Buffer.concat(pending);
    yield { lines: [last.toString("utf8")], read: 0, used: last.length + 1 };
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
export function streamDocuments(path: string, what: string): DocStream {
  const { stream, size } = openInput(path, what);
  let bytes = 0, used = 0;
  async function* docs(): AsyncGenerator<Doc> {
    // Set by take(), which TypeScript's narrowing cannot see: hence the cast.
    let mode = "undecided" as "undecided" | "lines" | "whole";
    const whole: string[] = [];
    // Lines waiting to be handed on, parsed only as each is handed on: a chunk's ~1,700 documents parsed at once
    // stayed alive across young-generation collections, which copied and promoted them (issue 10).
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
    try {
      for await (const b of lineBatches(stream as AsyncIterable<Buffer | string>)) {
        bytes += b.read;
        used += b.used;
        for (const text of b.lines) take(text);
        for (let i = 0; i < texts.length; i++) yield parsed(texts[i], what, lines[i]);
        texts.length = 0; lines.length = 0;
      }
    } catch (e) {
      if (e instanceof DpmInputError) throw e;
      throw readFailure(e, path, what);
    } finally {
      stream.destroy();
    }
    for (let i = 0; i < texts.length; i++) yield parsed(texts[i], what, lines[i]);
    if (mode === "lines") {
      if (heldText === undefined) return;
      // A single document on its own is not a batch: no line number (its problems read as in a single file).
      const held = parsed(heldText, what, heldLine);
      yield count === 1 && "value" in held ? { value: held.value, where: {} } : held;
      return;
    }
    for (const d of readDocuments(whole.join(""), what)) yield d;
  }
  return { docs: docs(), ...(size !== undefined ? { size } : {}), bytesRead: () => bytes, consumed: () => used };
}
