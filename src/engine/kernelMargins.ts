/**
 * The engine's margins on the kernel (src/margin/kernel/; docs/kernel.md): a kernel (in process, or worker shards:
 * `KernelBackend`) in step with the engine's accounts, the valuation at the oracle's stable prices (accountMargin's
 * `imCtx`), the engine's add-ons, every figure in typed columns (`work`); `AccountMargin`s only on demand, equal to
 * accountMargin's (contributions off). Core numbers: the kernel; Greeks: the matrix rows and the spot collateral
 * (kernelGreeks.ts `accountGreeks`). Stable add-on: a second valuation on matrices filled from the stable-price
 * context (in process `evaluateOn`; on shards those accounts go through accountMargin). Concentration add-on: as
 * accountMargin, for accounts holding an instrument with liquidity data. Fallback to accountMargin: parameters the
 * kernel does not serve, accounts a liquidity charge may apply to (liquidityAddOn.ts `liquidityMayApply`; the other
 * accounts carry its zero charges), and accounts it cannot margin (its error text). `issues`: the invariant's margin
 * part (every figure finite) without objects.
 */
import { kernelServes, KernelMarket, KernelResults, MarginKernel, STATUS_ERROR, STATUS_NAMES, statusCode, type KernelAccountSpec, type KernelRegistry } from "../margin/kernel/index.js";
import { concentrationAddOn, depsOf, kernelSpec, localBackend, warmRisks, type KernelBackend } from "./kernelBackend.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginStatus } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { InputIssue } from "../input/issues.js";
import { accountMargin, errorSummary, type AccountMargin } from "./accountMargin.js";
import { liquidityMayApply } from "./liquidityAddOn.js";
import { marginIssues } from "./invariant.js";
import { accountGreeks, finiteGreeks, greeksSafe, matrixGreeks } from "./kernelGreeks.js";
import { inLiquidationAt, MarginColumns, numbersAt, summaryAt, type StatusNumbers } from "./marginColumns.js";
import type { MarketState } from "./marketState.js";
import type { AccountState, EngineState } from "./state.js";

interface Entry {
  readonly id: string;
  readonly index: number;
  /** Registry ids of the position instruments (input order) with their sizes, and the assets the account depends on. */
  instruments: Int32Array;
  sizes: Float64Array;
  assets: Int32Array;
  /** A multi-venue account: margined by accountMargin (venueAccount.ts), never by the kernel. */ venues: boolean;
}

/** Every account of `a`'s owner, in the state's insertion order. */
function ownedBy(s: EngineState, a: AccountState): string[] {
  const out: string[] = [];
  for (const x of s.accounts.values()) if (x.owner === a.owner) out.push(x.id);
  return out;
}

const fin = Number.isFinite;

export { kernelSpec, localBackend, type KernelBackend } from "./kernelBackend.js";

export class KernelMargins {
  private readonly kernel: KernelBackend | undefined;
  private readonly stable: KernelMarket | undefined;
  private stableActive = false;
  /** Assets registered when the matrices' indices were last filled. */
  private assetsFilled = 0;
  private readonly scratch = new KernelResults(1);
  private readonly byId = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  /** Figures of the last re-margin of each account (with the engine's add-ons). */
  readonly work = new MarginColumns();
  private stableDiffers = new Uint8Array(8);
  private hasLiquidity = new Uint8Array(64);
  /** Per asset: 1 when its rows' Greeks are moderate (kernelGreeks.ts), so its accounts' Greeks need no check. */
  private greekSafe = new Uint8Array(8);
  /** Indices of the accounts finished since `beginStep`, and the first whose figures are not finite (−1: none). */
  private done = new Int32Array(64);
  private doneCount = 0;
  /** Per entry: a bit per asset id (< 31) it depends on (−1: an id ≥ 31); liquidity flag and the generation it is valid for. */
  private mask = new Int32Array(64);
  private liqGen = new Int32Array(64);
  private liq = new Uint8Array(64);
  /** Assets (bits) whose stable price differs from the index, and whose rows' Greeks are not moderate. */
  private stableMask = 0;
  private unsafeMask = 0;
  private firstBad = -1;

  /** `linked(s, a)`: `a`'s owner's account ids in accountMargin's order (default: state order); `backend` makes the kernel (default: in process). */
  constructor(readonly params: MarginParams, private readonly linked: (s: EngineState, a: AccountState) => Iterable<string> = ownedBy, backend?: (reg: KernelRegistry | undefined) => KernelBackend) {
    if (kernelServes(params, "USD")) {
      this.kernel = backend ? backend(undefined) : localBackend(new MarginKernel(params));
      this.stable = new KernelMarket(this.kernel.reg);
    }
  }

