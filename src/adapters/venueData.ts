/** Loading the multi-venue data files: venue parameters (`presets/venues/`) and lending presets (`presets/lending/`). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AaveParams } from "../margin/lending/aave.js";
import type { VenuesParams } from "../analytics/venues/types.js";
import { DpmInputError } from "../input/issues.js";
import { parseLendingParams, parseVenuesParams, type PresetLookup } from "../input/venueBookSchema.js";
import { presetNames, presetsDir } from "../input/presets.js";
import { parseJson, readText } from "./cli/io.js";

const names = (dir: string): string[] => {
  try {
    return readdirSync(join(presetsDir(), dir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
};

/** Names of the margin and lending presets shipped. */
export function presetLookup(): PresetLookup {
  return { margin: presetNames(), lending: names("lending") };
}

const lendingCache = new Map<string, AaveParams>();

/** A shipped lending preset, validated (cached); a broken shipped file is an internal error. */
export function loadLendingPreset(name: string): AaveParams {
  let p = lendingCache.get(name);
  if (!p) {
    const r = parseLendingParams(JSON.parse(readFileSync(join(presetsDir(), "lending", `${name}.json`), "utf8")), `presets/lending/${name}.json`);
    if (!r.ok) throw new Error(`presets/lending/${name}.json is invalid: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    lendingCache.set(name, (p = r.value));
  }
  return p;
}

/** Venue parameters from a file (`--venue-params`) or the shipped `presets/venues/default.json`. */
export function loadVenuesParams(path?: string): VenuesParams {
  const json = path === undefined
    ? JSON.parse(readFileSync(join(presetsDir(), "venues", "default.json"), "utf8"))
    : parseJson(readText(path, "--venue-params"), "--venue-params");
  const r = parseVenuesParams(json, presetNames());
  if (!r.ok) throw new DpmInputError(`invalid venue parameters ${path ?? "presets/venues/default.json"}`, r.issues);
  return r.value;
}
