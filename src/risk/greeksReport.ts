import type { Instrument } from "../domain/instrument.js";

/** Greeks of a group of positions in the result's numeraire (delta in coins, vega per vol point, theta per day). */
export interface GreeksRow {
  readonly underlying: string;
  /**
   * Expiry code, `PERPETUAL`, `SPOT`, `COLLATERAL` (spot collateral of the underlying), `NUMERAIRE` (under
   * a coin numeraire, on its own underlying: everything held outside it, which that coin's moves revalue),
   * or `ALL` for the underlying's total (positions and collateral).
   */
  readonly expiry: string;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  /** Positions in the row (0 for the collateral and numeraire rows). */
  readonly positions: number;
  /** Collateral held in the underlying (coins), on the `COLLATERAL` and `ALL` rows of an underlying held as collateral. */
  readonly held?: number;
}

/** Greeks of one position (size × per-unit Greeks) with its instrument. */
export interface GreekSource {
  readonly instrument: Instrument;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
}

/** Delta and gamma of a holding that is not a position: spot collateral, or the numeraire exposure. */
export interface HoldingGreeks {
  readonly underlying: string;
  readonly delta: number;
  readonly gamma: number;
  /** Coins held (collateral). */
  readonly held?: number;
}

/** Extra rows of an account beyond its positions. */
export interface AccountHoldings {
  /** Spot collateral per asset, its delta in the numeraire's terms (1 per coin in USD, 0 in its own coin). */
  readonly collateral?: readonly HoldingGreeks[];
  /** Under a coin numeraire: the value held outside that coin, as a delta on the coin (−value in coins). */
  readonly numeraire?: HoldingGreeks;
}

const SPOT = -2, PERPETUAL = -1, COLLATERAL = -3, NUMERAIRE = Number.MAX_SAFE_INTEGER - 1, ALL = Number.MAX_SAFE_INTEGER;

function expiryOf(i: Instrument): { key: string; t: number } {
  if (i.kind === "spot") return { key: "SPOT", t: SPOT };
  if (i.kind === "perpetual") return { key: "PERPETUAL", t: PERPETUAL };
  return { key: i.expiryCode ?? "?", t: i.expiry ?? 0 };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Sum position Greeks per underlying and expiry (sorted by underlying, then collateral, spot, perpetual,
 * expiries, numeraire), with a total row per underlying that includes the collateral and numeraire rows.
 */
export function greeksReport(positions: readonly GreekSource[], holdings: AccountHoldings = {}): GreeksRow[] {
  const groups = new Map<string, { row: Mutable<GreeksRow>; t: number }>();
  const row = (u: string, key: string, t: number): Mutable<GreeksRow> => {
    const id = `${u}|${key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { row: { underlying: u, expiry: key, delta: 0, gamma: 0, vega: 0, theta: 0, positions: 0 }, t }));
    return g.row;
  };
  const add = (r: Mutable<GreeksRow>, p: Omit<GreekSource, "instrument">, counts: boolean) => {
    r.delta += p.delta; r.gamma += p.gamma; r.vega += p.vega; r.theta += p.theta;
    if (counts) r.positions++;
  };
  for (const p of positions) {
    const e = expiryOf(p.instrument);
    add(row(p.instrument.underlying, e.key, e.t), p, true);
    add(row(p.instrument.underlying, "ALL", ALL), p, true);
  }
  const extra = (h: HoldingGreeks, key: string, t: number) => {
    const g = { delta: h.delta, gamma: h.gamma, vega: 0, theta: 0 };
    const mine = row(h.underlying, key, t), all = row(h.underlying, "ALL", ALL);
    add(mine, g, false);
    add(all, g, false);
    if (h.held !== undefined) { mine.held = (mine.held ?? 0) + h.held; all.held = (all.held ?? 0) + h.held; }
  };
  for (const c of holdings.collateral ?? []) extra(c, "COLLATERAL", COLLATERAL);
  if (holdings.numeraire) extra(holdings.numeraire, "NUMERAIRE", NUMERAIRE);
  return [...groups.values()]
    .sort((a, b) => (a.row.underlying < b.row.underlying ? -1 : a.row.underlying > b.row.underlying ? 1 : a.t - b.t))
    .map((g) => g.row);
}
