/**
 * The allocation-free margin of one risk unit (DESIGN.md section 5.5) on typed scratch: the arithmetic of
 * `unitMargin` in riskUnit.ts, operation for operation and in the same order, so that a unit evaluated here
 * gives bit-for-bit the same numbers as the object path.
 *
 * Conventions. A unit's scenario vector is one contiguous run of `G + E` doubles: the standard grid (G cells,
 * price-major, vol up/none/down) then the weighted extended moves (E). Expiry slots (`slotDelta`, `slotF`,
 * `slotT`, in the unit's insertion order: the order in which the unit first met each expiry, the perpetual of
 * each quote being an expiry of its own) hold the net delta in coins, the forward (quote per coin) and the year
 * fraction of the slot's first instrument. The caller supplies the short-option quantity (Σ over option slots of
 * max(0, −net size), in slot order). All results are in the numeraire; `index` is the underlying's index (USD),
 * `numIndex` the numeraire's (USD per unit).
 *
 * An adjustment (`setAdjustment`) is "`k` more units of one instrument" applied on the fly without copying the
 * unit (a marginal contribution is the unit minus one position: k = −size).
 */
import type { DeltaShockParams, PortfolioParams, UnderlyingGridParams } from "../params.js";

/** The rates of one underlying's unit: its grid parameters and the portfolio-wide contingencies. */
export interface UnitRates {
  /** Standard-grid cells (3 × price points). */
  readonly G: number;
  /** Extended moves. */
  readonly E: number;
  readonly minAnnualMove: number;
  readonly annualMoveRisk: number;
  readonly deltaShock: DeltaShockParams;
  /** Short-option minimum as a fraction of the index. */
  readonly shortOptionMinimum: number;
}

/** Rates of a unit from its grid parameters and the portfolio parameters. */
export function unitRates(g: UnderlyingGridParams, gridCells: number, extended: number, p: PortfolioParams): UnitRates {
  return { G: gridCells, E: extended, minAnnualMove: g.minAnnualMove, annualMoveRisk: g.annualMoveRisk, deltaShock: p.deltaShock, shortOptionMinimum: p.shortOptionMinimum };
}

/** Adjustment slot value meaning "the instrument has no expiry key" (spot). */
export const NO_SLOT = -1;

/**
 * Evaluator of unit margins. Holds the slot scratch (grown on demand) and, after each call, the components of
 * the last margin (`worstLoss`, `worstCell`, ...). One instance per thread; not re-entrant.
 */
export class UnitEval {
  /** Net delta per expiry slot (coins). */
  slotDelta: Float64Array = new Float64Array(16);
  /** Forward per expiry slot (quote per coin). */
  slotF: Float64Array = new Float64Array(16);
  /** Year fraction per expiry slot. */
  slotT: Float64Array = new Float64Array(16);

  // The last result (numeraire).
  worstLoss = 0;
  worstCell = 0;
  extendedLoss = 0;
  extendedIndex = -1;
  rollShock = 0;
  deltaShock = 0;
  shortOptionMinimum = 0;
  total = 0;

  // The adjustment of the next `marginAdj` call.
  private aGrid: Float64Array = new Float64Array(0);
  private aGridOff = 0;
  private aExt: Float64Array = new Float64Array(0);
  private aExtOff = 0;
  aK = 0;
  aDelta = 0;
  private aSlot = NO_SLOT;
  aF = 0;
  aT = 0;

