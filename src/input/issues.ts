/** Input problems, each with the JSON path and the offending value (as Zod reports them). */

export interface InputIssue {
  /** JSON path in the input, e.g. `positions[0].size`. */
  readonly path: string;
  readonly message: string;
  /** The offending value, as given (omitted when absent). */
  readonly value?: unknown;
  /** 1-based line of the document in a JSON-lines input (omitted for a single document or an array element). */
  readonly line?: number;
}

/** Thrown at the boundary (and by the library API) when an input is invalid; carries every problem. */
export class DpmInputError extends Error {
  readonly issues: readonly InputIssue[];
  constructor(what: string, issues: readonly InputIssue[]) {
    super(`${what}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${issues.map(formatIssue).join("\n")}`);
    this.name = "DpmInputError";
    this.issues = issues;
  }
}

/** `[0, "size"]` → `[0].size`; `["positions", 0, "size"]` → `positions[0].size`; prefixed with `prefix`. */
export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else {
      const s = String(p);
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out || "(root)";
}

function show(raw: unknown): string {
  if (raw === undefined) return "missing";
  const v = typeof raw === "number" ? raw : boundedValue(raw);
  let s: string;
  try {
    s = typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** One line per issue: `path: message (got value)`, after `line N: ` for a line of JSON lines. */
export function formatIssue(i: InputIssue): string {
  return `  ${i.line !== undefined ? `line ${i.line}: ` : ""}${i.path}: ${i.message}${"value" in i ? ` (got ${show(i.value)})` : ""}`;
}

/** An issue as JSON (`--json` errors): `{ line?, path, message, value? }`, the value left out when missing. */
export function issueJson(i: InputIssue): Record<string, unknown> {
  return { ...(i.line !== undefined ? { line: i.line } : {}), path: i.path, message: i.message, ...(i.value !== undefined ? { value: i.value } : {}) };
}

/** Read the value at a path inside an input, for reporting. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Longest string, or serialised array or object, echoed back in an issue's `value`. */
export const MAX_ECHO = 200;

/**
 * An issue's value as it may be echoed back (HTTP answers, CLI output): strings longer than 200 characters are
 * cut with their length noted, arrays and objects whose JSON would be longer (or nested deeper than 4 levels) are
 * summarised (`[array of 10000 items]`, `{object with 3 keys: a, b, c}`), numbers JSON cannot hold become text.
 * Never recursive beyond 4 levels and never longer than about 300 characters, whatever the input.
 */
export function boundedValue(v: unknown): unknown {
  if (typeof v === "string") return v.length > MAX_ECHO ? `${v.slice(0, MAX_ECHO)}…(${v.length} characters)` : v;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v !== "object") return v;
  if (small(v, 4)) {
    try {
      const s = JSON.stringify(v);
      if (s !== undefined && s.length <= MAX_ECHO) return v;
    } catch { /* summarised below */ }
  }
  if (Array.isArray(v)) return `[array of ${v.length} items]`;
  const keys = Object.keys(v);
  const shown = keys.slice(0, 5).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k)).join(", ");
  return `{object with ${keys.length} key${keys.length === 1 ? "" : "s"}${keys.length > 0 ? `: ${shown}${keys.length > 5 ? ", …" : ""}` : ""}}`;
}

/** At most `depth` levels deep and at most 50 members per level (checked without deep recursion). */
function small(v: object, depth: number): boolean {
  if (depth === 0) return false;
  const items = Array.isArray(v) ? v : Object.values(v);
  if (items.length > 50) return false;
  return items.every((x) => x === null || typeof x !== "object" || small(x as object, depth - 1));
}

/** Issues with their values bounded for echoing (see boundedValue). */
export function boundedIssues(issues: readonly InputIssue[]): InputIssue[] {
  return issues.map((i) => ("value" in i ? { path: i.path.length > 300 ? `${i.path.slice(0, 300)}…` : i.path, message: i.message, value: boundedValue(i.value) } : i));
}
