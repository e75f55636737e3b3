/**
 * The margin kernel (issue 10): the portfolio model over typed arrays for books that are re-margined on every
 * tick. Per underlying one instrument matrix filled from a `RiskContext`'s instrument risks for the instruments
 * that moved; a struct-of-arrays position store rebuilt for an account only when it changes; per-account cached
 * unit totals, so a tick on asset X recomputes only the units that depend on X (underlying X, or an instrument
 * quoted in X) of the accounts that depend on X; results in typed arrays. Numbers equal `portfolioMargin`'s bit
 * for bit (test/margin/kernel.test.ts).
 *
 * Served: the scenario-grid portfolio model (`method` absent or `grid`) in USD (`kernelServes`). Venue methods
 * (okx, span, deribit-cross, derive, derive-srm) and other numeraires use `portfolioMargin` / `marginWith`.
 *
 * Use: `setAccount` when an account changes, `refresh(ctx, moved)` after the market moved (and after new
 * accounts, to fill their instruments' rows), then `remarginAssets(moved)` / `remarginDirty()`; read `results`.
 */
import type { Numeraire } from "../../risk/instrumentRisk.js";
import type { MarginParams } from "../params.js";
import type { RiskContext } from "../riskContext.js";
import { AccountEval } from "./accountEval.js";
import { KernelMarket, localAllocate, type Allocate } from "./matrix.js";
import { A_GCOUNT, A_GSTART, G_ASSET, G_DELTA, G_GAMMA, G_GROSS, G_NETUSD, G_THETA, G_VEGA, PositionStore, type KernelAccountSpec } from "./positionStore.js";
import { KernelRegistry } from "./registry.js";
import { KernelResults } from "./results.js";

/** True when the kernel computes this parameter set in this numeraire (else use the explanation path). */
export function kernelServes(params: MarginParams, numeraire: Numeraire | string): boolean {
  const currency = typeof numeraire === "string" ? numeraire : numeraire.currency;
  return (params.method === undefined || params.method === "grid") && currency === "USD";
}

/** Register everything `setAccount(spec)` will need (used to mirror a registry in worker threads). */
export function registerSpec(reg: KernelRegistry, spec: KernelAccountSpec): void {
  for (const p of spec.positions) reg.instrument(p.instrument);
  for (const o of spec.openOrders) reg.instrument(o.instrument);
  for (const [code, amount] of Object.entries(spec.collateral)) {
    const a = reg.asset(code);
    if (amount !== 0 && !reg.isStable(a)) reg.spot(a);
  }
}

/** Greeks of one underlying of an account (numeraire; delta in coins, gamma per coin per USD, vega per vol point, theta per day). */
export interface KernelGreeks {
  readonly underlying: string;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  /** Σ |notional| in USD. */
  readonly grossNotionalUsd: number;
  /** Σ delta × index in USD. */
  readonly netDeltaUsd: number;
}

export interface KernelOptions {
  /** Buffers of the matrices and results (default: ordinary ArrayBuffers). */
  readonly allocate?: Allocate;
  /** Use this registry (a worker mirroring the main thread's). */
  readonly registry?: KernelRegistry;
  /** Use this market (a worker attaching the main thread's matrices). */
  readonly market?: KernelMarket;
  /** Write results here (a worker writing its shard of shared results). */
  readonly results?: KernelResults;
}

export class MarginKernel {
  readonly reg: KernelRegistry;
  readonly store: PositionStore;
  readonly market: KernelMarket;
  readonly results: KernelResults;
  private readonly eval: AccountEval;
  /** 1 for accounts set since their last full re-margin. */
  private dirty = new Uint8Array(64);
  private readonly dirtyList: number[] = [];
  /** False when the matrices are filled by another thread. */
  private readonly ownsMarket: boolean;

  constructor(readonly params: MarginParams, opts: KernelOptions = {}) {
    this.ownsMarket = opts.market === undefined;
    const alloc = opts.allocate ?? localAllocate;
    this.reg = opts.registry ?? new KernelRegistry(params);
    this.store = new PositionStore(this.reg);
    this.market = opts.market ?? new KernelMarket(this.reg, alloc);
    this.results = opts.results ?? new KernelResults(64, alloc);
    this.eval = new AccountEval(this.store, params);
  }

  /** Number of account slots (0 … count − 1). */
  get count(): number {
    return this.store.count;
  }

