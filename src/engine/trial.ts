/**
 * Compute → check, before anything is appended (issue 11). A trial applies a batch of events to a fork of the
 * engine state (the live state is never written: accounts are cloned on first access, the market and the
 * insurance fund are copied), re-margins the accounts each event affects with risk contexts derived for the
 * fork, and checks the state invariant (src/engine/invariant.ts) after every event. Only a trial that passes
 * is appended to the log; the engine then commits it (Engine.commit: the same events applied to the live
 * state by `applyEvent`, the replay function, and the trial's margins and contexts installed). So nothing is
 * ever logged that cannot be applied, and nothing after the append can fail.
 *
 * The per-account margin computation of the tick path is `remargin` below, in one place: a faster kernel
 * (typed arrays) replaces `accountMargin` there and the structure stays compute → check → append → commit.
 */
import type { InputIssue } from "../input/issues.js";
import { accountMargin, prepareAccount, type AccountMargin, type PreparedAccount } from "./accountMargin.js";
import type { EngineEvent } from "./events.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import type { Indexes } from "./indexes.js";
import { marginFinite, marginIssues, stateIssues } from "./invariant.js";
import { stableView, type MarketState } from "./marketState.js";
import { applyEvent, cloneAccount, type AccountState, type EngineState } from "./state.js";

/** What a trial reads from the live engine (never writes). */
export interface TrialBase {
  readonly state: EngineState;
  readonly ctx: IncrementalRiskContext | undefined;
  readonly imCtx: IncrementalRiskContext | undefined;
  readonly idx: Indexes;
  readonly prepared: ReadonlyMap<string, PreparedAccount>;
}

/** One event of a passed trial. */
export interface TrialStep {
  readonly event: EngineEvent;
  /** The sequence number it was tried with (live seq + its position in the batch). */
  readonly seq: number;
  /** Accounts it changed and assets whose prices it moved (`*`: all), as `applyEvent` reports them. */
  readonly accounts: readonly string[];
  readonly moved: readonly string[];
  /** Margins re-computed after it, published in order at commit. */
  readonly changed: readonly AccountMargin[];
}

/** A trial that passed: what the commit installs (the margins are the steps' `changed`, later steps overriding earlier ones). */
export interface Trial {
  readonly ok: true;
  readonly steps: readonly TrialStep[];
  readonly ctx: IncrementalRiskContext | undefined;
  readonly imCtx: IncrementalRiskContext | undefined;
  /** Prepared accounts to cache (changed accounts in their final state, unchanged ones first prepared here). */
  readonly prepared: ReadonlyMap<string, PreparedAccount>;
  /** Every account was re-margined on fresh contexts (a market or params event). */
  readonly rebuilt: boolean;
}

/** A trial that failed: the reason and the issues (paths into the state, values), for a 409. */
export interface TrialFailure {
  readonly ok: false;
  readonly reason: string;
  readonly issues: readonly InputIssue[];
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

/** A market whose records can be written without touching `m` (what `applyTick` writes). */
export function copyMarket(m: MarketState): MarketState {
  return { assets: { ...m.assets }, instruments: { ...m.instruments }, asOf: { ...m.asOf }, start: m.start, liquidity: { ...m.liquidity }, oracle: { ...m.oracle } };
}

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

const fail = (reason: string, issues: readonly InputIssue[]): TrialFailure => ({ ok: false, reason, issues });
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

/** Run a trial of `events` on a fork of the live state (see the file comment). */
export function runTrial(base: TrialBase, events: readonly EngineEvent[]): Trial | TrialFailure {
  const fork = forkState(base.state, events);
  let { ctx, imCtx } = base;
  let rebuilt = false;
  const prepared = new Map<string, PreparedAccount>();
  const changedIds = new Set<string>();
  const added = new Map<string, string>();
  const steps: TrialStep[] = [];
  for (const [i, e] of events.entries()) {
    const seq = base.state.seq + i + 1;
    let eff: { accounts: string[]; moved: string[] };
    try {
      eff = applyEvent(fork, e, seq);
    } catch (err) {
      return fail(`the ${e.type} event cannot be applied: ${err instanceof Error ? err.message : String(err)}`, []);
    }
    const bad = stateIssues(fork, eff.accounts, eff.moved);
    if (bad.length > 0) return fail(`the ${e.type} event would break the state invariant: ${summary(bad)}`, bad);
    for (const id of eff.accounts) {
      changedIds.add(id);
      prepared.delete(id);
      const a = fork.accounts.get(id);
      if (a && !base.state.accounts.has(id)) added.set(id, a.owner);
    }
    const c = contextsAfter(e, fork, eff.moved, ctx, imCtx);
    ({ ctx, imCtx } = c);
    rebuilt ||= c.fresh;
    const ids = affected(base, fork, eff, c.fresh, added);
    const changed: AccountMargin[] = [];
    for (const id of ids) {
      const a = fork.accounts.get(id);
      if (!a || !ctx) continue;
      let prep = prepared.get(id) ?? (changedIds.has(id) ? undefined : base.prepared.get(id));
      if (!prep) prepared.set(id, (prep = prepareAccount(a)));
      const m = remargin(fork, ctx, imCtx, a, linkedOf(base.idx, a.owner, added), prep);
      if (!marginFinite(m)) {
        const nonFinite = marginIssues(m);
        return fail(`the ${e.type} event would leave margin figures that are not finite: ${summary(nonFinite)}`, nonFinite);
      }
      changed.push(m);
    }
    steps.push({ event: e, seq, accounts: eff.accounts, moved: eff.moved, changed });
  }
  return { ok: true, steps, ctx, imCtx, prepared, rebuilt };
}

/** The margin of one account on the trial's contexts (the tick path's per-account computation). */
function remargin(s: EngineState, ctx: IncrementalRiskContext, imCtx: IncrementalRiskContext | undefined, a: AccountState, linked: Iterable<string>, prep: PreparedAccount): AccountMargin {
  return accountMargin(s, ctx.context(), a, linked, imCtx?.context(), prep, false).summary;
}

/** An owner's accounts: the live index's plus those created in this trial. */
function linkedOf(idx: Indexes, owner: string, added: ReadonlyMap<string, string>): Iterable<string> {
  const live = idx.linked(owner);
  if (added.size === 0) return live;
  const out = new Set(live);
  for (const [id, o] of added) if (o === owner) out.add(id);
  return out;
}

/** Accounts to re-margin after an event: all (fresh contexts), else the changed ones with their owners' linked accounts and the dependents of moved assets. */
function affected(base: TrialBase, fork: EngineState, eff: { accounts: string[]; moved: string[] }, fresh: boolean, added: ReadonlyMap<string, string>): Iterable<string> {
  if (fresh) return fork.accounts.keys();
  const ids = new Set<string>();
  for (const id of eff.accounts) {
    const a = fork.accounts.get(id);
    if (!a) continue;
    ids.add(id);
    for (const l of linkedOf(base.idx, a.owner, added)) ids.add(l);
  }
  for (const asset of eff.moved) for (const id of base.idx.dependents(asset)) ids.add(id);
  return ids;
}