  /** Make room for `n` expiry slots (keeps the first `keep` values). */
  ensureSlots(n: number, keep = 0): void {
    if (n <= this.slotDelta.length) return;
    const cap = Math.max(n, this.slotDelta.length * 2);
    const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(cap); b.set(a.subarray(0, keep)); return b; };
    this.slotDelta = grow(this.slotDelta);
    this.slotF = grow(this.slotF);
    this.slotT = grow(this.slotT);
  }

  /**
   * The next `marginAdj` adds `aK` units of an instrument whose grid P&L starts at `grid[gridOff]`, weighted
   * extended P&L at `ext[extOff]`, per-unit delta `aDelta`; `slot` is its expiry slot in the unit (`NO_SLOT` for
   * spot; the unit's slot count when the unit has no such expiry yet, with that expiry's forward `aF` and `aT`).
   * Set the double fields directly (passing doubles to a call boxes them).
   */
  setAdjustment(grid: Float64Array, gridOff: number, ext: Float64Array, extOff: number, slot: number): void {
    this.aGrid = grid; this.aGridOff = gridOff; this.aExt = ext; this.aExtOff = extOff; this.aSlot = slot;
  }

  // Inputs of `evaluate` (fields, so that the hot path passes no doubles through calls: V8 boxes those).
  /** Net delta of the unit (coins). */
  net = 0;
  /** Short-option quantity. */
  q = 0;
  /** The underlying's index (USD). */
  index = 0;
  /** The numeraire's index (USD per unit). */
  numIndex = 1;

  /** Margin of the unit whose vector starts at `vec[off]` (see the module comment); returns the total. */
  margin(vec: Float64Array, off: number, netDelta: number, nSlots: number, shortQty: number, index: number, numIndex: number, r: UnitRates): number {
    this.net = netDelta; this.q = shortQty; this.index = index; this.numIndex = numIndex;
    this.evaluate(vec, off, nSlots, r);
    return this.total;
  }

  /**
   * `margin` without doubles crossing the call: inputs in `net`, `q`, `index`, `numIndex`, results in the
   * component fields and `total` (the kernel's tick path allocates nothing).
   */
  evaluate(vec: Float64Array, off: number, nSlots: number, r: UnitRates): void {
    const G = r.G, E = r.E;
    const worstCell = firstMinimum(vec, off, G);
    this.worstCell = worstCell;
    this.worstLoss = Math.max(0, -(vec[off + worstCell] + 0));
    this.extendedIndex = -1; this.extendedLoss = 0;
    if (E > 0) {
      const extendedIndex = firstMinimum(vec, off + G, E);
      this.extendedIndex = extendedIndex;
      this.extendedLoss = Math.max(0, -(vec[off + G + extendedIndex] + 0));
    }
    this.evaluateRest(nSlots, r);
  }

  /**
   * The rest of `evaluate` once `worstLoss` and `extendedLoss` are set (by `evaluate`, or by a caller that knows the
   * least cell and move without searching them): roll, delta and short-option charges and `total`, the same
   * operations in the same order.
   */
  evaluateRest(nSlots: number, r: UnitRates): void {
    let roll = 0;
    const sd = this.slotDelta, sf = this.slotF, st = this.slotT;
    for (let j = 0; j < nSlots; j++) roll += Math.max(r.minAnnualMove, r.annualMoveRisk * st[j]) * Math.abs(sd[j]) * sf[j];
    const index = this.index, numIndex = this.numIndex;
    const netUsd = Math.abs(this.net + 0) * index;
    const ds = r.deltaShock;
    const extra = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, netUsd - ds.thresholdUsd)) / 1e6);
    const rollShock = roll / numIndex;
    const deltaShock = (extra * netUsd) / numIndex;
    const shortOptionMinimum = (r.shortOptionMinimum * index * this.q) / numIndex;
    this.total = Math.max(this.worstLoss, this.extendedLoss) + rollShock + deltaShock + shortOptionMinimum;
    this.rollShock = rollShock; this.deltaShock = deltaShock; this.shortOptionMinimum = shortOptionMinimum;
  }

  /**
   * Total of the unit plus the adjustment (nothing is copied): inputs in `net`, `q`, `index`, `numIndex` and
   * the adjustment fields, result in `total` (the components are not kept).
   */
  marginAdj(vec: Float64Array, off: number, nSlots: number, r: UnitRates): void {
    const G = r.G, E = r.E, k = this.aK;
    const ag = this.aGrid, ago = this.aGridOff;
    // The minimum itself, not its cell (only the total is kept): the same double as the value at the cell `evaluate`
    // would pick, taken by a conditional select rather than a branch that also records the cell.
    let min = Infinity;
    for (let i = 0; i < G; i++) {
      const v = vec[off + i] + k * ag[ago + i];
      min = v < min ? v : min;
    }
    const worstLoss = Math.max(0, -min);
    let extendedLoss = 0;
    if (E > 0) {
      const eo = off + G, ae = this.aExt, aeo = this.aExtOff;
      min = Infinity;
      for (let i = 0; i < E; i++) {
        const v = vec[eo + i] + k * ae[aeo + i];
        min = v < min ? v : min;
      }
      extendedLoss = Math.max(0, -min);
    }
    this.rollAdj(nSlots, r);
    this.worstIn = worstLoss; this.extIn = extendedLoss; this.netIn = this.net;
    this.total = this.totalOf(r);
  }

  /** Net delta of the second book of `marginAdjPair`. */
  netB = 0;
  /** Second total of the last `marginAdjPair`. */
  totalB = 0;

  /**
   * Totals of two books of the same unit (the unit without and with its collateral: same slots, same options,
   * vectors at `offA` and `offB`, net deltas in `net` and `netB`) plus the adjustment, in one pass over the
   * adjustment's vector: into `total` and `totalB`. Each equals what `marginAdj` gives for that book alone.
   */
  marginAdjPair(vec: Float64Array, offA: number, offB: number, nSlots: number, r: UnitRates): void {
    const G = r.G, E = r.E, k = this.aK;
    const ag = this.aGrid, ago = this.aGridOff;
    let minA = Infinity, minB = Infinity;
    for (let i = 0; i < G; i++) {
      const x = k * ag[ago + i];
      const a = vec[offA + i] + x, b = vec[offB + i] + x;
      minA = a < minA ? a : minA;
      minB = b < minB ? b : minB;
    }
    const worstA = Math.max(0, -minA), worstB = Math.max(0, -minB);
    let extA = 0, extB = 0;
    if (E > 0) {
      const ae = this.aExt, aeo = this.aExtOff, ea = offA + G, eb = offB + G;
      minA = Infinity; minB = Infinity;
      for (let i = 0; i < E; i++) {
        const x = k * ae[aeo + i];
        const a = vec[ea + i] + x, b = vec[eb + i] + x;
        minA = a < minA ? a : minA;
        minB = b < minB ? b : minB;
      }
      extA = Math.max(0, -minA); extB = Math.max(0, -minB);
    }
    this.rollAdj(nSlots, r);
    this.worstIn = worstB; this.extIn = extB; this.netIn = this.netB;
    this.totalB = this.totalOf(r);
    this.worstIn = worstA; this.extIn = extA; this.netIn = this.net;
    this.total = this.totalOf(r);
  }

  // Scratch of the adjusted totals (fields rather than arguments: see `evaluate`).
  private rollOut = 0;
  private worstIn = 0;
  private extIn = 0;
  private netIn = 0;

  /** Roll shock (USD) of the slots plus the adjustment, into `rollOut`. */
  private rollAdj(nSlots: number, r: UnitRates): void {
    const adjDelta = this.aK * this.aDelta;
    let roll = 0;
    const sd = this.slotDelta, sf = this.slotF, st = this.slotT, slot = this.aSlot;
    for (let j = 0; j < nSlots; j++) {
      const d = j === slot ? sd[j] + adjDelta : sd[j];
      roll += Math.max(r.minAnnualMove, r.annualMoveRisk * st[j]) * Math.abs(d) * sf[j];
    }
    if (slot === nSlots) roll += Math.max(r.minAnnualMove, r.annualMoveRisk * this.aT) * Math.abs(adjDelta) * this.aF;
    this.rollOut = roll;
  }

  /** The unit total from `worstIn`, `extIn`, `rollOut`, `netIn` + the adjustment (the expression of `evaluate`). */
  private totalOf(r: UnitRates): number {
    const index = this.index, numIndex = this.numIndex, ds = r.deltaShock;
    const netUsd = Math.abs(this.netIn + this.aK * this.aDelta) * index;
    const extra = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, netUsd - ds.thresholdUsd)) / 1e6);
    return Math.max(this.worstIn, this.extIn) + this.rollOut / numIndex + (extra * netUsd) / numIndex + (r.shortOptionMinimum * index * this.q) / numIndex;
  }


}

