/**
 * The kernel's dictionary: asset codes and instrument names to dense integer ids, and where each instrument's
 * row lives (its underlying's matrix, its row number). Registration is deterministic: the same names registered
 * in the same order give the same ids and rows, which is how worker threads mirror the main thread's registry
 * (`assetLog` / `instrumentLog`). Also holds what the margin needs per asset and parameter set: scenario sizes
 * and unit rates of each underlying, the stable-coin flag, the haircut schedule and the correlation matrix.
 */
import { instrumentNamed, type Instrument } from "../../domain/instrument.js";
import { scenarioGrid } from "../../risk/scenarioGrid.js";
import { pairCorrelation } from "../crossAsset.js";
import { forAsset, type HaircutPoint, type MarginParams } from "../params.js";
import { InstrumentKeys, KIND_OPTION, KIND_SPOT, kindCode } from "./instrumentKeys.js";
import { unitRates, type UnitRates } from "./unitEval.js";

/** Scalar columns after a row's G grid cells and E extended cells. */
export const COL_VALUE = 0, COL_DELTA = 1, COL_GAMMA = 2, COL_VEGA = 3, COL_THETA = 4, COL_MARK = 5, COL_FORWARD = 6, COL_T = 7, COL_INDEX = 8, COL_QUOTE_INDEX = 9, COL_OK = 10;
/** Number of scalar columns. */
export const SCALARS = 11;

/** Per-underlying layout of a matrix row: G + E scenario cells, then the scalars. */
export interface RowLayout {
  readonly G: number;
  readonly E: number;
  readonly stride: number;
  readonly rates: UnitRates;
}

export class KernelRegistry {
  readonly keys = new InstrumentKeys();
  private readonly assetIds = new Map<string, number>();
  /** Asset codes in registration order (index = asset id). */
  readonly assetLog: string[] = [];
  /** Instrument names in registration order (index = instrument id). */
  readonly instrumentLog: string[] = [];
  private readonly instIds = new Map<string, number>();
  private layouts: (RowLayout | undefined)[] = [];
  /** Rows used per asset's matrix. */
  rowsOf: number[] = [];
  /** Instrument ids whose row depends on an asset (as underlying or linear quote). */
  dependents: number[][] = [];
  private stable: boolean[] = [];
  private schedules: (readonly HaircutPoint[] | undefined)[] = [];
  private spotIds: number[] = [];
  private rho: Float64Array = new Float64Array(0);
  private rhoCap = 0;

  // Per instrument id.
  instAsset: Int32Array = new Int32Array(64);
  instRow: Int32Array = new Int32Array(64);
  instKind: Uint8Array = new Uint8Array(64);
  /** Asset id of a linear non-spot instrument's quote, else −1. */
  instQuote: Int32Array = new Int32Array(64);
  instInverse: Uint8Array = new Uint8Array(64);
  instruments: Instrument[] = [];

  constructor(readonly params: MarginParams) {}

  get assetCount(): number {
    return this.assetLog.length;
  }

  get instrumentCount(): number {
    return this.instrumentLog.length;
  }

  /** Id of an asset code (registered on first sight). */
  asset(code: string): number {
    let id = this.assetIds.get(code);
    if (id !== undefined) return id;
    id = this.assetLog.length;
    this.assetIds.set(code, id);
    this.assetLog.push(code);
    this.layouts.push(undefined);
    this.rowsOf.push(0);
    this.dependents.push([]);
    this.stable.push(code === "USD" || this.params.collateral.stablecoins.includes(code));
    this.schedules.push(undefined);
    this.spotIds.push(-1);
    return id;
  }

  /** Id of an asset code already registered, or undefined. */
  assetId(code: string): number | undefined {
    return this.assetIds.get(code);
  }

  /** Id of an instrument name (registered on first sight), or −1 for an invalid name. */
  instrument(name: string): number {
    const known = this.instIds.get(name);
    if (known !== undefined) return known;
    const inst = instrumentNamed(name);
    if (!inst) return -1;
    const u = this.asset(inst.underlying);
    const q = inst.settlement === "linear" && inst.kind !== "spot" ? this.asset(inst.quote) : -1;
    const id = this.instrumentLog.length;
    if (id >= this.instAsset.length) this.growInstruments(id * 2);
    this.instIds.set(name, id);
    this.instrumentLog.push(name);
    this.instruments.push(inst);
    this.keys.id(inst);
    this.instAsset[id] = u;
    this.instRow[id] = this.rowsOf[u]++;
    this.instKind[id] = kindCode(inst);
    this.instQuote[id] = q;
    this.instInverse[id] = inst.settlement === "inverse" ? 1 : 0;
    this.dependents[u].push(id);
    if (q >= 0) this.dependents[q].push(id);
    if (inst.kind === "spot") this.spotIds[u] = id;
    return id;
  }

  /** Instrument id of an asset's spot (registered on demand). */
  spot(asset: number): number {
    const s = this.spotIds[asset];
    return s >= 0 ? s : this.instrument(this.assetLog[asset]);
  }

  /** Row layout and unit rates of an underlying's matrix (from the parameters' grid of that asset). */
  layout(asset: number): RowLayout {
    let l = this.layouts[asset];
    if (!l) {
      const p = this.params.portfolio;
      const g = scenarioGrid(forAsset(p.underlyings, this.assetLog[asset]), p.extendedMoves, p.extendedWeights);
      const G = g.priceShocks.length * 3, E = g.extendedMoves.length;
      l = { G, E, stride: G + E + SCALARS, rates: unitRates(g.params, G, E, p) };
      this.layouts[asset] = l;
    }
    return l;
  }

  isStable(asset: number): boolean {
    return this.stable[asset];
  }

  /** Haircut schedule of an asset (`default` when unlisted). */
  schedule(asset: number): readonly HaircutPoint[] {
    let s = this.schedules[asset];
    if (s === undefined) this.schedules[asset] = s = forAsset(this.params.collateral.haircuts, this.assetLog[asset]);
    return s;
  }

  /** Expiry key id of an instrument (−1 for spot): the same id means the same roll-shock slot of one unit. */
  expiryKey(id: number): number {
    return this.keys.expiry[this.keys.id(this.instruments[id])];
  }

  isOption(id: number): boolean {
    return this.instKind[id] === KIND_OPTION;
  }

  isSpot(id: number): boolean {
    return this.instKind[id] === KIND_SPOT;
  }

  /** Correlation of two assets under the parameters' cross-asset table (1 when absent). */
  correlation(a: number, b: number): number {
    if (this.assetLog.length > this.rhoFilled) this.buildRho();
    return this.rho[a * this.rhoCap + b];
  }

  /** The correlation matrix over every registered asset (rebuilt when assets were added). */
  private buildRho(): void {
    const n = this.assetLog.length;
    const cap = Math.max(n, 8);
    this.rho = new Float64Array(cap * cap);
    this.rhoCap = cap;
    const p = this.params.portfolio.crossAsset;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) this.rho[a * cap + b] = pairCorrelation(p, this.assetLog[a], this.assetLog[b]);
    this.rhoFilled = n;
  }

  private rhoFilled = 0;

  private growInstruments(cap: number): void {
    const i32 = (a: Int32Array): Int32Array => { const b = new Int32Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array): Uint8Array => { const b = new Uint8Array(cap); b.set(a); return b; };
    this.instAsset = i32(this.instAsset); this.instRow = i32(this.instRow); this.instQuote = i32(this.instQuote);
    this.instKind = u8(this.instKind); this.instInverse = u8(this.instInverse);
  }
}
