import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** `../shared` beside the repository (DPM_SHARED overrides). Test data only. */
export const SHARED = process.env.DPM_SHARED ?? resolve(ROOT, "../shared");

export function sharedJson<T = unknown>(rel: string): T {
  const p = join(SHARED, rel);
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (set DPM_SHARED to the shared/ directory)`);
  return JSON.parse(readFileSync(p, "utf8")) as T;
}

export function repoJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(join(ROOT, rel), "utf8")) as T;
}

/** The secret part of an API key `dpm_<id>_<secret>` (the secret itself may contain "_"). */
export function keySecret(key: string): string {
  const secret = key.slice(key.indexOf("_", "dpm_".length) + 1);
  if (secret.length < 20) throw new Error(`not an API key: ${key}`);
  return secret;
}
