/**
 * Compute → check, before anything is appended (issue 11). A trial applies a batch of events to a fork of the
 * engine state (the live state is never written: accounts are cloned on first access, the market and the
 * insurance fund are copied), re-margins the accounts each event affects with risk contexts derived for the
 * fork, and checks the state invariant (src/engine/invariant.ts) after every event. Only a trial that passes
 * is appended to the log; the engine then commits it (Engine.commit: the same events applied to the live
 * state by `applyEvent`, the replay function, and the trial's margins and contexts installed). So nothing is
 * ever logged that cannot be applied, and nothing after the append can fail.
 *
 * The per-event margin computation of the tick path is `remarginStep` below, in one place: the kernel
 * (src/engine/kernelMargins.ts, typed arrays) computes into its working columns, the figures are checked here,
 * and the engine publishes them only after the append (compute → check → append → commit).
 */
import { turn } from "./turn.js";
import type { InputIssue } from "../input/issues.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { EngineMargins, KernelTouch } from "./engineMargins.js";
import type { EngineEvent } from "./events.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import type { Indexes } from "./indexes.js";
import type { KernelMargins } from "./kernelMargins.js";
import { stateIssues } from "./invariant.js";
import { copyMarket, stableView, type MarketState } from "./marketState.js";
import { applyEvent, cloneAccount, type AccountState, type EngineState } from "./state.js";

/** What a trial reads from the live engine (never writes, except the kernel's working rows: see `Trial.touched`). */
export interface TrialBase {
  readonly state: EngineState;
  readonly ctx: IncrementalRiskContext | undefined;
  readonly imCtx: IncrementalRiskContext | undefined;
  readonly idx: Indexes;
  readonly margins: EngineMargins;
}

/** One event of a passed trial. */
export interface TrialStep {
  readonly event: EngineEvent;
  /** The sequence number it was tried with (live seq + its position in the batch). */
  readonly seq: number;
  /** Accounts it changed and assets whose prices it moved (`*`: all), as `applyEvent` reports them. */
  readonly accounts: readonly string[];
  readonly moved: readonly string[];
  /** Kernel entries of the accounts re-margined after it (`km.idAt`), published in order at commit. */
  readonly idx: Int32Array;
}

/** A trial that passed: what the commit installs (the margins are the kernel's working figures of the steps' entries). */
export interface Trial {
  readonly ok: true;
  readonly steps: readonly TrialStep[];
  readonly ctx: IncrementalRiskContext | undefined;
  readonly imCtx: IncrementalRiskContext | undefined;
  /** The kernel it computed with: the live one, or a new one after a params event (`replaced`). */
  readonly km: KernelMargins;
  readonly replaced: boolean;
  /** Every account was re-margined on fresh contexts (a market or params event). */
  readonly rebuilt: boolean;
  /** What it wrote into the live kernel (undone by `EngineMargins.resync` when it is not committed: a failed append, a dry run). */
  readonly touched: KernelTouch;
}

/** A trial that failed: the reason and the issues (paths into the state, values), for a 409. */
export interface TrialFailure {
  readonly ok: false;
  readonly reason: string;
  readonly issues: readonly InputIssue[];
  /** What it wrote into the live kernel before failing (to undo; before a params event's new kernel, if any). */
  readonly touched?: KernelTouch;
  /** A new kernel it made (params event), to close. */
  readonly dropped?: KernelMargins;
}

/**
 * Accounts of a fork: reading an account clones the live one on first access (balances, positions, orders;
 * not its idempotency keys, which a trial does not need), so `applyEvent` on the fork never writes the live
 * state, whatever the event touches. New accounts are held here only.
 */
export class ForkedAccounts extends Map<string, AccountState> {
  constructor(private readonly base: ReadonlyMap<string, AccountState>) {
    super();
  }

  override get(id: string): AccountState | undefined {
    const own = super.get(id);
    if (own !== undefined) return own;
    const live = this.base.get(id);
    if (live === undefined) return undefined;
    const copy = cloneAccount(live);
    super.set(id, copy);
    return copy;
  }

  override has(id: string): boolean {
    return super.has(id) || this.base.has(id);
  }

  override delete(_id: string): boolean {
    throw new Error("accounts are never deleted");
  }

  override *keys(): MapIterator<string> {
    for (const id of this.base.keys()) yield id;
    for (const id of super.keys()) if (!this.base.has(id)) yield id;
  }

  override *values(): MapIterator<AccountState> {
    for (const id of this.keys()) yield this.get(id) as AccountState;
  }

  override *entries(): MapIterator<[string, AccountState]> {
    for (const id of this.keys()) yield [id, this.get(id) as AccountState];
  }

