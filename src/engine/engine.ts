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
import { withdrawalCheck } from "../margin/withdrawalCap.js";
import { accountMargin, prepareAccount, type AccountMargin, type AccountMarginDetail, type PreparedAccount } from "./accountMargin.js";
import { DERIVED_TYPES, parseEvent, type EngineEvent, type MarginStatusEvent } from "./events.js";
import { orderRestCheck } from "./orders.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import { toUnits } from "../domain/money.js";
import { applyEvent, cloneAccount, emptyState, eventProblem, instrumentOf, deserializeState, serializeState, type AccountState, type EngineState } from "./state.js";
import type { Store } from "./store.js";
import type { InputIssue } from "../input/issues.js";
import { Indexes } from "./indexes.js";
import { completeTick, stableView } from "./marketState.js";
import { lookupRequest, REQUEST_ID_WINDOW, requestKey } from "./requestIds.js";
import { isInLiquidation, liquidationEvents, liquidationHold, type LiquidationConfig } from "./liquidation.js";

export type SubmitResult =
  | { readonly ok: true; readonly seq: number; readonly event: EngineEvent; readonly duplicate?: true }
  | { readonly ok: false; readonly status: 400 | 404 | 409 | 503; readonly reason: string; readonly issues?: readonly InputIssue[]; readonly detail?: unknown };

export interface EngineOptions {
  /** Write a state snapshot every N applied events (default 1000). */
  readonly snapshotEvery?: number;
  /** Wall clock for the stored append time (informational). */
  readonly clock?: () => number;
  /** Liquidation of accounts in liquidation / bankrupt (planner options; default: on, planner defaults). */
  readonly liquidation?: LiquidationConfig;
}

/** Payload of the `margins` bus event: accounts re-margined after event `seq`. */
export interface MarginsChanged {
  readonly seq: number;
  readonly accounts: readonly AccountMargin[];
  /** Assets whose price moved with this event. */
  readonly moved: readonly string[];
}

export class Engine {
  readonly bus = new EventEmitter();
  readonly margins = new Map<string, AccountMargin>();
  private readonly idx = new Indexes();
  private ctx: IncrementalRiskContext | undefined;
  /** Risk context of the market at the oracle's stable prices (IM only); undefined while no asset has one. */
  private imCtx: IncrementalRiskContext | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Per account: its Portfolio and parsed instruments, converted once from the bigint state; dropped when an event touches the account. */
  private readonly prepared = new Map<string, PreparedAccount>();
  /** Accounts re-margined since the last status check (only their status can have changed). */
  private readonly dirty = new Set<string>();
  /** Accounts whose margin status is liquidation or bankrupt (candidates for liquidation). */
  private readonly due = new Set<string>();
  private sinceSnapshot = 0;
  /** Counters for /metrics. */
  readonly counters = { events: 0, rejected: 0, recomputes: 0, lastRecomputeMs: 0, liquidations: 0, liquidationSteps: 0, adlFills: 0 };
  /** Accounts in liquidation the engine does not liquidate now, with the reason (oracle hold, nothing to trade, planner failure). */
  readonly held = new Map<string, string>();
  /** While true, accounts in liquidation are only flagged (e.g. while demo books are seeded fill by fill). */
  liquidationPaused = false;

  private constructor(readonly store: Store, public state: EngineState, private readonly opts: EngineOptions) {
    this.bus.setMaxListeners(0);
  }

