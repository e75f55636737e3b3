/**
 * The engine's margins on the kernel (src/margin/kernel/), standalone: not wired into engine.ts yet (see
 * docs/kernel.md for the calls the tick path will make). Keeps a `MarginKernel` in step with the engine's
 * accounts, owns the live valuation and the valuation at the oracle's stable prices (the `imCtx` of
 * `accountMargin`), adds the engine's add-ons, and yields `AccountMargin` objects on demand equal to
 * `accountMargin(...)` (contributions off, as on the tick path).
 *
 * - Core numbers (equity, adjusted equity, IM, MM, unrealised P&L, Greeks): the kernel, in typed arrays.
 * - Stable add-on: accounts holding an asset whose stable price differs from its index are valued again on a
 *   second set of matrices filled from the stable-price context (kernel `evaluateOn`).
 * - Concentration add-on: only for accounts holding an instrument with liquidity data (market.liquidity); it is
 *   computed as accountMargin computes it, from the owner's linked accounts' positions (objects: that part is
 *   not allocation-free, and costs what it costs today).
 * - Fallback to `accountMargin` for everything: parameters the kernel does not serve (venue methods), accounts a
 *   liquidity charge may apply to (src/engine/liquidityAddOn.ts: enabled, and a book with depth for one of their
 *   instruments or balances), and accounts the kernel cannot margin (an instrument without a value, a balance without an index), so their
 *   summary carries accountMargin's own error text.
 */
import { concentrationCharges } from "../margin/concentration.js";
import { kernelServes, KernelMarket, KernelResults, MarginKernel, STATUS_ERROR, STATUS_NAMES, statusCode, type KernelAccountSpec } from "../margin/kernel/index.js";
import type { MarginParams } from "../margin/params.js";
import { marginRatio, type MarginStatus } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import { accountMargin, addCollateralGreeks, liquidationHold, ownerPositions, type AccountMargin, type GreeksByUnderlying } from "./accountMargin.js";
import { liquidityMayApply } from "./liquidityAddOn.js";
import type { MarketState } from "./marketState.js";
import { unitsToNumber } from "../domain/money.js";
import { openOrdersOf } from "./orders.js";
import { instrumentOf, type AccountState, type EngineState } from "./state.js";

/** The kernel's view of an engine account (sizes and balances as float64, as `toPortfolio` converts them). */
export function kernelSpec(a: AccountState): KernelAccountSpec {
  const positions: { instrument: string; size: number; entryPrice?: number }[] = [];
  for (const [name, p] of a.positions) positions.push(p.entryPrice !== undefined ? { instrument: name, size: unitsToNumber(p.size), entryPrice: p.entryPrice } : { instrument: name, size: unitsToNumber(p.size) });
  const collateral: Record<string, number> = {};
  for (const [asset, b] of a.balances) if (b !== 0n) collateral[asset] = unitsToNumber(b);
  return { collateral, positions, openOrders: openOrdersOf(a).map((o) => ({ instrument: o.instrument.name, size: o.size })) };
}

interface Entry {
  readonly id: string;
  readonly index: number;
  /** Registry ids of the position instruments (input order) and of the assets the account depends on. */
  instruments: Int32Array;
  assets: Int32Array;
}

/** Every account of `a`'s owner, in the state's insertion order. */
function ownedBy(s: EngineState, a: AccountState): string[] {
  const out: string[] = [];
  for (const x of s.accounts.values()) if (x.owner === a.owner) out.push(x.id);
  return out;
}

export class KernelMargins {
  private readonly kernel: MarginKernel | undefined;
  private readonly stable: KernelMarket | undefined;
  private stableActive = false;
  private readonly scratch = new KernelResults(1);
  private readonly byId = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  /** Final figures per account index (with the engine's add-ons). */
  im = new Float64Array(64);
  mm = new Float64Array(64);
  addOn = new Float64Array(64);
  stableAddOn = new Float64Array(64);
  status = new Int32Array(64);
  /** accountMargin summaries of accounts the kernel does not margin (or all, when the parameters are not served). */
  private readonly fallback = new Map<string, AccountMargin>();
  private stableDiffers = new Uint8Array(8);
  private hasLiquidity = new Uint8Array(64);

  /**
   * `linked(s, a)` lists the account ids of `a`'s owner, in the order the engine passes them to accountMargin
   * (its Indexes.linked); the default scans the state's accounts in insertion order.
   */
  constructor(readonly params: MarginParams, private readonly linked: (s: EngineState, a: AccountState) => Iterable<string> = ownedBy) {
    if (kernelServes(params, "USD")) {
      this.kernel = new MarginKernel(params);
      this.stable = new KernelMarket(this.kernel.reg);
    }
  }

  /** True when the kernel computes these parameters (else every account goes through accountMargin). */
  get served(): boolean {
    return this.kernel !== undefined;
  }

  /** Rebuild from the state: every account's rows, every matrix row, every margin. */
  reset(s: EngineState, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    for (const a of s.accounts.values()) this.accountChanged(a);
    this.marketMoved(["*"], s.market, ctx, imCtx);
    this.remargin(s, s.accounts.keys(), ["*"], ctx, imCtx);
  }

