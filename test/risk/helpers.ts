import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import { loadHistory } from "../../src/adapters/history.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { prepareContext } from "../../src/margin/computeMargin.js";
import type { RiskContext } from "../../src/margin/riskContext.js";
import type { MarketSnapshot } from "../../src/market/snapshot.js";
import type { PriceHistory } from "../../src/risk/history.js";
import { SHARED } from "../helpers/shared.js";

export const PRICES = join(SHARED, "data/prices");

export function market(json: unknown): MarketSnapshot {
  const r = parseMarket(json);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

export function portfolio(json: unknown): Portfolio {
  const r = parsePortfolio(json);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

export function context(m: MarketSnapshot, currency = "USD"): RiskContext {
  const c = prepareContext(m, loadPreset("deribit"), currency);
  if (!c.ok) throw new Error(c.reason);
  return c.value;
}

export function history(assets: string[]): PriceHistory {
  return loadHistory(PRICES, assets);
}

/** Closes of a Yahoo file read independently of src/ (header by name). */
export function closesFromCsv(sym: string): { date: string; close: number }[] {
  const lines = readFileSync(join(PRICES, `${sym}-USD_1d.csv`), "utf8").trim().split("\n");
  const h = lines[0].split(",");
  const d = h.indexOf("Date"), c = h.indexOf("Close");
  return lines.slice(1).map((l) => { const x = l.split(","); return { date: x[d], close: Number(x[c]) }; });
}

export const BTC_MARKET = { asOf: "2024-11-20T08:00:00Z", assets: { BTC: { index: 92000, vol: 0.55 }, ETH: { index: 3100, vol: 0.65 }, SOL: { index: 240, vol: 0.85 }, USDC: { index: 1 } }, instruments: {} };
