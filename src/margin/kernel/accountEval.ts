/**
 * One account re-margined from the position store and the instrument matrices, allocation-free: the units that
 * depend on the moved asset are recomputed (Σ size × rows, the collateral decision, open orders per side) and
 * cached in the store; the account's totals are recombined from every unit's cached total (cross-asset credit
 * in unit order), and equity, haircuts, unrealised P&L and Greeks are summed over the positions in input order.
 * The arithmetic and its order are `portfolioMargin`'s, so the figures are bit-identical to it.
 */
import type { MarginParams } from "../params.js";
import { KIND_FUTURE, KIND_OPTION, KIND_PERPETUAL } from "./instrumentKeys.js";
import type { KernelMarket } from "./matrix.js";
import {
  A_CCOUNT, A_CSTART, A_FLAGS, A_GCOUNT, A_GSTART, A_PCOUNT, A_PSTART, A_UCOUNT, A_USTART, C_AMOUNT, C_ASSET, C_HAIRCUT, C_UNIT, F_INVALID, F_ORDERS,
  G_DELTA, G_GAMMA, G_GROSS, G_NETUSD, G_THETA, G_VEGA, P_ASSET, P_CONV, P_ENTRY, P_GREEK, P_INVERSE, P_KIND, P_SCALARS, P_SIZE,
  U_ASSET, U_COUNTED, U_DCOUNT, U_DSTART, U_HAIRCUT, U_ORDERS, U_TOTAL, type PositionStore,
} from "./positionStore.js";
import { COL_DELTA, COL_FORWARD, COL_GAMMA, COL_INDEX, COL_OK, COL_QUOTE_INDEX, COL_THETA, COL_VALUE, COL_VEGA } from "./registry.js";
import { STATUS_BANKRUPT, STATUS_ERROR, STATUS_HEALTHY, STATUS_LIQUIDATION, STATUS_MARGIN_CALL, type KernelResults } from "./results.js";
import { COUNTED_SCENARIO, UnitKernel } from "./unitKernel.js";

export class AccountEval {
  readonly unit: UnitKernel;
  private tot = new Float64Array(8);
  private ord = new Float64Array(8);
  private hc = new Float64Array(8);
  private cnt = new Int32Array(8);

  constructor(readonly st: PositionStore, readonly params: MarginParams) {
    this.unit = new UnitKernel(st);
  }

  /**
   * Re-margin account `a` on market `m` into `res` at index `ri`. Units depending on asset `dep` (−1: all) are
   * recomputed and cached; `cache` false computes every unit into scratch and leaves the store untouched (a
   * second valuation, e.g. at the oracle's stable prices). Returns the status code.
   */
  remargin(a: number, dep: number, m: KernelMarket, res: KernelResults, ri: number, cache = true): number {
    const st = this.st, A = st.A.i;
    if ((A[A_FLAGS][a] & F_INVALID) !== 0 || !this.units(a, dep, m, cache)) return this.error(res, ri);
    const us = A[A_USTART][a], un = A[A_UCOUNT][a];
    const tot = cache ? st.U.f[U_TOTAL] : this.tot, ord = cache ? st.U.f[U_ORDERS] : this.ord, base = cache ? us : 0;
    this.credit(a, tot, base, un);
    let risk = -this.creditOut, orders = 0;
    for (let k = 0; k < un; k++) { risk += tot[base + k]; orders += ord[base + k]; }
    this.positions(a, m);
    if (this.badRows) return this.error(res, ri);
    this.collateral(a, dep, m, cache);
    const haircuts = this.haircuts;
    if (haircuts !== haircuts) return this.error(res, ri);
    const eq = this.equity;
    const im = risk + orders, mm = this.params.portfolio.mmFactor * risk, adj = eq - haircuts;
    res.equity[ri] = eq; res.adjusted[ri] = adj; res.im[ri] = im; res.mm[ri] = mm; res.upnl[ri] = this.upnl;
    // result.ts marginStatus, inline (a call would box its four doubles).
    const s = eq < 0 ? STATUS_BANKRUPT : adj < mm ? STATUS_LIQUIDATION : adj < im ? STATUS_MARGIN_CALL : STATUS_HEALTHY;
    res.status[ri] = s;
    return s;
  }

