/**
 * The real-time engine (DESIGN.md section 9). Events are validated (zod), checked against the state
 * (409 when refused by margin), written to the append-only log, applied, and only then acknowledged.
 * Events are processed one at a time, in order. After each event, only the accounts it can affect are
 * re-margined: the accounts it touched (and their owner's linked accounts), and on a tick the accounts
 * that depend on the moved asset, against risk vectors recomputed for that underlying only. Status
 * changes become `margin_status` events (margin call, liquidation trigger, bankrupt, restored), and a
 * tick past an expiry's 08:00 UTC settles it against that tick's index with an `expiry` event (derived.ts).
 * Batches of client events (the book loader) go through batch.ts on the same trial → append → commit steps.
 * State = latest snapshot + replay of the log after it; margins are a pure function of the state.
 */
import { EventEmitter } from "node:events";
import { accountMargin, prepareAccount, type AccountMarginDetail, type PreparedAccount } from "./accountMargin.js";
import { DERIVED_TYPES, parseEvent, type EngineEvent } from "./events.js";
import { orderRestCheck } from "./orders.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import { applyEvent, emptyState, eventProblem, deserializeState, serializeState, type AccountState, type EngineState, type QuarantinedEvent } from "./state.js";
import type { Store } from "./store.js";
import type { InputIssue } from "../input/issues.js";
import { Indexes } from "./indexes.js";
import { completeTick, copyMarket, stableView } from "./marketState.js";
import { duplicateAnswer } from "./requestIds.js";
import type { LiquidationConfig } from "./liquidation.js";
import { bandIssues, DEFAULT_BANDS, type BandOptions } from "./priceBands.js";
import { unmarginableReason, withdrawalCheckOf, type WithdrawalCheck } from "./checks.js";
import { replayLog } from "./replay.js";
import { runTrial, type Trial, type TrialFailure } from "./trial.js";
import { turn } from "./turn.js";
import { EngineMargins, marginsChanged, type MarginsView } from "./engineMargins.js";
import { completeBook } from "./book.js";
import { processBatch, type BatchHost } from "./batch.js";
import { deriveAfter, type DerivedHost } from "./derived.js";
import { venueProblem } from "./venueLedger.js";
import { venueMarginRefusal } from "./venueChecks.js";

export type SubmitResult =
  | { readonly ok: true; readonly seq: number; readonly event: EngineEvent; readonly duplicate?: true; readonly dryRun?: true; /** Accounts re-margined after the event (its own step; not the derived events'). */ readonly remargined?: number }
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

