/**
 * One risk unit of the position store margined against the matrices, allocation-free: Σ size × rows (grid and
 * extended in one pass, net delta, expiry slots), the margin without the unit's collateral and with it in the
 * scenarios, the collateral decision (portfolioModel `decideUnit`), and open-order margin (each side filled at
 * mark on the decided book, the side that raises the margin most). Same operations in the same order as the
 * explanation path, so the unit's total is bit-identical to it.
 */
import type { HaircutPoint } from "../params.js";
import type { KernelMarket } from "./matrix.js";
import {
  U_ASSET, U_BUYN, U_BUYX, U_COLL, U_OSTART, U_Q, U_QBUY, U_QSELL, U_SCOUNT, U_SELLN, U_SELLX, U_SPOTROW, U_SSTART, U_UPCOUNT, U_UPSTART,
  X_ROW, X_SIZE, X_SLOT, type PositionStore,
} from "./positionStore.js";
import { COL_DELTA, COL_FORWARD, COL_OK, COL_T } from "./registry.js";
import { axpy, sumRows, UnitEval } from "./unitEval.js";

export const COUNTED_NONE = 0, COUNTED_SCENARIO = 1, COUNTED_HAIRCUT = 2;
export const SIDE_NONE = 0, SIDE_BUY = 1, SIDE_SELL = 2;

export class UnitKernel {
  readonly ev = new UnitEval();
  private vec = new Float64Array(3 * 64);
  private saved = new Float64Array(16);
  // Results of the last `compute` (numeraire).
  total = 0;
  haircut = 0;
  orders = 0;
  counted = COUNTED_NONE;
  side = SIDE_NONE;

  constructor(readonly st: PositionStore) {}

  /** haircut.ts `haircutUsd` of `hValue` (USD) into `hOut`, operation for operation; fields, so no double is boxed. */
  hValue = 0;
  hOut = 0;

  haircutOf(schedule: readonly HaircutPoint[]): void {
    const valueUsd = this.hValue;
    let total = 0;
    if (valueUsd > 0 && schedule.length > 0) {
      for (let i = 0; i < schedule.length; i++) {
        const a = schedule[i];
        const b = schedule[i + 1];
        if (valueUsd <= a.fromUsd) break;
        if (!b) { total += (valueUsd - a.fromUsd) * a.haircut; break; }
        const end = Math.min(valueUsd, b.fromUsd);
        const slope = (b.haircut - a.haircut) / (b.fromUsd - a.fromUsd);
        const hEnd = a.haircut + slope * (end - a.fromUsd);
        total += ((a.haircut + hEnd) / 2) * (end - a.fromUsd);
      }
    }
    this.hOut = total;
  }

