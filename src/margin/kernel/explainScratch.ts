/**
 * The reusable typed scratch of the explanation path (explainBook.ts): one account's positions, collateral,
 * units (three vector blocks each: without collateral, with it, orders filled), expiry slots and option slots.
 * Grown on demand, never shrunk; the field names are read by explainOrders.ts and explainResult.ts.
 */
import type { Portfolio } from "../../domain/portfolio.js";
import type { InstrumentRisk } from "../../risk/instrumentRisk.js";
import type { ScenarioGrid } from "../../risk/scenarioGrid.js";
import type { RiskContext } from "../riskContext.js";
import type { UnitRates } from "./unitEval.js";

type F64 = Float64Array<ArrayBuffer>;
type I32 = Int32Array<ArrayBuffer>;
export const growF = (a: F64, n: number): F64 => (n <= a.length ? a : new Float64Array(Math.max(n, a.length * 2)));
export const growI = (a: I32, n: number): I32 => (n <= a.length ? a : new Int32Array(Math.max(n, a.length * 2)));

export class ExplainScratch {
  ctx!: RiskContext;
  pf!: Portfolio;
  // Positions (input order).
  n = 0;
  risks: InstrumentRisk[] = [];
  values = new Float64Array(64);
  pUnit = new Int32Array(64);
  pSlot = new Int32Array(64);
  pOpt = new Int32Array(64);
  /** Positions grouped by unit (stable), `uPosStart`/`uPosCount` index into it. */
  grouped = new Int32Array(64);
  /** One unit's grid and extended rows and sizes, in grouped order (the arguments of `sumArrays`). */
  gRows: Float64Array[] = [];
  eRows: Float64Array[] = [];
  rowSizes = new Float64Array(64);
  orderRisks: InstrumentRisk[] = [];
  // Collateral (Object.keys order), the first `nC` entries: code, asset id, amount, value (numeraire).
  nC = 0;
  cAssets: string[] = [];
  cIds = new Int32Array(8);
  cAmounts = new Float64Array(8);
  cValues = new Float64Array(8);
  /** Per collateral entry, after `accountFigures` (explainResult.ts): its haircut, and 1 when counted in its unit's scenarios. */
  cHaircut = new Float64Array(8);
  cInScenario = new Uint8Array(8);
  equity = 0;
  // Units.
  U = 0;
  uName: string[] = [];
  uAsset = new Int32Array(8);
  uGrid: ScenarioGrid[] = [];
  uRates: UnitRates[] = [];
  uIndex = new Float64Array(8);
  uOff = new Int32Array(8);
  uNet = new Float64Array(8);
  uNetColl = new Float64Array(8);
  uPosStart = new Int32Array(8);
  uPosCount = new Int32Array(8);
  uSlotStart = new Int32Array(8);
  uSlotCount = new Int32Array(8);
  uOptStart = new Int32Array(8);
  uOptCount = new Int32Array(8);
  uColl = new Float64Array(8);
  uCounted = new Int32Array(8);
  uHaircut = new Float64Array(8);
  uAltHaircut = new Float64Array(8);
  uOrders = new Float64Array(8);
  uOrderSide = new Int32Array(8);
  uComp = new Float64Array(64);
  vec = new Float64Array(1024);
  // Expiry slots and option slots, contiguous per unit.
  sDelta = new Float64Array(64);
  sF = new Float64Array(64);
  sT = new Float64Array(64);
  sKey = new Int32Array(64);
  sFirst: InstrumentRisk[] = [];
  oSize = new Float64Array(64);
  oId = new Int32Array(64);

  protected growUnits(cap: number): void {
    const f = (a: F64): F64 => copyF(a, cap);
    const i = (a: I32): I32 => copyI(a, cap);
    this.uIndex = f(this.uIndex); this.uOff = i(this.uOff); this.uNet = f(this.uNet); this.uNetColl = f(this.uNetColl);
    this.uPosStart = i(this.uPosStart); this.uPosCount = i(this.uPosCount); this.uSlotStart = i(this.uSlotStart); this.uSlotCount = i(this.uSlotCount);
    this.uOptStart = i(this.uOptStart); this.uOptCount = i(this.uOptCount); this.uColl = f(this.uColl); this.uCounted = i(this.uCounted);
    this.uHaircut = f(this.uHaircut); this.uAltHaircut = f(this.uAltHaircut); this.uOrders = f(this.uOrders); this.uOrderSide = i(this.uOrderSide);
    this.uComp = copyF(this.uComp, cap * 8);
    this.uAsset = i(this.uAsset);
  }
}

export function copyF(a: F64, cap: number): F64 {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, Math.min(a.length, cap)));
  return b;
}

export function copyI(a: I32, cap: number): I32 {
  const b = new Int32Array(cap);
  b.set(a.subarray(0, Math.min(a.length, cap)));
  return b;
}
