/**
 * An account's engine margin figures in typed columns, one entry per `KernelMargins` account index: the kernel's
 * numbers with the engine's add-ons (equity, adjusted equity, IM, MM, unrealised P&L, concentration and stable
 * add-ons, status code), the sequence number of the event after which the entry was computed, and for accounts
 * margined by `accountMargin` (the fallback) their summary object. `KernelMargins` computes into one set (the
 * working columns, what a trial writes) and the engine publishes a trial's entries into a second set at commit
 * (`copyFrom`), so nothing a trial computed is visible before its events are in the log.
 */
import { STATUS_NAMES } from "../margin/kernel/results.js";
import { marginRatio, type MarginStatus } from "../margin/result.js";
import { liquidationHold, type AccountMargin, type GreeksByUnderlying } from "./accountMargin.js";
import type { AccountState, EngineState } from "./state.js";

/** The figures a `margin_status` event carries (USD, add-ons included); `error` when the account could not be margined. */
export interface StatusNumbers {
  status: MarginStatus;
  initialMargin: number;
  maintenanceMargin: number;
  adjustedEquity: number;
  error?: string;
  /** Multi-venue accounts: the venue whose own status sets the account's (the figures are then that venue's). */
  venue?: string;
}

export class MarginColumns {
  equity = new Float64Array(64);
  adjusted = new Float64Array(64);
  im = new Float64Array(64);
  mm = new Float64Array(64);
  upnl = new Float64Array(64);
  addOn = new Float64Array(64);
  stableAddOn = new Float64Array(64);
  status = new Int32Array(64);
  /** Sequence number of the event after which the entry was computed (published columns). */
  seq = new Float64Array(64);
  /** 1 when the entry holds figures (an account is margined once a market exists). */
  has = new Uint8Array(64);
  /** Summaries of accounts margined by `accountMargin` (kernel error, or parameters the kernel does not serve). */
  readonly fallback = new Map<string, AccountMargin>();

  /** Room for `n` entries (contents kept). */
  grow(n: number): void {
    if (n <= this.im.length) return;
    const cap = Math.max(n, this.im.length * 2);
    const f = (x: Float64Array) => { const y = new Float64Array(cap); y.set(x); return y; };
    this.equity = f(this.equity); this.adjusted = f(this.adjusted); this.im = f(this.im); this.mm = f(this.mm); this.upnl = f(this.upnl);
    this.addOn = f(this.addOn); this.stableAddOn = f(this.stableAddOn); this.seq = f(this.seq);
    const st = new Int32Array(cap); st.set(this.status); this.status = st;
    const h = new Uint8Array(cap); h.set(this.has); this.has = h;
  }

  /** Copy entry `i` of `src` (the working columns) with sequence number `seq`; `id` carries its fallback summary along. */
  copyFrom(src: MarginColumns, i: number, id: string, seq: number): void {
    this.equity[i] = src.equity[i]; this.adjusted[i] = src.adjusted[i]; this.im[i] = src.im[i]; this.mm[i] = src.mm[i];
    this.upnl[i] = src.upnl[i]; this.addOn[i] = src.addOn[i]; this.stableAddOn[i] = src.stableAddOn[i]; this.status[i] = src.status[i];
    this.seq[i] = seq;
    this.has[i] = 1;
    const fb = src.fallback.get(id);
    if (fb) this.fallback.set(id, fb);
    else if (this.fallback.size > 0) this.fallback.delete(id);
  }

  /**
   * Copy entries `lo` … `hi − 1` of `src` with sequence number `seq`, column by column (a tick re-margins a
   * contiguous run of accounts). Only when neither set holds fallback summaries: `copyFrom` carries those.
   */
  copyRange(src: MarginColumns, lo: number, hi: number, seq: number): void {
    this.equity.set(src.equity.subarray(lo, hi), lo); this.adjusted.set(src.adjusted.subarray(lo, hi), lo);
    this.im.set(src.im.subarray(lo, hi), lo); this.mm.set(src.mm.subarray(lo, hi), lo); this.upnl.set(src.upnl.subarray(lo, hi), lo);
    this.addOn.set(src.addOn.subarray(lo, hi), lo); this.stableAddOn.set(src.stableAddOn.subarray(lo, hi), lo);
    this.status.set(src.status.subarray(lo, hi), lo);
    this.seq.fill(seq, lo, hi);
    this.has.fill(1, lo, hi);
  }

