import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import { cellScenario, type ScenarioGrid } from "../risk/scenarioGrid.js";
import type { PortfolioParams } from "./params.js";

/** A risk unit's positions summed: Σ size × instrument vectors, plus what the contingencies need. */
export interface UnitBook {
  readonly underlying: string;
  readonly grid: Float64Array;
  readonly extended: Float64Array;
  /** Per expiry (`PERPETUAL` or expiry code): net delta in coins and the forward. */
  readonly expiryDelta: Map<string, { delta: number; forward: number; T: number }>;
  /** Net size per option instrument name. */
  readonly optionSize: Map<string, number>;
  netDelta: number;
}

export function emptyUnit(underlying: string, g: ScenarioGrid): UnitBook {
  return {
    underlying, grid: new Float64Array(g.priceShocks.length * 3), extended: new Float64Array(g.extendedMoves.length),
    expiryDelta: new Map(), optionSize: new Map(), netDelta: 0,
  };
}

export function cloneUnit(u: UnitBook): UnitBook {
  const expiryDelta = new Map<string, { delta: number; forward: number; T: number }>();
  for (const [k, v] of u.expiryDelta) expiryDelta.set(k, { ...v });
  return { underlying: u.underlying, grid: u.grid.slice(), extended: u.extended.slice(), expiryDelta, optionSize: new Map(u.optionSize), netDelta: u.netDelta };
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
  const key = inst.kind === "perpetual" ? `${inst.quote === "USD" ? "" : inst.quote + ":"}PERPETUAL` : inst.expiryCode ?? "";
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

function argMin(a: Float64Array): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] < a[k]) k = i;
  return k;
}

/**
 * Risk margin of a unit (DESIGN.md section 5.5): worst loss over the grid and the weighted extended
 * moves, plus the roll/basis shock per expiry, the delta (liquidity) shock and the short-option minimum.
 * `index` is the underlying's index (USD), `numIndex` the numeraire's (USD per unit).
 */
export function unitMargin(u: UnitBook, g: ScenarioGrid, p: PortfolioParams, index: number, numIndex: number): UnitMargin {
  const worstCell = argMin(u.grid);
  const worstLoss = Math.max(0, -u.grid[worstCell]);
  const extendedIndex = u.extended.length > 0 ? argMin(u.extended) : -1;
  const extendedLoss = extendedIndex >= 0 ? Math.max(0, -u.extended[extendedIndex]) : 0;
  const gp = g.params;
  let roll = 0;
  for (const e of u.expiryDelta.values()) {
    roll += Math.max(gp.minAnnualMove, gp.annualMoveRisk * e.T) * Math.abs(e.delta) * e.forward;
  }
  const netUsd = Math.abs(u.netDelta) * index;
  const ds = p.deltaShock;
  const extra = Math.min(ds.cap, (ds.slopePerMillion * Math.max(0, netUsd - ds.thresholdUsd)) / 1e6);
  let shortQty = 0;
  for (const s of u.optionSize.values()) if (s < 0) shortQty -= s;
  const rollShock = roll / numIndex;
  const deltaShock = (extra * netUsd) / numIndex;
  const shortOptionMinimum = (p.shortOptionMinimum * index * shortQty) / numIndex;
  const total = Math.max(worstLoss, extendedLoss) + rollShock + deltaShock + shortOptionMinimum;
  return { underlying: u.underlying, worstLoss, worstCell, extendedLoss, extendedIndex, rollShock, deltaShock, shortOptionMinimum, total };
}

/** The worst cell as a scenario for the explanation. */
export function worstScenario(g: ScenarioGrid, m: UnitMargin): { priceShock: number; volShock: string } {
  return cellScenario(g, m.worstCell);
}
