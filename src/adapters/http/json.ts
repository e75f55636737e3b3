/**
 * The JSON body parser of the API (issue 11): bounded before it parses, safe after. A linear pre-scan of the
 * text (strings and escapes skipped) refuses nesting deeper than `maxDepth` and more than `maxElements` values
 * with a 400 naming the limit, so no deep or huge body reaches JSON.parse, zod or the error path (a body nested
 * 10,000 deep used to overflow the stack while its value was echoed back). Keys named `__proto__`, and
 * `constructor` objects holding `prototype`, are refused (400 with their path), as secure-json-parse does:
 * such keys would set an object's prototype when copied with assignment.
 */
import type { FastifyInstance } from "fastify";
import type { InputIssue } from "../../input/issues.js";

/** Limits of a request body. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 64). */
  readonly maxDepth: number;
  /** Most values (array items and object members, counted by their separators, plus containers) (default 100,000). */
  readonly maxElements: number;
}

/** Depth 64, 100,000 values. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxElements: 100_000 };

/** A body refused by the parser: a 400 with its issue. */
export class JsonBodyError extends Error {
  readonly statusCode = 400;
  constructor(readonly issue: InputIssue) {
    super(issue.message);
    this.name = "JsonBodyError";
  }
}

/** Why `text` exceeds the limits (depth, element count), or undefined; linear in its length, no recursion. */
export function scanJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): InputIssue | undefined {
  let depth = 0, elements = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limits.maxDepth) return { path: "(body)", message: `nesting deeper than ${limits.maxDepth} levels of arrays and objects`, value: `${depth} levels at character ${i}` };
      elements++;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44) elements++;
    if (elements > limits.maxElements) return { path: "(body)", message: `more than ${limits.maxElements.toLocaleString("en-US")} values`, value: `at character ${i}` };
  }
  return undefined;
}

/** Path of a key inside the parsed value, for the reviver's refusals. */
function refuseKey(key: string, value: unknown): void {
  if (key === "__proto__") throw new JsonBodyError({ path: "(body)", message: 'a key named "__proto__" is not accepted', value: key });
  if (key === "constructor" && value !== null && typeof value === "object" && Object.hasOwn(value, "prototype")) {
    throw new JsonBodyError({ path: "(body)", message: 'a "constructor" object with a "prototype" key is not accepted', value: key });
  }
}

/** Parse a request body within the limits; throws JsonBodyError (400) when it is refused or not JSON. */
export function parseJsonBody(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  const over = scanJson(text, limits);
  if (over) throw new JsonBodyError(over);
  try {
    // The reviver (slower) only runs when the text could hold one of the refused keys, escaped or not.
    if (!/proto|constructor|\\u/.test(text)) return JSON.parse(text);
    return JSON.parse(text, (k, v: unknown) => { refuseKey(k, v); return v; });
  } catch (e) {
    if (e instanceof JsonBodyError) throw e;
    throw new JsonBodyError({ path: "(body)", message: `not JSON: ${e instanceof Error ? e.message.slice(0, 200) : "parse error"}` });
  }
}

/** Replace fastify's JSON parser with the bounded one (an empty body is `undefined`, as before). */
export function registerJsonParser(app: FastifyInstance, limits: JsonLimits = DEFAULT_JSON_LIMITS): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") { done(null, undefined); return; }
    try {
      done(null, parseJsonBody(text, limits));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
