/**
 * The liquidation part of the engine state: the insurance fund (exact balances per asset) and the record
 * of recent liquidations (plan summary, executed steps, fees, deficit cover), both pure folds of the
 * `insurance_deposit` and `liquidation_*` events. `applyLiquidationFill` is the one place a liquidation
 * trade changes an account; the engine's planner simulation (liquidation.ts) uses it too, so what is
 * logged is exactly what is applied.
 */
import type { AdlEvent, LiquidationEndEvent, LiquidationStartEvent, LiquidationStepEvent } from "./events.js";
import { formatUnits, roundToUnits, toUnits, unitsToNumber } from "../domain/money.js";
import { fillCash } from "./settlement.js";
import { instrumentOf, type AccountState } from "./state.js";

/** One executed step as kept in the record (the event's fields). */
export type LiquidationStepView = Omit<LiquidationStepEvent, "type" | "account"> & { readonly seq: number };

/** A liquidation: started by the engine, steps applied, ended with fees and deficit cover. */
export interface LiquidationRecord {
  readonly account: string;
  readonly startSeq: number;
  endSeq: number | null;
  readonly plannedSteps: number;
  readonly rounds: number;
  readonly plannedOutcome: LiquidationStartEvent["outcome"];
  readonly fallback: string | null;
  readonly cost: number;
  readonly closeAllCost: number;
  readonly trigger: { readonly adjustedEquity: number; readonly maintenanceMargin: number; readonly marginRatio: number | null };
  readonly steps: LiquidationStepView[];
  /** Exact decimal of fees paid so far (cash asset). */
  fees: string;
  /** Auto-deleveraging fills that covered the deficit (counterparty, instrument, size, amount paid). */
  adl?: { readonly account: string; readonly instrument: string; readonly size: string; readonly amount: string; readonly seq: number }[];
  end: Omit<LiquidationEndEvent, "type" | "account"> | null;
}

/** How many finished liquidations the state keeps (older ones stay in the event log). */
export const RECENT_LIQUIDATIONS = 50;

function addBalance(m: Map<string, bigint>, asset: string, amount: bigint): void {
  if (amount === 0n) return;
  const nb = (m.get(asset) ?? 0n) + amount;
  if (nb === 0n) m.delete(asset);
  else m.set(asset, nb);
}

/**
 * Apply a liquidation trade to an account: a fill of `size` at `price` (engine rules: futures realise
 * P&L, options pay premium), each cash flow in another asset converted into the cash asset at its rate
 * (rounded once to 1e-12), then the fee debited. Returns the fee in units (to credit the fund).
 */
export function applyLiquidationFill(a: AccountState, e: Pick<LiquidationStepEvent, "instrument" | "size" | "price" | "fee" | "cashAsset" | "rates">): bigint {
  const inst = instrumentOf(e.instrument);
  const size = toUnits(e.size) ?? 0n;
  const pos = a.positions.get(e.instrument) ?? { size: 0n };
  const r = fillCash(inst, pos, size, e.price);
  for (const f of r.cash) {
    if (f.asset === e.cashAsset) addBalance(a.balances, f.asset, f.amount);
    else addBalance(a.balances, e.cashAsset, roundToUnits(unitsToNumber(f.amount) * (e.rates[f.asset] ?? 0)));
  }
  if (r.next.size === 0n) a.positions.delete(e.instrument);
  else a.positions.set(e.instrument, r.next);
  const fee = toUnits(e.fee) ?? 0n;
  addBalance(a.balances, e.cashAsset, -fee);
  return fee;
}

/**
 * Apply an auto-deleveraging fill: the counterparty's reducing fill at mark (no fee) realises its profit in
 * the cash asset, and `amount` of it moves to the bankrupt account (exact).
 */
export function applyAdl(counterparty: AccountState | undefined, bankrupt: AccountState | undefined, e: AdlEvent): void {
  const amount = toUnits(e.amount) ?? 0n;
  if (counterparty) {
    applyLiquidationFill(counterparty, { ...e, fee: "0" });
    addBalance(counterparty.balances, e.cashAsset, -amount);
  }
  if (bankrupt) addBalance(bankrupt.balances, e.cashAsset, amount);
}

/** Record an ADL fill in the bankrupt account's open liquidation. */
export function recordAdl(list: LiquidationRecord[], e: AdlEvent, seq: number): void {
  const r = openRecord(list, e.bankrupt);
  if (!r) return;
  (r.adl ??= []).push({ account: e.account, instrument: e.instrument, size: e.size, amount: e.amount, seq });
}

/** Fund → account: the deficit cover of a liquidation end (exact). */
export function applyFundCover(fund: Map<string, bigint>, a: AccountState | undefined, e: Pick<LiquidationEndEvent, "fundCover" | "cashAsset">): void {
  const c = toUnits(e.fundCover) ?? 0n;
  addBalance(fund, e.cashAsset, -c);
  if (a) addBalance(a.balances, e.cashAsset, c);
}

export function addToFund(fund: Map<string, bigint>, asset: string, amount: bigint): void {
  addBalance(fund, asset, amount);
}

export function startRecord(e: LiquidationStartEvent, seq: number): LiquidationRecord {
  return {
    account: e.account, startSeq: seq, endSeq: null, plannedSteps: e.steps, rounds: e.rounds, plannedOutcome: e.outcome, fallback: e.fallback,
    cost: e.cost, closeAllCost: e.closeAllCost, trigger: { adjustedEquity: e.adjustedEquity, maintenanceMargin: e.maintenanceMargin, marginRatio: e.marginRatio },
    steps: [], fees: "0", end: null,
  };
}

/** Record a step in the account's open record. */
export function recordStep(list: LiquidationRecord[], e: LiquidationStepEvent, seq: number): void {
  const r = openRecord(list, e.account);
  if (!r) return;
  const { type: _t, account: _a, ...view } = e;
  r.steps.push({ ...view, seq });
  r.fees = formatUnits((toUnits(r.fees) ?? 0n) + (toUnits(e.fee) ?? 0n));
}

export function endRecord(list: LiquidationRecord[], e: LiquidationEndEvent, seq: number): void {
  const r = openRecord(list, e.account);
  if (!r) return;
  const { type: _t, account: _a, ...end } = e;
  r.end = end;
  r.endSeq = seq;
  while (list.length > RECENT_LIQUIDATIONS) list.shift();
}

/** The account's liquidation that has started and not ended, if any. */
export function openRecord(list: readonly LiquidationRecord[], account: string): LiquidationRecord | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i].account === account) return list[i].endSeq === null ? list[i] : undefined;
  return undefined;
}