/**
 * `evaluate`'s loss (worst cell, or weighted extended move) of a vector whose cells are fl(0 + amount × row[j]), for
 * `amount` > 0, from `least`, the least of `row`: the product and the sum round monotonically, so the least cell is
 * fl(0 + amount × least), and the loss max(0, −(that + 0)) is the double the search would give.
 */
export function scaledLoss(amount: number, least: number): number {
  return Math.max(0, -(0 + amount * least + 0));
}

/**
 * The index i < n of the least `vec[off + i]`, the first one on ties; 0 when none is less than Infinity (the scan
 * `if (v < min) { min = v; best = i; }` from Infinity). Even and odd indices are searched side by side, which
 * halves the chain of dependent comparisons; the lower index wins a tie between the two.
 */
export function firstMinimum(vec: Float64Array, off: number, n: number): number {
  let m0 = Infinity, m1 = Infinity, b0 = 0, b1 = n, i = 0;
  for (; i + 1 < n; i += 2) {
    const v0 = vec[off + i], v1 = vec[off + i + 1];
    if (v0 < m0) { m0 = v0; b0 = i; }
    if (v1 < m1) { m1 = v1; b1 = i + 1; }
  }
  if (i < n) { const v = vec[off + i]; if (v < m0) { m0 = v; b0 = i; } }
  return m1 < m0 || (m1 === m0 && b1 < b0) ? b1 : b0;
}