  /** True when the kernel computes these parameters (else every account goes through accountMargin). */
  get served(): boolean {
    return this.kernel !== undefined;
  }

  /** Number of account entries (indices 0 … count − 1). */
  get count(): number {
    return this.entries.length;
  }

  /** Entry index of an account, or undefined. */
  indexOf(id: string): number | undefined {
    return this.byId.get(id)?.index;
  }

  /** Account id of an entry index. */
  idAt(i: number): string {
    return this.entries[i].id;
  }

  /** Rebuild from the state: every account's rows, every matrix row, every margin (sync: in-process backends). */
  reset(s: EngineState, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    for (const a of s.accounts.values()) this.accountChanged(a);
    this.marketMoved(["*"], s.market, ctx, imCtx);
    this.remargin(s, s.accounts.keys(), ["*"], ctx, imCtx);
  }

  /** An account's state changed (fill, transfer, order, liquidation step, expiry, funding): rebuild its rows. */
  accountChanged(a: AccountState): void {
    const e = this.entryOf(a.id);
    e.venues = a.venues !== undefined;
    if (!this.kernel) return;
    const spec = kernelSpec(a);
    this.kernel.setAccount(e.index, spec);
    this.describe(e, spec);
  }

  /** Register an account whose rows the backend already holds at the next index (shards started with every account). */
  adopt(a: AccountState, spec: KernelAccountSpec): void {
    const e = this.entryOf(a.id);
    e.venues = a.venues !== undefined;
    if (this.kernel) this.describe(e, spec);
  }

  /** Threads computing (1: in process). */
  get threads(): number {
    return this.kernel?.threads ?? 1;
  }

  /** Stop the backend's threads (shards). */
  close(): Promise<void> {
    return this.kernel?.close?.() ?? Promise.resolve();
  }

  private entryOf(id: string): Entry {
    let e = this.byId.get(id);
    if (e) return e;
    e = { id, index: this.entries.length, instruments: new Int32Array(0), sizes: new Float64Array(0), assets: new Int32Array(0), venues: false };
    this.byId.set(id, e);
    this.entries.push(e);
    this.work.grow(this.entries.length);
    if (this.done.length < this.entries.length) {
      const n = this.entries.length * 2, i32 = (x: Int32Array) => { const y = new Int32Array(n); y.set(x); return y; };
      this.done = i32(this.done); this.mask = i32(this.mask); this.liqGen = i32(this.liqGen);
      const l = new Uint8Array(n); l.set(this.liq); this.liq = l;
    }
    return e;
  }

  private describe(e: Entry, spec: KernelAccountSpec): void {
    const reg = this.kernel!.reg;
    e.instruments = Int32Array.from(spec.positions, (p) => reg.instrument(p.instrument));
    e.sizes = Float64Array.from(spec.positions, (p) => p.size);
    e.assets = Int32Array.from(depsOf(reg, spec, e.instruments));
    let m = 0;
    for (let j = 0; j < e.assets.length && m >= 0; j++) m = e.assets[j] < 31 ? m | (1 << e.assets[j]) : -1;
    this.mask[e.index] = e.venues ? -1 : m;
    this.liqGen[e.index] = -1;
  }

  /** An account that does not exist (a trial created it and was dropped): no positions, no balances. */
  accountGone(id: string): void {
    if (this.byId.has(id)) this.accountChanged({ id, owner: "", balances: new Map(), positions: new Map(), status: "none" });
  }

  /** Price the instruments a move of `moved` re-prices before `marketMoved` copies them, in slices (kernelBackend.ts `warmRisks`). */
  warm(moved: readonly string[], ctx: RiskContext, imCtx: RiskContext | undefined): Promise<void> {
    return this.kernel ? warmRisks(this.kernel.reg, moved, imCtx && this.stableActive ? [ctx, imCtx] : [ctx]) : Promise.resolve();
  }

  /** The market moved (asset codes, `*`: everything): refill the rows of the live and stable valuations. */
  marketMoved(moved: readonly string[], m: MarketState | undefined, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const k = this.kernel;
    if (!k || !this.stable) return;
    const all = moved.includes("*");
    k.refresh(ctx, all ? null : moved);
    this.assetsFilled = k.reg.assetCount;
    if (!imCtx) this.stableActive = false;
    else {
      const ids: number[] = [];
      for (const c of moved) { const id = k.reg.assetId(c); if (id !== undefined) ids.push(id); }
      this.stable.refresh(imCtx, all || !this.stableActive ? null : ids);
      this.stableActive = true;
    }
    if (m) this.marketFlags(m);
  }

