/**
 * The shipped presets as validated when dpm is built (src/input/presetCache.ts): every entry is the zod schema's value,
 * key order included, through JSON; an entry is served only while its preset files read the same; the cache is
 * fingerprinted by the schema modules; and the build's own cache (dist/) serves every shipped preset.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { schemaFingerprint, validatedPreset, type PresetCache } from "../../src/input/presetCache.js";
import { loadPreset, presetNames, validatedPresets } from "../../src/input/presets.js";

const ROOT = join(import.meta.dirname, "../..");

describe("the validated preset cache", () => {
  const cache: PresetCache = JSON.parse(JSON.stringify(validatedPresets()));

  it("holds every shipped preset exactly as the schema gives it", () => {
    expect(presetNames().length).toBeGreaterThan(4);
    for (const name of presetNames()) {
      const p = validatedPreset(cache, name);
      expect(JSON.stringify(p), name).toBe(JSON.stringify(loadPreset(name)));
      expect(p).toEqual(loadPreset(name));
    }
  });

  it("serves an entry only while its preset files read the same", () => {
    const d = cache.presets.deribit;
    const edited: PresetCache = { ...cache, presets: { ...cache.presets, deribit: { ...d, sources: { deribit: `${d.sources.deribit} ` } } } };
    expect(validatedPreset(edited, "deribit")).toBeUndefined();
    expect(validatedPreset(edited, "okx")).toEqual(loadPreset("okx"));
    for (const name of ["nope", "__proto__", "constructor"]) expect(validatedPreset(cache, name)).toBeUndefined();
    expect(validatedPreset(null, "deribit")).toBeUndefined();
  });

  it("is fingerprinted by the schema modules that decide a preset's value: a cache made with another schema serves nothing", () => {
    expect(cache.schema).toMatch(/^[0-9a-f]{64}$/);
    const other: PresetCache = { ...cache, schema: "0".repeat(64) };
    for (const name of presetNames()) expect(validatedPreset(other, name), name).toBeUndefined();
  });

  it("the build's cache (dist/presets.validated.json, written by npm install and npm run build) serves every shipped preset", async () => {
    const dist = (await import(pathToFileURL(join(ROOT, "dist/src/input/presetCache.js")).href)) as typeof import("../../src/input/presetCache.js");
    for (const name of presetNames()) expect(dist.cachedPreset(name), name).toEqual(loadPreset(name));
  });
});
