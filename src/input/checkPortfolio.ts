/**
 * A portfolio document checked against the schema and the market, as every batch path checks it (the CLI's
 * files, `dpm serve --book`): the parsed portfolio, or its problems with their paths.
 */
import type { Portfolio } from "../domain/portfolio.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { marketChecked } from "./crossCheck.js";
import type { InputIssue } from "./issues.js";
import { parsePortfolio } from "./portfolioSchema.js";

/** Validate one parsed document against the schema and the market: a portfolio, or its problems. */
export function checkPortfolio(value: unknown, market: MarketSnapshot): { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } {
  const r = parsePortfolio(value);
  return r.ok ? marketChecked(r.value, market) : r;
}
