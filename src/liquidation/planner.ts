/**
 * Incremental liquidation planner (DESIGN.md section 8). Cancel open orders first; then, step by step,
 * take the action with the largest maintenance-margin reduction per unit of expected cost (execution cost
 * from the cost model + liquidation fee) among: reduce a position by a step, close it, or hedge an
 * underlying's net delta with its perpetual. Every step is re-margined with the engine (`marginWith`) and
 * kept only if it lowers MM usage (MM / adjusted equity); planning stops once usage ≤ the target.
 * The plan never costs more than closing everything at once: when the greedy plan would, or when no
 * step lowers usage, or when adjusted equity is ≤ 0, the plan is to close everything at once, and says why.
 * Pure: callers (CLI, cascade, service) call it per account against a shared RiskContext.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { marginWith } from "../margin/computeMargin.js";
import type { MarginModel, MarginResult } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import { mmUsage, scoreCandidates, type CandidateCache, type Scored } from "./candidates.js";
import { DEFAULT_COST_MODEL, type CostModelParams } from "./costModel.js";
import { marginTracker, type MarginNumbers, type MarginTracker } from "./fastMargin.js";
import { DEFAULT_HEALTH_BANDS, health, type Health, type HealthBands } from "./health.js";
import { toMoney, type Money } from "./money.js";
import { closeAllStep, stepRecord, type PlanStep } from "./steps.js";
import { applyTrades, priceTrade, toPortfolio, workAccount, type PricedTrade, type WorkAccount } from "./workAccount.js";

export { mmUsage } from "./candidates.js";
export type { PlanStep } from "./steps.js";

/** Planner options. Amounts in USD; fractions as fractions (0.9 = 90 %). */
export interface PlanOptions {
  readonly model: MarginModel;
  readonly costs: CostModelParams;
  /** Stop once MM usage (MM / adjusted equity) ≤ this. Default 0.9. */
  readonly targetUsage: number;
  /** A reduce step trades this fraction of the position. Default 0.25. */
  readonly stepFraction: number;
  /** Largest USD reference notional of one step (a position above it cannot be closed in one step). Default 1,000,000. */
  readonly maxStepNotionalUsd: number;
  /** Smallest step (USD reference notional); smaller positions are only closed. Default 1,000. */
  readonly minStepNotionalUsd: number;
  /** Liquidation fee, fraction of the USD notional traded, paid to the insurance fund. Default 0.0015. */
  readonly feeRate: number;
  /** Consider hedging net delta with the perpetual. Default true. */
  readonly hedge: boolean;
  /** Greedy steps before giving up and closing everything. Default 200. */
  readonly maxSteps: number;
  readonly bands: HealthBands;
  /**
   * Debug/test: after every step, recompute the margin with the engine (`marginWith`) and fail the plan if
   * the incremental figures differ by more than 1e-9 relative. Default false (it costs a full re-margin per step).
   */
  readonly verifyFastMargin: boolean;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  model: "portfolio", costs: DEFAULT_COST_MODEL, targetUsage: 0.9, stepFraction: 0.25, maxStepNotionalUsd: 1_000_000,
  minStepNotionalUsd: 1_000, feeRate: 0.0015, hedge: true, maxSteps: 200, bands: DEFAULT_HEALTH_BANDS,
  verifyFastMargin: false,
};

/**
 * How a plan ended. `restored`: maintenance-margin usage back at or under the target with positions left (the
 * account may still be in margin call: see `healthAfter`); `closed`: everything closed, equity ≥ 0;
 * `bankrupt`: closed with equity < 0.
 */
export type PlanOutcome = "restored" | "closed" | "bankrupt";

export interface LiquidationPlan {
  readonly account: string;
  readonly model: MarginModel;
  readonly targetUsage: number;
  readonly before: MarginResult;
  readonly after: MarginResult;
  readonly healthBefore: Health;
  readonly healthAfter: Health;
  readonly steps: readonly PlanStep[];
  /** Σ liquidation fees (numeraire), to the insurance fund. */
  readonly fees: number;
  /** Σ execution cost against mark (numeraire), to the market. */
  readonly slippage: number;
  /** fees + slippage. */
  readonly cost: number;
  /** What closing every position at once would cost (fees + slippage). */
  readonly closeAllCost: number;
  /** Why the plan is close-all instead of the greedy steps, or null. */
  readonly fallback: string | null;
  readonly outcome: PlanOutcome;
  /** max(0, −equity after): the loss the account cannot pay (numeraire). */
  readonly deficit: number;
  /** Exact amounts moved: fees, slippage and deficit in Money (1e-8 of the numeraire). */
  readonly money: { readonly fees: Money; readonly slippage: Money; readonly deficit: Money };
  /** Signed delta traded per underlying, USD (> 0 bought): the flow the market absorbs. */
  readonly deltaFlowUsd: Readonly<Record<string, number>>;
  /** USD reference notional traded. */
  readonly volumeUsd: number;
  /** The account after the plan (no open orders). */
  readonly final: Portfolio;
}

