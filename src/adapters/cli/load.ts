import type { Portfolio } from "../../domain/portfolio.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { MarginParams } from "../../margin/params.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { parseMarket } from "../../input/marketSchema.js";
import { parseParams } from "../../input/paramsSchema.js";
import { DEFAULT_PRESET, loadPreset, presetNames, rawPreset } from "../../input/presets.js";
import { checkPortfolio } from "../../input/checkPortfolio.js";
import { placed } from "./batch.js";
import { parseJson, readDocuments, readText } from "./io.js";

/** Read and validate a market snapshot file. */
export function loadMarket(path: string): MarketSnapshot {
  return marketOf(parseJson(readText(path, "--market"), "--market"), path);
}

/** Validate the parsed JSON of the market snapshot file at `path`. */
export function marketOf(json: unknown, path: string): MarketSnapshot {
  const r = parseMarket(json);
  if (!r.ok) throw new DpmInputError(`invalid market snapshot ${path}`, r.issues);
  return r.value;
}

/** Parameters from --params FILE, or --preset NAME, or the default preset. */
export function loadParams(paramsPath: string | undefined, preset: string | undefined): MarginParams {
  if (paramsPath !== undefined) {
    const json = parseJson(readText(paramsPath, "--params"), "--params");
    const r = parseParams(json, rawPreset);
    if (!r.ok) throw new DpmInputError(`invalid parameter file ${paramsPath}`, r.issues);
    return r.value;
  }
  const name = preset ?? DEFAULT_PRESET;
  if (rawPreset(name) === undefined) {
    throw new DpmInputError("unknown preset", [{ path: "--preset", message: `must be one of ${presetNames().join(", ")}`, value: name }]);
  }
  return loadPreset(name);
}

/**
 * Read portfolios (object, array or JSON lines) and validate each, also against the market, all at once; any
 * problem throws with every problem. The commands stream instead and skip bad documents (`batch.ts`).
 */
export function loadPortfolios(path: string, market: MarketSnapshot): Portfolio[] {
  const out: Portfolio[] = [];
  const issues: InputIssue[] = [];
  for (const d of readDocuments(readText(path, "<portfolio>"), "<portfolio>")) {
    const r = "issues" in d ? { ok: false as const, issues: d.issues } : checkPortfolio(d.value, market);
    if (r.ok) out.push(r.value);
    else issues.push(...placed(d.where, r.issues));
  }
  if (issues.length > 0) throw new DpmInputError(`invalid portfolio file ${path}`, issues);
  return out;
}
