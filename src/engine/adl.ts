/**
 * Auto-deleveraging in the engine (DESIGN.md section 8): what the insurance fund cannot cover of a bankrupt
 * account's deficit is taken from the other accounts' profitable futures and perpetuals on the side that
 * gained from the bankrupt's closing flow, ranked by profit × leverage (as `src/liquidation/settlement.ts`
 * ranks them for the CLI). Each counterparty gives up part of its position at mark: the fill realises that
 * part's profit, which moves to the bankrupt account. Pure given the state and the context; the `adl` events
 * it returns are applied with `applyAdl` (liquidationState.ts), the function a replay uses.
 */
import type { RiskContext } from "../margin/riskContext.js";
import type { AdlEvent } from "./events.js";
import { applyAdl, applyLiquidationFill } from "./liquidationState.js";
import { formatUnits, roundToUnits, unitsToNumber } from "../domain/money.js";
import { futurePnl, settlementAsset } from "./settlement.js";
import { cloneAccount, instrumentOf, type AccountState, type EngineState } from "./state.js";

interface Candidate {
  readonly account: AccountState;
  readonly instrument: string;
  readonly profitUsd: number;
  readonly score: number;
}

/** USD per unit of an asset now (0 when the snapshot has no index for it). */
const usd = (ctx: RiskContext, asset: string): number => ctx.usdIndex(asset) ?? 0;

/** Gross delta notional over net liquidation value (USD), ≥ 0; 0 when the account has no positive value. */
function leverage(ctx: RiskContext, a: AccountState): number {
  let gross = 0, value = 0;
  for (const [asset, units] of a.balances) value += unitsToNumber(units) * usd(ctx, asset);
  for (const [name, p] of a.positions) {
    const r = ctx.risk(instrumentOf(name));
    if (!r.ok) continue;
    const n = unitsToNumber(p.size);
    gross += Math.abs(n * r.value.delta * r.value.resolved.index);
    value += n * r.value.value * ctx.numeraire.index;
  }
  return value > 0 ? gross / value : 0;
}

/** Profitable delta-one positions whose delta has the sign of `side` on `underlying`, best score first. */
function candidates(s: EngineState, ctx: RiskContext, bankrupt: string, underlying: string, side: number): Candidate[] {
  const out: Candidate[] = [];
  for (const a of s.accounts.values()) {
    if (a.id === bankrupt) continue;
    let lev: number | null = null;
    for (const [name, p] of a.positions) {
      const inst = instrumentOf(name);
      if (inst.underlying !== underlying || (inst.kind !== "future" && inst.kind !== "perpetual") || p.entryPrice === undefined) continue;
      if (Math.sign(unitsToNumber(p.size)) !== side) continue;
      const r = ctx.risk(inst);
      if (!r.ok) continue;
      const profitUsd = futurePnl(inst, unitsToNumber(p.size), p.entryPrice, r.value.markPrice) * usd(ctx, settlementAsset(inst));
      if (!(profitUsd > 0)) continue;
      lev ??= leverage(ctx, a);
      out.push({ account: a, instrument: name, profitUsd, score: profitUsd * Math.max(lev, 1e-9) });
    }
  }
  return out.sort((x, y) => y.score - x.score || (x.account.id < y.account.id ? -1 : 1));
}

/**
 * The `adl` events covering up to `deficitUsd` of `bankrupt`'s deficit, largest closing flow's underlying
 * first (`flowUsd`: signed delta the bankrupt's liquidation traded, > 0 bought). Applies them to `bankruptCopy`
 * (the caller's simulated account) so its final margin includes the cover. Returns the events and the USD covered.
 */
export function adlEvents(s: EngineState, ctx: RiskContext, bankruptCopy: AccountState, flowUsd: ReadonlyMap<string, number>, deficitUsd: number, cash: string): { events: AdlEvent[]; coveredUsd: number } {
  const events: AdlEvent[] = [];
  const cashUsd = usd(ctx, cash) || 1;
  // One micro-dollar over the float deficit, so rounding never leaves the bankrupt a hair below zero.
  let remaining = deficitUsd + 1e-6, covered = 0;
  const flows = [...flowUsd].filter(([, f]) => f !== 0).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
  for (const [u, f] of flows) {
    for (const c of candidates(s, ctx, bankruptCopy.id, u, Math.sign(f))) {
      if (remaining <= 0) break;
      const held = c.account.positions.get(c.instrument)?.size ?? 0n;
      const share = Math.min(1, remaining / c.profitUsd);
      const give = share >= 1 ? held : roundToUnits(unitsToNumber(held) * share);
      if (give === 0n) continue;
      const inst = instrumentOf(c.instrument);
      const r = ctx.risk(inst);
      if (!r.ok) continue;
      const ccy = settlementAsset(inst);
      const rates: Record<string, number> = ccy === cash ? {} : { [ccy]: usd(ctx, ccy) / cashUsd };
      // The amount is exactly the cash the reducing fill realises (simulated on a copy with the same code).
      const probe = cloneAccount(c.account);
      const before = probe.balances.get(cash) ?? 0n;
      applyLiquidationFill(probe, { instrument: c.instrument, size: formatUnits(-give), price: r.value.markPrice, fee: "0", cashAsset: cash, rates });
      const amount = (probe.balances.get(cash) ?? 0n) - before;
      if (amount <= 0n) continue;
      const ev: AdlEvent = { type: "adl", account: c.account.id, bankrupt: bankruptCopy.id, instrument: c.instrument, size: formatUnits(-give), price: r.value.markPrice, cashAsset: cash, rates, amount: formatUnits(amount) };
      events.push(ev);
      applyAdl(undefined, bankruptCopy, ev);
      const paid = unitsToNumber(amount) * cashUsd;
      covered += paid;
      remaining -= paid;
    }
  }
  return { events, coveredUsd: Math.min(covered, deficitUsd) };
}