  override [Symbol.iterator](): MapIterator<[string, AccountState]> {
    return this.entries();
  }

  override forEach(f: (v: AccountState, k: string, m: Map<string, AccountState>) => void): void {
    for (const [k, v] of this.entries()) f(v, k, this);
  }

  /** Accounts read or created in the fork. */
  touched(): IterableIterator<string> {
    return super.keys();
  }
}
Object.defineProperty(ForkedAccounts.prototype, "size", {
  get(this: ForkedAccounts): number {
    let n = (this as unknown as { base: ReadonlyMap<string, AccountState> }).base.size;
    for (const id of this.touched()) if (!(this as unknown as { base: ReadonlyMap<string, AccountState> }).base.has(id)) n++;
    return n;
  },
});


const MARKET_ONLY = new Set(["tick", "params", "market"]);
const LIQUIDATION = new Set(["liquidation_start", "liquidation_step", "liquidation_end", "adl"]);

/** A fork of the state for `events`: copies of what they can write, the rest shared read-only. */
export function forkState(s: EngineState, events: readonly EngineEvent[]): EngineState {
  const accounts = events.every((e) => MARKET_ONLY.has(e.type)) ? s.accounts : new ForkedAccounts(s.accounts);
  return {
    ...s,
    market: s.market && events.some((e) => e.type === "tick") ? copyMarket(s.market) : s.market,
    service: { ...s.service, concentration: { ...s.service.concentration } },
    accounts,
    insuranceFund: new Map(s.insuranceFund),
    liquidations: events.some((e) => LIQUIDATION.has(e.type)) ? structuredClone(s.liquidations) : s.liquidations,
  };
}

const fail = (reason: string, issues: readonly InputIssue[], touched: KernelTouch | undefined, dropped: KernelMargins | undefined): TrialFailure => ({ ok: false, reason, issues, ...(touched ? { touched } : {}), ...(dropped ? { dropped } : {}) });
const summary = (issues: readonly InputIssue[]): string => issues.slice(0, 3).map((i) => `${i.path} ${i.message}`).join("; ") + (issues.length > 3 ? `; and ${issues.length - 3} more` : "");

/** Contexts after an event: fresh for market and params events, derived from the live ones for price moves. */
function contextsAfter(e: EngineEvent, fork: EngineState, moved: readonly string[], ctx: IncrementalRiskContext | undefined, imCtx: IncrementalRiskContext | undefined): { ctx: IncrementalRiskContext | undefined; imCtx: IncrementalRiskContext | undefined; fresh: boolean } {
  const m = fork.market;
  if (!m) return { ctx, imCtx, fresh: false };
  if (e.type === "market" || e.type === "params" || !ctx) {
    const sv = stableView(m);
    return { ctx: new IncrementalRiskContext(m, fork.params), imCtx: sv ? new IncrementalRiskContext(sv, fork.params) : undefined, fresh: true };
  }
  if (moved.length === 0) return { ctx, imCtx, fresh: false };
  const sv = stableView(m);
  return { ctx: ctx.derive(moved, m, fork.params), imCtx: sv ? (imCtx ? imCtx.derive(moved, sv, fork.params) : new IncrementalRiskContext(sv, fork.params)) : undefined, fresh: false };
}

/**
 * Run a trial of `events` on a fork of the live state (see the file comment): per event, apply it to the fork,
 * check the state invariant, derive the contexts, re-margin the affected accounts in the kernel's working columns
 * and check their figures (the margin part of the invariant). The live kernel's rows follow the fork; the
 * failure (or the engine, when the append fails) says what to undo.
 */
