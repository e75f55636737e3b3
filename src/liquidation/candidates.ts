/**
 * Candidate steps of the liquidation planner and their ranking. Per position: reduce by a step and close;
 * per underlying: hedge the net delta with the perpetual. Each is priced (execution cost + fee) and ranked
 * by estimated MM reduction per unit of cost on the margin tracker (src/liquidation/fastMargin.ts).
 *
 * A position's candidates depend only on the position, so they are priced once and kept in a
 * `CandidateCache` (keyed by the position object, which the planner's work account keeps for every position
 * a step did not trade): a step re-prices only the position it traded and the hedges.
 */
import type { RiskContext } from "../margin/riskContext.js";
import { referenceUsdPerUnit } from "./costModel.js";
import type { MarginNumbers, MarginTracker } from "./fastMargin.js";
import type { PlanOptions } from "./planner.js";
import { hedgeInstrument } from "./steps.js";
import { priceTrade, type PricedTrade, type WorkAccount, type WorkPosition } from "./workAccount.js";

export type CandidateAction = "reduce" | "close" | "hedge";

/** A candidate that would lower MM usage, with its estimated MM reduction (numeraire) and score (MM per unit of cost). */
export interface Scored {
  readonly trade: PricedTrade;
  readonly action: CandidateAction;
  readonly mmDrop: number;
  readonly score: number;
}

interface Candidate {
  readonly trade: PricedTrade;
  readonly action: CandidateAction;
}

/** Priced candidates per position object, with the index they were priced at. */
export type CandidateCache = WeakMap<WorkPosition, { readonly index: number; readonly list: readonly Candidate[] }>;

/** MM usage; +∞ when adjusted equity ≤ 0 and anything is owed. */
export function mmUsage(r: Pick<MarginNumbers, "adjustedEquity" | "maintenanceMargin">): number {
  if (r.adjustedEquity > 0) return r.maintenanceMargin / r.adjustedEquity;
  return r.maintenanceMargin > 0 || r.adjustedEquity < 0 ? Infinity : 0;
}

function positionCandidates(ctx: RiskContext, w: WorkAccount, index: number, o: PlanOptions): Candidate[] {
  const p = w.positions[index];
  const ref = referenceUsdPerUnit(p.risk.resolved);
  const abs = Math.abs(p.size);
  const step = Math.min(abs, Math.max(o.stepFraction * abs, o.minStepNotionalUsd / ref), o.maxStepNotionalUsd / ref);
  const sign = p.size > 0 ? -1 : 1;
  const out: Candidate[] = [];
  const price = (size: number) => priceTrade(ctx, w, { index, instrument: p.instrument, risk: p.risk, size }, o.costs, o.feeRate);
  if (step < abs * (1 - 1e-9)) out.push({ action: "reduce", trade: price(sign * step) });
  if (abs * ref <= o.maxStepNotionalUsd) out.push({ action: "close", trade: price(-p.size) });
  return out;
}

/** Every candidate of the current account, in the order positions then hedges. */
function candidates(ctx: RiskContext, est: MarginTracker, o: PlanOptions, cache: CandidateCache): Candidate[] {
  const w = est.work;
  const out: Candidate[] = [];
  for (let index = 0; index < w.positions.length; index++) {
    const p = w.positions[index];
    let c = cache.get(p);
    if (!c || c.index !== index) cache.set(p, (c = { index, list: positionCandidates(ctx, w, index, o) }));
    for (const x of c.list) out.push(x);
  }
  if (!o.hedge) return out;
  const unders = new Set(w.positions.map((p) => p.instrument.underlying));
  for (const u of unders) {
    const h = hedgeInstrument(ctx, u);
    if (!h || h.risk.delta === 0) continue;
    const ref = referenceUsdPerUnit(h.risk.resolved);
    let size = -est.netDelta(u) / h.risk.delta;
    if (Math.abs(size) * ref < o.minStepNotionalUsd) continue;
    size = Math.sign(size) * Math.min(Math.abs(size), o.maxStepNotionalUsd / ref);
    out.push({ action: "hedge", trade: priceTrade(ctx, w, { index: -1, instrument: h.instrument, risk: h.risk, size }, o.costs, o.feeRate) });
  }
  return out;
}

/** Candidates that lower the estimated MM and MM usage, best score first (ties: larger MM reduction first). */
export function scoreCandidates(ctx: RiskContext, est: MarginTracker, cur: MarginNumbers, o: PlanOptions, cache: CandidateCache): Scored[] {
  const usage = mmUsage(cur);
  const out: Scored[] = [];
  for (const c of candidates(ctx, est, o, cache)) {
    const t = c.trade;
    const a = est.estimate(t);
    const mmDrop = est.mm - a.mm;
    if (!(mmDrop > 1e-9 * Math.max(1, est.mm))) continue;
    const gain = o.model === "isolated" && t.realised > 0 ? t.realised : 0;
    const adj = cur.adjustedEquity - t.cost - t.fee - a.haircutChange + gain;
    const usageAfter = adj > 0 ? (cur.maintenanceMargin - mmDrop) / adj : Infinity;
    if (!(usageAfter < usage)) continue;
    out.push({ trade: t, action: c.action, mmDrop, score: mmDrop / Math.max(t.cost + t.fee, 1e-12) });
  }
  return out.sort((a, b) => b.score - a.score || b.mmDrop - a.mmDrop);
}
