/** Fleet summary for the risk team: accounts by status, the ones nearest liquidation, exposure and Greeks per underlying. */
import type { AccountMargin, GreeksByUnderlying } from "./accountMargin.js";
import type { MarginStatus } from "../margin/result.js";
import type { Engine } from "./engine.js";
import { insuranceFundView, liquidationQueue, summarize, type InsuranceFundView, type LiquidationSummary, type QueueEntry } from "./liquidationQueue.js";

export interface FleetSummary {
  readonly seq: number;
  readonly accounts: number;
  readonly byStatus: Readonly<Record<MarginStatus, number>>;
  readonly totals: { readonly equity: number; readonly initialMargin: number; readonly maintenanceMargin: number };
  /** Highest margin ratio (MM / adjusted equity) first; accounts with errors or no equity first of all. */
  readonly nearestLiquidation: readonly Pick<AccountMargin, "account" | "owner" | "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "marginRatio" | "status">[];
  readonly byUnderlying: Readonly<Record<string, GreeksByUnderlying & { readonly accounts: number }>>;
  /** Liquidation: the insurance fund, the queue (accounts in liquidation now) and the latest liquidations (newest first). */
  readonly liquidation?: FleetLiquidation;
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
  const nearestLiquidation = all.slice(0, top).map((m) => ({
    account: m.account, owner: m.owner, equity: m.equity, adjustedEquity: m.adjustedEquity, initialMargin: m.initialMargin,
    maintenanceMargin: m.maintenanceMargin, marginRatio: m.marginRatio, status: m.status,
  }));
  return { seq, accounts: n, byStatus, totals: { equity, initialMargin: im, maintenanceMargin: mm }, nearestLiquidation, byUnderlying: by };
}

/** The fleet summary of an engine, with its liquidation queue, the 10 latest liquidations and the insurance fund. */
export function engineFleet(engine: Engine, top = 20): FleetSummary {
  const f = fleetSummary(engine.state.seq, engine.margins.values(), top);
  const recent = engine.state.liquidations.slice(-10).reverse().map(summarize);
  return { ...f, liquidation: { insuranceFund: insuranceFundView(engine), queue: liquidationQueue(engine).slice(0, 50), recent } };
}