  private error(res: KernelResults, ri: number): number {
    res.equity[ri] = 0; res.adjusted[ri] = 0; res.im[ri] = 0; res.mm[ri] = 0; res.upnl[ri] = 0;
    res.status[ri] = STATUS_ERROR;
    return STATUS_ERROR;
  }

  /** Recompute the account's units that depend on `dep`; false when one cannot be valued. */
  private units(a: number, dep: number, m: KernelMarket, cache: boolean): boolean {
    const st = this.st, A = st.A.i, U = st.U, D = st.D.i[0];
    const us = A[A_USTART][a], un = A[A_UCOUNT][a], orders = (A[A_FLAGS][a] & F_ORDERS) !== 0;
    if (!cache && un > this.tot.length) this.growScratch(un);
    for (let k = 0; k < un; k++) {
      const r = us + k;
      if (cache && dep >= 0) {
        const ds = U.i[U_DSTART][r], de = ds + U.i[U_DCOUNT][r];
        let hit = false;
        for (let j = ds; j < de; j++) if (D[j] === dep) { hit = true; break; }
        if (!hit) continue;
      }
      const u = this.unit;
      if (!u.compute(r, m, orders)) return false;
      if (cache) { U.f[U_TOTAL][r] = u.total; U.f[U_HAIRCUT][r] = u.haircut; U.f[U_ORDERS][r] = u.orders; U.i[U_COUNTED][r] = u.counted; }
      else { this.tot[k] = u.total; this.hc[k] = u.haircut; this.ord[k] = u.orders; this.cnt[k] = u.counted; }
    }
    return true;
  }

  private creditOut = 0;

  /** crossAsset.ts `crossAssetCredit` over the units' totals, in unit order, into `creditOut`. */
  private credit(a: number, tot: Float64Array, base: number, un: number): void {
    const p = this.params.portfolio.crossAsset;
    this.creditOut = 0;
    if (p.mode === "sum" || un < 2) return;
    const st = this.st, us = st.A.i[A_USTART][a], asset = st.U.i[U_ASSET], reg = st.reg;
    let sum = 0;
    for (let k = 0; k < un; k++) sum += tot[base + k];
    let q = 0;
    for (let i = 0; i < un; i++) for (let j = 0; j < un; j++) q += reg.correlation(asset[us + i], asset[us + j]) * tot[base + i] * tot[base + j];
    const aggregated = Math.sqrt(Math.max(0, q));
    this.creditOut = Math.max(0, Math.min(sum - aggregated, p.maxCredit * sum));
  }

  private badRows = false;
  private upnl = 0;
  /** Σ position values, then that plus the balances' values (accountBook's equity), and Σ haircuts. */
  private posValue = 0;
  private equity = 0;
  private haircuts = 0;

  /** Σ position values (input order) into `posValue`, and `upnl`; sets `badRows` when a row is not valued. */
  private positions(a: number, m: KernelMarket): void {
    const st = this.st, A = st.A.i, P = st.P;
    const ps = A[A_PSTART][a], pe = ps + A[A_PCOUNT][a];
    const size = P.f[P_SIZE], entry = P.f[P_ENTRY], pa = P.i[P_ASSET], sc = P.i[P_SCALARS], kind = P.i[P_KIND], inv = P.i[P_INVERSE], conv = P.i[P_CONV];
    const N = m.numIndex, idx = m.index;
    let equity = 0, upnl = 0, lastAsset = -1;
    let d = m.data[0];
    this.badRows = false;
    for (let i = ps; i < pe; i++) {
      const u = pa[i], s = sc[i];
      if (u !== lastAsset) { d = m.data[u]; lastAsset = u; }
      if (d[s + COL_OK] !== 1) { this.badRows = true; return; }
      const sz = size[i], k = kind[i], e = entry[i];
      let v = 0;
      if (k !== KIND_FUTURE && k !== KIND_PERPETUAL) v = sz * d[s + COL_VALUE];
      else if (e === e) {
        const F = d[s + COL_FORWARD];
        v = (sz * (inv[i] === 0 ? (F - e) * d[s + COL_QUOTE_INDEX] : (1 / e - 1 / F) * d[s + COL_INDEX])) / N;
      }
      equity += v;
      if (k === KIND_FUTURE || k === KIND_PERPETUAL) upnl += v;
      else if (k === KIND_OPTION && e === e) { const c = idx[conv[i]]; upnl += v - sz * e * (c === c ? c : 0); }
    }
    this.upnl = upnl;
    this.posValue = equity;
  }

