import type { Instrument, Parsed } from "../domain/instrument.js";
import { instrumentNamed } from "../domain/instrument.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { resolveInstrument } from "../market/resolve.js";
import { instrumentRisk, type InstrumentRisk, type Numeraire } from "../risk/instrumentRisk.js";
import { scenarioGrid, type ScenarioGrid } from "../risk/scenarioGrid.js";
import { forAsset, type MarginParams } from "./params.js";

/**
 * One market snapshot, one parameter set and one numeraire: the shared, cached state every account's
 * margin is computed against. Instrument risk vectors are computed once per instrument and reused by
 * every account (DESIGN.md section 5.4), which is what makes margining a large book fast.
 */
export interface RiskContext {
  readonly market: MarketSnapshot;
  readonly params: MarginParams;
  readonly numeraire: Numeraire;
  /** Scenario grid of an underlying. */
  grid(underlying: string): ScenarioGrid;
  /** Per-unit risk of an instrument, or why it cannot be valued. */
  risk(inst: Instrument): Parsed<InstrumentRisk>;
  /** USD per unit of an asset now (1 for USD). */
  usdIndex(asset: string): number | undefined;
  /** True when the asset is held at its index in every scenario. */
  isStable(asset: string): boolean;
  /** Number of instrument risk vectors computed so far. */
  readonly computedVectors: () => number;
}

/** Make the numeraire for a currency code: USD or any asset with an index in the snapshot. */
export function makeNumeraire(market: MarketSnapshot, currency: string): Parsed<Numeraire> {
  if (currency === "USD") return { ok: true, value: { currency, index: 1, movesWith: () => false } };
  const a = Object.hasOwn(market.assets, currency) ? market.assets[currency] : undefined;
  if (!a) return { ok: false, reason: `must be USD or an asset with an index in the market (${["USD", ...Object.keys(market.assets)].join(", ")})` };
  return { ok: true, value: { currency, index: a.index, movesWith: (u) => u === currency } };
}

/** Build a risk context (cheap: vectors are computed lazily and cached). */
export function riskContext(market: MarketSnapshot, params: MarginParams, numeraire: Numeraire): RiskContext {
  const grids = new Map<string, ScenarioGrid>();
  const risks = new Map<string, Parsed<InstrumentRisk>>();
  const stable = new Set(params.collateral.stablecoins);
  let computed = 0;
  const grid = (u: string): ScenarioGrid => {
    let g = grids.get(u);
    if (!g) {
      const p = params.portfolio;
      g = scenarioGrid(forAsset(p.underlyings, u), p.extendedMoves, p.extendedWeights);
      grids.set(u, g);
    }
    return g;
  };
  const risk = (inst: Instrument): Parsed<InstrumentRisk> => {
    let r = risks.get(inst.name);
    if (!r) {
      const res = resolveInstrument(market, inst);
      r = res.ok ? { ok: true, value: instrumentRisk(res.value, grid(inst.underlying), numeraire) } : res;
      computed++;
      risks.set(inst.name, r);
    }
    return r;
  };
  // A name such as "constructor" finds an inherited member without an `index`: undefined, as for an unknown asset.
  const usdIndex = (asset: string): number | undefined => (asset === "USD" ? 1 : market.assets[asset]?.index);
  return { market, params, numeraire, grid, risk, usdIndex, isStable: (a) => a === "USD" || stable.has(a), computedVectors: () => computed };
}

/** Spot instrument of an asset (collateral joins its risk unit as spot). */
export function spotInstrument(asset: string): Instrument {
  const i = instrumentNamed(asset);
  if (!i) throw new Error(`invalid asset code ${asset}`);
  return i;
}
