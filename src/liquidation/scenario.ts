/**
 * Price paths for the cascade simulator: a named stress scenario (data file, e.g.
 * presets/liquidation/black-thursday-2020-03-12.json) or any path given as steps of cumulative moves from the start.
 */
import type { MarketSnapshot } from "../market/snapshot.js";

/** One step: hours since the start, cumulative relative move of each underlying's index, vol multipliers. */
export interface PathStep {
  readonly label: string;
  readonly hours: number;
  /** Cumulative relative move per underlying (−0.37 = −37 %); `default` for underlyings not listed. */
  readonly moves: Readonly<Record<string, number>>;
  /** Multiplier of every implied vol of the underlying (`default` for the rest); 1 when absent. */
  readonly volMultiplier?: Readonly<Record<string, number>>;
}

export interface StressScenario {
  readonly name: string;
  readonly description: string;
  /** Where the numbers come from. */
  readonly source: string;
  readonly steps: readonly PathStep[];
}

const lookup = (t: Readonly<Record<string, number>> | undefined, u: string, dflt: number): number => t?.[u] ?? t?.default ?? dflt;

/**
 * The snapshot `hours` later with every index, future mark and implied vol of an underlying moved:
 * index × factor, marks × factor, markIv and SVI total variance scaled by volMultiplier (a, b by m²).
 * `factor(u)` is the price factor (> 0) of an underlying; stablecoins keep theirs.
 */
export function shiftMarket(m: MarketSnapshot, hours: number, factor: (u: string) => number, volMult: (u: string) => number): MarketSnapshot {
  const assets: Record<string, MarketSnapshot["assets"][string]> = {};
  for (const [u, a] of Object.entries(m.assets)) {
    const f = factor(u), v = volMult(u);
    const surface = a.surface && v !== 1
      ? Object.fromEntries(Object.entries(a.surface).map(([k, s]) => [k, { ...s, a: s.a * v * v, b: s.b * v * v }]))
      : a.surface;
    assets[u] = { ...a, index: a.index * f, ...(a.vol !== undefined ? { vol: a.vol * v } : {}), ...(surface ? { surface } : {}) };
  }
  const instruments: Record<string, MarketSnapshot["instruments"][string]> = {};
  for (const [name, x] of Object.entries(m.instruments)) {
    const u = name.split(/[-_]/)[0];
    instruments[name] = {
      ...(x.mark !== undefined ? { mark: x.mark * factor(u) } : {}),
      ...(x.markIv !== undefined ? { markIv: x.markIv * volMult(u) } : {}),
    };
  }
  return { asOf: m.asOf + Math.round(hours * 3_600_000), assets, instruments };
}

/** Price factor and vol multiplier of an underlying at a step (stablecoins: 1). */
export function stepFactors(step: PathStep, stable: (u: string) => boolean): { factor: (u: string) => number; vol: (u: string) => number } {
  return {
    factor: (u) => (stable(u) ? 1 : 1 + lookup(step.moves, u, 0)),
    vol: (u) => (stable(u) ? 1 : lookup(step.volMultiplier, u, 1)),
  };
}
