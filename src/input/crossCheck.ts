import type { Instrument } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { resolveInstrument } from "../market/resolve.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import type { InputIssue } from "./issues.js";

/**
 * Per market snapshot: instrument → why it cannot be valued (null when it can), by the `Instrument` object (the
 * parsers share one per name, so a batch's lookups are by identity; another object of the same name gets its own
 * entry, with the same answer).
 */
const resolvable = new WeakMap<MarketSnapshot, Map<Instrument, string | null>>();
/** The market of the last call and its entry (a batch is checked against one market). */
let lastMarket: MarketSnapshot | undefined, lastMemo: Map<Instrument, string | null> | undefined;

function memoOf(market: MarketSnapshot): Map<Instrument, string | null> {
  if (market === lastMarket && lastMemo !== undefined) return lastMemo;
  let memo = resolvable.get(market);
  if (!memo) resolvable.set(market, (memo = new Map()));
  lastMarket = market; lastMemo = memo;
  return memo;
}

function problemOf(memo: Map<Instrument, string | null>, market: MarketSnapshot, inst: Instrument): string | null {
  let why = memo.get(inst);
  if (why === undefined) {
    const r = resolveInstrument(market, inst);
    why = r.ok ? null : r.reason;
    if (memo.size >= 100_000) memo.clear(); // instruments parsed anew per document (the zod path) do not pile up
    memo.set(inst, why);
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
  const memo = memoOf(market), ps = pf.positions, os = pf.openOrders;
  for (let i = 0; i < ps.length; i++) {
    const why = problemOf(memo, market, ps[i].instrument);
    if (why !== null) issues.push({ path: p(`positions[${i}].instrument`), message: why, value: ps[i].instrument.name });
  }
  for (let i = 0; i < os.length; i++) {
    const why = problemOf(memo, market, os[i].instrument);
    if (why !== null) issues.push({ path: p(`openOrders[${i}].instrument`), message: why, value: os[i].instrument.name });
  }
  const coll = pf.collateral;
  for (const asset in coll) {
    if (asset !== "USD" && market.assets[asset] === undefined) {
      issues.push({ path: p(`collateral.${asset}`), message: `no index for ${asset} in market.assets`, value: coll[asset] });
    }
  }
  return issues;
}

/** A parsed portfolio checked against the market: the portfolio, or its problems (`portfolioMarketIssues`). */
export function marketChecked(pf: Portfolio, market: MarketSnapshot): { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } {
  const issues = portfolioMarketIssues(pf, market);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: pf };
}
