import type { Portfolio } from "../../domain/portfolio.js";
import { resolveInstrument } from "../../market/resolve.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { InputIssue } from "./issues.js";

/**
 * Problems of a valid portfolio against a valid market: instruments whose underlying, quote, forward or
 * volatility cannot be found, expired instruments, collateral without an index. `prefix` prefixes paths.
 */
export function portfolioMarketIssues(pf: Portfolio, market: MarketSnapshot, prefix = ""): InputIssue[] {
  const issues: InputIssue[] = [];
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  pf.positions.forEach((pos, i) => {
    const r = resolveInstrument(market, pos.instrument);
    if (!r.ok) issues.push({ path: p(`positions[${i}].instrument`), message: r.reason, value: pos.instrument.name });
  });
  pf.openOrders.forEach((o, i) => {
    const r = resolveInstrument(market, o.instrument);
    if (!r.ok) issues.push({ path: p(`openOrders[${i}].instrument`), message: r.reason, value: o.instrument.name });
  });
  for (const [asset, amount] of Object.entries(pf.collateral)) {
    if (asset !== "USD" && market.assets[asset] === undefined) {
      issues.push({ path: p(`collateral.${asset}`), message: `no index for ${asset} in market.assets`, value: amount });
    }
  }
  return issues;
}
