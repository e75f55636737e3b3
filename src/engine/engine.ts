/**
 * The real-time engine (DESIGN.md section 9). Events are validated (zod), checked against the state
 * (409 when refused by margin), written to the append-only log, applied, and only then acknowledged.
 * Events are processed one at a time, in order. After each event, only the accounts it can affect are
 * re-margined: the accounts it touched (and their owner's linked accounts), and on a tick the accounts
 * that depend on the moved asset, against risk vectors recomputed for that underlying only. Status
 * changes become `margin_status` events (margin call, liquidation trigger, bankrupt, restored), and a
 * tick past an expiry's 08:00 UTC settles it against that tick's index with an `expiry` event.
 * State = latest snapshot + replay of the log after it; margins are a pure function of the state.
 */
import { EventEmitter } from "node:events";
import { accountMargin, prepareAccount, type AccountMarginDetail, type PreparedAccount } from "./accountMargin.js";
import { DERIVED_TYPES, parseEvent, type EngineEvent, type MarginStatusEvent } from "./events.js";
import { orderRestCheck } from "./orders.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import { applyEvent, emptyState, eventProblem, instrumentOf, deserializeState, serializeState, type AccountState, type EngineState, type QuarantinedEvent } from "./state.js";
import type { Store } from "./store.js";
import type { InputIssue } from "../input/issues.js";
import { Indexes } from "./indexes.js";
import { completeTick, stableView } from "./marketState.js";
import { duplicateAnswer } from "./requestIds.js";
import { liquidationEvents, liquidationHold, type LiquidationConfig } from "./liquidation.js";
import { bandIssues, DEFAULT_BANDS, type BandOptions } from "./priceBands.js";
import { unmarginableReason, withdrawalCheckOf, type WithdrawalCheckResult } from "./checks.js";
import { replayLog } from "./replay.js";
import { runTrial, turn, type Trial, type TrialFailure } from "./trial.js";
import { EngineMargins, marginsChanged, type MarginsView } from "./engineMargins.js";

export type SubmitResult =
  | { readonly ok: true; readonly seq: number; readonly event: EngineEvent; readonly duplicate?: true; /** Accounts re-margined after the event (its own step; not the derived events'). */ readonly remargined?: number }
  | { readonly ok: false; readonly status: 400 | 404 | 409 | 503; readonly reason: string; readonly issues?: readonly InputIssue[]; readonly detail?: unknown };

export interface EngineOptions {
  /** Write a state snapshot every N applied events (default 1000). */
  readonly snapshotEvery?: number;
  /** Wall clock for the stored append time (informational). */
  readonly clock?: () => number;
  /** Liquidation of accounts in liquidation / bankrupt (planner options; default: on, planner defaults). */
  readonly liquidation?: LiquidationConfig;
  /** State-dependent price bands (src/engine/priceBands.ts); default: 2× around the mark, index moves ≤ 50 %. */
  readonly bands?: Partial<BandOptions>;
  /** Kernel threads (engineMargins.ts `MarginsOptions`: 1 in process, N worker threads, "auto" by book size). */
  readonly workers?: number | "auto";
  /** The compiled kernel worker (default: beside the module, or under dist/). */
  readonly workerUrl?: URL;
  /** Told of events quarantined at replay and of failures after an event was logged (also the bus's "problem"). */
  readonly onProblem?: (p: EngineProblem) => void;
}

/** Something went wrong after an event was logged and committed (a derived append, a snapshot): reported, not answered. */
export interface EngineProblem {
  readonly msg: string;
  readonly error: string;
  readonly detail: string;
  /** The log position concerned (quarantined events). */
  readonly seq?: number;
}

export type { MarginsChanged } from "./engineMargins.js";

