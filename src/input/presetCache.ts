/**
 * The shipped presets in the form the zod schema gave them when dpm was built (`npm run build` writes
 * dist/presets.validated.json with scripts/preset-cache.mjs), so that a command reading a shipped preset needs no zod
 * (its import is ~85 ms of `dpm margin`'s start). The cache is used only while the schema modules it was made with are
 * the ones beside it (a fingerprint of their compiled text: a build that skipped the cache cannot serve a stale one),
 * and an entry only while every preset file it was validated from reads exactly as it did then: an edited preset goes
 * through the schema again (presets.ts `loadPreset`).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { MarginParams } from "../margin/params.js";
import { presetText } from "./presetFiles.js";

/** One preset as validated at build time: the texts of the files it was read from (itself, what it extends), and the schema's value. */
export interface ValidatedPreset {
  readonly sources: Readonly<Record<string, string>>;
  readonly params: MarginParams;
}

/** The cache file: every shipped preset by name, and the fingerprint of the schema that validated them. */
export interface PresetCache {
  readonly schema: string;
  readonly presets: Readonly<Record<string, ValidatedPreset>>;
}

/** The modules whose code decides a validated preset's value (paramsSchema.ts and the schemas it imports). */
const SCHEMA_MODULES = ["paramsSchema", "deriveParamsSchema", "venueParamsSchema"];

let fingerprint: string | undefined;

/** sha256 of the schema modules beside this one (compiled .js, or .ts under vitest), in order (computed once). */
export function schemaFingerprint(): string {
  if (fingerprint === undefined) {
    const h = createHash("sha256");
    const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
    for (const m of SCHEMA_MODULES) h.update(readFileSync(new URL(`./${m}${ext}`, import.meta.url)));
    fingerprint = h.digest("hex");
  }
  return fingerprint;
}

/** dist/presets.validated.json, seen from dist/src/input/ (from src/input/ under vitest there is none). */
const CACHE_FILE = new URL("../../presets.validated.json", import.meta.url);

let cache: PresetCache | null | undefined;

function cacheFile(): PresetCache | null {
  if (cache === undefined) {
    try {
      cache = JSON.parse(readFileSync(CACHE_FILE, "utf8")) as PresetCache;
    } catch {
      cache = null;
    }
  }
  return cache;
}

/** The params of preset `name` in `from`, if the schema and its sources are still those it was made from; else undefined. */
export function validatedPreset(from: PresetCache | null, name: string): MarginParams | undefined {
  if (from === null || from.schema !== schemaFingerprint() || !Object.hasOwn(from.presets, name)) return undefined;
  const e = from.presets[name];
  for (const [file, text] of Object.entries(e.sources)) if (presetText(file) !== text) return undefined;
  return e.params;
}

/** A shipped preset as validated when dpm was built, or undefined (no cache, an unknown name, a preset file edited since). */
export function cachedPreset(name: string): MarginParams | undefined {
  return validatedPreset(cacheFile(), name);
}
