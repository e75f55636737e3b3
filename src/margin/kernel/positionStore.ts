/**
 * The struct-of-arrays position store: per account, its positions (input order, for equity, unrealised P&L and
 * Greeks), its risk units in the model's order (each with its positions' matrix rows and sizes, expiry slots,
 * short-option quantities, collateral amount and open orders per side), its collateral entries and the assets it
 * depends on. An account's rows are rebuilt only when it changes (`set`); ticks only read them. Rows of replaced
 * accounts are garbage until `compact` (run automatically when garbage exceeds the live rows).
 *
 * Layout conventions: `ROW` columns hold offsets into the underlying's matrix (row × stride), sizes are in the
 * instrument's unit, amounts in the asset. Within a unit, expiry slots are local indices in first-appearance
 * order; an order side's new expiries follow the unit's own slots (buy extras, then sell extras).
 */
import { Family } from "./columns.js";
import type { KernelRegistry } from "./registry.js";
import { buildAccount, type KernelAccountSpec } from "./storeBuild.js";

export type { KernelAccountSpec, KernelPositionSpec, KernelOrderSpec } from "./storeBuild.js";

// Account columns (Int32): block starts and counts in the families below, flags.
export const A_PSTART = 0, A_PCOUNT = 1, A_USTART = 2, A_UCOUNT = 3, A_CSTART = 4, A_CCOUNT = 5, A_GSTART = 6, A_GCOUNT = 7, A_DSTART = 8, A_DCOUNT = 9, A_FLAGS = 10;
/** Account flags. */
export const F_SET = 1, F_INVALID = 2, F_ORDERS = 4;
// Positions: f SIZE, ENTRY (NaN when none); i ASSET (matrix), SCALARS (offset of the row's scalar columns), KIND, INVERSE, GREEK (local),
// CONV (asset converting an option's entry premium).
export const P_SIZE = 0, P_ENTRY = 1;
export const P_ASSET = 0, P_SCALARS = 1, P_KIND = 2, P_INVERSE = 3, P_GREEK = 4, P_CONV = 5;
// Units: f COLL, Q, QBUY, QSELL, then the cached TOTAL, HAIRCUT, ORDERS; i ASSET, blocks, counts, COUNTED, SPOTROW.
export const U_COLL = 0, U_Q = 1, U_QBUY = 2, U_QSELL = 3, U_TOTAL = 4, U_HAIRCUT = 5, U_ORDERS = 6;
export const U_ASSET = 0, U_UPSTART = 1, U_UPCOUNT = 2, U_SSTART = 3, U_SCOUNT = 4, U_OSTART = 5, U_BUYN = 6, U_SELLN = 7, U_BUYX = 8, U_SELLX = 9, U_DSTART = 10, U_DCOUNT = 11, U_COUNTED = 12, U_SPOTROW = 13;
// Unit positions and orders: f SIZE; i ROW, SLOT.
export const X_SIZE = 0, X_ROW = 0, X_SLOT = 1;
// Collateral: f AMOUNT, HAIRCUT (cached plain haircut); i ASSET, UNIT (global unit row or −1).
export const C_AMOUNT = 0, C_HAIRCUT = 1, C_ASSET = 0, C_UNIT = 1;
// Greeks per underlying: f DELTA, GAMMA, VEGA, THETA, GROSS (Σ |notional| USD), NETUSD (Σ delta × index); i ASSET.
export const G_DELTA = 0, G_GAMMA = 1, G_VEGA = 2, G_THETA = 3, G_GROSS = 4, G_NETUSD = 5, G_ASSET = 0;

export class PositionStore {
  readonly A = new Family(0, 11, 64);
  readonly P = new Family(2, 6);
  readonly U = new Family(7, 14);
  readonly UP = new Family(1, 2);
  readonly S = new Family(0, 1);
  readonly O = new Family(1, 2);
  readonly C = new Family(2, 2);
  readonly G = new Family(6, 1);
  readonly D = new Family(0, 1);
  /** Accounts 0 … count − 1 have a row (set or not). */
  count = 0;
  /** Accounts depending on each asset id (positions or orders on it or quoted in it, balances in it). */
  private readonly byAsset: Set<number>[] = [];
  private readonly lists: (Int32Array | null)[] = [];

  constructor(readonly reg: KernelRegistry) {}

  /** Build (or rebuild) account `a` from its spec. */
  set(a: number, spec: KernelAccountSpec): void {
    this.ensureAccount(a);
    const A = this.A.i;
    const oldDeps = this.depsOf(a);
    this.release(a);
    buildAccount(this, a, spec);
    const newDeps = this.depsOf(a);
    for (const d of oldDeps) if (!newDeps.includes(d)) this.membership(d, a, false);
    for (const d of newDeps) if (!oldDeps.includes(d)) this.membership(d, a, true);
    A[A_FLAGS][a] |= F_SET;
    if (this.garbage() > 4096 && this.garbage() > this.live()) this.compact();
  }