const isHealthy = (r: MarginNumbers, target: number) => r.equity >= 0 && mmUsage(r) <= target;

interface Greedy {
  readonly steps: PlanStep[];
  readonly w: WorkAccount;
  readonly trades: PricedTrade[];
  readonly stall: string | null;
  /** Set when `verifyFastMargin` found the incremental margin off the engine's. */
  readonly mismatch?: string;
}

const CONFIRM_TRIES = 6;

function margin(ctx: RiskContext, pf: Portfolio, model: MarginModel): MarginResult {
  const r = marginWith(ctx, pf, model);
  if (!r.ok) throw new Error(`liquidation: cannot re-margin ${pf.account}: ${r.reason}`);
  return r.value;
}

/** Largest relative difference between the incremental figures and the engine's, or a reason when one is off by more than 1e-9. */
export function fastMarginMismatch(fast: MarginNumbers, full: MarginNumbers): string | null {
  for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin"] as const) {
    const a = fast[k], b = full[k];
    if (!(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300)) && a !== b) return `${k}: incremental ${a}, engine ${b}`;
  }
  return null;
}

/**
 * The greedy steps. Candidates are ranked on the tracker's estimate; the best are tried in order on the
 * tracker's engine-equivalent figures (only the traded unit is re-margined), and the first that lowers MM
 * usage is taken.
 */
function greedy(ctx: RiskContext, w0: WorkAccount, r0: MarginNumbers, o: PlanOptions): Greedy {
  let tr = marginTracker(ctx, w0, o.model), r = r0;
  const steps: PlanStep[] = [], trades: PricedTrade[] = [];
  const cache: CandidateCache = new WeakMap();
  const done = (stall: string | null, mismatch?: string): Greedy => ({ steps, w: tr.work, trades, stall, ...(mismatch ? { mismatch } : {}) });
  for (let n = 0; n < o.maxSteps; n++) {
    if (isHealthy(r, o.targetUsage)) return done(null);
    const cands = scoreCandidates(ctx, tr, r, o, cache);
    let accepted = false;
    for (let i = 0; i < cands.length && i < CONFIRM_TRIES; i++) {
      const c = cands[i];
      const nt = tr.next(applyTrades(ctx, tr.work, [c.trade]), c.trade);
      const nr = nt.margin;
      if (!(mmUsage(nr) < mmUsage(r))) continue;
      if (o.verifyFastMargin) {
        const bad = fastMarginMismatch(nr, margin(ctx, toPortfolio(nt.work), o.model));
        if (bad) return done(null, `step ${steps.length + 1} (${c.action} ${c.trade.instrument.name}): ${bad}`);
      }
      steps.push(stepRecord(c.action, c.trade, r, nr, explainChoice(c, cands)));
      trades.push(c.trade);
      tr = nt; r = nr; accepted = true;
      break;
    }
    if (!accepted) return done(`no remaining step lowers MM usage (${cands.length} candidates)`);
  }
  return done(isHealthy(r, o.targetUsage) ? null : `not healthy after ${o.maxSteps} steps`);
}

function explainChoice(c: Scored, all: readonly Scored[]): string {
  const alt = all.find((x) => x.action !== c.action);
  const altText = alt ? `; best ${alt.action} alternative (${alt.trade.instrument.name}) ${alt.score.toPrecision(4)}` : "";
  return `${c.action} ${c.trade.instrument.name}: est. MM −${c.mmDrop.toFixed(2)} for cost ${(c.trade.cost + c.trade.fee).toFixed(2)} = ${c.score.toPrecision(4)} MM per unit of cost, best of ${all.length} candidates${altText}`;
}

function closeAllTrades(ctx: RiskContext, w: WorkAccount, o: PlanOptions): PricedTrade[] {
  return w.positions.map((p, index) => priceTrade(ctx, w, { index, instrument: p.instrument, risk: p.risk, size: -p.size }, o.costs, o.feeRate));
}

