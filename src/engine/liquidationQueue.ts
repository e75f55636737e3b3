/**
 * Views of liquidation for the API and the dashboard: the queue (accounts in liquidation or bankrupt now,
 * with why the engine is not liquidating them and, on request, the plan it would run), the recent
 * liquidations with their steps, and the insurance fund (exact balances and USD value).
 */
import { planLiquidation } from "../liquidation/planner.js";
import type { AccountMargin } from "./accountMargin.js";
import type { Engine } from "./engine.js";
import { isInLiquidation } from "./liquidation.js";
import type { LiquidationRecord } from "./liquidationState.js";
import { formatUnits, unitsToNumber } from "../domain/money.js";
import { toPortfolio } from "./state.js";

export interface InsuranceFundView {
  /** Asset → exact decimal balance. */
  readonly balances: Readonly<Record<string, string>>;
  /** Σ balance × USD index (float, for display). */
  readonly valueUsd: number;
}

export interface QueueEntry {
  readonly account: string;
  readonly status: AccountMargin["status"];
  readonly marginRatio: number | null;
  readonly adjustedEquity: number;
  readonly maintenanceMargin: number;
  /** `held`: not liquidated now (see `reason`); `liquidating`: a liquidation is open in the log. */
  readonly state: "held" | "liquidating";
  readonly reason: string | null;
}

/** Compact record of a liquidation (for the fleet summary). */
export interface LiquidationSummary {
  readonly account: string;
  readonly startSeq: number;
  readonly endSeq: number | null;
  readonly executed: number;
  readonly planned: number;
  readonly outcome: string | null;
  readonly fees: string;
  readonly fundCover: string | null;
  /** Deficit taken from other accounts by auto-deleveraging (exact, cash asset), when any. */
  readonly adlCover: string | null;
  readonly uncoveredUsd: number | null;
  readonly marginRatioBefore: number | null;
  readonly marginRatioAfter: number | null;
}

export function insuranceFundView(engine: Engine): InsuranceFundView {
  let valueUsd = 0;
  const balances: Record<string, string> = {};
  for (const [asset, u] of [...engine.state.insuranceFund].sort((a, b) => a[0].localeCompare(b[0]))) {
    balances[asset] = formatUnits(u);
    valueUsd += unitsToNumber(u) * (asset === "USD" ? 1 : engine.state.market?.assets[asset]?.index ?? 0);
  }
  return { balances, valueUsd };
}

/** Accounts in liquidation or bankrupt now, highest margin ratio first. */
export function liquidationQueue(engine: Engine): QueueEntry[] {
  const out: QueueEntry[] = [];
  // The candidates only (kept by the engine as margins are published): no AccountMargin built for the rest of the book.
  for (const id of engine.margins.inLiquidation()) {
    const m = engine.margins.get(id);
    if (!m || !isInLiquidation(m)) continue;
    const open = engine.state.liquidations.some((r) => r.account === m.account && r.endSeq === null);
    out.push({ account: m.account, status: m.status, marginRatio: m.marginRatio, adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin, state: open ? "liquidating" : "held", reason: engine.held.get(m.account) ?? m.liquidationHold ?? null });
  }
  return out.sort((a, b) => (b.marginRatio ?? Infinity) - (a.marginRatio ?? Infinity) || a.account.localeCompare(b.account));
}

export function summarize(r: LiquidationRecord): LiquidationSummary {
  return {
    account: r.account, startSeq: r.startSeq, endSeq: r.endSeq, executed: r.steps.length, planned: r.plannedSteps, outcome: r.end?.outcome ?? null,
    fees: r.fees, fundCover: r.end?.fundCover ?? null, adlCover: r.end?.adlCover ?? null, uncoveredUsd: r.end?.uncoveredUsd ?? null, marginRatioBefore: r.trigger.marginRatio, marginRatioAfter: r.end?.marginRatio ?? null,
  };
}

/** The plan the engine would run for a queued account now (not executed), or why there is none. */
export function previewPlan(engine: Engine, account: string): unknown {
  const a = engine.state.accounts.get(account);
  const ctx = engine.riskContext()?.context();
  if (!a || !ctx) return null;
  if (a.venues) return { error: "a multi-venue account: dpm plans no liquidation (each venue liquidates its own positions)" };
  if (a.positions.size === 0) return { error: "no positions" };
  const p = planLiquidation(ctx, toPortfolio(a), { model: "portfolio" });
  if (!p.ok) return { error: p.reason };
  const v = p.value;
  return { outcome: v.outcome, cost: v.cost, fees: v.fees, closeAllCost: v.closeAllCost, fallback: v.fallback, steps: v.steps.map((s) => ({ action: s.action, instrument: s.instrument, size: s.size, price: s.price, cost: s.cost, fee: s.fee, marginRatioAfter: s.marginRatioAfter })) };
}