  /** Accounts depending on asset `asset` (unordered; valid until the next `set`). */
  dependents(asset: number): Int32Array {
    let l = this.lists[asset];
    if (!l) {
      const s = this.byAsset[asset];
      l = Int32Array.from(s ?? []);
      this.lists[asset] = l;
    }
    return l;
  }

  /** Asset ids account `a` depends on. */
  depsOf(a: number): number[] {
    if (a >= this.count) return [];
    const s = this.A.i[A_DSTART][a], n = this.A.i[A_DCOUNT][a], d = this.D.i[0];
    const out: number[] = [];
    for (let j = 0; j < n; j++) out.push(d[s + j]);
    return out;
  }

  private membership(asset: number, a: number, add: boolean): void {
    while (this.byAsset.length <= asset) { this.byAsset.push(new Set()); this.lists.push(null); }
    if (add) this.byAsset[asset].add(a);
    else this.byAsset[asset].delete(a);
    this.lists[asset] = null;
  }

  ensureAccount(a: number): void {
    if (a < this.count) return;
    const from = this.count;
    this.A.alloc(a + 1 - from);
    for (let c = 0; c < this.A.i.length; c++) this.A.i[c].fill(0, from, a + 1);
    this.count = a + 1;
  }

  private release(a: number): void {
    const A = this.A.i, U = this.U.i;
    const us = A[A_USTART][a], un = A[A_UCOUNT][a];
    for (let k = us; k < us + un; k++) {
      this.UP.free(U[U_UPCOUNT][k]);
      this.S.free(U[U_SCOUNT][k] + U[U_BUYX][k] + U[U_SELLX][k]);
      this.O.free(U[U_BUYN][k] + U[U_SELLN][k]);
      this.D.free(U[U_DCOUNT][k]);
    }
    this.U.free(un);
    this.P.free(A[A_PCOUNT][a]);
    this.C.free(A[A_CCOUNT][a]);
    this.G.free(A[A_GCOUNT][a]);
    this.D.free(A[A_DCOUNT][a]);
    for (let c = 0; c < A.length; c++) if (c !== A_FLAGS) A[c][a] = 0;
    A[A_FLAGS][a] = 0;
  }

  private garbage(): number {
    return this.P.garbage + this.U.garbage + this.UP.garbage + this.S.garbage + this.O.garbage + this.C.garbage + this.G.garbage + this.D.garbage;
  }

  private live(): number {
    return this.P.used + this.U.used + this.UP.used + this.S.used + this.O.used + this.C.used + this.G.used + this.D.used - this.garbage();
  }

  /** Bytes held by the store's typed arrays (capacity, not only the rows in use). */
  bytes(): number {
    let n = 0;
    for (const f of [this.A, this.P, this.U, this.UP, this.S, this.O, this.C, this.G, this.D]) for (const a of [...f.f, ...f.i]) n += a.byteLength;
    return n;
  }

  /** Copy every account's rows into fresh families (drops the garbage). */
  compact(): void {
    const fams = [this.P, this.U, this.UP, this.S, this.O, this.C, this.G, this.D];
    const next = fams.map((f) => f.emptyLike(Math.ceil((f.used - f.garbage) * 1.25)));
    const [P, U, UP, S, O, C, G, D] = next;
    const A = this.A.i;
    for (let a = 0; a < this.count; a++) {
      const us = A[A_USTART][a], un = A[A_UCOUNT][a];
      const nu = U.copyFrom(this.U, us, un);
      for (let k = 0; k < un; k++) {
        const u = U.i, o = this.U.i, q = us + k, r = nu + k;
        u[U_UPSTART][r] = UP.copyFrom(this.UP, o[U_UPSTART][q], o[U_UPCOUNT][q]);
        u[U_SSTART][r] = S.copyFrom(this.S, o[U_SSTART][q], o[U_SCOUNT][q] + o[U_BUYX][q] + o[U_SELLX][q]);
        u[U_OSTART][r] = O.copyFrom(this.O, o[U_OSTART][q], o[U_BUYN][q] + o[U_SELLN][q]);
        u[U_DSTART][r] = D.copyFrom(this.D, o[U_DSTART][q], o[U_DCOUNT][q]);
      }
      A[A_USTART][a] = nu;
      A[A_PSTART][a] = P.copyFrom(this.P, A[A_PSTART][a], A[A_PCOUNT][a]);
      const cs = C.copyFrom(this.C, A[A_CSTART][a], A[A_CCOUNT][a]);
      for (let c = cs; c < cs + A[A_CCOUNT][a]; c++) if (C.i[C_UNIT][c] >= 0) C.i[C_UNIT][c] += nu - us;
      A[A_CSTART][a] = cs;
      A[A_GSTART][a] = G.copyFrom(this.G, A[A_GSTART][a], A[A_GCOUNT][a]);
      A[A_DSTART][a] = D.copyFrom(this.D, A[A_DSTART][a], A[A_DCOUNT][a]);
    }
    for (let i = 0; i < fams.length; i++) Object.assign(fams[i], next[i]);
  }
}
