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

function show(v: unknown): string {
  if (v === undefined) return "missing";
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
