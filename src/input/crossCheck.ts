import type { Instrument } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { resolveInstrument } from "../market/resolve.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import type { InputIssue } from "./issues.js";

/** Per market snapshot: instrument name → why it cannot be valued (null when it can). */
const resolvable = new WeakMap<MarketSnapshot, Map<string, string | null>>();

function problemOf(market: MarketSnapshot, inst: Instrument): string | null {
  let memo = resolvable.get(market);
  if (!memo) resolvable.set(market, (memo = new Map()));
  let why = memo.get(inst.name);
  if (why === undefined) {
    const r = resolveInstrument(market, inst);
    why = r.ok ? null : r.reason;
    memo.set(inst.name, why);
  }
  return why;
}

/**
 * Problems of a valid portfolio against a valid market: instruments whose underlying, quote, forward or
 * volatility cannot be found, expired instruments, collateral without an index. `prefix` prefixes paths.
 */
export function portfolioMarketIssues(pf: Portfolio, market: MarketSnapshot, prefix = ""): InputIssue[] {
  const issues: InputIssue[] = [];
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  pf.positions.forEach((pos, i) => {
    const why = problemOf(market, pos.instrument);
    if (why !== null) issues.push({ path: p(`positions[${i}].instrument`), message: why, value: pos.instrument.name });
  });
  pf.openOrders.forEach((o, i) => {
    const why = problemOf(market, o.instrument);
    if (why !== null) issues.push({ path: p(`openOrders[${i}].instrument`), message: why, value: o.instrument.name });
  });
  for (const [asset, amount] of Object.entries(pf.collateral)) {
    if (asset !== "USD" && market.assets[asset] === undefined) {
      issues.push({ path: p(`collateral.${asset}`), message: `no index for ${asset} in market.assets`, value: amount });
    }
  }
  return issues;
}

/** A parsed portfolio checked against the market: the portfolio, or its problems (`portfolioMarketIssues`). */
export function marketChecked(pf: Portfolio, market: MarketSnapshot): { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } {
  const issues = portfolioMarketIssues(pf, market);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: pf };
}