  /** (Re)build account `a`'s rows; it is fully re-margined by the next re-margin call. */
  setAccount(a: number, spec: KernelAccountSpec): void {
    this.store.set(a, spec);
    if (a >= this.dirty.length) { const d = new Uint8Array(Math.max(a + 1, this.dirty.length * 2)); d.set(this.dirty); this.dirty = d; }
    if (this.dirty[a] === 0) { this.dirty[a] = 1; this.dirtyList.push(a); }
    this.results.ensure(this.store.count);
  }

  /** Copy rows from `ctx` for the instruments depending on the moved assets (null: all), and rows never filled. */
  refresh(ctx: RiskContext, moved: readonly string[] | null): void {
    if (moved === null) { this.market.refresh(ctx, null); return; }
    const ids: number[] = [];
    for (const code of moved) { const id = this.reg.assetId(code); if (id !== undefined) ids.push(id); }
    this.market.refresh(ctx, ids);
  }

  /** Re-margin the accounts set since the last call (all their units). Returns how many. */
  remarginDirty(): number {
    this.checkFilled();
    const n = this.dirtyList.length;
    for (const a of this.dirtyList) { this.dirty[a] = 0; this.eval.remargin(a, -1, this.market, this.results, a); }
    this.dirtyList.length = 0;
    return n;
  }

  /**
   * After a tick: re-margin every account depending on the moved assets. With one asset X only the units that
   * depend on X are recomputed (the rest keep their cached totals). Accounts set since the last re-margin are
   * recomputed in full first. Returns the number of accounts re-margined.
   */
  remarginAssets(moved: readonly string[]): number {
    let n = this.remarginDirty();
    if (moved.length === 1) {
      const id = this.reg.assetId(moved[0]);
      if (id === undefined) return n;
      const list = this.store.dependents(id);
      for (let i = 0; i < list.length; i++) this.eval.remargin(list[i], id, this.market, this.results, list[i]);
      return n + list.length;
    }
    const seen = new Set<number>();
    for (const code of moved) {
      const id = this.reg.assetId(code);
      if (id !== undefined) for (const a of this.store.dependents(id)) seen.add(a);
    }
    for (const a of seen) this.eval.remargin(a, -1, this.market, this.results, a);
    return n + seen.size;
  }

  /**
   * Re-margin dependents `from` … `to` − 1 of asset `asset` (a slice of what `remarginAssets([asset])` does after
   * `remarginDirty`: callers slice a large book to let other work run between slices). Returns how many.
   */
  remarginSlice(asset: number, from: number, to: number): number {
    const list = this.store.dependents(asset), end = Math.min(to, list.length);
    for (let i = from; i < end; i++) this.eval.remargin(list[i], asset, this.market, this.results, list[i]);
    return Math.max(0, end - from);
  }

  /** Number of accounts depending on asset `code` (0 for an unknown asset). */
  dependentCount(code: string): number {
    const id = this.reg.assetId(code);
    return id === undefined ? 0 : this.store.dependents(id).length;
  }

  /** Re-margin every account in full. */
  remarginAll(): void {
    this.checkFilled();
    for (const a of this.dirtyList) this.dirty[a] = 0;
    this.dirtyList.length = 0;
    for (let a = 0; a < this.store.count; a++) this.eval.remargin(a, -1, this.market, this.results, a);
  }

  /** Re-margin one account in full. */
  remarginAccount(a: number): number {
    this.checkFilled();
    return this.eval.remargin(a, -1, this.market, this.results, a);
  }

  /** Value account `a` on another market (same registry; e.g. stable prices) into `out` at `oi`, without touching caches. */
  evaluateOn(a: number, m: KernelMarket, out: KernelResults, oi: number): number {
    return this.eval.remargin(a, -1, m, out, oi, false);
  }

  /** Per-underlying Greeks of account `a` from the current rows (first-appearance order of its positions). */
  greeks(a: number): KernelGreeks[] {
    this.eval.greeks(a, this.market);
    const st = this.store, gs = st.A.i[A_GSTART][a], gn = st.A.i[A_GCOUNT][a], G = st.G.f;
    const out: KernelGreeks[] = [];
    for (let g = gs; g < gs + gn; g++) {
      out.push({
        underlying: this.reg.assetLog[st.G.i[G_ASSET][g]], delta: G[G_DELTA][g], gamma: G[G_GAMMA][g], vega: G[G_VEGA][g], theta: G[G_THETA][g],
        grossNotionalUsd: G[G_GROSS][g], netDeltaUsd: G[G_NETUSD][g],
      });
    }
    return out;
  }

  private checkFilled(): void {
    if (this.ownsMarket && this.market.filledUpTo < this.reg.instrumentCount) throw new Error("MarginKernel: call refresh(ctx, moved) after setAccount registered new instruments");
  }
}
