import type { Instrument } from "../domain/instrument.js";

/** Greeks of a group of positions in the result's numeraire (delta in coins, vega per vol point, theta per day). */
export interface GreeksRow {
  readonly underlying: string;
  /** Expiry code, `PERPETUAL`, `SPOT`, or `ALL` for the underlying's total. */
  readonly expiry: string;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  readonly positions: number;
}

interface GreekSource {
  readonly instrument: Instrument;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
}

function expiryOf(i: Instrument): { key: string; t: number } {
  if (i.kind === "spot") return { key: "SPOT", t: -2 };
  if (i.kind === "perpetual") return { key: "PERPETUAL", t: -1 };
  return { key: i.expiryCode ?? "?", t: i.expiry ?? 0 };
}

/** Sum position Greeks per underlying and expiry (sorted by underlying, then expiry), with a total row per underlying. */
export function greeksReport(positions: readonly GreekSource[]): GreeksRow[] {
  const groups = new Map<string, { row: { underlying: string; expiry: string; delta: number; gamma: number; vega: number; theta: number; positions: number }; t: number }>();
  const add = (u: string, key: string, t: number, p: GreekSource) => {
    const id = `${u}|${key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { row: { underlying: u, expiry: key, delta: 0, gamma: 0, vega: 0, theta: 0, positions: 0 }, t }));
    g.row.delta += p.delta; g.row.gamma += p.gamma; g.row.vega += p.vega; g.row.theta += p.theta; g.row.positions++;
  };
  for (const p of positions) {
    const e = expiryOf(p.instrument);
    add(p.instrument.underlying, e.key, e.t, p);
    add(p.instrument.underlying, "ALL", Number.MAX_SAFE_INTEGER, p);
  }
  return [...groups.values()]
    .sort((a, b) => (a.row.underlying < b.row.underlying ? -1 : a.row.underlying > b.row.underlying ? 1 : a.t - b.t))
    .map((g) => g.row);
}
