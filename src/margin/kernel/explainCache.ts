/**
 * What the explanation path looks up per context, by integer id instead of by string: each instrument's risk
 * (`ctx.risk`, asked once per instrument and context) and each asset's unit facts (grid, unit rates, index,
 * stable-coin flag, haircut schedule, spot risk). A context is valid until its market changes (riskContext.ts;
 * IncrementalRiskContext hands out a new context object after each invalidation), so the cache is kept per
 * context object.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { InstrumentRisk } from "../../risk/instrumentRisk.js";
import type { ScenarioGrid } from "../../risk/scenarioGrid.js";
import { forAsset, type HaircutPoint } from "../params.js";
import { spotInstrument, type RiskContext } from "../riskContext.js";
import type { InstrumentKeys } from "./instrumentKeys.js";
import { unitRates, type UnitRates } from "./unitEval.js";

/** One asset as a risk unit of a context. */
export interface AssetFacts {
  readonly code: string;
  /** `ctx.usdIndex(code)` (undefined when the market has none). */
  readonly usdIndex: number | undefined;
  readonly stable: boolean;
  // Computed on first use (as the object path asks for them only then): grid and rates of the asset's unit,
  // haircut schedule, spot risk (collateral joining its unit).
  grid: ScenarioGrid | undefined;
  rates: UnitRates | undefined;
  schedule: readonly HaircutPoint[] | undefined;
  spot: Parsed<InstrumentRisk> | undefined;
  /**
   * The least cell of the spot's grid row and the least of its extended row (`spot`'s, set with it); NaN when the
   * spot has no risk or a row holds a value that is not finite (then nothing is derived from them).
   */
  spotGridMin: number;
  spotExtMin: number;
  /**
   * The components (`uComp` layout: worst, cell, extended, index, roll, delta, short option, total) of this asset's
   * unit when it holds nothing: an all-zero book, no slots, no options, net delta 0 (computed on first use).
   */
  empty: Float64Array | undefined;
}

/** The least value of `row` (+Infinity when empty), or NaN when a value is not finite. */
function finiteMin(row: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (!Number.isFinite(v)) return NaN;
    m = v < m ? v : m;
  }
  return m;
}

export class ContextCache {
  private readonly risks: (Parsed<InstrumentRisk> | undefined)[] = [];
  private readonly assets: (AssetFacts | undefined)[] = [];

  constructor(readonly ctx: RiskContext, readonly keys: InstrumentKeys, readonly generation: number) {}

  risk(id: number): Parsed<InstrumentRisk> {
    let r = this.risks[id];
    if (r === undefined) this.risks[id] = r = this.ctx.risk(this.keys.instrument(id));
    return r;
  }

  asset(aid: number): AssetFacts {
    let f = this.assets[aid];
    if (f === undefined) {
      const ctx = this.ctx, code = this.keys.assetCodes[aid];
      f = { code, usdIndex: ctx.usdIndex(code), stable: ctx.isStable(code), grid: undefined, rates: undefined, schedule: undefined, spot: undefined, spotGridMin: NaN, spotExtMin: NaN, empty: undefined };
      this.assets[aid] = f;
    }
    return f;
  }

  /** The grid of the asset's unit (and its rates in `f.rates`). */
  grid(f: AssetFacts): ScenarioGrid {
    if (f.grid === undefined) {
      const g = this.ctx.grid(f.code);
      f.grid = g;
      f.rates = unitRates(g.params, g.priceShocks.length * 3, g.extendedMoves.length, this.ctx.params.portfolio);
    }
    return f.grid;
  }

  schedule(f: AssetFacts): readonly HaircutPoint[] {
    if (f.schedule === undefined) f.schedule = forAsset(this.ctx.params.collateral.haircuts, f.code);
    return f.schedule;
  }

  spot(f: AssetFacts): Parsed<InstrumentRisk> {
    if (f.spot === undefined) {
      const s = (f.spot = this.ctx.risk(spotInstrument(f.code)));
      if (s.ok) { f.spotGridMin = finiteMin(s.value.grid); f.spotExtMin = finiteMin(s.value.extended); }
    }
    return f.spot;
  }
}
