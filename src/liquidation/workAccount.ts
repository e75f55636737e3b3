/**
 * The account being liquidated, as the planner changes it: positions with their cached risk vectors and
 * current values, and the collateral. Trades execute against the cost model: the position's value at mark
 * moves to the cash balance (value-neutral), the execution cost and the liquidation fee are paid from it.
 */
import type { Instrument, Parsed } from "../domain/instrument.js";
import type { Portfolio, Position } from "../domain/portfolio.js";
import type { RiskContext } from "../margin/riskContext.js";
import { unitValueUsd } from "../pricing/instrumentValue.js";
import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import { execute, liquidityOf, type CostModelParams, type Execution } from "./costModel.js";

/** A position with its per-unit risk and its current value (numeraire). */
export interface WorkPosition {
  readonly instrument: Instrument;
  readonly size: number;
  readonly entryPrice?: number;
  readonly risk: InstrumentRisk;
  readonly value: number;
}

export interface WorkAccount {
  readonly account: string;
  readonly collateral: Readonly<Record<string, number>>;
  readonly positions: readonly WorkPosition[];
  /** Balance that receives realised value and pays costs: USDC when the market has it, else USD. */
  readonly cashAsset: string;
}

/** Value (numeraire) of `size` units held against an entry price (futures/perpetuals) or at mark. */
export function positionValue(ctx: RiskContext, r: InstrumentRisk, size: number, entryPrice?: number): number {
  const k = r.resolved.instrument.kind;
  if (k !== "future" && k !== "perpetual") return size * r.value;
  return entryPrice === undefined ? 0 : (size * unitValueUsd(r.resolved, 0, 0, entryPrice)) / ctx.numeraire.index;
}

/** The cash asset the planner settles in. */
export function cashAssetOf(ctx: RiskContext): string {
  return ctx.usdIndex("USDC") !== undefined && ctx.isStable("USDC") ? "USDC" : "USD";
}

/** Resolve a portfolio into a work account (open orders are dropped: the planner cancels them first). */
export function workAccount(ctx: RiskContext, pf: Portfolio): Parsed<WorkAccount> {
  const positions: WorkPosition[] = [];
  for (let i = 0; i < pf.positions.length; i++) {
    const p = pf.positions[i];
    const r = ctx.risk(p.instrument);
    if (!r.ok) return { ok: false, reason: `positions[${i}].instrument: ${r.reason}` };
    if (p.size === 0) continue;
    positions.push({ ...p, risk: r.value, value: positionValue(ctx, r.value, p.size, p.entryPrice) });
  }
  return { ok: true, value: { account: pf.account, collateral: pf.collateral, positions, cashAsset: cashAssetOf(ctx) } };
}

/** Back to a portfolio (no open orders). */
export function toPortfolio(w: WorkAccount): Portfolio {
  const positions: Position[] = w.positions.map((p) => (p.entryPrice === undefined ? { instrument: p.instrument, size: p.size } : { instrument: p.instrument, size: p.size, entryPrice: p.entryPrice }));
  return { account: w.account, collateral: w.collateral, positions, openOrders: [] };
}

/** A trade on the work account: position `index` (or a new position when index = -1) changes by `size`. */
export interface Trade {
  readonly index: number;
  readonly instrument: Instrument;
  readonly risk: InstrumentRisk;
  readonly size: number;
}

/** A trade priced: execution (USD) plus cost, fee and realised value in the numeraire. */
export interface PricedTrade extends Trade {
  readonly exec: Execution;
  /** Execution cost against mark (numeraire, ≥ 0). */
  readonly cost: number;
  /** Liquidation fee (numeraire, ≥ 0). */
  readonly fee: number;
  /** Value moved from the position to cash at mark (numeraire). */
  readonly realised: number;
}

/** Price a trade: cost from the model, fee = feeRate × USD notional. */
export function priceTrade(ctx: RiskContext, w: WorkAccount, t: Trade, costs: CostModelParams, feeRate: number): PricedTrade {
  const exec = execute(liquidityOf(costs, t.instrument), t.risk.resolved, t.risk.markPrice, t.size);
  const N = ctx.numeraire.index;
  let realised = 0;
  if (t.index >= 0) {
    const p = w.positions[t.index];
    realised = p.value - (p.value * (p.size + t.size)) / p.size;
  }
  return { index: t.index, instrument: t.instrument, risk: t.risk, size: t.size, exec, cost: exec.costUsd / N, fee: (feeRate * exec.notionalUsd) / N, realised };
}

/** Apply priced trades: positions change, cash receives realised value minus cost and fee. */
export function applyTrades(ctx: RiskContext, w: WorkAccount, trades: readonly PricedTrade[]): WorkAccount {
  const positions: (WorkPosition | null)[] = [...w.positions];
  let cash = 0;
  for (const t of trades) {
    cash += t.realised - t.cost - t.fee;
    if (t.index < 0) {
      // A new (hedge) position opens at mark: its entry price is the mark, so later moves show as its value.
      const k = t.instrument.kind;
      const entry = k === "future" || k === "perpetual" ? { entryPrice: t.risk.resolved.forward } : {};
      positions.push({ instrument: t.instrument, size: t.size, risk: t.risk, value: 0, ...entry });
      continue;
    }
    const p = positions[t.index];
    if (!p) continue;
    const size = p.size + t.size;
    positions[t.index] = Math.abs(size) <= 1e-12 * Math.max(1, Math.abs(p.size)) ? null : { ...p, size, value: p.value - t.realised };
  }
  const idx = (ctx.usdIndex(w.cashAsset) ?? 1) / ctx.numeraire.index;
  const collateral = { ...w.collateral, [w.cashAsset]: (w.collateral[w.cashAsset] ?? 0) + cash / idx };
  return { ...w, collateral, positions: positions.filter((p): p is WorkPosition => p !== null) };
}
