/**
 * Fleet summary for the risk team: accounts by status, the ones nearest liquidation (with why and how far: the
 * binding component and the distance to liquidation per underlying, from the insight cache), exposure and Greeks
 * per underlying.
 */
import type { AccountMargin, GreeksByUnderlying } from "./accountMargin.js";
import type { BindingComponent } from "../margin/binding.js";
import type { MarginStatus } from "../margin/result.js";
import type { Engine } from "./engine.js";
import type { InsightCache } from "./insights.js";
import type { LiquidationDistance, UnderlyingDistance } from "./liquidationDistance.js";
import { insuranceFundView, liquidationQueue, summarize, type InsuranceFundView, type LiquidationSummary, type QueueEntry } from "./liquidationQueue.js";

export interface FleetSummary {
  readonly seq: number;
  readonly accounts: number;
  readonly byStatus: Readonly<Record<MarginStatus, number>>;
  readonly totals: { readonly equity: number; readonly initialMargin: number; readonly maintenanceMargin: number };
  /** Highest margin ratio (MM / adjusted equity) first; accounts with errors or no equity first of all. */
  readonly nearestLiquidation: readonly FleetRow[];
  readonly byUnderlying: Readonly<Record<string, GreeksByUnderlying & { readonly accounts: number }>>;
  /** Liquidation: the insurance fund, the queue (accounts in liquidation now) and the latest liquidations (newest first). */
  readonly liquidation?: FleetLiquidation;
}

/** One account of the fleet page. The insight fields are present when the summary was built with an insight cache. */
export interface FleetRow extends Pick<AccountMargin, "account" | "owner" | "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "availableFunds" | "marginRatio" | "status"> {
  /** The margin's seq. */
  readonly seq: number;
  /** The IM term that sets the most margin (null: not computed yet, or no margin). */
  readonly binding?: BindingComponent | null;
  /** Index moves to liquidation per underlying (null: not computed yet). */
  readonly distance?: Readonly<Record<string, UnderlyingDistance>> | null;
  /** The smallest of them. */
  readonly nearest?: LiquidationDistance["nearest"];
  /** Freshness of binding and distance: the margin seq they were computed from, their age, and whether the margin changed since. */
  readonly insight?: { readonly seq: number; readonly ageMs: number; readonly current: boolean; readonly error?: string } | null;
}

export interface FleetLiquidation {
  readonly insuranceFund: InsuranceFundView;
  readonly queue: readonly QueueEntry[];
  readonly recent: readonly LiquidationSummary[];
}

function ratioKey(m: AccountMargin): number {
  return m.marginRatio === null ? (m.maintenanceMargin > 0 || m.error ? Infinity : -1) : m.marginRatio;
}

/** Summary over all account margins; `top` accounts nearest liquidation. */
export function fleetSummary(seq: number, margins: Iterable<AccountMargin>, top = 20): FleetSummary {
  const byStatus: Record<MarginStatus, number> = { healthy: 0, margin_call: 0, liquidation: 0, bankrupt: 0 };
  const by: Record<string, GreeksByUnderlying & { accounts: number }> = {};
  let n = 0, equity = 0, im = 0, mm = 0;
  const all: AccountMargin[] = [];
  for (const m of margins) {
    n++;
    byStatus[m.status]++;
    equity += m.equity; im += m.initialMargin; mm += m.maintenanceMargin;
    all.push(m);
    for (const [u, g] of Object.entries(m.greeks)) {
      const e = (by[u] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0, accounts: 0 });
      e.delta += g.delta; e.gamma += g.gamma; e.vega += g.vega; e.theta += g.theta;
      e.grossNotionalUsd += g.grossNotionalUsd; e.netDeltaUsd += g.netDeltaUsd; e.accounts++;
    }
  }
  all.sort((a, b) => ratioKey(b) - ratioKey(a) || a.account.localeCompare(b.account));
  const nearestLiquidation = all.slice(0, top).map((m): FleetRow => ({
    account: m.account, owner: m.owner, seq: m.seq, equity: m.equity, adjustedEquity: m.adjustedEquity, initialMargin: m.initialMargin,
    maintenanceMargin: m.maintenanceMargin, availableFunds: m.availableFunds, marginRatio: m.marginRatio, status: m.status,
  }));
  return { seq, accounts: n, byStatus, totals: { equity, initialMargin: im, maintenanceMargin: mm }, nearestLiquidation, byUnderlying: by };
}

/** A fleet row with the account's cached insight (binding, distance, freshness); null fields while none is cached. */
export function withInsight(row: FleetRow, insights: InsightCache, now: number): FleetRow {
  const i = insights.get(row.account);
  if (!i) return { ...row, binding: null, distance: null, nearest: null, insight: null };
  return {
    ...row, binding: i.binding, distance: i.distance, nearest: i.nearest,
    insight: { seq: i.seq, ageMs: Math.max(0, now - i.computedAt), current: i.seq === row.seq, ...(i.error ? { error: i.error } : {}) },
  };
}

/** Options of `engineFleet`. */
export interface FleetOptions {
  /** Accounts nearest liquidation to list (default 20). */
  readonly top?: number;
  /** Attach binding and distance from this cache, and mark the listed accounts as wanted by a client. */
  readonly insights?: InsightCache;
  /** Clock (ms) for the cache; required with `insights`. */
  readonly now?: number;
}

/**
 * The fleet summary of an engine, with its liquidation queue, the 10 latest liquidations and the insurance fund;
 * `summary`: the fleet figures when the caller has them already (computed with the same `top`).
 */
export function engineFleet(engine: Engine, o: FleetOptions = {}, summary?: FleetSummary): FleetSummary {
  const f = summary ?? fleetSummary(engine.state.seq, engine.margins.values(), o.top ?? 20);
  const recent = engine.state.liquidations.slice(-10).reverse().map(summarize);
  let rows = f.nearestLiquidation;
  if (o.insights) {
    const now = o.now ?? 0;
    const ids = rows.map((r) => r.account);
    o.insights.want(ids, now);
    rows = rows.map((r) => withInsight(r, o.insights as InsightCache, now));
  }
  return { ...f, nearestLiquidation: rows, liquidation: { insuranceFund: insuranceFundView(engine), queue: liquidationQueue(engine).slice(0, 50), recent } };
}
