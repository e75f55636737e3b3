import type { Parsed } from "../domain/instrument.js";
import type { Portfolio, Position } from "../domain/portfolio.js";
import type { RiskContext } from "./riskContext.js";

/**
 * The account after trades executed at mark. Futures and perpetuals cost nothing up front (their value
 * is P&L against the fill, 0 at mark). Options and spot are paid for in cash: coin-settled options in the
 * coin (mark in coin × size), linear options in their quote currency, spot in USD at the index. A balance
 * may go negative (a debt); a negative coin balance joins its risk unit's scenarios as a short.
 */
export function applyTrades(ctx: RiskContext, pf: Portfolio, trades: readonly Position[]): Parsed<Portfolio> {
  const collateral: Record<string, number> = { ...pf.collateral };
  for (const t of trades) {
    const inst = t.instrument;
    if (inst.kind === "future" || inst.kind === "perpetual") continue;
    const r = ctx.risk(inst);
    if (!r.ok) return r;
    const ccy = inst.kind === "spot" ? "USD" : inst.settlement === "inverse" ? inst.underlying : inst.quote;
    collateral[ccy] = (collateral[ccy] ?? 0) - t.size * r.value.markPrice;
  }
  return { ok: true, value: { ...pf, collateral, positions: [...pf.positions, ...trades] } };
}