  /** Open an engine on a store: load the latest snapshot, replay the log after it, margin every account. */
  static async open(store: Store, opts: EngineOptions = {}): Promise<Engine> {
    const snap = await store.latestSnapshot();
    const e = new Engine(store, snap ? deserializeState(snap.data) : emptyState(), opts);
    for (let from = e.state.seq + 1; ; ) {
      const page = await store.readEvents(from, 5000);
      for (const se of page) {
        const p = parseEvent(se.event);
        if (!p.ok) throw new Error(`event ${se.seq} in the log is invalid: ${p.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
        applyEvent(e.state, p.value, se.seq);
      }
      if (page.length < 5000) break;
      from = page[page.length - 1].seq + 1;
    }
    e.rebuildAll();
    await e.enqueue(() => e.deriveAfter([...e.idx.heldUnderlyings()], [...e.margins.keys()]));
    return e;
  }

  /** Margin every account from scratch (fresh risk context). */
  private rebuildAll(): void {
    this.idx.clear();
    for (const a of this.state.accounts.values()) this.idx.touch(a);
    this.margins.clear();
    this.prepared.clear();
    this.due.clear();
    this.ctx = this.state.market ? new IncrementalRiskContext(this.state.market, this.state.params) : undefined;
    const sv = this.state.market && stableView(this.state.market);
    this.imCtx = sv ? new IncrementalRiskContext(sv, this.state.params) : undefined;
    for (const a of this.state.accounts.values()) this.recompute(a);
  }

  private recompute(a: AccountState): AccountMargin | undefined {
    if (!this.ctx) return undefined;
    let prep = this.prepared.get(a.id);
    if (!prep) this.prepared.set(a.id, (prep = prepareAccount(a)));
    // The tick path keeps the numbers, not the per-position explanation; `detail` recomputes it on request.
    const d = accountMargin(this.state, this.ctx.context(), a, this.idx.linked(a.owner), this.imCtx?.context(), prep, false);
    this.margins.set(a.id, d.summary);
    this.dirty.add(a.id);
    if (isInLiquidation(d.summary)) this.due.add(a.id);
    else this.due.delete(a.id);
    return d.summary;
  }

  /** Full margin detail of an account now (the core result + add-ons), or undefined. */
  detail(id: string, hypothetical?: AccountState): AccountMarginDetail | undefined {
    const a = hypothetical ?? this.state.accounts.get(id);
    if (!a || !this.ctx) return undefined;
    // Hypothetical accounts (pre-trade, withdrawal checks) need the numbers only, not the per-position explanation.
    return accountMargin(this.state, this.ctx.context(), a, this.idx.linked(a.owner), this.imCtx?.context(), hypothetical ? undefined : this.prepared.get(id), hypothetical === undefined);
  }

  /** Update the stable-price context after a market change (created, invalidated or dropped). */
  private refreshImCtx(moved: readonly string[]): void {
    const sv = this.state.market && stableView(this.state.market);
    if (!sv) this.imCtx = undefined;
    else if (!this.imCtx) this.imCtx = new IncrementalRiskContext(sv, this.state.params);
    else this.imCtx.invalidate(moved, sv, this.state.params);
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

  private refuse(status: 404 | 409, reason: string, detail?: unknown): SubmitResult {
    this.counters.rejected++;
    return { ok: false, status, reason, ...(detail !== undefined ? { detail } : {}) };
  }

  private async process(input: EngineEvent): Promise<SubmitResult> {
    // An index tick carries its futures' and perpetuals' marks along (logged as applied).
    const e = input.type === "tick" && this.state.market ? completeTick(this.state.market, input) : input;
    const dup = await this.duplicateOf(e);
    if (dup) return dup;
    const problem = eventProblem(this.state, e);
    if (problem) return this.refuse(problem.includes("does not exist") ? 404 : 409, problem);
    const unmarginable = this.unmarginable(e);
    if (unmarginable) return this.refuse(409, unmarginable);
    if (e.type === "withdrawal") {
      const w = this.withdrawalCheck(e.account, e.asset, e.amount);
      if (!w.ok) return this.refuse(409, "withdrawal would leave adjusted equity (less excluded unrealised profit) below initial margin", w);
    }
    if (e.type === "order") {
      const o = orderRestCheck(this.state, e, this.margins.get(e.account), (h) => this.detail(e.account, h)?.summary);
      if (!o.ok) return this.refuse(409, o.reason, o.detail);
    }
    const [seq] = await this.store.appendEvents([e], this.now());
    this.applyAndRecompute(e, seq);
    await this.deriveAfter(e.type === "tick" ? [e.asset] : [], []);
    await this.maybeSnapshot();
    return { ok: true, seq, event: e };
  }

  /**
   * A fill / deposit / withdrawal whose idempotency key (`fillId`, `requestId`) the account has seen: the
   * original acknowledgement (same seq, `duplicate: true`, nothing appended) when it is the same event, 409
   * when the key was used for a different event or is older than the exact window (see requestIds.ts).
   */
  private async duplicateOf(e: EngineEvent): Promise<SubmitResult | undefined> {
    const id = e.type === "fill" ? e.fillId : e.type === "deposit" || e.type === "withdrawal" ? e.requestId : undefined;
    if (id === undefined || (e.type !== "fill" && e.type !== "deposit" && e.type !== "withdrawal")) return undefined;
    const field = e.type === "fill" ? "fillId" : "requestId";
    const seen = lookupRequest(this.state.accounts.get(e.account)?.requests, requestKey(e.type, id));
    if (seen === undefined) return undefined;
    if (seen === "old") return this.refuse(409, `${field} ${id} was already used by account ${e.account} (older than its last ${REQUEST_ID_WINDOW} ${field}s, so the original acknowledgement is no longer kept); not applied again, use a new ${field}`);
    const [orig] = await this.store.readEvents(seen, 1);
    if (!orig || orig.seq !== seen || canonical(orig.event) !== canonical(e)) return this.refuse(409, `${field} ${id} was already used by account ${e.account} for a different ${e.type} (seq ${seen})`);
    return { ok: true, seq: seen, event: e, duplicate: true };
  }

  /**
   * Why an asset or instrument of a deposit or fill cannot be valued on the live market, or undefined.
   * Such an event would leave the account without a margin (summary.error), and an account without a
   * margin is never liquidated; so it is refused before it is logged.
   */
  private unmarginable(e: EngineEvent): string | undefined {
    const ctx = this.ctx?.context();
    if (!ctx) return undefined;
    if ((e.type === "deposit" || e.type === "insurance_deposit") && ctx.usdIndex(e.asset) === undefined) return `no index for ${e.asset} in the market`;
    if (e.type === "fill") {
      const r = ctx.risk(instrumentOf(e.instrument));
      if (!r.ok) return `${e.instrument} cannot be valued: ${r.reason}`;
    }
    return undefined;
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  private applyAndRecompute(e: EngineEvent, seq: number): void {
    const t0 = performance.now();
    const eff = applyEvent(this.state, e, seq);
    for (const id of eff.accounts) this.prepared.delete(id);
    this.counters.events++;
    this.sinceSnapshot++;
    if (e.type === "market" || e.type === "params" || !this.ctx) {
      if (e.type === "market" || !this.ctx) this.rebuildAll();
      else if (this.state.market) {
        this.ctx.invalidate(["*"], this.state.market, this.state.params);
        this.refreshImCtx(["*"]);
        for (const a of this.state.accounts.values()) this.recompute(a);
      }
      this.publish(seq, [...this.margins.values()], eff.moved);
      return;
    }
    if (this.state.market && eff.moved.length > 0) {
      this.ctx.invalidate(eff.moved, this.state.market, this.state.params);
      this.refreshImCtx(eff.moved);
    }
    const ids = new Set<string>();
    for (const id of eff.accounts) {
      const a = this.state.accounts.get(id);
      if (!a) continue;
      this.idx.touch(a);
      for (const l of this.idx.linked(a.owner)) ids.add(l);
    }
    for (const asset of eff.moved) for (const id of this.idx.dependents(asset)) ids.add(id);
    const changed: AccountMargin[] = [];
    for (const id of ids) {
      const a = this.state.accounts.get(id);
      const m = a && this.recompute(a);
      if (m) changed.push(m);
    }
    this.counters.recomputes += changed.length;
    this.counters.lastRecomputeMs = performance.now() - t0;
    this.publish(seq, changed, eff.moved);
  }

  private publish(seq: number, accounts: readonly AccountMargin[], moved: readonly string[]): void {
    const payload: MarginsChanged = { seq, accounts, moved };
    this.bus.emit("margins", payload);
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
        const [seq] = await this.store.appendEvents([ev], this.now());
        this.applyAndRecompute(ev, seq);
      }
    }
    await this.statusEvents(alsoCheck);
    const liquidated = await this.liquidateAll();
    if (liquidated.length > 0) await this.statusEvents(liquidated);
  }

  /** `margin_status` events for every account whose status changed (and the accounts in `alsoCheck`). */
  private async statusEvents(alsoCheck: readonly string[]): Promise<void> {
    const statusEvents: MarginStatusEvent[] = [];
    const check = new Set<string>(alsoCheck);
    for (const id of this.dirty) check.add(id);
    this.dirty.clear();
    for (const id of check) {
      const a = this.state.accounts.get(id), mg = this.margins.get(id);
      if (!a || !mg || a.status === mg.status || (a.status === "none" && mg.status === "healthy")) continue;
      const kind = mg.status === "healthy" ? "restored" : mg.status === "margin_call" ? "margin_call" : mg.status === "liquidation" ? "liquidation_trigger" : "bankrupt";
      statusEvents.push({ type: "margin_status", account: id, kind, status: mg.status, initialMargin: mg.initialMargin, maintenanceMargin: mg.maintenanceMargin, adjustedEquity: mg.adjustedEquity });
    }
    if (statusEvents.length === 0) return;
    const seqs = await this.store.appendEvents(statusEvents, this.now());
    statusEvents.forEach((ev, i) => { applyEvent(this.state, ev, seqs[i]); this.sinceSnapshot++; });
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
      for (const id of this.due) this.held.set(id, "liquidation paused");
      return done;
    }
    for (const id of [...this.due].sort()) {
      const a = this.state.accounts.get(id);
      if (!a) continue;
      const hold = liquidationHold(this.state, a);
      if (hold) { this.held.set(id, hold); continue; }
      const r = liquidationEvents(this.state, this.ctx.context(), a, this.idx.linked(a.owner), cfg);
      if (!r.ok) { this.held.set(id, r.reason); continue; }
      const seqs = await this.store.appendEvents(r.events, this.now());
      r.events.forEach((ev, i) => this.applyAndRecompute(ev, seqs[i]));
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

  /** Would withdrawing `amount` of `asset` keep adjusted equity − excluded unrealised profit ≥ IM? */
  withdrawalCheck(account: string, asset: string, amount: string): { ok: boolean; headroom: number; excludedProfit: number; after?: AccountMargin; reason?: string } {
    const a = this.state.accounts.get(account);
    if (!a) return { ok: false, headroom: 0, excludedProfit: 0, reason: `account ${account} does not exist` };
    const h = cloneAccount(a);
    h.balances.set(asset, (h.balances.get(asset) ?? 0n) - (toUnits(amount) ?? 0n));
    const d = this.detail(account, h);
    if (!d || d.summary.error) return { ok: false, headroom: 0, excludedProfit: 0, reason: d?.summary.error ?? "no market" };
    const s = d.summary;
    const c = withdrawalCheck({ adjustedEquityAfter: s.adjustedEquity, initialMarginAfter: s.initialMargin, unrealisedPnl: s.unrealisedPnl, haircut: this.state.service.withdrawalUpnlHaircut });
    return { ...c, after: s };
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

/** JSON with object keys sorted (to compare a logged event with a resubmitted one). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}