/** A committed transaction: the sequence numbers its events were logged with, and the trial it installed. */
type Committed = { readonly ok: true; readonly seqs: number[]; readonly trial: Trial };

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
  /** The price bands this engine enforces on fills, orders and ticks. */
  readonly bands: BandOptions;
  /** What derived.ts reads and calls (the derived events after a commit). */
  private readonly derived: DerivedHost;

  private constructor(readonly store: Store, public state: EngineState, private readonly opts: EngineOptions) {
    this.bus.setMaxListeners(0);
    this.bands = { ...DEFAULT_BANDS, ...opts.bands };
    if (opts.onProblem) this.bus.on("problem", opts.onProblem);
    const self = this;
    this.em = new EngineMargins({ get state() { return self.state; }, idx: this.idx, contexts: () => ({ ctx: self.ctx?.context(), imCtx: self.imCtx?.context() }) }, { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.workerUrl ? { workerUrl: opts.workerUrl } : {}) });
    this.margins = this.em.view;
    this.derived = {
      get state() { return self.state; }, get ctx() { return self.ctx; }, idx: this.idx, em: this.em, bus: this.bus, held: this.held, counters: this.counters,
      liquidation: opts.liquidation ?? {}, transact: (events) => this.transact(events),
    };
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
    await e.enqueue(() => e.guarded("deriving status events at start", () => deriveAfter(e.derived, [...e.idx.heldUnderlyings()], [...e.em.ids()])));
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
    // On a copy of the live market: the live one is written by every commit, a context's market never is (see `install`).
    const m = this.state.market && copyMarket(this.state.market);
    const sv = m && stableView(m);
    this.install(m ? new IncrementalRiskContext(m, this.state.params) : undefined, sv ? new IncrementalRiskContext(sv, this.state.params) : undefined);
    await this.em.rebuild();
  }

  /** Make `ctx` and `imCtx` the live contexts; the ones they replace let go of their vectors (IncrementalRiskContext.retire). */
  private install(ctx: IncrementalRiskContext | undefined, imCtx: IncrementalRiskContext | undefined): void {
    if (this.ctx && this.ctx !== ctx) this.ctx.retire();
    if (this.imCtx && this.imCtx !== imCtx) this.imCtx.retire();
    this.ctx = ctx;
    this.imCtx = imCtx;
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
    this.queued++;
    const done = () => { this.queued--; };
    r.then(done, done);
    return r;
  }

  /** Work queued and not yet done (events, batches, snapshots). */
  private queued = 0;

  /** Is an event (or other queued work) being processed or waiting? Background work yields while it is. */
  get busy(): boolean {
    return this.queued > 0;
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

  private refuse(status: 400 | 404 | 409, reason: string, detail?: unknown, issues?: readonly InputIssue[]): SubmitResult {
    this.counters.rejected++;
    return { ok: false, status, reason, ...(issues && issues.length > 0 ? { issues } : {}), ...(detail !== undefined ? { detail } : {}) };
  }

  /**
   * Submit client events as one batch (the book loader, src/engine/batch.ts): each validated and checked as `submit`
   * checks it, the accepted ones tried together, appended in one transaction and committed; one result per input, in
   * order. `dryRun`: the checks and the trial only (undone in the kernel), nothing appended.
   */
  submitBatch(inputs: readonly unknown[], opts: { readonly dryRun?: boolean } = {}): Promise<SubmitResult[]> {
    const host: BatchHost = {
      admit: (e) => this.admit(e), tryOut: (es) => this.tryOut(es), transact: (es) => this.transact(es),
      refuse: (st, r, i) => this.refuse(st, r, undefined, i), settle: () => this.settle([]),
    };
    return this.enqueue(() => processBatch(host, inputs, opts.dryRun === true));
  }

  /**
   * Checks (state, bands, margin), then a trial on a fork of the state (compute → check the invariant), then
   * append, then commit. After the append nothing can fail the request: derived events and snapshots that fail
   * are reported on the bus ("problem") and retried by later events.
   */
  private async process(input: EngineEvent): Promise<SubmitResult> {
    const a = await this.admit(input);
    if (!a.ok) return a.result;
    const e = a.event;
    const t = await this.transact([e]);
    if (!t.ok) return this.refuse(409, t.reason, undefined, t.issues);
    const seq = t.seqs[0], remargined = t.trial.steps[0].idx.length;
    if (remargined > 1024) await turn();
    await this.settle(e.type === "tick" ? [e.asset] : []);
    return { ok: true, seq, event: e, remargined };
  }

  /** An event completed from the live market (see `completeTick`, `completeBook`) and put through every check before the trial; or its refusal. */
  private async admit(input: EngineEvent): Promise<{ ok: true; event: EngineEvent } | { ok: false; result: SubmitResult }> {
    // An index tick carries its futures' and perpetuals' marks along, a book its entry and order prices (logged as applied).
    const e = input.type === "tick" && this.state.market ? completeTick(this.state.market, input) : input.type === "book" ? completeBook(this.ctx?.context(), input) : input;
    const no = (result: SubmitResult) => ({ ok: false as const, result });
    const dup = await this.duplicateOf(e);
    if (dup) return no(dup);
    const vp = venueProblem(this.state, e);
    if (vp) return no(this.refuse(vp.status, vp.status === 400 ? "invalid event for this account's venues" : vp.issue.message, undefined, [vp.issue]));
    const problem = eventProblem(this.state, e);
    if (problem) return no(this.refuse(problem.includes("does not exist") ? 404 : 409, problem));
    const band = bandIssues(this.state.market, e, this.bands);
    if (band.length > 0) return no(this.refuse(409, `refused: outside the bounds of the current market (${band.map((i) => i.path).join(", ")})`, undefined, band));
    const unmarginable = unmarginableReason(this.ctx?.context(), e);
    if (unmarginable) return no(this.refuse(409, unmarginable));
    const vm = venueMarginRefusal(this.state, e, (id) => this.margins.get(id));
    if (vm) return no(this.refuse(409, vm.reason, vm.detail));
    if (e.type === "withdrawal" && e.venue === undefined) {
      const w = this.withdrawalCheck(e.account, e.asset, e.amount);
      if (!w.ok) return no(this.refuse(409, "withdrawal would leave adjusted equity (less excluded unrealised profit) below initial margin", w));
    }
    if (e.type === "order" && e.venue === undefined) {
      const o = orderRestCheck(this.state, e, this.margins.get(e.account), (h) => this.detail(e.account, h)?.summary);
      if (!o.ok) return no(this.refuse(409, o.reason, o.detail));
    }
    return { ok: true, event: e };
  }

  /** After a commit: derived events (expiries of the moved assets, status changes, liquidations), then a snapshot when due. */
  private async settle(moved: readonly string[]): Promise<void> {
    await this.guarded("writing derived events after an acknowledged event", () => deriveAfter(this.derived, moved, []));
    await this.guarded("writing a snapshot", () => this.maybeSnapshot());
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
   * A trial of `events` (trial.ts: applied to a fork, every affected account re-margined into the kernel's working
   * columns and checked). Until it is committed or undone (`undo`), `engine.margins` answers with the committed
   * figures. A trial that throws leaves the kernel's rows unknown: they are rebuilt from the committed state.
   */
  private async trial(events: readonly EngineEvent[]): Promise<Trial | TrialFailure> {
    const t0 = performance.now();
    this.em.pending = true;
    try {
      const t = await runTrial({ state: this.state, ctx: this.ctx, imCtx: this.imCtx, idx: this.idx, margins: this.em }, events);
      this.trialMs = performance.now() - t0;
      return t;
    } catch (err) {
      await this.rebuildAll();
      this.em.pending = false;
      throw err;
    }
  }

  /**
   * Undo a trial that is not committed (refused, its append failed, a dry run): the kernel's rows of the accounts
   * and assets it touched rebuilt from the live state and contexts, its working figures the published ones again
   * (`EngineMargins.resync`), and a kernel it built for a params event closed.
   */
  private async undo(t: Trial | TrialFailure): Promise<void> {
    if (t.touched) await this.em.resync(t.touched);
    const dropped = t.ok ? (t.replaced ? t.km : undefined) : t.dropped;
    await dropped?.close();
    this.em.pending = false;
  }

  /**
   * Compute → check → append → commit, in one place: a trial of `events`, then the append, then the commit (the
   * events applied to the live state, the figures published). A failed trial or append is undone in the kernel
   * and nothing is published; a failed append is rethrown.
   */
  private async transact(events: readonly EngineEvent[]): Promise<Committed | TrialFailure> {
    const t = await this.trial(events);
    if (!t.ok) { await this.undo(t); return t; }
    // After a large re-margin, requests that waited are answered before the append and the commit.
    if (t.steps.reduce((n, st) => n + st.idx.length, 0) > 1024) await turn();
    let seqs: number[];
    try {
      seqs = await this.store.appendEvents(events, this.now());
    } catch (err) {
      await this.undo(t);
      throw err;
    }
    this.commit(t, seqs);
    return { ok: true, seqs, trial: t };
  }

  /** A trial that is undone whatever its outcome (a dry run; which events of a batch pass): the sequence numbers it tried them at, or its failure. */
  private async tryOut(events: readonly EngineEvent[]): Promise<{ ok: true; seqs: number[] } | TrialFailure> {
    const t = await this.trial(events);
    await this.undo(t);
    return t.ok ? { ok: true, seqs: t.steps.map((st) => st.seq) } : t;
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
    this.install(t.ctx, t.imCtx);
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
  withdrawalCheck(account: string, asset: string, amount: string): WithdrawalCheck {
    return withdrawalCheckOf(this, account, asset, amount);
  }

  /** Instrument names held by at least one account. */
  heldInstruments(): string[] {
    return this.idx.heldInstruments();
  }
}