/**
 * Short-option quantity of a unit: Σ max(0, −size) over its option slots in slot order (`q -= s` as the object
 * path does). With `adjSlot` ≥ 0 that slot's size is taken with `k` added; `adjSlot` = `n` adds a new short slot
 * of size `k` (counted only when k < 0); −1: no option adjustment.
 */
export function shortQty(sizes: Float64Array, start: number, n: number, adjSlot: number, k: number): number {
  let q = 0;
  for (let j = 0; j < n; j++) {
    const s = j === adjSlot ? sizes[start + j] + k : sizes[start + j];
    if (s < 0) q -= s;
  }
  if (adjSlot === n && k < 0) q -= k;
  return q;
}

/**
 * `vec[off + i] = Σ sizes[x] × data[rows[x] + i]` for i < n, over x = start … end − 1 in that order, summed from 0:
 * the same doubles as zeroing the run and calling `axpy` once per x (each element's sum is taken in x order either
 * way). Eight elements at a time are summed in locals, so each row element is loaded once and no partial sum goes
 * through memory: ~1.8× the axpy loop on a 35-scenario unit of 20 positions.
 */
export function sumRows(vec: Float64Array, off: number, data: Float64Array, rows: Int32Array, sizes: Float64Array, start: number, end: number, n: number): void {
  let b = 0;
  for (; b + 8 <= n; b += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let x = start; x < end; x++) {
      const o = rows[x] + b, s = sizes[x];
      a0 += s * data[o]; a1 += s * data[o + 1]; a2 += s * data[o + 2]; a3 += s * data[o + 3];
      a4 += s * data[o + 4]; a5 += s * data[o + 5]; a6 += s * data[o + 6]; a7 += s * data[o + 7];
    }
    const v = off + b;
    vec[v] = a0; vec[v + 1] = a1; vec[v + 2] = a2; vec[v + 3] = a3; vec[v + 4] = a4; vec[v + 5] = a5; vec[v + 6] = a6; vec[v + 7] = a7;
  }
  // The rest (fewer than eight: 35 scenarios leave three) in one pass over the rows, not one per element.
  const left = n - b;
  if (left === 0) return;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0;
  for (let x = start; x < end; x++) {
    const o = rows[x] + b, s = sizes[x];
    a0 += s * data[o];
    if (left > 1) a1 += s * data[o + 1];
    if (left > 2) a2 += s * data[o + 2];
    if (left > 3) a3 += s * data[o + 3];
    if (left > 4) a4 += s * data[o + 4];
    if (left > 5) a5 += s * data[o + 5];
    if (left > 6) a6 += s * data[o + 6];
  }
  const v = off + b;
  vec[v] = a0;
  if (left > 1) vec[v + 1] = a1;
  if (left > 2) vec[v + 2] = a2;
  if (left > 3) vec[v + 3] = a3;
  if (left > 4) vec[v + 4] = a4;
  if (left > 5) vec[v + 5] = a5;
  if (left > 6) vec[v + 6] = a6;
}

