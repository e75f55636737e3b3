import type { MarginParams } from "../margin/params.js";
import { DpmInputError } from "./issues.js";
import { paramsFrom } from "./paramsSchema.js";
import { schemaFingerprint, type PresetCache, type ValidatedPreset } from "./presetCache.js";
import { presetNames, presetText, rawPreset } from "./presetFiles.js";

export { DEFAULT_PRESET, presetNames, presetsDir, rawPreset } from "./presetFiles.js";

const parsed = new Map<string, MarginParams>();

/** A shipped preset, validated (cached). Throws DpmInputError for an unknown name. */
export function loadPreset(name: string): MarginParams {
  let p = parsed.get(name);
  if (!p) {
    const r = rawPreset(name);
    if (r === undefined || !presetNames().includes(name)) throw new DpmInputError("unknown preset", [{ path: "preset", message: `must be one of ${presetNames().join(", ")}`, value: name }]);
    p = paramsFrom(r, rawPreset);
    parsed.set(name, p);
  }
  return p;
}

/**
 * Every shipped preset validated, with the texts of the files each was read from: the content of
 * dist/presets.validated.json (presetCache.ts), written at build time by scripts/preset-cache.mjs.
 */
export function validatedPresets(): PresetCache {
  const presets: Record<string, ValidatedPreset> = {};
  for (const name of presetNames()) {
    const r = rawPreset(name);
    const ext = r !== null && typeof r === "object" && "extends" in r && typeof r.extends === "string" ? r.extends : undefined;
    const sources: Record<string, string> = {};
    for (const n of ext === undefined ? [name] : [name, ext]) {
      const text = presetText(n);
      if (text !== undefined) sources[n] = text;
    }
    presets[name] = { sources, params: loadPreset(name) };
  }
  return { schema: schemaFingerprint(), presets };
}