  /** An account's state changed (fill, transfer, order, liquidation step, expiry, funding): rebuild its rows. */
  accountChanged(a: AccountState): void {
    let e = this.byId.get(a.id);
    if (!e) {
      e = { id: a.id, index: this.entries.length, instruments: new Int32Array(0), assets: new Int32Array(0) };
      this.byId.set(a.id, e);
      this.entries.push(e);
      this.grow(this.entries.length);
    }
    if (!this.kernel) return;
    const spec = kernelSpec(a);
    this.kernel.setAccount(e.index, spec);
    const reg = this.kernel.reg;
    e.instruments = Int32Array.from(spec.positions, (p) => reg.instrument(p.instrument));
    e.assets = Int32Array.from(this.kernel.store.depsOf(e.index));
  }

  /** The market moved (asset codes, `*`: everything): refill the rows of the live and stable valuations. */
  marketMoved(moved: readonly string[], m: MarketState | undefined, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const k = this.kernel;
    if (!k || !this.stable) return;
    const all = moved.includes("*");
    k.refresh(ctx, all ? null : moved);
    if (!imCtx) this.stableActive = false;
    else {
      const ids: number[] = [];
      for (const c of moved) { const id = k.reg.assetId(c); if (id !== undefined) ids.push(id); }
      this.stable.refresh(imCtx, all || !this.stableActive ? null : ids);
      this.stableActive = true;
    }
    if (m) this.marketFlags(m);
  }

  /** Per asset: stable price ≠ index (accountMargin `usesStable`); per instrument: liquidity data present. */
  private marketFlags(m: MarketState): void {
    const reg = this.kernel!.reg;
    if (this.stableDiffers.length < reg.assetCount) this.stableDiffers = new Uint8Array(reg.assetCount * 2);
    for (let a = 0; a < reg.assetCount; a++) {
      const code = reg.assetLog[a], st = m.oracle[code]?.stable;
      this.stableDiffers[a] = st !== undefined && st !== m.assets[code]?.index ? 1 : 0;
    }
    if (this.hasLiquidity.length < reg.instrumentCount) this.hasLiquidity = new Uint8Array(reg.instrumentCount * 2);
    for (let i = 0; i < reg.instrumentCount; i++) this.hasLiquidity[i] = m.liquidity[reg.instrumentLog[i]] !== undefined ? 1 : 0;
  }

  /**
   * Re-margin after an event: accounts changed since the last call in full, accounts depending on the moved
   * assets (only their units on those assets), then the engine's add-ons and status for `ids` (the accounts the
   * engine re-margins: touched, their owners' linked accounts, dependents of the moved assets).
   */
  remargin(s: EngineState, ids: Iterable<string>, moved: readonly string[], ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const k = this.kernel;
    if (k && s.market) {
      // Accounts changed since the last market move may hold instruments that have no row yet.
      if (k.market.filledUpTo < k.reg.instrumentCount) k.refresh(ctx, []);
      if (imCtx && this.stable && this.stableActive && this.stable.filledUpTo < k.reg.instrumentCount) this.stable.refresh(imCtx, []);
      this.marketFlags(s.market);
      if (moved.includes("*")) k.remarginAll();
      else if (moved.length > 0) k.remarginAssets(moved);
      else k.remarginDirty();
    }
    for (const id of ids) this.finish(s, id, ctx, imCtx);
  }

  /** Status of an account after the last re-margin. */
  statusOf(id: string): MarginStatus | undefined {
    const e = this.byId.get(id);
    return e ? (STATUS_NAMES[this.status[e.index]] as MarginStatus) : undefined;
  }