/**
 * `sumRows` over rows held in arrays of their own: `vec[off + i] = Σ sizes[x] × rows[x][i]` for i < n, over
 * x = 0 … count − 1 in that order, summed from 0 (the same doubles as a zeroed run plus one `axpy` per row).
 * Deliberately the same loop as `sumRows` written for the other layout: a view per row (`subarray`) would let one
 * function serve both, but the kernel would allocate one per position on every tick.
 */
export function sumArrays(vec: Float64Array, off: number, rows: readonly Float64Array[], sizes: Float64Array, count: number, n: number): void {
  let b = 0;
  for (; b + 8 <= n; b += 8) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (let x = 0; x < count; x++) {
      const r = rows[x], s = sizes[x];
      a0 += s * r[b]; a1 += s * r[b + 1]; a2 += s * r[b + 2]; a3 += s * r[b + 3];
      a4 += s * r[b + 4]; a5 += s * r[b + 5]; a6 += s * r[b + 6]; a7 += s * r[b + 7];
    }
    const v = off + b;
    vec[v] = a0; vec[v + 1] = a1; vec[v + 2] = a2; vec[v + 3] = a3; vec[v + 4] = a4; vec[v + 5] = a5; vec[v + 6] = a6; vec[v + 7] = a7;
  }
  // The rest (fewer than eight: 27 grid cells leave three) in one pass over the rows, not one per element.
  const left = n - b;
  if (left === 0) return;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0;
  for (let x = 0; x < count; x++) {
    const r = rows[x], s = sizes[x];
    a0 += s * r[b];
    if (left > 1) a1 += s * r[b + 1];
    if (left > 2) a2 += s * r[b + 2];
    if (left > 3) a3 += s * r[b + 3];
    if (left > 4) a4 += s * r[b + 4];
    if (left > 5) a5 += s * r[b + 5];
    if (left > 6) a6 += s * r[b + 6];
  }
  const v = off + b;
  vec[v] = a0;
  if (left > 1) vec[v + 1] = a1;
  if (left > 2) vec[v + 2] = a2;
  if (left > 3) vec[v + 3] = a3;
  if (left > 4) vec[v + 4] = a4;
  if (left > 5) vec[v + 5] = a5;
  if (left > 6) vec[v + 6] = a6;
}

/**
 * `vec[off + j] += s × src[srcOff + j]` for j < n (unrolled by four: the hot loop of every unit sum; each element
 * is the same single multiply-add as the plain loop, so results do not change).
 */
export function axpy(vec: Float64Array, off: number, s: number, src: Float64Array, srcOff: number, n: number): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    vec[off + j] += s * src[srcOff + j];
    vec[off + j + 1] += s * src[srcOff + j + 1];
    vec[off + j + 2] += s * src[srcOff + j + 2];
    vec[off + j + 3] += s * src[srcOff + j + 3];
  }
  for (; j < n; j++) vec[off + j] += s * src[srcOff + j];
}
