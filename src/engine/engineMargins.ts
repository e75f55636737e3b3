/**
 * The engine's margins (issue 10 item 1): a `KernelMargins` in step with the committed state, the published
 * figures in typed columns, and `engine.margins`, a read-only view that builds an `AccountMargin` only when one is
 * asked for. A trial computes into the kernel's working columns (trial.ts); only after its events are appended
 * does `publish` copy the re-margined entries into the published columns. A trial that fails (or whose append
 * fails) is undone by `resync`: the kernel's rows of the accounts and assets it touched are rebuilt from the live
 * state and contexts, so its caches are again those of the committed state (bit for bit: the kernel is
 * deterministic). While a trial is in flight (`pending`), the view computes what it is asked with
 * `accountMargin` on the live state, which equals the published figures (the equality property).
 */
import { STATUS_BANKRUPT, STATUS_HEALTHY, STATUS_LIQUIDATION, STATUS_NAMES } from "../margin/kernel/index.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginStatus } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import { accountMargin, type AccountMargin } from "./accountMargin.js";
import type { Indexes } from "./indexes.js";
import { availableParallelism } from "node:os";
import { kernelServes } from "../margin/kernel/kernel.js";
import { KernelMargins, kernelSpec, type KernelBackend } from "./kernelMargins.js";
import { KernelShards } from "./kernelShards.js";
import { MarginColumns } from "./marginColumns.js";
import { MarginsView } from "./marginsView.js";

export { marginsChanged, MarginsView, type MarginsChanged } from "./marginsView.js";
import type { AccountState, EngineState } from "./state.js";

/** An account state's status as a code (STATUS_NAMES; "none": STATE_NONE). */
const STATE_NONE = 255;
const stateCode = (s: AccountState["status"]): number => (s === "none" ? STATE_NONE : STATUS_NAMES.indexOf(s));

/** Where the kernel runs. */
export interface MarginsOptions {
  /**
   * Kernel threads: 1 = in process; N ≥ 2 = N worker threads (account shards, shared matrices); "auto" (the
   * default): 2 when the book has at least AUTO_WORKERS_FROM accounts at start and the machine ≥ 2 cores, else 1.
   */
  readonly workers?: number | "auto";
  /** The compiled worker (kernelShards.ts `defaultWorkerUrl`: beside the module, or under dist/). */
  readonly workerUrl?: URL;
}

/** Accounts from which "auto" puts the kernel on two worker threads. */
export const AUTO_WORKERS_FROM = 20_000;

/** Kernel threads for a book of `accounts` (1: in process). */
export function workerCount(opt: number | "auto" | undefined, accounts: number): number {
  if (typeof opt === "number") return Math.max(1, Math.floor(opt));
  return accounts >= AUTO_WORKERS_FROM && availableParallelism() >= 2 ? 2 : 1;
}

/** What the margins read from the engine. */
export interface MarginsHost {
  readonly state: EngineState;
  readonly idx: Indexes;
  /** The live contexts (undefined before the first market event). */
  contexts(): { ctx: RiskContext | undefined; imCtx: RiskContext | undefined };
}

/** Accounts and assets a trial wrote into the kernel, and the entries whose working figures it wrote (what `resync` rebuilds). */
export interface KernelTouch {
  readonly accounts: ReadonlySet<string>;
  readonly moved: ReadonlySet<string>;
  readonly finished: readonly Int32Array[];
}

export class EngineMargins {
  km: KernelMargins;
  pub = new MarginColumns();
  /** True while a trial's figures are in the kernel and not yet published or undone. */
  pending = false;
  /** Accounts created by the trial in flight, with their owners (for the owners' linked accounts). */
  added: ReadonlyMap<string, string> = new Map();
  readonly view: MarginsView;

  constructor(private readonly host: MarginsHost, private readonly opts: MarginsOptions = {}) {
    this.km = this.create(host.state.params);
    this.view = new MarginsView(this);
  }

  /** A new KernelMargins for `params` whose owners' linked accounts are the engine's (plus the trial's new accounts). */
  create(params: MarginParams, backend?: (reg: unknown) => KernelBackend): KernelMargins {
    return new KernelMargins(params, (s, a) => this.linked(s, a.owner), backend);
  }

