/**
 * The market and parameters of a margin command, read without zod where they can be: a market file the fast reading
 * accepts (input/marketFast.ts) and a shipped preset as validated when dpm was built (input/presetCache.ts). Anything
 * else goes through load.ts, whose zod schemas are then imported, with their own messages. So `dpm margin` on an
 * ordinary market and preset does not pay zod's import (~85 ms of its ~0.3 s start).
 */
import { parseMarketFast } from "../../input/marketFast.js";
import { cachedPreset } from "../../input/presetCache.js";
import { DEFAULT_PRESET } from "../../input/presetFiles.js";
import type { MarginParams } from "../../margin/params.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { parseJson, readText } from "./io.js";

/** `loadMarket(path)`: the same snapshot, or the same input error. */
export async function readMarket(path: string): Promise<MarketSnapshot> {
  const json = parseJson(readText(path, "--market"), "--market");
  return parseMarketFast(json) ?? (await import("./load.js")).marketOf(json, path);
}

/** `loadParams(paramsPath, preset)`: the same parameters, or the same input error. */
export async function readParams(paramsPath: string | undefined, preset: string | undefined): Promise<MarginParams> {
  const cached = paramsPath === undefined ? cachedPreset(preset ?? DEFAULT_PRESET) : undefined;
  return cached ?? (await import("./load.js")).loadParams(paramsPath, preset);
}