export class Engine {
  readonly bus = new EventEmitter();
  /** The published margins, as a read-only map whose `AccountMargin`s are built on demand (engineMargins.ts). */
  readonly margins: MarginsView;
  private readonly idx = new Indexes();
  private readonly em: EngineMargins;
  private ctx: IncrementalRiskContext | undefined;
  /** Risk context of the market at the oracle's stable prices (IM only); undefined while no asset has one. */
  private imCtx: IncrementalRiskContext | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Per account: its Portfolio and parsed instruments for `detail` (explanation path), dropped when an event touches the account. */
  private readonly prepared = new Map<string, PreparedAccount>();
  private sinceSnapshot = 0;
  /** Counters for /metrics. */
  readonly counters = { events: 0, rejected: 0, recomputes: 0, lastRecomputeMs: 0, liquidations: 0, liquidationSteps: 0, adlFills: 0 };
  /** Accounts in liquidation the engine does not liquidate now, with the reason (oracle hold, nothing to trade, planner failure). */
  readonly held = new Map<string, string>();
  /** While true, accounts in liquidation are only flagged (e.g. while demo books are seeded fill by fill). */
  liquidationPaused = false;
  /** The price bands this engine enforces on fills, orders and ticks. */
  readonly bands: BandOptions;

  private constructor(readonly store: Store, public state: EngineState, private readonly opts: EngineOptions) {
    this.bus.setMaxListeners(0);
    this.bands = { ...DEFAULT_BANDS, ...opts.bands };
    if (opts.onProblem) this.bus.on("problem", opts.onProblem);
    const self = this;
    this.em = new EngineMargins({ get state() { return self.state; }, idx: this.idx, contexts: () => ({ ctx: self.ctx?.context(), imCtx: self.imCtx?.context() }) }, { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.workerUrl ? { workerUrl: opts.workerUrl } : {}) });
    this.margins = this.em.view;
  }

  /**
   * Open an engine on a store: load the latest snapshot, replay the log after it (quarantining any event that
   * cannot be applied, see replay.ts: the engine always opens), margin every account.
   */
  static async open(store: Store, opts: EngineOptions = {}): Promise<Engine> {
    const snap = await store.latestSnapshot();
    const r = await replayLog(store, () => (snap ? deserializeState(snap.data) : emptyState()));
    const e = new Engine(store, r.state, opts);
    e.quarantinedNow = r.quarantined;
    for (const q of e.quarantinedNow) e.bus.emit("problem", { msg: "event quarantined at replay (not applied)", error: "Quarantine", detail: `seq ${q.seq} (${q.type ?? "no type"}): ${q.reason}`, seq: q.seq } satisfies EngineProblem);
    await e.rebuildAll();
    await e.enqueue(() => e.guarded("deriving status events at start", () => e.deriveAfter([...e.idx.heldUnderlyings()], [...e.em.ids()])));
    return e;
  }

  /** Events quarantined by the replay of this start (all quarantined events, also from earlier starts: `state.quarantine`). */
  quarantinedNow: readonly QuarantinedEvent[] = [];

  /** Every logged event replay skipped (kept in snapshots), oldest first. */
  get quarantined(): readonly QuarantinedEvent[] {
    return this.state.quarantine;
  }

  /** Margin every account from scratch (fresh risk context). */
  private async rebuildAll(): Promise<void> {
    this.idx.clear();
    for (const a of this.state.accounts.values()) this.idx.touch(a);
    this.prepared.clear();
    this.ctx = this.state.market ? new IncrementalRiskContext(this.state.market, this.state.params) : undefined;
    const sv = this.state.market && stableView(this.state.market);
    this.imCtx = sv ? new IncrementalRiskContext(sv, this.state.params) : undefined;
    await this.em.rebuild();
  }

  /** Kernel threads in use (1: in process). */
  get kernelThreads(): number {
    return this.em.threads;
  }

  /** Stop the kernel's worker threads (after `idle`; the engine is not used afterwards). */
  close(): Promise<void> {
    return this.enqueue(() => this.em.close());
  }

  /** Full margin detail of an account now (the core result + add-ons), or undefined. */
  detail(id: string, hypothetical?: AccountState): AccountMarginDetail | undefined {
    const a = hypothetical ?? this.state.accounts.get(id);
    if (!a || !this.ctx) return undefined;
    // Hypothetical accounts (pre-trade, withdrawal checks) need the numbers only, not the per-position explanation.
    let prep = hypothetical ? undefined : this.prepared.get(id);
    if (!hypothetical && !prep) this.prepared.set(id, (prep = prepareAccount(a)));
    return accountMargin(this.state, this.ctx.context(), a, this.idx.linked(a.owner), this.imCtx?.context(), prep, hypothetical === undefined);
  }

  /** The risk context of the live market (undefined before the first market event). */
  riskContext(): IncrementalRiskContext | undefined {
    return this.ctx;
  }

  private enqueue<T>(f: () => Promise<T>): Promise<T> {
    const r = this.tail.then(f, f);
    this.tail = r.catch(() => undefined);
    return r;
  }

  /** Submit a client event: validated, checked, logged, applied, then acknowledged with its sequence number. */
  submit(input: unknown): Promise<SubmitResult> {
    const p = parseEvent(input);
    if (!p.ok) return Promise.resolve({ ok: false, status: 400, reason: "invalid event", issues: p.issues });
    if (DERIVED_TYPES.has(p.value.type)) return Promise.resolve({ ok: false, status: 400, reason: `${p.value.type} events are written by the engine only`, issues: [{ path: "type", message: "not accepted from clients", value: p.value.type }] });
    return this.enqueue(() => this.process(p.value));
  }

  /** Wait until every submitted event is processed. */
  idle(): Promise<unknown> {
    return this.enqueue(async () => undefined);
  }

  private refuse(status: 404 | 409, reason: string, detail?: unknown, issues?: readonly InputIssue[]): SubmitResult {
    this.counters.rejected++;
    return { ok: false, status, reason, ...(issues && issues.length > 0 ? { issues } : {}), ...(detail !== undefined ? { detail } : {}) };
  }

  /**
   * Checks (state, bands, margin), then a trial on a fork of the state (compute → check the invariant), then
   * append, then commit. After the append nothing can fail the request: derived events and snapshots that fail
   * are reported on the bus ("problem") and retried by later events.
   */
  private async process(input: EngineEvent): Promise<SubmitResult> {
    // An index tick carries its futures' and perpetuals' marks along (logged as applied).
    const e = input.type === "tick" && this.state.market ? completeTick(this.state.market, input) : input;
    const dup = await this.duplicateOf(e);
    if (dup) return dup;
    const problem = eventProblem(this.state, e);
    if (problem) return this.refuse(problem.includes("does not exist") ? 404 : 409, problem);
    const band = bandIssues(this.state.market, e, this.bands);
    if (band.length > 0) return this.refuse(409, `refused: outside the bounds of the current market (${band.map((i) => i.path).join(", ")})`, undefined, band);
    const unmarginable = unmarginableReason(this.ctx?.context(), e);
    if (unmarginable) return this.refuse(409, unmarginable);
    if (e.type === "withdrawal") {
      const w = this.withdrawalCheck(e.account, e.asset, e.amount);
      if (!w.ok) return this.refuse(409, "withdrawal would leave adjusted equity (less excluded unrealised profit) below initial margin", w);
    }
    if (e.type === "order") {
      const o = orderRestCheck(this.state, e, this.margins.get(e.account), (h) => this.detail(e.account, h)?.summary);
      if (!o.ok) return this.refuse(409, o.reason, o.detail);
    }
    const t = await this.transact([e]);
    if (!t.ok) return this.refuse(409, t.reason, undefined, t.issues);
    const seq = t.seqs[0], remargined = t.trial.steps[0].idx.length;
    if (remargined > 1024) await turn();
    await this.guarded("writing derived events after an acknowledged event", () => this.deriveAfter(e.type === "tick" ? [e.asset] : [], []));
    await this.guarded("writing a snapshot", () => this.maybeSnapshot());
    return { ok: true, seq, event: e, remargined };
  }

  /** Run work whose failure must not fail the request that triggered it: report it on the bus instead. */
  private async guarded(msg: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      const problem: EngineProblem = { msg, error: err instanceof Error ? err.name : "Error", detail: err instanceof Error ? err.message : String(err) };
      this.bus.emit("problem", problem);
    }
  }

  /** Time of the last trial (ms): the re-margining of the affected accounts, reported with the commit as lastRecomputeMs. */
  private trialMs = 0;

  /**
   * Compute → check → append → commit, in one place: a trial of `events` (trial.ts: applied to a fork, every
   * affected account re-margined into the kernel's working columns and checked), then the append, then the commit
   * (the events applied to the live state, the figures published). A failed trial or append is undone in the
   * kernel (`resync`) and nothing is published; a failed append is rethrown.
   */
  private async transact(events: readonly EngineEvent[]): Promise<{ ok: true; seqs: number[]; trial: Trial } | TrialFailure> {
    const t0 = performance.now();
    this.em.pending = true;
    let t: Trial | TrialFailure;
    try {
      t = await runTrial({ state: this.state, ctx: this.ctx, imCtx: this.imCtx, idx: this.idx, margins: this.em }, events);
    } catch (err) {
      await this.rebuildAll(); // the kernel's rows are unknown: rebuilt from the committed state
      this.em.pending = false;
      throw err;
    }
    this.trialMs = performance.now() - t0;
    // After a large re-margin, requests that waited are answered before the append and the commit.
    if (t.ok && t.steps.reduce((n, st) => n + st.idx.length, 0) > 1024) await turn();
    if (!t.ok) {
      if (t.touched) await this.em.resync(t.touched);
      await t.dropped?.close();
      this.em.pending = false;
      return t;
    }
    let seqs: number[];
    try {
      seqs = await this.store.appendEvents(events, this.now());
    } catch (err) {
      if (!t.replaced) await this.em.resync(t.touched);
      else await t.km.close();
      this.em.pending = false;
      throw err;
    }
    this.commit(t, seqs);
    return { ok: true, seqs, trial: t };
  }

  /**
   * Install a trial whose events were appended with sequence numbers `seqs`: the events applied to the live
   * state (the replay function; it cannot fail on what the trial applied), the trial's contexts, prepared
   * accounts and margins installed, the re-margined accounts published event by event.
   */
  private commit(t: Trial, seqs: readonly number[]): void {
    const t0 = performance.now();
    for (const [i, st] of t.steps.entries()) {
      const eff = applyEvent(this.state, st.event, seqs[i]);
      if (st.event.type === "margin_status") this.em.accountStatus(st.event.account, st.event.status);
      for (const id of eff.accounts) {
        this.prepared.delete(id);
        const a = this.state.accounts.get(id);
        if (a) { this.idx.touch(a); this.em.accountStatus(id, a.status); }
      }
    }
    this.ctx = t.ctx;
    this.imCtx = t.imCtx;
    // Published with the sequence numbers the events were logged with (a store shared with another writer could differ from the trial's).
    if (t.replaced) this.em.replace(t.km, seqs[seqs.length - 1]);
    else for (const [i, st] of t.steps.entries()) this.em.publish(st.idx, seqs[i]);
    this.em.pending = false;
    const last = t.steps.length - 1;
    for (const [i, st] of t.steps.entries()) {
      const ids = t.rebuilt && i === last ? [...this.em.ids()] : undefined;
      this.counters.recomputes += st.idx.length;
      this.bus.emit("margins", marginsChanged(this.margins, seqs[i], ids ? () => ids : () => this.em.idsOf(st.idx, t.km), st.moved));
    }
    this.counters.events += t.steps.length;
    this.sinceSnapshot += t.steps.length;
    this.counters.lastRecomputeMs = this.trialMs + performance.now() - t0;
  }

  /** The original acknowledgement of a retried fill or transfer, or its refusal (see requestIds.ts `duplicateAnswer`). */
  private async duplicateOf(e: EngineEvent): Promise<SubmitResult | undefined> {
    const d = await duplicateAnswer(this.state, this.store, e);
    if (!d) return undefined;
    return d.ok ? { ok: true, seq: d.seq, event: e, duplicate: true } : this.refuse(409, d.reason);
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Derived events after an event: expiries passed on the moved underlyings, then status changes. */
  private async deriveAfter(moved: readonly string[], alsoCheck: readonly string[]): Promise<void> {
    const m = this.state.market;
    if (!m) return;
    for (const u of moved) {
      const now = m.asOf[u];
      if (now === undefined) continue;
      for (const ex of this.idx.expiredOn(u, now)) {
        const ev: EngineEvent = { type: "expiry", underlying: u, expiryCode: ex, price: m.assets[u].index, ts: now };
        const t = await this.transact([ev]);
        if (!t.ok) this.bus.emit("problem", { msg: `expiry ${u} ${ex} not settled`, error: "Invariant", detail: t.reason } satisfies EngineProblem);
      }
    }
    await this.statusEvents(alsoCheck);
    const liquidated = await this.liquidateAll();
    if (liquidated.length > 0) await this.statusEvents(liquidated);
  }

  /** `margin_status` events for every account whose status changed (and the accounts in `alsoCheck`). */
  private async statusEvents(alsoCheck: readonly string[]): Promise<void> {
    const statusEvents: MarginStatusEvent[] = [];
    for (const { id, n: mg } of this.em.statusChanges(alsoCheck)) {
      const kind = mg.status === "healthy" ? "restored" : mg.status === "margin_call" ? "margin_call" : mg.status === "liquidation" ? "liquidation_trigger" : "bankrupt";
      statusEvents.push({ type: "margin_status", account: id, kind, status: mg.status, initialMargin: mg.initialMargin, maintenanceMargin: mg.maintenanceMargin, adjustedEquity: mg.adjustedEquity });
    }
    if (statusEvents.length === 0) return;
    // Checked again after the next event when they could not be written.
    const t = await this.transact(statusEvents).catch((err: unknown) => { this.em.recheck(statusEvents.map((x) => x.account)); throw err; });
    if (!t.ok) { this.em.recheck(statusEvents.map((x) => x.account)); throw new Error(`status events refused by the state invariant: ${t.reason}`); }
    this.bus.emit("status", statusEvents);
  }

  /**
   * Liquidate every account in liquidation or bankrupt that is not held: plan, log the start, steps and end
   * in one transaction, apply them. Returns the accounts liquidated.
   */
  private async liquidateAll(): Promise<string[]> {
    const cfg = this.opts.liquidation ?? {};
    const done: string[] = [];
    this.held.clear();
    if (cfg.enabled === false || !this.ctx) return done;
    if (this.liquidationPaused) {
      for (const id of this.em.due) this.held.set(id, "liquidation paused");
      return done;
    }
    for (const id of [...this.em.due].sort()) {
      const a = this.state.accounts.get(id);
      if (!a) continue;
      const hold = liquidationHold(this.state, a);
      if (hold) { this.held.set(id, hold); continue; }
      const r = liquidationEvents(this.state, this.ctx.context(), a, this.idx.linked(a.owner), cfg);
      if (!r.ok) { this.held.set(id, r.reason); continue; }
      const t = await this.transact(r.events);
      if (!t.ok) { this.held.set(id, `liquidation refused: ${t.reason}`); continue; }
      const seqs = t.seqs;
      this.counters.liquidations++;
      for (const ev of r.events) if (ev.type === "liquidation_step") this.counters.liquidationSteps++;
      else if (ev.type === "adl") this.counters.adlFills++;
      this.bus.emit("liquidation", { account: id, seq: seqs[seqs.length - 1], events: r.events });
      done.push(id);
    }
    return done;
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.sinceSnapshot < (this.opts.snapshotEvery ?? 1000)) return;
    this.sinceSnapshot = 0;
    await this.store.putSnapshot(this.state.seq, serializeState(this.state));
  }

  /** Write a snapshot now (e.g. at shutdown). */
  snapshotNow(): Promise<void> {
    return this.enqueue(async () => { this.sinceSnapshot = 0; await this.store.putSnapshot(this.state.seq, serializeState(this.state)); });
  }

  /** Would withdrawing `amount` of `asset` keep adjusted equity − excluded unrealised profit ≥ IM? (checks.ts) */
  withdrawalCheck(account: string, asset: string, amount: string): WithdrawalCheckResult {
    return withdrawalCheckOf(this, account, asset, amount);
  }

  /** Instrument names held by at least one account. */
  heldInstruments(): string[] {
    return this.idx.heldInstruments();
  }

  /** Sanity: every known instrument parses (used by tests). */
  static instrument(name: string) {
    return instrumentOf(name);
  }
}
