import { readFileSync } from "node:fs";
import { DpmInputError, type InputIssue } from "../../input/issues.js";

/** Read a file (or stdin for "-"); a missing or unreadable file is an input problem naming the option. */
export function readText(path: string, what: string): string {
  try {
    return path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a file" : `cannot read (${code ?? String(e)})`;
    throw new DpmInputError(`cannot read ${what}`, [{ path: what, message: why, value: path }]);
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

function parsesAsJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** One input document with the path prefix its problems should carry. */
export interface Doc {
  readonly value: unknown;
  /** `""` for a single document, `[3]` for element 3 of an array, `line 4` for JSON lines. */
  readonly where: string;
}

/**
 * A portfolio file holds one JSON object, a JSON array of them, or JSON lines (one object per line).
 * Every unparseable line is reported, with its line number.
 */
export function readDocuments(text: string, what: string): Doc[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new DpmInputError(`cannot parse ${what}`, [{ path: what, message: "is empty" }]);
  try {
    const v: unknown = JSON.parse(trimmed);
    if (Array.isArray(v)) return v.map((value, i) => ({ value, where: `[${i}]` }));
    return [{ value: v, where: "" }];
  } catch (e) {
    const lines = text.split("\n");
    const first = lines.find((l) => l.trim() !== "") ?? "";
    // JSON lines only when the first line is a document of its own; otherwise report the file's own syntax error.
    if (lines.filter((l) => l.trim() !== "").length < 2 || !parsesAsJson(first)) {
      throw new DpmInputError(`cannot parse ${what}`, [{ path: what, message: jsonError(e, text) }]);
    }
    const docs: Doc[] = [];
    const issues: InputIssue[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        docs.push({ value: JSON.parse(line), where: `line ${i + 1}` });
      } catch (err) {
        issues.push({ path: `${what} line ${i + 1}`, message: jsonError(err, line) });
      }
    });
    if (issues.length > 0) throw new DpmInputError(`cannot parse ${what}`, issues);
    return docs;
  }
}
