/**
 * Marginal contributions of a unit's positions (IM with the position minus IM without it) in one pass per
 * unit: the numbers of `ExplainBook.marginWithout` (the unit re-margined without the position, the collateral
 * decision re-taken), bit for bit, with what does not depend on the position taken once per unit.
 *
 * Why this equals `marginWithout`: the roll shock and the short-option quantity are sums in slot order, and
 * removing a position changes one term (its expiry slot; its option slot). The sum of the terms before that
 * slot is the same partial sum for every position, so it is kept per slot (`rollPrefix`, `qPrefix`); the
 * changed term and the terms after it are then added in order, exactly as the loop over all slots adds them.
 * The worst-scenario minima are taken per position over the unit's vector minus the position's row
 * (one vector, or the two books with and without collateral side by side).
 */
import type { ExplainBook } from "./explainBook.js";
import { C_TOTAL, COUNTED_NONE } from "./explainBook.js";

let rollTerm = new Float64Array(16);
let rollPrefix = new Float64Array(17);
let qPrefix = new Float64Array(17);

function room(n: number): void {
  if (n + 1 <= rollPrefix.length) return;
  rollTerm = new Float64Array(2 * n);
  rollPrefix = new Float64Array(2 * n + 1);
  qPrefix = new Float64Array(2 * n + 1);
}

/**
 * `out[i] = total − margin of unit k without position i` for each position i of unit k (`total` the unit's
 * margin, read from `uComp`: a double passed to a call V8 does not inline is boxed). Slots and options come from
 * the book (`sDelta`/`sF`/`sT`, `oSize`), not from the evaluator.
 */
export function unitContributions(b: ExplainBook, k: number, out: Float64Array): void {
  const rates = b.uRates[k], G = rates.G, E = rates.E, w = G + E, total = b.uComp[k * 8 + C_TOTAL];
  const ss = b.uSlotStart[k], ns = b.uSlotCount[k], os = b.uOptStart[k], no = b.uOptCount[k];
  room(Math.max(ns, no));
  const sd = b.sDelta, sf = b.sF, st = b.sT, osz = b.oSize;
  const minMove = rates.minAnnualMove, moveRisk = rates.annualMoveRisk;
  // Per slot: its roll term as `rollAdj` computes it unchanged, and the partial sums before it.
  let roll = 0;
  for (let j = 0; j < ns; j++) {
    const t = Math.max(minMove, moveRisk * st[ss + j]) * Math.abs(sd[ss + j]) * sf[ss + j];
    rollTerm[j] = t; rollPrefix[j] = roll; roll += t;
  }
  rollPrefix[ns] = roll;
  let q = 0;
  for (let j = 0; j < no; j++) { qPrefix[j] = q; const s = osz[os + j]; if (s < 0) q -= s; }
  qPrefix[no] = q;

  const index = b.uIndex[k], numIndex = b.ctx.numeraire.index, one = numIndex === 1, ds = rates.deltaShock, somRate = rates.shortOptionMinimum * index;
  const counted = b.uCounted[k] !== COUNTED_NONE, collNegative = b.uColl[k] < 0, alt = b.uAltHaircut[k];
  const netA = counted ? b.uNetColl[k] : b.uNet[k], netB = b.uNet[k];
  const offA = b.uOff[k] + (counted ? w : 0), offB = b.uOff[k];
  const start = b.uPosStart[k], end = start + b.uPosCount[k];
  const vec = b.vec;
  for (let x = start; x < end; x++) {
    const i = b.grouped[x], r = b.risks[i], size = b.pf.positions[i].size, kk = -size;
    // Roll shock with the position's slot changed (`rollAdj`).
    const slot = b.pSlot[i], adjDelta = kk * r.delta;
    let rollOut = rollPrefix[slot < 0 ? ns : slot];
    if (slot >= 0) {
      rollOut += Math.max(minMove, moveRisk * st[ss + slot]) * Math.abs(sd[ss + slot] + adjDelta) * sf[ss + slot];
      for (let j = slot + 1; j < ns; j++) rollOut += rollTerm[j];
    }
    // Short-option quantity with the position's option slot changed (`shortQty`).
    const opt = b.pOpt[i];
    let qa = qPrefix[opt < 0 ? no : opt];
    if (opt >= 0) {
      const s = osz[os + opt] + kk;
      if (s < 0) qa -= s;
      for (let j = opt + 1; j < no; j++) { const s2 = osz[os + j]; if (s2 < 0) qa -= s2; }
    }
    // x / 1 is x exactly: the divisions are skipped in a USD (or stable-coin) numeraire.
    const rollShock = one ? rollOut : rollOut / numIndex, som = one ? somRate * qa : (somRate * qa) / numIndex;
    // The worst-scenario and extended losses without the position (`marginAdj`, `marginAdjPair`).
    minima(vec, offA, offB, r.grid, kk, G, counted);
    const worstA = Math.max(0, -found.a), worstB = Math.max(0, -found.b);
    let extA = 0, extB = 0;
    if (E > 0) {
      minima(vec, offA + G, offB + G, r.extended, kk, E, counted);
      extA = Math.max(0, -found.a);
      if (counted) extB = Math.max(0, -found.b);
    }
    // `totalOf` for the book with (A) and, when the collateral decision is re-taken, without (B) collateral.
    const usdA = Math.abs(netA + adjDelta) * index;
    const xA = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, usdA - ds.thresholdUsd)) / 1e6);
    const totalA = Math.max(worstA, extA) + rollShock + (one ? xA * usdA : (xA * usdA) / numIndex) + som;
    if (!counted) { out[i] = total - totalA; continue; }
    const usdB = Math.abs(netB + adjDelta) * index;
    const xB = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, usdB - ds.thresholdUsd)) / 1e6);
    const totalB = Math.max(worstB, extB) + rollShock + (one ? xB * usdB : (xB * usdB) / numIndex) + som;
    out[i] = total - (collNegative || totalA <= totalB + alt ? totalA : totalB);
  }
}


/** The two minima of the last `minima` (fields of one object: writing a double there allocates nothing). */
const found = { a: 0, b: 0 };

/**
 * `min over j < n of vec[offA + j] + k × row[j]` into `found.a` and, when `both`, the same at `offB` into `found.b`: the
 * search of `marginAdj` (a conditional select from Infinity, in scenario order), over one book or two side by side
 * (one pass over the row).
 */
function minima(vec: Float64Array, offA: number, offB: number, row: Float64Array, k: number, n: number, both: boolean): void {
  let a = Infinity, b = Infinity;
  if (!both) {
    // Two running minima (even and odd scenarios) so that the comparisons do not wait on each other; the least of two
    // sets is the least of all (a tie between +0 and −0 may then keep either: `Math.max(0, −found)` makes both +0).
    let a1 = Infinity, j = 0;
    for (; j + 1 < n; j += 2) {
      const v = vec[offA + j] + k * row[j], v1 = vec[offA + j + 1] + k * row[j + 1];
      a = v < a ? v : a; a1 = v1 < a1 ? v1 : a1;
    }
    if (j < n) { const v = vec[offA + j] + k * row[j]; a = v < a ? v : a; }
    a = a1 < a ? a1 : a;
  } else {
    for (let j = 0; j < n; j++) {
      const d = k * row[j], va = vec[offA + j] + d, vb = vec[offB + j] + d;
      a = va < a ? va : a; b = vb < b ? vb : b;
    }
  }
  found.a = a; found.b = b;
}