export async function runTrial(base: TrialBase, events: readonly EngineEvent[]): Promise<Trial | TrialFailure> {
  const fork = forkState(base.state, events);
  let { ctx, imCtx } = base;
  let rebuilt = false, km = base.margins.km, replaced = false;
  const added = new Map<string, string>();
  const touched: Touch = { accounts: new Set<string>(), moved: new Set<string>(), finished: [] };
  const steps: TrialStep[] = [];
  base.margins.added = added;
  try {
    for (const [i, e] of events.entries()) {
      const seq = base.state.seq + i + 1;
      let eff: { accounts: string[]; moved: string[] };
      try {
        eff = applyEvent(fork, e, seq);
      } catch (err) {
        return fail(`the ${e.type} event cannot be applied: ${err instanceof Error ? err.message : String(err)}`, [], touched, replaced ? km : undefined);
      }
      const bad = stateIssues(fork, eff.accounts, eff.moved);
      if (bad.length > 0) return fail(`the ${e.type} event would break the state invariant: ${summary(bad)}`, bad, touched, replaced ? km : undefined);
      for (const id of eff.accounts) {
        const a = fork.accounts.get(id);
        if (a && !base.state.accounts.has(id)) added.set(id, a.owner);
      }
      const c = contextsAfter(e, fork, eff.moved, ctx, imCtx);
      ({ ctx, imCtx } = c);
      rebuilt ||= c.fresh;
      if (e.type === "params") { km = await base.margins.build(fork.params, fork); replaced = true; }
      const idx = await remarginStep(km, fork, eff, c.fresh, ctx?.context(), imCtx?.context(), replaced ? undefined : touched, () => affected(base, fork, eff, c.fresh));
      if (!(idx instanceof Int32Array)) return fail(`the ${e.type} event would leave margin figures that are not finite: ${summary(idx)}`, idx, touched, replaced ? km : undefined);
      steps.push({ event: e, seq, accounts: eff.accounts, moved: eff.moved, idx });
    }
  } finally {
    base.margins.added = new Map();
  }
  return { ok: true, steps, ctx, imCtx, km, replaced, rebuilt, touched };
}

/**
 * The tick path's per-event computation, in one place: the changed accounts' rows and the moved assets' matrix
 * rows into the kernel, the kernel's re-margin (on workers: awaited), the engine's add-ons for the affected
 * accounts, and the check that every figure is finite. Returns their kernel entries, or the issues.
 */
async function remarginStep(km: KernelMargins, fork: EngineState, eff: { accounts: string[]; moved: string[] }, fresh: boolean, ctx: RiskContext | undefined, imCtx: RiskContext | undefined, touched: Touch | undefined, ids: () => Iterable<string> | Int32Array): Promise<Int32Array | readonly InputIssue[]> {
  // The accounts the event changed (a params event's new kernel was built with every account's rows).
  for (const id of eff.accounts) {
    const a = fork.accounts.get(id);
    if (a) km.accountChanged(a);
    touched?.accounts.add(id);
  }
  if (!ctx) return new Int32Array(0);
  const moved = fresh ? ["*"] : eff.moved;
  for (const m of moved) touched?.moved.add(m);
  if (moved.length > 0) { await km.warm(moved, ctx, imCtx); km.marketMoved(moved, fork.market, ctx, imCtx); }
  await km.compute(fork, moved, ctx, imCtx);
  km.beginStep();
  const which = ids();
  if (which instanceof Int32Array) {
    // In slices, the event loop turned between them (reads are answered during a large tick).
    let t0 = performance.now();
    for (let from = 0; from < which.length; from += FINISH_CHUNK) {
      if (performance.now() - t0 >= FINISH_SLICE_MS) { await turn(); t0 = performance.now(); }
      km.finishIdx(fork, which, ctx, imCtx, from, Math.min(which.length, from + FINISH_CHUNK));
    }
  }
  else km.finish(fork, which, ctx, imCtx);
  // Entry lists (a tick's dependents) are immutable and were finished in full: no copy.
  const done = which instanceof Int32Array ? which : km.finished();
  touched?.finished.push(done);
  const bad = km.issues(fork);
  return bad.length > 0 ? bad : done;
}

/** What a trial writes into the live kernel, as it goes (KernelTouch). */
interface Touch {
  readonly accounts: Set<string>;
  readonly moved: Set<string>;
  readonly finished: Int32Array[];
}

/** Entries finished between two looks at the clock. */
const FINISH_CHUNK = 128;
/** Longest a slice of a tick's finishing holds the event loop (ms). */
const FINISH_SLICE_MS = 0.5;


/** Accounts to re-margin after an event: all (fresh contexts), else the changed ones with their owners' linked accounts and the dependents of moved assets. */
function affected(base: TrialBase, fork: EngineState, eff: { accounts: string[]; moved: string[] }, fresh: boolean): Iterable<string> | Int32Array {
  if (fresh) return fork.accounts.keys();
  // A tick: the moved asset's dependents as kernel entries (cached while no account changes).
  if (eff.accounts.length === 0 && eff.moved.length === 1 && eff.moved[0] !== "*") return base.margins.dependentsIdx(eff.moved[0]);
  const ids = new Set<string>();
  for (const id of eff.accounts) {
    const a = fork.accounts.get(id);
    if (!a) continue;
    ids.add(id);
    for (const l of base.margins.linked(fork, a.owner)) ids.add(l);
  }
  for (const asset of eff.moved) for (const id of base.idx.dependents(asset)) ids.add(id);
  return ids;
}