  /** Per asset: stable price ≠ index (accountMargin `usesStable`), Greeks moderate; per instrument: liquidity data present. */
  private marketFlags(m: MarketState): void {
    const reg = this.kernel!.reg;
    if (this.stableDiffers.length < reg.assetCount) { this.stableDiffers = new Uint8Array(reg.assetCount * 2); this.greekSafe = new Uint8Array(reg.assetCount * 2); }
    this.stableMask = 0; this.unsafeMask = 0;
    for (let a = 0; a < reg.assetCount; a++) {
      const code = reg.assetLog[a], st = m.oracle[code]?.stable;
      this.stableDiffers[a] = st !== undefined && st !== m.assets[code]?.index ? 1 : 0;
      this.greekSafe[a] = greeksSafe(reg, this.kernel!.market, a) ? 1 : 0;
      if (a < 31) { if (this.stableDiffers[a] === 1) this.stableMask |= 1 << a; if (this.greekSafe[a] === 0) this.unsafeMask |= 1 << a; }
    }
    if (this.hasLiquidity.length < reg.instrumentCount) this.hasLiquidity = new Uint8Array(reg.instrumentCount * 2);
    let changed = false;
    for (let i = 0; i < reg.instrumentCount; i++) {
      const f = m.liquidity[reg.instrumentLog[i]] !== undefined ? 1 : 0;
      if (this.hasLiquidity[i] !== f) { this.hasLiquidity[i] = f; changed = true; }
    }
    if (changed) this.liquidityGen++;
  }

  /** Incremented when the set of instruments with liquidity data changes. */
  private liquidityGen = 0;

  /** Re-margin after an event (in-process backends): `compute`, then `finish` for `ids` (the accounts the engine re-margins). */
  remargin(s: EngineState, ids: Iterable<string>, moved: readonly string[], ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const p = this.compute(s, moved, ctx, imCtx);
    if (p !== undefined) throw new Error("KernelMargins.remargin: the backend is asynchronous (use compute, then finish)");
    this.beginStep();
    this.finish(s, ids, ctx, imCtx);
  }

  /** The kernel's part of a re-margin (changed accounts in full, the moved assets' dependents); a promise on workers or in slices. */
  compute(s: EngineState, moved: readonly string[], ctx: RiskContext, imCtx: RiskContext | undefined): Promise<number> | undefined {
    const k = this.kernel;
    if (!k || !s.market) return undefined;
    // Accounts changed since may hold instruments without a row yet, or balances in assets without an index yet.
    const fresh = k.reg.assetCount > this.assetsFilled;
    if (fresh || k.market.filledUpTo < k.reg.instrumentCount) k.refresh(ctx, []);
    if (imCtx && this.stable && this.stableActive && (fresh || this.stable.filledUpTo < k.reg.instrumentCount)) this.stable.refresh(imCtx, []);
    this.assetsFilled = k.reg.assetCount;
    this.marketFlags(s.market);
    const r = k.remargin(moved);
    return typeof r === "number" ? undefined : r;
  }

  /** Start a new list of finished accounts (what `issues` checks and `finished` lists). */
  beginStep(): void {
    this.doneCount = 0;
    this.firstBad = -1;
  }

  /** The engine's add-ons, status and the finiteness check for `ids` (kernel numbers current). */
  finish(s: EngineState, ids: Iterable<string>, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    for (const id of ids) {
      const e = this.byId.get(id), a = s.accounts.get(id);
      if (!e || !a) continue;
      this.finishOne(s, a, e, ctx, imCtx);
      this.done[this.doneCount++] = e.index;
      if (this.firstBad < 0 && !this.finite(e)) this.firstBad = e.index;
    }
  }