  /**
   * Per-underlying Greeks of account `a` from the current rows into the store's Greek rows (accountMargin's
   * `greeksOf`: Σ size × Greeks, Σ |notional| USD, Σ delta × index, positions in input order). On demand: the
   * tick path does not need them.
   */
  greeks(a: number, m: KernelMarket): void {
    const st = this.st, A = st.A.i, P = st.P;
    const ps = A[A_PSTART][a], pe = ps + A[A_PCOUNT][a], gs = A[A_GSTART][a], gn = A[A_GCOUNT][a];
    const size = P.f[P_SIZE], pa = P.i[P_ASSET], sc = P.i[P_SCALARS], kind = P.i[P_KIND], inv = P.i[P_INVERSE], pg = P.i[P_GREEK];
    const G = st.G.f, gd = G[G_DELTA], gg = G[G_GAMMA], gv = G[G_VEGA], gt = G[G_THETA], gx = G[G_GROSS], gu = G[G_NETUSD];
    for (let g = gs; g < gs + gn; g++) { gd[g] = 0; gg[g] = 0; gv[g] = 0; gt[g] = 0; gx[g] = 0; gu[g] = 0; }
    for (let i = ps; i < pe; i++) {
      const u = pa[i], d = m.data[u], s = sc[i], sz = size[i], k = kind[i];
      const g = gs + pg[i], delta = sz * d[s + COL_DELTA], index = m.index[u] === m.index[u] ? m.index[u] : 0;
      gd[g] += delta; gg[g] += sz * d[s + COL_GAMMA]; gv[g] += sz * d[s + COL_VEGA]; gt[g] += sz * d[s + COL_THETA];
      gx[g] += inv[i] === 1 && (k === KIND_FUTURE || k === KIND_PERPETUAL) ? Math.abs(sz) : Math.abs(sz) * index;
      gu[g] += delta * index;
    }
  }

  /**
   * Σ haircuts over the collateral entries in key order (a unit's decision, or the plain haircut, cached and
   * refreshed when its asset moved); sets `equity`: the positions' value then each balance's, summed in that
   * order as `accountBook` does. NaN when a balance has no index.
   */
  private collateral(a: number, dep: number, m: KernelMarket, cache: boolean): void {
    const st = this.st, A = st.A.i, C = st.C, reg = st.reg;
    const cs = A[A_CSTART][a], cn = A[A_CCOUNT][a], us = A[A_USTART][a];
    const N = m.numIndex;
    const counted = cache ? st.U.i[U_COUNTED] : this.cnt, uh = cache ? st.U.f[U_HAIRCUT] : this.hc, base = cache ? 0 : -us;
    let equity = this.posValue, haircuts = 0;
    this.haircuts = NaN;
    for (let c = cs; c < cs + cn; c++) {
      const asset = C.i[C_ASSET][c], amount = C.f[C_AMOUNT][c], index = m.index[asset];
      if (index !== index) return;
      equity += (amount * index) / N;
      const k = C.i[C_UNIT][c];
      if (k >= 0) { haircuts += counted[base + k] === COUNTED_SCENARIO ? 0 : uh[base + k]; continue; }
      if (!cache || dep < 0 || dep === asset) {
        this.unit.hValue = amount * index;
        this.unit.haircutOf(reg.schedule(asset));
        const h = this.unit.hOut / N;
        if (!cache) { haircuts += h; continue; }
        C.f[C_HAIRCUT][c] = h;
      }
      haircuts += C.f[C_HAIRCUT][c];
    }
    this.equity = equity;
    this.haircuts = haircuts;
  }

  private growScratch(n: number): void {
    this.tot = new Float64Array(n * 2); this.ord = new Float64Array(n * 2); this.hc = new Float64Array(n * 2); this.cnt = new Int32Array(n * 2);
  }
}