  /**
   * The figures a `margin_status` event carries (USD, add-ons included), or undefined for an unknown account;
   * `error` when the account could not be margined (as AccountMargin.error).
   */
  numbers(id: string): { status: MarginStatus; initialMargin: number; maintenanceMargin: number; adjustedEquity: number; error?: string } | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    const fb = this.fallback.get(id);
    if (fb) return { status: fb.status, initialMargin: fb.initialMargin, maintenanceMargin: fb.maintenanceMargin, adjustedEquity: fb.adjustedEquity, ...(fb.error ? { error: fb.error } : {}) };
    const i = e.index;
    return { status: STATUS_NAMES[this.status[i]] as MarginStatus, initialMargin: this.im[i], maintenanceMargin: this.mm[i], adjustedEquity: this.kernel!.results.adjusted[i] };
  }

  /** liquidation.ts `isInLiquidation` of the account's margin (liquidation or bankrupt, and margined without error). */
  inLiquidation(id: string): boolean {
    const e = this.byId.get(id);
    if (!e || this.fallback.get(id)?.error) return false;
    const s = this.status[e.index];
    return s === STATUS_NAMES.indexOf("liquidation") || s === STATUS_NAMES.indexOf("bankrupt");
  }

  /** The engine's add-ons and final status of one account (kernel numbers already current). */
  private finish(s: EngineState, id: string, ctx: RiskContext, imCtx: RiskContext | undefined): void {
    const e = this.byId.get(id), a = s.accounts.get(id), k = this.kernel;
    if (!e || !a) return;
    const i = e.index;
    // Liquidity charges need the core's per-balance haircut decisions: such accounts go through accountMargin.
    if (!k || !s.market || k.results.status[i] === STATUS_ERROR || liquidityMayApply(s.params, s.market, a)) {
      const sm = accountMargin(s, ctx, a, this.linked(s, a), imCtx, undefined, false).summary;
      this.fallback.set(id, sm);
      this.im[i] = sm.initialMargin; this.mm[i] = sm.maintenanceMargin; this.addOn[i] = sm.concentrationAddOn; this.stableAddOn[i] = sm.stableAddOn;
      this.status[i] = STATUS_NAMES.indexOf(sm.status);
      return;
    }
    this.fallback.delete(id);
    const r = k.results;
    const addOn = this.concentration(s, s.market, a, e);
    let stableAddOn = 0;
    if (imCtx && this.stable && this.stableActive && this.usesStable(e)) {
      if (k.evaluateOn(i, this.stable, this.scratch, 0) !== STATUS_ERROR) {
        stableAddOn = Math.max(0, (r.adjusted[i] - r.im[i]) - (this.scratch.adjusted[0] - this.scratch.im[0]));
      }
    }
    const im = r.im[i] + addOn + stableAddOn;
    const mm = r.mm[i] + this.params.portfolio.mmFactor * addOn;
    this.im[i] = im; this.mm[i] = mm; this.addOn[i] = addOn; this.stableAddOn[i] = stableAddOn;
    this.status[i] = statusCode(r.equity[i], r.adjusted[i], im, mm);
  }

  private usesStable(e: Entry): boolean {
    for (let j = 0; j < e.assets.length; j++) if (this.stableDiffers[e.assets[j]] === 1) return true;
    return false;
  }

  /** accountMargin's concentration add-on (Σ charges over the owner's linked accounts), 0 without liquidity data. */
  private concentration(s: EngineState, m: MarketState, a: AccountState, e: Entry): number {
    let any = false;
    for (let j = 0; j < e.instruments.length; j++) if (this.hasLiquidity[e.instruments[j]] === 1) { any = true; break; }
    if (!any) return 0;
    const group = ownerPositions(s, a.owner, this.linked(s, a)).filter((p) => p.account !== a.id);
    for (const [name, p] of a.positions) {
      const size = unitsToNumber(p.size), inst = instrumentOf(name);
      const inverseDelta1 = inst.settlement === "inverse" && inst.kind !== "option" && inst.kind !== "spot";
      group.push({ account: a.id, instrument: name, size, notionalUsd: inverseDelta1 ? Math.abs(size) : Math.abs(size) * (m.assets[inst.underlying]?.index ?? 0) });
    }
    let addOn = 0;
    for (const c of concentrationCharges(a.id, group, (n) => m.liquidity[n], s.service.concentration)) addOn += c.amount;
    return addOn;
  }

  /** `AccountMargin` of an account after the last re-margin (`accountMargin(...)`'s summary, contributions off). */
  summary(s: EngineState, id: string): AccountMargin | undefined {
    const e = this.byId.get(id), a = s.accounts.get(id), k = this.kernel;
    if (!e || !a) return undefined;
    const fb = this.fallback.get(id);
    if (fb) return { ...fb, seq: s.seq };
    if (!k) return undefined;
    const i = e.index, r = k.results, adj = r.adjusted[i], status = STATUS_NAMES[this.status[i]] as MarginStatus;
    const greeks: Record<string, GreeksByUnderlying> = {};
    for (const g of k.greeks(i)) greeks[g.underlying] = { delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.theta, grossNotionalUsd: g.grossNotionalUsd, netDeltaUsd: g.netDeltaUsd, collateralDelta: 0 };
    if (s.market) {
      const held: Record<string, number> = {};
      for (const [asset, b] of a.balances) if (b !== 0n) held[asset] = unitsToNumber(b);
      addCollateralGreeks(greeks, held, s.market, this.params);
    }
    const out: { -readonly [K in keyof AccountMargin]: AccountMargin[K] } = {
      account: id, owner: a.owner, seq: s.seq, equity: r.equity[i], adjustedEquity: adj, initialMargin: this.im[i], maintenanceMargin: this.mm[i],
      availableFunds: adj - this.im[i], marginRatio: marginRatio(this.mm[i], adj), status, concentrationAddOn: this.addOn[i], stableAddOn: this.stableAddOn[i],
      unrealisedPnl: r.upnl[i], greeks,
    };
    const hold = status === "liquidation" || status === "bankrupt" ? liquidationHold(s, a) : undefined;
    if (hold) out.liquidationHold = hold;
    return out;
  }

  private grow(n: number): void {
    if (n <= this.im.length) return;
    const cap = n * 2;
    const f = (x: Float64Array) => { const y = new Float64Array(cap); y.set(x); return y; };
    this.im = f(this.im); this.mm = f(this.mm); this.addOn = f(this.addOn); this.stableAddOn = f(this.stableAddOn);
    const st = new Int32Array(cap); st.set(this.status); this.status = st;
  }
}
