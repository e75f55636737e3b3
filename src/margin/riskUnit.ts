import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import { cellScenario, type ScenarioGrid } from "../risk/scenarioGrid.js";
import type { PortfolioParams } from "./params.js";

/**
 * A risk unit's positions summed: Σ size × instrument vectors, plus what the contingencies need.
 * Vectors are plain arrays: typed arrays of this size are allocated off-heap by V8 and cost far more to
 * create per account than they save.
 */
export interface UnitBook {
  readonly underlying: string;
  readonly grid: number[];
  readonly extended: number[];
  /** Per expiry (`PERPETUAL` or expiry code): net delta in coins and the forward. */
  readonly expiryDelta: Map<string, { delta: number; forward: number; T: number }>;
  /** Net size per option instrument name. */
  readonly optionSize: Map<string, number>;
  netDelta: number;
}

function zeros(n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = 0;
  return a;
}

export function emptyUnit(underlying: string, g: ScenarioGrid): UnitBook {
  return {
    underlying, grid: zeros(g.priceShocks.length * 3), extended: zeros(g.extendedMoves.length),
    expiryDelta: new Map(), optionSize: new Map(), netDelta: 0,
  };
}

export function cloneUnit(u: UnitBook): UnitBook {
  const expiryDelta = new Map<string, { delta: number; forward: number; T: number }>();
  for (const [k, v] of u.expiryDelta) expiryDelta.set(k, { ...v });
  return { underlying: u.underlying, grid: u.grid.slice(), extended: u.extended.slice(), expiryDelta, optionSize: new Map(u.optionSize), netDelta: u.netDelta };
}

/** Key of the expiry an instrument's delta counts toward for the roll shock (perpetuals per quote). */
export function expiryKey(r: InstrumentRisk): string {
  const inst = r.resolved.instrument;
  if (inst.kind === "perpetual") return inst.quote === "USD" ? "PERPETUAL" : `${inst.quote}:PERPETUAL`;
  return inst.expiryCode ?? "";
}

/** Add `size` units of an instrument to a unit (a negative size removes). */
export function addToUnit(u: UnitBook, r: InstrumentRisk, size: number): void {
  const g = u.grid, v = r.grid;
  for (let i = 0; i < g.length; i++) g[i] += size * v[i];
  const e = u.extended, w = r.extended;
  for (let i = 0; i < e.length; i++) e[i] += size * w[i];
  const d = size * r.delta;
  u.netDelta += d;
  const inst = r.resolved.instrument;
  if (inst.kind === "spot") return;
  const key = expiryKey(r);
  const cur = u.expiryDelta.get(key);
  if (cur) cur.delta += d;
  else u.expiryDelta.set(key, { delta: d, forward: r.resolved.forward, T: r.resolved.T });
  if (inst.kind === "option") u.optionSize.set(inst.name, (u.optionSize.get(inst.name) ?? 0) + size);
}

/** A risk unit's margin, every part in the numeraire. */
export interface UnitMargin {
  readonly underlying: string;
  /** Loss of the worst standard-grid cell (≥ 0) and that cell. */
  readonly worstLoss: number;
  readonly worstCell: number;
  /** Weighted loss of the worst extended move (≥ 0) and its index. */
  readonly extendedLoss: number;
  readonly extendedIndex: number;
  readonly rollShock: number;
  readonly deltaShock: number;
  readonly shortOptionMinimum: number;
  /** max(worstLoss, extendedLoss) + rollShock + deltaShock + shortOptionMinimum. */
  readonly total: number;
}

/** Index of the smallest of a[i] + k·b[i] (b may be absent). */
function argMinAdjusted(a: readonly number[], b: ArrayLike<number> | undefined, k: number): number {
  let best = 0, min = Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = b ? a[i] + k * b[i] : a[i];
    if (v < min) { min = v; best = i; }
  }
  return best;
}

/** A hypothetical change to a unit, `size` more units of `risk`, applied on the fly without copying the unit. */
export interface UnitAdjustment {
  readonly risk: InstrumentRisk;
  readonly size: number;
}

function rollShockUsd(u: UnitBook, gp: ScenarioGrid["params"], adj: UnitAdjustment | undefined): number {
  const adjKey = adj && adj.risk.resolved.instrument.kind !== "spot" ? expiryKey(adj.risk) : undefined;
  const adjDelta = adj ? adj.size * adj.risk.delta : 0;
  let roll = 0;
  for (const [k, e] of u.expiryDelta) {
    const d = k === adjKey ? e.delta + adjDelta : e.delta;
    roll += Math.max(gp.minAnnualMove, gp.annualMoveRisk * e.T) * Math.abs(d) * e.forward;
  }
  if (adjKey !== undefined && adj && !u.expiryDelta.has(adjKey)) {
    const r = adj.risk.resolved;
    roll += Math.max(gp.minAnnualMove, gp.annualMoveRisk * r.T) * Math.abs(adjDelta) * r.forward;
  }
  return roll;
}

function shortOptionQty(u: UnitBook, adj: UnitAdjustment | undefined): number {
  const adjName = adj && adj.risk.resolved.instrument.kind === "option" ? adj.risk.resolved.instrument.name : undefined;
  let q = 0;
  for (const [name, s0] of u.optionSize) {
    const s = name === adjName && adj ? s0 + adj.size : s0;
    if (s < 0) q -= s;
  }
  if (adjName !== undefined && adj && !u.optionSize.has(adjName) && adj.size < 0) q -= adj.size;
  return q;
}

/**
 * Risk margin of a unit (DESIGN.md section 5.5): worst loss over the grid and the weighted extended
 * moves, plus the roll/basis shock per expiry, the delta (liquidity) shock and the short-option minimum.
 * `index` is the underlying's index (USD), `numIndex` the numeraire's (USD per unit). With `adj`, the
 * margin of the unit plus that change, computed without copying it (for marginal contributions).
 */
export function unitMargin(u: UnitBook, g: ScenarioGrid, p: PortfolioParams, index: number, numIndex: number, adj?: UnitAdjustment): UnitMargin {
  const k = adj ? adj.size : 0;
  const worstCell = argMinAdjusted(u.grid, adj?.risk.grid, k);
  const worstLoss = Math.max(0, -(u.grid[worstCell] + (adj ? k * adj.risk.grid[worstCell] : 0)));
  const extendedIndex = u.extended.length > 0 ? argMinAdjusted(u.extended, adj?.risk.extended, k) : -1;
  const extendedLoss = extendedIndex >= 0 ? Math.max(0, -(u.extended[extendedIndex] + (adj ? k * adj.risk.extended[extendedIndex] : 0))) : 0;
  const netUsd = Math.abs(u.netDelta + (adj ? k * adj.risk.delta : 0)) * index;
  const ds = p.deltaShock;
  const extra = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, netUsd - ds.thresholdUsd)) / 1e6);
  const rollShock = rollShockUsd(u, g.params, adj) / numIndex;
  const deltaShock = (extra * netUsd) / numIndex;
  const shortOptionMinimum = (p.shortOptionMinimum * index * shortOptionQty(u, adj)) / numIndex;
  const total = Math.max(worstLoss, extendedLoss) + rollShock + deltaShock + shortOptionMinimum;
  return { underlying: u.underlying, worstLoss, worstCell, extendedLoss, extendedIndex, rollShock, deltaShock, shortOptionMinimum, total };
}

/** The worst cell as a scenario for the explanation. */
export function worstScenario(g: ScenarioGrid, m: UnitMargin): { priceShock: number; volShock: string } {
  return cellScenario(g, m.worstCell);
}