  /** `finish` for entry indices `from` … `to` − 1 of `idx` (the tick path: no id lookups); every one an account of `s`. */
  finishIdx(s: EngineState, idx: Int32Array, ctx: RiskContext, imCtx: RiskContext | undefined, from = 0, to = idx.length): void {
    const k = this.kernel;
    const stableOn = imCtx !== undefined && this.stable !== undefined && this.stableActive;
    // With liquidity charges enabled, every account goes through finishOne (which knows when a charge may apply).
    const liquidityOn = s.params.liquidity !== undefined;
    for (let j = from; j < to; j++) {
      const i = idx[j];
      this.done[this.doneCount++] = i;
      // Typed arrays only for the common account: no add-on, no fallback, Greeks safe by its assets' rows.
      if (k && s.market && !liquidityOn && k.results.status[i] !== STATUS_ERROR && this.plain(i, stableOn) && (this.work.fallback.size === 0 || !this.work.fallback.has(this.entries[i].id))) {
        if (!this.finishPlain(i) && this.firstBad < 0 && !this.finite(this.entries[i])) this.firstBad = i;
        continue;
      }
      const e = this.entries[i];
      this.finishOne(s, undefined, e, ctx, imCtx);
      if (this.firstBad < 0 && !this.finite(e)) this.firstBad = i;
    }
  }

  /** No stable valuation, no instrument with liquidity data (known for the current liquidity set), asset mask known. */
  private plain(i: number, stableOn: boolean): boolean {
    const m = this.mask[i];
    return m >= 0 && !(stableOn && (m & this.stableMask) !== 0) && this.liqGen[i] === this.liquidityGen && this.liq[i] === 0;
  }

  /** finishOne's arithmetic with both add-ons 0 (same operations, so the same bits); true when every figure is finite (Greeks by mask). */
  private finishPlain(i: number): boolean {
    const r = this.kernel!.results, w = this.work;
    const eq = r.equity[i], adj = r.adjusted[i], upnl = r.upnl[i];
    const im = r.im[i] + 0 + 0, mm = r.mm[i] + this.params.portfolio.mmFactor * 0;
    w.equity[i] = eq; w.adjusted[i] = adj; w.upnl[i] = upnl; w.im[i] = im; w.mm[i] = mm; w.addOn[i] = 0; w.stableAddOn[i] = 0;
    w.status[i] = statusCode(eq, adj, im, mm);
    return fin(eq) && fin(adj) && fin(im) && fin(mm) && fin(adj - im) && fin(upnl) && !(adj > 0 && !fin(mm / adj)) && (this.mask[i] & this.unsafeMask) === 0;
  }

  /** Indices of the accounts finished since `beginStep` (a copy). */
  finished(): Int32Array {
    return this.done.slice(0, this.doneCount);
  }

  /** Issues of the first account finished since `beginStep` whose figures are not all finite; [] when all are. */
  issues(s: EngineState): readonly InputIssue[] {
    if (this.firstBad < 0) return [];
    const m = this.summaryOf(s, this.work, this.firstBad, s.seq);
    return m ? marginIssues(m) : [];
  }

  /** Issues of one account's working figures ([] when all are finite). */
  nonFinite(s: EngineState, id: string): readonly InputIssue[] {
    const e = this.byId.get(id);
    if (!e || this.finite(e)) return [];
    const m = this.summaryOf(s, this.work, e.index, s.seq);
    return m ? marginIssues(m) : [];
  }

  /** Record a summary for an account whose figures are not finite at start (replay): accountMargin's error summary. */
  forceError(a: AccountState, seq: number, error: string): void {
    const e = this.byId.get(a.id);
    if (e) this.work.setSummary(e.index, errorSummary(a, seq, error));
  }

  /** Status of an account after the last re-margin. */
  statusOf(id: string): MarginStatus | undefined {
    const e = this.byId.get(id);
    return e ? (STATUS_NAMES[this.work.status[e.index]] as MarginStatus) : undefined;
  }

  /** The figures a `margin_status` event carries (marginColumns.ts `numbersAt`), or undefined for an unknown account. */
  numbers(id: string, c: MarginColumns = this.work): StatusNumbers | undefined {
    const e = this.byId.get(id);
    return e ? numbersAt(c, e.index, id) : undefined;
  }

  /** liquidation.ts `isInLiquidation` of the account's margin (liquidation or bankrupt, and margined without error). */
  inLiquidation(id: string, c: MarginColumns = this.work): boolean {
    const e = this.byId.get(id);
    return e !== undefined && inLiquidationAt(c, e.index, id);
  }

