/**
 * The events the engine writes on its own after a committed event (DESIGN.md section 9): the expiries a tick
 * passed on its underlying (settled against that tick's index), `margin_status` events for every account whose
 * published status differs from its state's, and the liquidation of the accounts in liquidation or bankrupt
 * that are not held. Each goes through the engine's `transact` (trial → check → append → commit), so nothing is
 * logged that cannot be applied, and a refused trial is undone in the kernel.
 */
import type { EventEmitter } from "node:events";
import type { EngineProblem } from "./engine.js";
import type { EngineMargins } from "./engineMargins.js";
import type { EngineEvent, MarginStatusEvent } from "./events.js";
import type { IncrementalRiskContext } from "./incrementalContext.js";
import type { Indexes } from "./indexes.js";
import { liquidationEvents, liquidationHold, type LiquidationConfig } from "./liquidation.js";
import type { EngineState } from "./state.js";
import type { TrialFailure } from "./trial.js";

/** What the derived events need of the engine (bound to its private parts). */
export interface DerivedHost {
  readonly state: EngineState;
  readonly idx: Indexes;
  readonly em: EngineMargins;
  readonly ctx: IncrementalRiskContext | undefined;
  readonly bus: EventEmitter;
  readonly held: Map<string, string>;
  readonly counters: { liquidations: number; liquidationSteps: number; adlFills: number };
  readonly liquidation: LiquidationConfig;
  /** The engine's compute → check → append → commit. */
  transact(events: readonly EngineEvent[]): Promise<{ ok: true; seqs: number[] } | TrialFailure>;
}

/** Derived events after an event: expiries passed on the moved underlyings, then status changes and liquidations. */
export async function deriveAfter(h: DerivedHost, moved: readonly string[], alsoCheck: readonly string[]): Promise<void> {
  const m = h.state.market;
  if (!m) return;
  for (const u of moved) {
    const now = m.asOf[u];
    if (now === undefined) continue;
    for (const ex of h.idx.expiredOn(u, now)) {
      const ev: EngineEvent = { type: "expiry", underlying: u, expiryCode: ex, price: m.assets[u].index, ts: now };
      const t = await h.transact([ev]);
      if (!t.ok) h.bus.emit("problem", { msg: `expiry ${u} ${ex} not settled`, error: "Invariant", detail: t.reason } satisfies EngineProblem);
    }
  }
  await statusEvents(h, alsoCheck);
  const liquidated = await liquidateAll(h);
  if (liquidated.length > 0) await statusEvents(h, liquidated);
}

/** `margin_status` events for every account whose status changed (and the accounts in `alsoCheck`). */
async function statusEvents(h: DerivedHost, alsoCheck: readonly string[]): Promise<void> {
  const events: MarginStatusEvent[] = [];
  for (const { id, n: mg } of h.em.statusChanges(alsoCheck)) {
    const kind = mg.status === "healthy" ? "restored" : mg.status === "margin_call" ? "margin_call" : mg.status === "liquidation" ? "liquidation_trigger" : "bankrupt";
    events.push({ type: "margin_status", account: id, kind, status: mg.status, initialMargin: mg.initialMargin, maintenanceMargin: mg.maintenanceMargin, adjustedEquity: mg.adjustedEquity, ...(mg.venue !== undefined ? { venue: mg.venue } : {}) });
  }
  if (events.length === 0) return;
  // Checked again after the next event when they could not be written.
  const t = await h.transact(events).catch((err: unknown) => { h.em.recheck(events.map((x) => x.account)); throw err; });
  if (!t.ok) { h.em.recheck(events.map((x) => x.account)); throw new Error(`status events refused by the state invariant: ${t.reason}`); }
  h.bus.emit("status", events);
}

/**
 * Liquidate every account in liquidation or bankrupt that is not held: plan, log the start, steps and end
 * in one transaction, apply them. Returns the accounts liquidated.
 */
async function liquidateAll(h: DerivedHost): Promise<string[]> {
  const cfg = h.liquidation;
  const done: string[] = [];
  h.held.clear();
  if (cfg.enabled === false || !h.ctx) return done;
  for (const id of [...h.em.due].sort()) {
    const a = h.state.accounts.get(id);
    if (!a) continue;
    const hold = liquidationHold(h.state, a);
    if (hold) { h.held.set(id, hold); continue; }
    const ctx = h.ctx;
    if (!ctx) break;
    const r = liquidationEvents(h.state, ctx.context(), a, h.idx.linked(a.owner), cfg);
    if (!r.ok) { h.held.set(id, r.reason); continue; }
    const t = await h.transact(r.events);
    if (!t.ok) { h.held.set(id, `liquidation refused: ${t.reason}`); continue; }
    const seqs = t.seqs;
    h.counters.liquidations++;
    for (const ev of r.events) if (ev.type === "liquidation_step") h.counters.liquidationSteps++;
    else if (ev.type === "adl") h.counters.adlFills++;
    h.bus.emit("liquidation", { account: id, seq: seqs[seqs.length - 1], events: r.events });
    done.push(id);
  }
  return done;
}
