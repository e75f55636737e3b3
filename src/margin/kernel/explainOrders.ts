/**
 * Open-order margin of one unit on the explanation path: all buys (or all sells) of the unit filled at mark on
 * top of the unit's decided book, the side that raises the unit's margin most (portfolioModel `orderMargin`).
 * Orders are added in input order; an order on an expiry or option the unit does not hold opens a slot after
 * the unit's own, as the object path's Maps do.
 */
import { KIND_OPTION } from "./instrumentKeys.js";
import type { ExplainBook } from "./explainBook.js";
import { C_TOTAL } from "./explainBook.js";
import { shortQty } from "./unitEval.js";

/** Order side codes (0: none). */
export const SIDE_BUY = 1;
export const SIDE_SELL = 2;

export class ExplainOrders {
  private optSize: Float64Array = new Float64Array(64);
  private optId: Int32Array = new Int32Array(64);
  private extraKey: Int32Array = new Int32Array(16);

  /** Set `uOrders[k]` and `uOrderSide[k]` of unit k (the book has been loaded and decided). */
  unitOrders(b: ExplainBook, k: number): void {
    const base = b.uComp[k * 8 + C_TOTAL];
    let best = 0, side = 0;
    for (const s of [SIDE_BUY, SIDE_SELL]) {
      const total = this.filled(b, k, s);
      if (total === undefined) continue;
      const extra = total - base;
      if (extra > best) { best = extra; side = s; }
    }
    b.uOrders[k] = best;
    b.uOrderSide[k] = side;
  }

  /** Margin of unit k with every order of `side` filled, or undefined when the unit has none on that side. */
  private filled(b: ExplainBook, k: number, side: number): number | undefined {
    const pf = b.pf, u = b.uName[k], rates = b.uRates[k], G = rates.G, E = rates.E, w = G + E;
    const src = b.uOff[k] + b.decidedBlock(k) * w, dst = b.uOff[k] + 2 * w, vec = b.vec, ev = b.ev, keys = b.keys;
    let any = false, net = b.decidedNet(k);
    let nSlots = b.uSlotCount[k], nExtra = 0;
    let nOpt = b.uOptCount[k];
    for (let i = 0; i < pf.openOrders.length; i++) {
      const o = pf.openOrders[i];
      if (o.instrument.underlying !== u || (o.size > 0) !== (side === SIDE_BUY)) continue;
      if (!any) {
        any = true;
        vec.copyWithin(dst, src, src + w);
        b.loadSlots(k);
        this.loadOptions(b, k);
      }
      const r = b.orderRisks[i], s = o.size;
      for (let j = 0; j < G; j++) vec[dst + j] += s * r.grid[j];
      for (let j = 0; j < E; j++) vec[dst + G + j] += s * r.extended[j];
      const d = s * r.delta;
      net += d;
      if (o.instrument.kind === "spot") continue;
      const id = keys.id(o.instrument);
      const ek = keys.expiry[id];
      const own = ek < b.eStamp.length && b.eStamp[ek] === b.stamp;
      const x = own ? b.eLocal[ek] : this.extraSlot(ek, nExtra, b.uSlotCount[k]);
      if (x < nSlots) ev.slotDelta[x] += d;
      else {
        ev.ensureSlots(nSlots + 1, nSlots);
        ev.slotDelta[nSlots] = d; ev.slotF[nSlots] = r.resolved.forward; ev.slotT[nSlots] = r.resolved.T;
        if (nExtra >= this.extraKey.length) this.extraKey = grownI(this.extraKey, nExtra * 2);
        this.extraKey[nExtra++] = ek;
        nSlots++;
      }
      if (keys.kind[id] === KIND_OPTION) nOpt = this.addOption(b, id, s, nOpt);
    }
    if (!any) return undefined;
    const q = shortQty(this.optSize, 0, nOpt, -1, 0);
    return ev.margin(vec, dst, net, nSlots, q, b.uIndex[k], b.ctx.numeraire.index, rates);
  }

  /** Slot index of an expiry key among the side's extra slots (after `base` own slots), or a new index. */
  private extraSlot(ek: number, nExtra: number, base: number): number {
    for (let x = 0; x < nExtra; x++) if (this.extraKey[x] === ek) return base + x;
    return base + nExtra;
  }

  private loadOptions(b: ExplainBook, k: number): void {
    const s = b.uOptStart[k], n = b.uOptCount[k];
    if (n + 64 > this.optSize.length) { this.optSize = new Float64Array((n + 64) * 2); this.optId = new Int32Array((n + 64) * 2); }
    for (let j = 0; j < n; j++) { this.optSize[j] = b.oSize[s + j]; this.optId[j] = b.oId[s + j]; }
  }

  private addOption(b: ExplainBook, id: number, size: number, n: number): number {
    for (let j = 0; j < n; j++) if (this.optId[j] === id) { this.optSize[j] += size; return n; }
    if (n >= this.optSize.length) {
      const s = new Float64Array(n * 2); s.set(this.optSize); this.optSize = s;
      this.optId = grownI(this.optId, n * 2);
    }
    this.optSize[n] = 0 + size;
    this.optId[n] = id;
    return n + 1;
  }
}

function grownI(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
