import type { Portfolio } from "../../domain/portfolio.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { MarginParams } from "../../margin/params.js";
import { portfolioMarketIssues } from "../../input/crossCheck.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { parseMarket } from "../../input/marketSchema.js";
import { parseParams } from "../../input/paramsSchema.js";
import { parsePortfolio } from "../../input/portfolioSchema.js";
import { DEFAULT_PRESET, loadPreset, presetNames, rawPreset } from "../../input/presets.js";
import { parseJson, readDocuments, readText, type Doc } from "./io.js";

function prefixed(where: string, issues: readonly InputIssue[]): InputIssue[] {
  if (where === "") return [...issues];
  return issues.map((i) => ({ ...i, path: where.startsWith("[") ? `${where}${i.path.startsWith("[") ? "" : "."}${i.path}` : `${where}: ${i.path}` }));
}

/** Read and validate a market snapshot file. */
export function loadMarket(path: string): MarketSnapshot {
  const json = parseJson(readText(path, "--market"), "--market");
  const r = parseMarket(json);
  if (!r.ok) throw new DpmInputError(`invalid market snapshot ${path}`, prefixed("", r.issues));
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

/** Read portfolios (object, array or JSON lines) and validate each, also against the market; all problems at once. */
export function loadPortfolios(path: string, market: MarketSnapshot): Portfolio[] {
  const docs: Doc[] = readDocuments(readText(path, "<portfolio>"), "<portfolio>");
  const out: Portfolio[] = [];
  const issues: InputIssue[] = [];
  for (const d of docs) {
    const r = parsePortfolio(d.value);
    if (!r.ok) {
      issues.push(...prefixed(d.where, r.issues));
      continue;
    }
    const cross = portfolioMarketIssues(r.value, market);
    if (cross.length > 0) issues.push(...prefixed(d.where, cross));
    else out.push(r.value);
    if (issues.length > 200) break;
  }
  if (issues.length > 0) throw new DpmInputError(`invalid portfolio file ${path}`, issues);
  return out;
}
