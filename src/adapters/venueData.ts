/** Loading the multi-venue data files: venue parameters (`presets/venues/`, or `--venue-params`) and lending presets (`presets/lending/`). */
import type { VenuesParams } from "../analytics/venues/types.js";
import { DpmInputError } from "../input/issues.js";
import { parseVenuesParams } from "../input/venueBookSchema.js";
import { presetNames } from "../input/presets.js";
import { defaultVenuesParams } from "../input/venuePresets.js";
import { parseJson, readText } from "./cli/io.js";

export { loadLendingPreset, presetLookup } from "../input/venuePresets.js";

/** Venue parameters from a file (`--venue-params`) or the shipped `presets/venues/default.json`. */
export function loadVenuesParams(path?: string): VenuesParams {
  if (path === undefined) return defaultVenuesParams();
  const r = parseVenuesParams(parseJson(readText(path, "--venue-params"), "--venue-params"), presetNames());
  if (!r.ok) throw new DpmInputError(`invalid venue parameters ${path}`, r.issues);
  return r.value;
}