const sumCost = (ts: readonly PricedTrade[]) => ts.reduce((s, t) => s + t.cost + t.fee, 0);

/** Plan the liquidation of one account (pure). Fails only if the account cannot be margined. */
export function planLiquidation(ctx: RiskContext, pf: Portfolio, options: Partial<PlanOptions> = {}): Parsed<LiquidationPlan> {
  const o: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...options };
  const b = marginWith(ctx, pf, o.model);
  if (!b.ok) return b;
  const wp = workAccount(ctx, pf);
  if (!wp.ok) return wp;
  const before = b.value;
  const steps: PlanStep[] = [];
  let r0 = before;
  if (pf.openOrders.length > 0 && !isHealthy(before, o.targetUsage)) {
    r0 = margin(ctx, { ...pf, openOrders: [] }, o.model);
    steps.push({ ...stepRecord("cancel_orders", null, before, r0, `cancel ${pf.openOrders.length} open order(s) first: frees their initial margin at no cost`), size: pf.openOrders.length });
  }
  const w0 = wp.value;
  const closeAll = closeAllTrades(ctx, w0, o);
  const closeAllCost = sumCost(closeAll);
  let fallback: string | null = null;
  let result: { w: WorkAccount; r: MarginResult; trades: PricedTrade[] } = { w: w0, r: r0, trades: [] };
  if (isHealthy(r0, o.targetUsage)) { /* nothing to do beyond cancelling orders */ }
  else if (!(r0.adjustedEquity > 0) || w0.positions.length === 0) fallback = "adjusted equity ≤ 0: no partial reduction can restore the account";
  else {
    const g = greedy(ctx, w0, r0, o);
    if (g.mismatch) return { ok: false, reason: `liquidation: incremental margin differs from the engine for ${pf.account}: ${g.mismatch}` };
    if (g.stall) fallback = g.stall;
    else if (sumCost(g.trades) > closeAllCost) fallback = `the step plan would cost ${sumCost(g.trades).toFixed(2)}, more than closing everything at once (${closeAllCost.toFixed(2)})`;
    else {
      steps.push(...g.steps);
      // The plan's `after` is the engine's full result (the steps carry the incremental figures, equal to it).
      result = { w: g.w, r: margin(ctx, toPortfolio(g.w), o.model), trades: g.trades };
    }
  }
  if (fallback !== null) {
    const w = applyTrades(ctx, w0, closeAll);
    const r = margin(ctx, toPortfolio(w), o.model);
    steps.push(closeAllStep(closeAll, r0, r, `close everything at once: ${fallback}`));
    result = { w, r, trades: closeAll };
  }
  return { ok: true, value: finish(ctx, pf, o, before, steps, result, closeAllCost, fallback) };
}

function finish(ctx: RiskContext, pf: Portfolio, o: PlanOptions, before: MarginResult, steps: PlanStep[], res: { w: WorkAccount; r: MarginResult; trades: PricedTrade[] }, closeAllCost: number, fallback: string | null): LiquidationPlan {
  let fees = 0n, slip = 0n, volumeUsd = 0;
  const deltaFlowUsd: Record<string, number> = {};
  for (const t of res.trades) {
    fees += toMoney(t.fee);
    slip += toMoney(t.cost);
    volumeUsd += t.exec.notionalUsd;
    const u = t.instrument.underlying;
    deltaFlowUsd[u] = (deltaFlowUsd[u] ?? 0) + t.size * t.risk.delta * t.risk.resolved.index;
  }
  const after = res.r;
  const closed = res.w.positions.length === 0;
  const outcome: PlanOutcome = !closed ? "restored" : after.equity < 0 ? "bankrupt" : "closed";
  const deficit = Math.max(0, -after.equity);
  const feesN = Number(fees) / 1e8, slipN = Number(slip) / 1e8;
  return {
    account: pf.account, model: o.model, targetUsage: o.targetUsage, before, after,
    healthBefore: health(before, o.bands), healthAfter: health(after, o.bands), steps,
    fees: feesN, slippage: slipN, cost: feesN + slipN, closeAllCost, fallback, outcome, deficit,
    money: { fees, slippage: slip, deficit: toMoney(deficit) }, deltaFlowUsd, volumeUsd, final: toPortfolio(res.w),
  };
}