  /**
   * A KernelMargins for `params` holding every account of `s` (rows only: no market yet): in process, or on
   * worker shards (balanced over the accounts; accounts created later join the last shard).
   */
  async build(params: MarginParams, s: EngineState): Promise<KernelMargins> {
    const n = workerCount(this.opts.workers, s.accounts.size);
    if (n <= 1 || !kernelServes(params, "USD")) {
      const km = this.create(params);
      for (const a of s.accounts.values()) km.accountChanged(a);
      return km;
    }
    const accounts = [...s.accounts.values()], specs = accounts.map(kernelSpec);
    const shards = await KernelShards.start(params, specs, { workers: n, capacity: Math.max(2 * specs.length, 1024), ...(this.opts.workerUrl ? { workerUrl: this.opts.workerUrl } : {}) });
    const km = this.create(params, () => shards.backend());
    accounts.forEach((a, i) => km.adopt(a, specs[i]));
    return km;
  }

  /** Kernel threads of the current kernel (1: in process). */
  get threads(): number {
    return this.km.threads;
  }

  /** Stop the kernel's threads (shards). */
  close(): Promise<void> {
    return this.km.close();
  }

  /** An owner's accounts: the live index's plus those created in the trial in flight. */
  linked(_s: EngineState, owner: string): Iterable<string> {
    const live = this.host.idx.linked(owner);
    if (this.added.size === 0) return live;
    const out = new Set(live);
    for (const [id, o] of this.added) if (o === owner) out.add(id);
    return out;
  }

  /**
   * Margin every account of the live state from scratch on a new kernel (start): figures that are not finite
   * become an error summary (replay must open), then everything is published with the state's seq.
   */
  async rebuild(): Promise<void> {
    const s = this.host.state, { ctx, imCtx } = this.host.contexts();
    const old = this.km;
    this.km = await this.build(s.params, s);
    await old.close();
    this.resetMarks();
    if (!ctx) return;
    this.km.marketMoved(["*"], s.market, ctx, imCtx);
    await this.km.compute(s, ["*"], ctx, imCtx);
    this.km.beginStep();
    this.km.finish(s, s.accounts.keys(), ctx, imCtx);
    for (const a of s.accounts.values()) {
      const bad = this.km.nonFinite(s, a.id);
      if (bad.length > 0) this.km.forceError(a, s.seq, `margin figures are not finite: ${bad.map((i) => i.path).join(", ")}`);
    }
    this.publishAll(s.seq);
  }

  /** Publish every entry of the current kernel (after a rebuild or a trial that replaced the kernel). */
  publishAll(seq: number): void {
    const km = this.km, pub = this.pub, s = this.host.state;
    this.grow(km.count);
    for (let i = 0; i < km.count; i++) {
      const id = km.idAt(i), a = s.accounts.get(id);
      if (!a) continue;
      pub.copyFrom(km.work, i, id, seq);
      this.objs[i] = undefined;
      this.stateStatus[i] = stateCode(a.status);
      this.mark(i);
    }
  }

