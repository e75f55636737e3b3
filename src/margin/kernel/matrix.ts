/**
 * Instrument matrices: per underlying, one Float64Array with a row per registered instrument on it (the
 * instrument's grid P&L, weighted extended P&L, then value, Greeks, mark, forward, T, index, quote index and an
 * ok flag; registry.ts `COL_*`), plus each asset's USD index. Rows are copied from the `InstrumentRisk` values of
 * a `RiskContext` (nothing is re-priced here), and only for the instruments that depend on the assets that
 * moved. Buffers come from an allocator, so they can live on `SharedArrayBuffer`s read by worker threads.
 * All amounts in the context's numeraire, per unit of the instrument.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { InstrumentRisk } from "../../risk/instrumentRisk.js";
import type { RiskContext } from "../riskContext.js";
import { COL_DELTA, COL_FORWARD, COL_GAMMA, COL_INDEX, COL_MARK, COL_OK, COL_QUOTE_INDEX, COL_T, COL_THETA, COL_VALUE, COL_VEGA, type KernelRegistry } from "./registry.js";

/** Allocates the bytes of a buffer (an ArrayBuffer, or a SharedArrayBuffer for worker threads). */
export type Allocate = (bytes: number) => ArrayBufferLike;

export const localAllocate: Allocate = (bytes) => new ArrayBuffer(bytes);
export const sharedAllocate: Allocate = (bytes) => new SharedArrayBuffer(bytes);

export class KernelMarket {
  /** Matrix of each asset id (empty until the asset has a row). */
  data: Float64Array[] = [];
  /** Row capacity of each asset's matrix. */
  capRows: number[] = [];
  /** USD index per asset id (NaN when the market has none). */
  index: Float64Array = new Float64Array(0);
  /** USD per unit of the numeraire. */
  numIndex = 1;
  /** Incremented whenever a buffer is replaced (workers must be sent the new one). */
  generation = 0;
  /** Instrument ids below this have been filled at least once. */
  filledUpTo = 0;

  constructor(readonly reg: KernelRegistry, private readonly alloc: Allocate = localAllocate) {}

  /** Grow every matrix and the index array to the registry's rows and assets. */
  ensure(): void {
    const reg = this.reg, n = reg.assetCount;
    if (this.index.length < n) {
      const next = new Float64Array(this.alloc(8 * Math.max(8, n * 2)));
      next.fill(NaN);
      next.set(this.index);
      this.index = next;
      this.generation++;
    }
    for (let a = 0; a < n; a++) {
      const rows = reg.rowsOf[a];
      const cap = this.capRows[a] ?? 0;
      if (rows <= cap) continue;
      const nextCap = Math.max(rows, cap * 2, 16);
      const stride = reg.layout(a).stride;
      const next = new Float64Array(this.alloc(8 * nextCap * stride));
      const old = this.data[a];
      if (old) next.set(old);
      this.data[a] = next;
      this.capRows[a] = nextCap;
      this.generation++;
    }
  }

  /** Use buffers made elsewhere (a worker attaching the main thread's shared matrices). */
  attach(asset: number, buffer: ArrayBufferLike, capRows: number): void {
    this.data[asset] = new Float64Array(buffer);
    this.capRows[asset] = capRows;
  }

  attachIndex(buffer: ArrayBufferLike): void {
    this.index = new Float64Array(buffer);
  }

  /** Copy one instrument's risk into its row (a failure clears the row's ok flag). */
  fillRow(id: number, r: Parsed<InstrumentRisk>): void {
    const reg = this.reg, a = reg.instAsset[id], l = reg.layout(a), G = l.G, E = l.E;
    const d = this.data[a], off = reg.instRow[id] * l.stride, s = off + G + E;
    if (!r.ok || r.value.grid.length !== G || r.value.extended.length !== E) { d[s + COL_OK] = 0; return; }
    const v = r.value, rs = v.resolved;
    d.set(v.grid, off);
    d.set(v.extended, off + G);
    d[s + COL_VALUE] = v.value; d[s + COL_DELTA] = v.delta; d[s + COL_GAMMA] = v.gamma; d[s + COL_VEGA] = v.vega; d[s + COL_THETA] = v.theta;
    d[s + COL_MARK] = v.markPrice; d[s + COL_FORWARD] = rs.forward; d[s + COL_T] = rs.T; d[s + COL_INDEX] = rs.index; d[s + COL_QUOTE_INDEX] = rs.quoteIndex;
    d[s + COL_OK] = 1;
  }

  /**
   * Refill from a context: every asset's index, and the rows of the instruments that depend on the assets in
   * `moved` (asset ids; null: every row).
   */
  refresh(ctx: RiskContext, moved: readonly number[] | null): void {
    this.ensure();
    const reg = this.reg;
    this.numIndex = ctx.numeraire.index;
    for (let a = 0; a < reg.assetCount; a++) this.index[a] = ctx.usdIndex(reg.assetLog[a]) ?? NaN;
    if (moved === null) {
      for (let id = 0; id < reg.instrumentCount; id++) this.fillRow(id, ctx.risk(reg.instruments[id]));
    } else {
      for (const a of moved) for (const id of reg.dependents[a]) this.fillRow(id, ctx.risk(reg.instruments[id]));
      for (let id = this.filledUpTo; id < reg.instrumentCount; id++) this.fillRow(id, ctx.risk(reg.instruments[id]));
    }
    this.filledUpTo = reg.instrumentCount;
  }
}
