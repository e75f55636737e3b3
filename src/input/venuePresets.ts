/**
 * The multi-venue data files shipped with dpm, readable by every layer from `input` up (the CLI's `dpm venues` and
 * the engine's multi-venue accounts): the lending presets (`presets/lending/*.json`) and the default venue
 * parameters (`presets/venues/default.json`), validated and cached. A broken shipped file is an internal error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AaveParams } from "../margin/lending/aave.js";
import type { VenuesParams } from "../analytics/venues/types.js";
import { presetNames, presetsDir } from "./presets.js";
import { parseLendingParams, parseVenuesParams, type PresetLookup } from "./venueBookSchema.js";

const listed = new Map<string, string[]>();

/** JSON files of a sub-directory of `presets/`, without the extension (cached: shipped files do not change while running). */
function names(dir: string): string[] {
  let out = listed.get(dir);
  if (!out) {
    try {
      out = readdirSync(join(presetsDir(), dir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
    } catch {
      out = [];
    }
    listed.set(dir, out);
  }
  return out;
}

/** Names of the shipped lending presets (`presets/lending/`). */
export function lendingPresetNames(): string[] {
  return names("lending");
}

/** Names of the margin and lending presets shipped. */
export function presetLookup(): PresetLookup {
  return { margin: presetNames(), lending: lendingPresetNames() };
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

let defaultParams: VenuesParams | undefined;

/** The shipped venue parameters `presets/venues/default.json` (validated, cached). */
export function defaultVenuesParams(): VenuesParams {
  if (!defaultParams) {
    const r = parseVenuesParams(JSON.parse(readFileSync(join(presetsDir(), "venues", "default.json"), "utf8")), presetNames());
    if (!r.ok) throw new Error(`presets/venues/default.json is invalid: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    defaultParams = r.value;
  }
  return defaultParams;
}
