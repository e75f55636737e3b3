/** Liquidation steps as reported: what was traded, at what price and cost, and the margin before and after. */
import { instrumentNamed, type Instrument } from "../domain/instrument.js";
import type { MarginResult } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import type { PricedTrade } from "./workAccount.js";

/** The margin figures a step records (a full `MarginResult` or the planner's incremental figures). */
export type StepMargin = Pick<MarginResult, "maintenanceMargin" | "adjustedEquity" | "marginRatio">;

export type StepAction = "cancel_orders" | "reduce" | "close" | "hedge" | "close_all";

/** One fill of a close-all step. */
export interface StepFill {
  readonly instrument: string;
  readonly size: number;
  readonly price: number;
  readonly cost: number;
  readonly fee: number;
}

/**
 * One step. `size` is the signed trade in the instrument's unit (> 0 buy); for `cancel_orders` the number
 * of orders cancelled, for `close_all` the number of positions closed (instrument `*`). `price` is the
 * average execution price in the instrument's quote unit (0 when nothing trades). `cost` is the execution
 * cost against mark and `fee` the liquidation fee, both in the numeraire. `marginRatioAfter` is the
 * engine's MM / adjusted equity after the step (null when adjusted equity ≤ 0).
 */
export interface PlanStep {
  readonly action: StepAction;
  readonly instrument: string;
  readonly size: number;
  readonly price: number;
  readonly notionalUsd: number;
  readonly cost: number;
  readonly fee: number;
  readonly marginRatioAfter: number | null;
  readonly maintenanceMarginBefore: number;
  readonly maintenanceMarginAfter: number;
  readonly adjustedEquityBefore: number;
  readonly adjustedEquityAfter: number;
  /** Why this action (the ranking that chose it, or the reason for a fallback). */
  readonly why: string;
  readonly fills?: readonly StepFill[];
}

/** The record of one step from the margin before and after. */
export function stepRecord(action: StepAction, t: PricedTrade | null, before: StepMargin, after: StepMargin, why: string): PlanStep {
  return {
    action, instrument: t ? t.instrument.name : "*", size: t ? t.size : 0, price: t ? t.exec.price : 0,
    notionalUsd: t ? t.exec.notionalUsd : 0, cost: t ? t.cost : 0, fee: t ? t.fee : 0,
    marginRatioAfter: after.marginRatio,
    maintenanceMarginBefore: before.maintenanceMargin, maintenanceMarginAfter: after.maintenanceMargin,
    adjustedEquityBefore: before.adjustedEquity, adjustedEquityAfter: after.adjustedEquity, why,
  };
}

/** Every position closed at once, as one step with its fills. */
export function closeAllStep(trades: readonly PricedTrade[], before: StepMargin, after: StepMargin, why: string): PlanStep {
  let cost = 0, fee = 0, notional = 0;
  const fills: StepFill[] = trades.map((t) => {
    cost += t.cost; fee += t.fee; notional += t.exec.notionalUsd;
    return { instrument: t.instrument.name, size: t.size, price: t.exec.price, cost: t.cost, fee: t.fee };
  });
  return { ...stepRecord("close_all", null, before, after, why), size: trades.length, notionalUsd: notional, cost, fee, fills };
}

/** The perpetual that hedges an underlying: the inverse `U-PERPETUAL`, else the linear `U_USDC-PERPETUAL`, when the market marks it. */
export function hedgeInstrument(ctx: RiskContext, underlying: string): { instrument: Instrument; risk: InstrumentRisk } | null {
  for (const name of [`${underlying}-PERPETUAL`, `${underlying}_USDC-PERPETUAL`, `${underlying}_USDT-PERPETUAL`]) {
    if (ctx.market.instruments[name]?.mark === undefined) continue;
    const inst = instrumentNamed(name);
    if (!inst) continue;
    const r = ctx.risk(inst);
    if (r.ok) return { instrument: inst, risk: r.value };
  }
  return null;
}