  /** One account's add-ons and final status into the working columns (kernel numbers already current); `a` looked up when needed. */
  private finishOne(s: EngineState, acct: AccountState | undefined, e: Entry, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const i = e.index, k = this.kernel, w = this.work;
    const stable = imCtx !== undefined && this.stable !== undefined && this.stableActive && this.usesStable(e);
    // Liquidity charges need the core's per-balance haircut decisions: accounts they may apply to go through accountMargin.
    const liquid = s.params.liquidity !== undefined && s.market !== undefined && liquidityMayApply(s.params, s.market, (acct ??= s.accounts.get(e.id)!));
    if (!k || !s.market || k.results.status[i] === STATUS_ERROR || (stable && !k.evaluateOn) || liquid || e.venues) { this.fallbackOne(s, acct ?? s.accounts.get(e.id)!, i, ctx, imCtx); return; }
    if (w.fallback.size > 0) w.fallback.delete(e.id);
    const r = k.results;
    const addOn = this.holdsLiquid(e) ? concentrationAddOn(s, s.market, acct ?? s.accounts.get(e.id)!, this.linked) : 0;
    let stableAddOn = 0;
    if (stable && k.evaluateOn!(i, this.stable!, this.scratch, 0) !== STATUS_ERROR) {
      stableAddOn = Math.max(0, (r.adjusted[i] - r.im[i]) - (this.scratch.adjusted[0] - this.scratch.im[0]));
    }
    const im = r.im[i] + addOn + stableAddOn;
    const mm = r.mm[i] + this.params.portfolio.mmFactor * addOn;
    w.equity[i] = r.equity[i]; w.adjusted[i] = r.adjusted[i]; w.upnl[i] = r.upnl[i];
    w.im[i] = im; w.mm[i] = mm; w.addOn[i] = addOn; w.stableAddOn[i] = stableAddOn;
    w.status[i] = statusCode(r.equity[i], r.adjusted[i], im, mm);
  }

  private fallbackOne(s: EngineState, a: AccountState, i: number, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    this.work.setSummary(i, accountMargin(s, ctx, a, this.linked(s, a), imCtx, undefined, false).summary);
  }

  /** Are the account's working figures all finite (marginFinite without the object; Greeks by `greekSafe` or computed)? */
  private finite(e: Entry): boolean {
    const w = this.work, i = e.index;
    const fb = w.fallback.size > 0 ? w.fallback.get(e.id) : undefined;
    if (fb) return marginIssues(fb).length === 0;
    const eq = w.equity[i], adj = w.adjusted[i], im = w.im[i], mm = w.mm[i];
    if (!(fin(eq) && fin(adj) && fin(im) && fin(mm) && fin(adj - im) && fin(w.addOn[i]) && fin(w.stableAddOn[i]) && fin(w.upnl[i]))) return false;
    if (adj > 0 && !fin(mm / adj)) return false;
    for (let j = 0; j < e.assets.length; j++) if (this.greekSafe[e.assets[j]] !== 1) return this.greeksFinite(e);
    return true;
  }

  private greeksFinite(e: Entry): boolean {
    return finiteGreeks(matrixGreeks(this.kernel!.reg, this.kernel!.market, e.instruments, e.sizes));
  }

  private usesStable(e: Entry): boolean {
    for (let j = 0; j < e.assets.length; j++) if (this.stableDiffers[e.assets[j]] === 1) return true;
    return false;
  }

  /** Does the account hold an instrument with liquidity data (cached per entry until that set changes)? */
  private holdsLiquid(e: Entry): boolean {
    const i = e.index;
    if (this.liqGen[i] === this.liquidityGen) return this.liq[i] === 1;
    let any = false;
    for (let j = 0; j < e.instruments.length; j++) if (this.hasLiquidity[e.instruments[j]] === 1) { any = true; break; }
    this.liqGen[i] = this.liquidityGen;
    this.liq[i] = any ? 1 : 0;
    return any;
  }

  /** `AccountMargin` of an account after the last re-margin (`accountMargin(...)`'s summary, contributions off). */
  summary(s: EngineState, id: string): AccountMargin | undefined {
    const e = this.byId.get(id);
    return e ? this.summaryOf(s, this.work, e.index, s.seq) : undefined;
  }

  /** The `AccountMargin` of entry `i` in columns `c` (working or published) with sequence number `seq`; Greeks from the rows and the spot collateral. */
  summaryOf(s: EngineState, c: MarginColumns, i: number, seq: number): AccountMargin | undefined {
    const e = this.entries[i], a = e && s.accounts.get(e.id), k = this.kernel;
    if (!e || !a) return undefined;
    const fb = c.fallback.get(e.id);
    if (fb) return { ...fb, seq };
    return k ? summaryAt(s, a, c, i, seq, accountGreeks(k.reg, k.market, e.instruments, e.sizes, s, a)) : undefined;
  }
}