  /**
   * Publish the entries `idx` re-margined after the event logged as `seq`: a contiguous run with no fallback
   * summaries on either side (a tick on an all-kernel book) is copied column by column, anything else entry by entry.
   */
  publish(idx: Int32Array, seq: number): void {
    const km = this.km, pub = this.pub, n = idx.length;
    this.grow(km.count);
    if (n > 0 && km.work.fallback.size === 0 && pub.fallback.size === 0 && contiguous(idx)) {
      pub.copyRange(km.work, idx[0], idx[n - 1] + 1, seq);
      for (let j = 0; j < n; j++) {
        const i = idx[j];
        this.objs[i] = undefined;
        this.mark(i);
      }
      return;
    }
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      pub.copyFrom(km.work, i, km.idAt(i), seq);
      this.objs[i] = undefined;
      this.mark(i);
    }
  }

  /** Published entry `i`: its status is to be checked, and it is a liquidation candidate or not. */
  private mark(i: number): void {
    if (this.dirtyFlag[i] === 0) this.addDirty(i);
    const st = this.pub.status[i];
    if (st !== STATUS_LIQUIDATION && st !== STATUS_BANKRUPT) {
      if (this.dueFlag[i] === 1) { this.dueFlag[i] = 0; this.due.delete(this.km.idAt(i)); }
      return;
    }
    const id = this.km.idAt(i);
    const liq = !(this.pub.fallback.size > 0 && this.pub.fallback.get(id)?.error);
    if (liq) { if (this.dueFlag[i] === 0) { this.dueFlag[i] = 1; this.due.add(id); } }
    else if (this.dueFlag[i] === 1) { this.dueFlag[i] = 0; this.due.delete(id); }
  }

  /** The account's state status changed (a margin_status event): kept per entry for `statusChanges`. */
  accountStatus(id: string, status: AccountState["status"]): void {
    const i = this.km.indexOf(id);
    if (i === undefined) return;
    this.grow(i + 1);
    this.stateStatus[i] = stateCode(status);
  }

  /**
   * Accounts re-margined since the last call (and `alsoCheck`) whose published status differs from the state's
   * ("none" counts as healthy), with the figures their margin_status event carries; clears the list.
   */
  statusChanges(alsoCheck: Iterable<string>): { id: string; n: NonNullable<ReturnType<KernelMargins["numbers"]>> }[] {
    for (const id of alsoCheck) { const i = this.km.indexOf(id); if (i !== undefined && i < this.dirtyFlag.length && this.dirtyFlag[i] === 0 && this.has(id)) this.addDirty(i); }
    const out: { id: string; n: NonNullable<ReturnType<KernelMargins["numbers"]>> }[] = [];
    for (let j = 0; j < this.dirtyCount; j++) {
      const i = this.dirtyList[j];
      this.dirtyFlag[i] = 0;
      const st = this.pub.status[i], was = this.stateStatus[i];
      if (this.pub.has[i] !== 1 || st === was || (was === STATE_NONE && st === STATUS_HEALTHY)) continue;
      const id = this.km.idAt(i);
      if (!this.host.state.accounts.has(id)) continue;
      out.push({ id, n: this.km.numbers(id, this.pub)! });
    }
    this.dirtyCount = 0;
    return out;
  }

  /** Put back accounts whose status events could not be written (checked again after the next event). */
  recheck(ids: Iterable<string>): void {
    for (const id of ids) { const i = this.km.indexOf(id); if (i !== undefined && this.dirtyFlag[i] === 0) this.addDirty(i); }
  }

  /** Accounts in liquidation or bankrupt, margined without error (published). */
  readonly due = new Set<string>();
  private dirtyFlag = new Uint8Array(64);
  /** Entries to check (`dirtyCount` of them), each once (`dirtyFlag`). */
  private dirtyList = new Int32Array(64);
  private dirtyCount = 0;

  private addDirty(i: number): void {
    if (this.dirtyCount === this.dirtyList.length) { const d = new Int32Array(this.dirtyList.length * 2); d.set(this.dirtyList); this.dirtyList = d; }
    this.dirtyFlag[i] = 1;
    this.dirtyList[this.dirtyCount++] = i;
  }
  private dueFlag = new Uint8Array(64);
  private stateStatus = new Uint8Array(64);

  private grow(n: number): void {
    this.pub.grow(n);
    if (n <= this.dirtyFlag.length) return;
    const g = (x: Uint8Array) => { const y = new Uint8Array(Math.max(n, x.length * 2)); y.set(x); return y; };
    this.dirtyFlag = g(this.dirtyFlag); this.dueFlag = g(this.dueFlag); this.stateStatus = g(this.stateStatus);
  }

  /** Forget per-entry bookkeeping (a new kernel: new indices). */
  private resetMarks(): void {
    this.pub = new MarginColumns();
    this.objs = [];
    this.dirtyFlag = new Uint8Array(64); this.dirtyCount = 0; this.dueFlag = new Uint8Array(64); this.stateStatus = new Uint8Array(64);
    this.due.clear();
    this.depCache.clear();
  }

  /** The moved asset's dependents (the engine's index) as kernel entries, cached while the index is unchanged. */
  dependentsIdx(asset: string): Int32Array {
    const idx = this.host.idx, c = this.depCache.get(asset);
    if (c && c.version === idx.version && c.km === this.km) return c.list;
    const ids = idx.dependents(asset), list = new Int32Array(ids.size);
    let n = 0;
    for (const id of ids) { const i = this.km.indexOf(id); if (i !== undefined) list[n++] = i; }
    const out = n === list.length ? list : list.slice(0, n);
    this.depCache.set(asset, { version: idx.version, km: this.km, list: out });
    return out;
  }

  private readonly depCache = new Map<string, { version: number; km: KernelMargins; list: Int32Array }>();

  /**
   * Undo a trial's writes into the kernel: the accounts it changed rebuilt from the live state (or emptied when
   * it created them), the moved assets' rows refilled from the live contexts and their dependents re-margined,
   * and the working figures of every entry it finished put back to the published (committed) ones, so the
   * kernel is again the committed state's in every part.
   */
  async resync(t: KernelTouch): Promise<void> {
    const s = this.host.state, { ctx, imCtx } = this.host.contexts(), km = this.km;
    for (const id of t.accounts) {
      const a = s.accounts.get(id);
      if (a) km.accountChanged(a);
      else km.accountGone(id);
    }
    if (ctx && s.market) {
      const moved = [...t.moved];
      if (moved.length > 0) km.marketMoved(moved, s.market, ctx, imCtx);
      await km.compute(s, moved, ctx, imCtx);
    }
    for (const idx of t.finished) for (let j = 0; j < idx.length; j++) km.work.restore(this.pub, idx[j], km.idAt(idx[j]));
    this.pending = false;
  }

  /** Install the kernel of a trial that replaced it (params event): everything republished with `seq`. */
  replace(km: KernelMargins, seq: number): void {
    void this.km.close();
    this.km = km;
    this.resetMarks();
    this.publishAll(seq);
  }

  /** Account ids of kernel entries. */
  idsOf(idx: Int32Array, km: KernelMargins = this.km): string[] {
    const out = new Array<string>(idx.length);
    for (let j = 0; j < idx.length; j++) out[j] = km.idAt(idx[j]);
    return out;
  }

  /** Published sequence number of an account's margin. */
  seqOf(id: string): number | undefined {
    const i = this.km.indexOf(id);
    return i !== undefined && i < this.pub.has.length && this.pub.has[i] === 1 ? this.pub.seq[i] : undefined;
  }

  /** Published status of an account. */
  statusOf(id: string): MarginStatus | undefined {
    const i = this.km.indexOf(id);
    return i !== undefined && i < this.pub.has.length && this.pub.has[i] === 1 ? (STATUS_NAMES[this.pub.status[i]] as MarginStatus) : undefined;
  }

  /** Published status figures of an account (what a margin_status event carries). */
  numbers(id: string) {
    return this.has(id) ? this.km.numbers(id, this.pub) : undefined;
  }

  /** Published: in liquidation or bankrupt, margined without error. */
  inLiquidation(id: string): boolean {
    return this.has(id) && this.km.inLiquidation(id, this.pub);
  }

  has(id: string): boolean {
    const i = this.km.indexOf(id);
    return i !== undefined && i < this.pub.has.length && this.pub.has[i] === 1 && this.host.state.accounts.has(id);
  }

  /** The published `AccountMargin` of an account, built now. */
  get(id: string): AccountMargin | undefined {
    const i = this.km.indexOf(id);
    if (i === undefined || i >= this.pub.has.length || this.pub.has[i] !== 1) return undefined;
    const cached = this.objs[i];
    if (cached) return cached;
    const s = this.host.state, seq = this.pub.seq[i];
    const fb = this.pub.fallback.get(id);
    if (this.pending && !fb) {
      // The kernel holds a trial's rows: the committed figures from the explanation path instead (equal by the equality property).
      const a = s.accounts.get(id), { ctx, imCtx } = this.host.contexts();
      if (!a || !ctx) return undefined;
      return { ...accountMargin(s, ctx, a, this.linked(s, a.owner), imCtx, undefined, false).summary, seq };
    }
    const m = this.km.summaryOf(s, this.pub, i, seq);
    this.objs[i] = m;
    return m;
  }

  /**
   * AccountMargins built by `get`, kept until the entry is published again (everything an AccountMargin holds
   * changes only with a re-margin: its figures, its Greeks' rows and positions, its oracle hold); dropped with the kernel.
   */
  private objs: (AccountMargin | undefined)[] = [];

  /** Published account ids, in the state's account order. */
  *ids(): IterableIterator<string> {
    for (const id of this.host.state.accounts.keys()) if (this.has(id)) yield id;
  }
}

/** Are the indices `idx` consecutive and ascending (idx[j] = idx[0] + j)? */
function contiguous(idx: Int32Array): boolean {
  const first = idx[0];
  if (idx[idx.length - 1] - first !== idx.length - 1) return false;
  for (let j = 1; j < idx.length; j++) if (idx[j] !== first + j) return false;
  return true;
}