  /** Entry `i` from an `AccountMargin` (accountMargin's summary: the fallback, or an error summary), kept as the account's fallback. */
  setSummary(i: number, sm: AccountMargin): void {
    this.fallback.set(sm.account, sm);
    this.equity[i] = sm.equity; this.adjusted[i] = sm.adjustedEquity; this.upnl[i] = sm.unrealisedPnl;
    this.im[i] = sm.initialMargin; this.mm[i] = sm.maintenanceMargin; this.addOn[i] = sm.concentrationAddOn; this.stableAddOn[i] = sm.stableAddOn;
    this.status[i] = STATUS_NAMES.indexOf(sm.status);
  }

  /** Put entry `i` back to what `src` (the published columns) holds for it, or to no figures when it has none (undo of a trial). */
  restore(src: MarginColumns, i: number, id: string): void {
    if (i < src.has.length && src.has[i] === 1) { this.copyFrom(src, i, id, src.seq[i]); return; }
    this.equity[i] = 0; this.adjusted[i] = 0; this.im[i] = 0; this.mm[i] = 0; this.upnl[i] = 0; this.addOn[i] = 0; this.stableAddOn[i] = 0;
    this.status[i] = 0; this.seq[i] = 0; this.has[i] = 0;
    if (this.fallback.size > 0) this.fallback.delete(id);
  }
}

/** The status figures of entry `i` of `c` (account `id`). */
export function numbersAt(c: MarginColumns, i: number, id: string): StatusNumbers {
  const fb = c.fallback.get(id);
  const v = fb?.statusVenue !== undefined ? fb.venues?.find((x) => x.venue === fb.statusVenue) : undefined;
  if (v) return { status: fb!.status, initialMargin: v.initialMargin, maintenanceMargin: v.maintenanceMargin, adjustedEquity: v.adjustedEquity, venue: v.venue };
  if (fb) return { status: fb.status, initialMargin: fb.initialMargin, maintenanceMargin: fb.maintenanceMargin, adjustedEquity: fb.adjustedEquity, ...(fb.error ? { error: fb.error } : {}) };
  return { status: STATUS_NAMES[c.status[i]] as MarginStatus, initialMargin: c.im[i], maintenanceMargin: c.mm[i], adjustedEquity: c.adjusted[i] };
}

/** liquidation.ts `isInLiquidation` of entry `i` (liquidation or bankrupt, margined without error). */
export function inLiquidationAt(c: MarginColumns, i: number, id: string): boolean {
  if (c.fallback.size > 0 && c.fallback.get(id)?.error) return false;
  const s = c.status[i];
  return s === STATUS_NAMES.indexOf("liquidation") || s === STATUS_NAMES.indexOf("bankrupt");
}

/** accountMargin's summary (contributions off) of account `a` from entry `i` of `c`, with its Greeks and `seq`. */
export function summaryAt(s: EngineState, a: AccountState, c: MarginColumns, i: number, seq: number, greeks: Record<string, GreeksByUnderlying>): AccountMargin {
  const adj = c.adjusted[i], im = c.im[i], mm = c.mm[i], status = STATUS_NAMES[c.status[i]] as MarginStatus;
  const out: { -readonly [K in keyof AccountMargin]: AccountMargin[K] } = {
    account: a.id, owner: a.owner, seq, equity: c.equity[i], adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm,
    availableFunds: adj - im, marginRatio: marginRatio(mm, adj), status, concentrationAddOn: c.addOn[i], stableAddOn: c.stableAddOn[i],
    unrealisedPnl: c.upnl[i], greeks,
  };
  // Accounts a liquidity charge may apply to are accountMargin's (the fallback); the others carry its zero charges.
  if (s.params.liquidity) { out.liquidityAddOn = 0; out.liquidityHaircut = 0; }
  const hold = status === "liquidation" || status === "bankrupt" ? liquidationHold(s, a) : undefined;
  if (hold) out.liquidationHold = hold;
  return out;
}
