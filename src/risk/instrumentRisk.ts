import type { Instrument } from "../domain/instrument.js";
import type { ResolvedInstrument } from "../market/resolve.js";
import { unitGreeksUsd, unitValueUsd } from "../pricing/instrumentValue.js";
import { gridSize, shockedVols, type ScenarioGrid } from "./scenarioGrid.js";

/**
 * The numeraire in which values and P&L are measured: USD, or an asset whose index converts USD
 * amounts. When the numeraire is the risk unit's own underlying, its index moves with every scenario.
 */
export interface Numeraire {
  readonly currency: string;
  /** USD per unit of the numeraire now. */
  readonly index: number;
  /** True when the numeraire's index is the index of the underlying being shocked. */
  readonly movesWith: (underlying: string) => boolean;
}

export const USD_NUMERAIRE: Numeraire = { currency: "USD", index: 1, movesWith: () => false };

/** Per-unit risk of one instrument, computed once per market snapshot and numeraire. */
export interface InstrumentRisk {
  readonly resolved: ResolvedInstrument;
  /** Per-unit P&L in the numeraire over the standard grid (price-major, vol up/none/down). */
  readonly grid: Float64Array;
  /** Per-unit, weighted P&L over the extended moves. */
  readonly extended: Float64Array;
  /** Per-unit value now in the numeraire (premium of options, index of spot, 0 for futures). */
  readonly value: number;
  /** Mark in the instrument's quote unit: coin price of coin-settled options, forward of futures. */
  readonly markPrice: number;
  /** Per-unit Greeks in the numeraire: delta in coins, gamma per coin per USD, vega per vol point, theta per day. */
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  /** Shocked vols of an option (up, down), for the explanation. */
  readonly volUp: number;
  readonly volDown: number;
}

function numeraireAt(num: Numeraire, underlying: string, shock: number): number {
  return num.movesWith(underlying) ? num.index * (1 + shock) : num.index;
}

function valueNum(r: ResolvedInstrument, num: Numeraire, shock: number, vol: number): number {
  return unitValueUsd(r, shock, vol) / numeraireAt(num, r.instrument.underlying, shock);
}

/** Build the per-unit risk of an instrument on its underlying's scenario grid. */
export function instrumentRisk(r: ResolvedInstrument, g: ScenarioGrid, num: Numeraire): InstrumentRisk {
  const inst: Instrument = r.instrument;
  const isOption = inst.kind === "option";
  const { up, down } = isOption ? shockedVols(g.params, r.vol, r.T) : { up: 0, down: 0 };
  const vols = [up, r.vol, down];
  const base = valueNum(r, num, 0, r.vol);
  const grid = new Float64Array(gridSize(g));
  const n = g.priceShocks.length;
  for (let i = 0; i < n; i++) {
    const s = g.priceShocks[i];
    if (!isOption) {
      const pnl = valueNum(r, num, s, 0) - base;
      grid[3 * i] = pnl; grid[3 * i + 1] = pnl; grid[3 * i + 2] = pnl;
      continue;
    }
    for (let j = 0; j < 3; j++) grid[3 * i + j] = valueNum(r, num, s, vols[j]) - base;
  }
  const extended = new Float64Array(g.extendedMoves.length);
  for (let k = 0; k < extended.length; k++) {
    const m = g.extendedMoves[k];
    // Delta-1 P&L is clamped to the grid edge on the same side (Deribit); options are fully revalued with vol up.
    const pnl = isOption ? valueNum(r, num, m, up) - base : grid[m < 0 ? 1 : 3 * (n - 1) + 1];
    extended[k] = g.extendedWeights[k] * pnl;
  }
  // Fields written out rather than `...greeksNum(r, num)`: V8 (Node 20) keeps objects that a spread adds properties
  // to alive through young-generation collections, and a tick re-prices every instrument on the moved asset.
  const gk = greeksNum(r, num);
  return { resolved: r, grid, extended, value: base, markPrice: markPrice(r), volUp: up, volDown: down, delta: gk.delta, gamma: gk.gamma, vega: gk.vega, theta: gk.theta };
}

function markPrice(r: ResolvedInstrument): number {
  const inst = r.instrument;
  if (inst.kind === "spot") return r.index;
  if (inst.kind !== "option") return r.forward;
  const usd = unitValueUsd(r, 0, r.vol);
  return inst.settlement === "inverse" ? usd / r.index : usd / r.quoteIndex;
}

/**
 * Greeks in the numeraire N: value_N = V/N. Delta is reported in coins, δ = N·∂value_N/∂S = V' − [N moves]·V/S;
 * gamma = ∂δ/∂S; vega per vol point and theta per day are value_N amounts.
 */
function greeksNum(r: ResolvedInstrument, num: Numeraire): { delta: number; gamma: number; vega: number; theta: number } {
  const g = unitGreeksUsd(r);
  const V = unitValueUsd(r, 0, r.vol);
  const S = r.index;
  const N = num.index;
  const moves = num.movesWith(r.instrument.underlying);
  const delta = moves ? g.delta - V / S : g.delta;
  const gamma = moves ? g.gamma - g.delta / S + V / (S * S) : g.gamma;
  return { delta, gamma, vega: (g.vega * 0.01) / N, theta: g.theta / 365 / N };
}