  /** Margin unit row `r` on market `m` (`orders`: the account has open orders); false when a row is not valued. */
  compute(r: number, m: KernelMarket, orders: boolean): boolean {
    const st = this.st, I = st.U.i, F = st.U.f, reg = st.reg, ev = this.ev;
    const u = I[U_ASSET][r], l = reg.layout(u), W = l.G + l.E, rates = l.rates, data = m.data[u];
    if (this.vec.length < 3 * W) this.vec = new Float64Array(6 * W);
    const vec = this.vec;
    const ns = I[U_SCOUNT][r], ss = I[U_SSTART][r], S = st.S.i[0];
    ev.ensureSlots(ns + Math.max(I[U_BUYX][r], I[U_SELLX][r]));
    const sd = ev.slotDelta, sf = ev.slotF, sT = ev.slotT;
    for (let j = 0; j < ns; j++) { const row = S[ss + j] + W; sd[j] = 0; sf[j] = data[row + COL_FORWARD]; sT[j] = data[row + COL_T]; }
    const UP = st.UP, size = UP.f[X_SIZE], urow = UP.i[X_ROW], uslot = UP.i[X_SLOT];
    const ps = I[U_UPSTART][r], pe = ps + I[U_UPCOUNT][r];
    let net = 0;
    for (let x = ps; x < pe; x++) {
      const row = urow[x] + W, s = size[x];
      if (data[row + COL_OK] !== 1) return false;
      const d = s * data[row + COL_DELTA];
      net += d;
      const slot = uslot[x];
      if (slot >= 0) sd[slot] += d;
    }
    sumRows(vec, 0, data, urow, size, ps, pe, W);
    const index = m.index[u], N = m.numIndex;
    ev.net = net; ev.q = F[U_Q][r]; ev.index = index; ev.numIndex = N;
    ev.evaluate(vec, 0, ns, rates);
    const without = ev.total;
    const coll = F[U_COLL][r];
    this.total = without; this.haircut = 0; this.orders = 0; this.counted = COUNTED_NONE; this.side = SIDE_NONE;
    let block = 0, decidedNet = net;
    if (coll !== 0) {
      const sr = I[U_SPOTROW][r];
      if (data[sr + W + COL_OK] !== 1) return false;
      for (let i = 0; i < W; i++) vec[W + i] = vec[i] + coll * data[sr + i];
      const netColl = net + coll * data[sr + W + COL_DELTA];
      this.hValue = coll * index;
      this.haircutOf(reg.schedule(u));
      const h = this.hOut / N;
      ev.net = netColl;
      ev.evaluate(vec, W, ns, rates);
      const inScen = ev.total;
      if (coll < 0 || inScen <= without + h) { this.total = inScen; this.counted = COUNTED_SCENARIO; block = 1; decidedNet = netColl; }
      else { this.counted = COUNTED_HAIRCUT; this.haircut = h; }
    }
    if (orders && I[U_BUYN][r] + I[U_SELLN][r] > 0) return this.orderMargin(r, m, block * W, decidedNet);
    return true;
  }

  /** Open-order margin of unit `r` on its decided book (vector at `src`, net delta `net`). */
  private orderMargin(r: number, m: KernelMarket, src: number, net: number): boolean {
    const st = this.st, I = st.U.i, F = st.U.f, ev = this.ev;
    const u = I[U_ASSET][r], l = st.reg.layout(u), W = l.G + l.E, data = m.data[u], vec = this.vec;
    const ns = I[U_SCOUNT][r], ss = I[U_SSTART][r], S = st.S.i[0];
    if (this.saved.length < ns) this.saved = new Float64Array(ns * 2);
    for (let j = 0; j < ns; j++) this.saved[j] = ev.slotDelta[j];
    const base = this.total;
    const O = st.O, osize = O.f[X_SIZE], orow = O.i[X_ROW], oslot = O.i[X_SLOT];
    const nb = I[U_BUYN][r], bx = I[U_BUYX][r];
    let best = 0, side = SIDE_NONE;
    for (let pass = 0; pass < 2; pass++) {
      const buy = pass === 0, n = buy ? nb : I[U_SELLN][r];
      if (n === 0) continue;
      const first = I[U_OSTART][r] + (buy ? 0 : nb), nx = buy ? bx : I[U_SELLX][r], xs = ss + ns + (buy ? 0 : bx);
      for (let j = 0; j < ns; j++) ev.slotDelta[j] = this.saved[j];
      for (let x = 0; x < nx; x++) { const row = S[xs + x] + W; ev.slotDelta[ns + x] = 0; ev.slotF[ns + x] = data[row + COL_FORWARD]; ev.slotT[ns + x] = data[row + COL_T]; }
      vec.copyWithin(2 * W, src, src + W);
      let n2 = net;
      for (let o = first; o < first + n; o++) {
        const row = orow[o], s = osize[o];
        if (data[row + W + COL_OK] !== 1) return false;
        axpy(vec, 2 * W, s, data, row, W);
        const d = s * data[row + W + COL_DELTA];
        n2 += d;
        if (oslot[o] >= 0) ev.slotDelta[oslot[o]] += d;
      }
      ev.net = n2; ev.q = F[buy ? U_QBUY : U_QSELL][r]; ev.index = m.index[u]; ev.numIndex = m.numIndex;
      ev.evaluate(vec, 2 * W, ns + nx, l.rates);
      const extra = ev.total - base;
      if (extra > best) { best = extra; side = buy ? SIDE_BUY : SIDE_SELL; }
    }
    this.orders = best;
    this.side = side;
    return true;
  }
}
