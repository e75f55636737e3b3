import type { z } from "zod";
import { joinPath, valueAt, type InputIssue } from "./issues.js";

/** Convert Zod issues into dpm issues with paths (prefixed) and the offending values. */
export function fromZod(error: z.ZodError, root: unknown, prefix = ""): InputIssue[] {
  const out: InputIssue[] = [];
  for (const i of error.issues) {
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys) out.push({ path: joinPath(prefix, [...i.path, k]), message: "unknown field", value: valueAt(root, [...i.path, k]) });
      continue;
    }
    if (i.code === "invalid_key") {
      const key = i.path[i.path.length - 1];
      const why = i.issues.map((x) => x.message).join("; ") || i.message;
      out.push({ path: joinPath(prefix, i.path), message: `invalid key: ${why}`, value: key });
      continue;
    }
    if (i.code === "invalid_union" && i.errors.length > 0) {
      const inner = i.errors.flat();
      if (inner.length > 0) {
        for (const e of inner) out.push({ path: joinPath(prefix, [...i.path, ...e.path]), message: e.message, value: valueAt(root, [...i.path, ...e.path]) });
        continue;
      }
    }
    out.push({ path: joinPath(prefix, i.path), message: i.message, value: valueAt(root, i.path) });
  }
  return out;
}
