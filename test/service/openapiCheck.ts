/**
 * Checks answers against the OpenAPI document with Ajv (JSON Schema 2020-12): the status must be documented for
 * the route, the body must validate against the documented schema. Shared by the OpenAPI and fuzz tests. Not a
 * test file.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

type Json = Record<string, any>;

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export interface AnswerCheck {
  /** Problems with an answer of `method path` (path as documented, e.g. /v1/accounts/{id}); [] when it matches. */
  (path: string, method: string, r: { status: number; json: unknown; text: string }): string[];
  readonly ajv: Ajv2020;
}

export function answerChecker(doc: Json): AnswerCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, "doc");
  const compiled = new Map<string, ValidateFunction>();
  const schemaRef = (path: string, method: string, status: number): string | undefined => {
    const res = doc.paths[path]?.[method]?.responses[String(status)];
    if (!res) return undefined;
    if (res.$ref) return `doc${res.$ref}/content/application~1json/schema`;
    return res.content?.["application/json"] ? `doc#/${pointer("paths", path, method, "responses", String(status), "content", "application/json", "schema")}` : undefined;
  };
  const check = (path: string, method: string, r: { status: number; json: unknown; text: string }): string[] => {
    const op = doc.paths[path]?.[method];
    if (!op) return [`${method.toUpperCase()} ${path} is not documented`];
    if (!op.responses[String(r.status)]) return [`${method.toUpperCase()} ${path}: status ${r.status} is not documented (${Object.keys(op.responses).join(", ")}): ${r.text.slice(0, 200)}`];
    const ref = schemaRef(path, method, r.status);
    if (!ref) return [];
    let v = compiled.get(ref);
    if (!v) compiled.set(ref, (v = ajv.compile({ $ref: ref })));
    return v(r.json) ? [] : [`${method.toUpperCase()} ${path} ${r.status}: ${ajv.errorsText(v.errors)}; body ${r.text.slice(0, 300)}`];
  };
  return Object.assign(check, { ajv });
}
