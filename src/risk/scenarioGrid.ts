/** Scenario-grid parameters of one underlying (DESIGN.md section 5). */
export interface UnderlyingGridParams {
  /** Largest price move of the standard grid, ±priceRange. */
  readonly priceRange: number;
  /** Points per side: 2·buckets + 1 price moves. */
  readonly buckets: number;
  /**
   * Explicit price moves per side, ascending, positive (e.g. OKX's 8 %, 16 %, 25 %): the grid is 0 and ±each.
   * Absent → `buckets` moves evenly spaced up to `priceRange`. When present it has `buckets` entries, the last
   * equal to `priceRange`.
   */
  readonly priceMoves?: readonly number[];
  /** Relative vol shock up at 30 days to expiry. */
  readonly volUp: number;
  /** Relative vol shock down at 30 days to expiry. */
  readonly volDown: number;
  /** Exponent p of (30/DTE)^p for expiries under 30 days. */
  readonly shortTermPower: number;
  /** Exponent p of (30/DTE)^p for expiries of 30 days or more. */
  readonly longTermPower: number;
  /** Floor of the shocked-up volatility (absolute, annualised). */
  readonly minVolUp: number;
  /** Roll/basis shock: annual move of a forward relative to the index. */
  readonly annualMoveRisk: number;
  /** Roll/basis shock floor per expiry. */
  readonly minAnnualMove: number;
}


/** Vol states of the grid, in the order cells are laid out. */
export const VOL_STATES = ["up", "none", "down"] as const;
export type VolState = (typeof VOL_STATES)[number];

/** The scenarios of one risk unit: the standard grid (price-major, vol-minor) and the extended moves. */
export interface ScenarioGrid {
  /** 2·buckets + 1 price moves in [−priceRange, +priceRange], ascending: evenly spaced, or 0 and ±priceMoves. */
  readonly priceShocks: Float64Array;
  /** Extended price moves (revalued with vol up; delta-1 P&L clamped to the grid edge). */
  readonly extendedMoves: Float64Array;
  /** Weight of each extended move. */
  readonly extendedWeights: Float64Array;
  readonly params: UnderlyingGridParams;
}

/** Number of cells of the standard grid. */
export function gridSize(g: ScenarioGrid): number {
  return g.priceShocks.length * VOL_STATES.length;
}

/** Build the scenario grid of one underlying. Extended weights default to priceRange/|move|. */
export function scenarioGrid(
  p: UnderlyingGridParams,
  extendedMoves: readonly number[],
  extendedWeights: readonly number[] | null,
): ScenarioGrid {
  const n = 2 * p.buckets + 1;
  const priceShocks = new Float64Array(n);
  for (let i = 0; i < n; i++) priceShocks[i] = priceMove(p, i - p.buckets);
  const ext = Float64Array.from(extendedMoves);
  const w = Float64Array.from(extendedMoves, (m, i) => extendedWeights?.[i] ?? Math.min(1, p.priceRange / Math.abs(m)));
  return { priceShocks, extendedMoves: ext, extendedWeights: w, params: p };
}

/** The grid's k-th price move, k in [−buckets, buckets]. */
function priceMove(p: UnderlyingGridParams, k: number): number {
  if (k === 0) return 0;
  const m = p.priceMoves ? p.priceMoves[Math.abs(k) - 1] : Number(((Math.abs(k) / p.buckets) * p.priceRange).toPrecision(15));
  return k < 0 ? -m : m;
}

/** Cell index → (price shock, vol state). */
export function cellScenario(g: ScenarioGrid, cell: number): { priceShock: number; volShock: VolState } {
  return { priceShock: g.priceShocks[Math.floor(cell / 3)], volShock: VOL_STATES[cell % 3] };
}

/**
 * Time-scaled relative vol shock (DESIGN.md section 5): with f = (30/DTE)^p, p = shortTermPower when
 * DTE < 30 else longTermPower, σ_up = max(σ(1 + volUp·f), minVolUp) and σ_down = max(σ(1 − volDown·f), 0).
 * `T` in years; DTE = 365·T days.
 */
export function shockedVols(p: UnderlyingGridParams, vol: number, T: number): { up: number; down: number } {
  const dte = Math.max(T * 365, 1e-9);
  const power = dte < 30 ? p.shortTermPower : p.longTermPower;
  const f = Math.pow(30 / dte, power);
  return { up: Math.max(vol * (1 + p.volUp * f), p.minVolUp), down: Math.max(vol * (1 - p.volDown * f), 0) };
}
