/**
 * Typed-array allocation in the portfolio model, measured with simple timers: how many Float64Arrays
 * an account's margin allocates (counted from the portfolio, following src/margin/portfolioModel.ts:
 * emptyUnit and cloneUnit each allocate a grid and an extended vector) and what one allocation costs.
 */
import type { Portfolio } from "../src/domain/portfolio.js";
import type { RiskContext } from "../src/margin/riskContext.js";

/** Float64Arrays allocated by portfolioMargin for one account (2 per emptyUnit / cloneUnit). */
export function typedArraysPerAccount(ctx: RiskContext, pf: Portfolio): number {
  const units = new Set<string>();
  for (const p of pf.positions) {
    const u = p.instrument.underlying;
    if (!(p.instrument.kind === "spot" && ctx.isStable(u))) units.add(u);
  }
  for (const [asset, amount] of Object.entries(pf.collateral)) if (amount > 0 && !ctx.isStable(asset)) units.add(asset);
  for (const o of pf.openOrders) units.add(o.instrument.underlying);
  let unitsCopied = units.size; // emptyUnit in buildUnits
  for (const u of units) {
    if (!ctx.isStable(u) && (pf.collateral[u] ?? 0) > 0) unitsCopied++; // decideUnit: book with collateral
    if (pf.openOrders.length > 0) unitsCopied += 2; // orderMargin: one clone per side
  }
  for (const p of pf.positions) if (units.has(p.instrument.underlying)) unitsCopied++; // positionReports: book without the position
  return 2 * unitsCopied;
}

export interface AllocCost {
  /** ns per Float64Array.prototype.slice of `gridLen` / `extLen` elements. */
  readonly typedSliceGrid: number;
  readonly typedSliceExt: number;
  /** ns per Array.prototype.slice of a plain number array of `gridLen` elements (for comparison). */
  readonly arraySliceGrid: number;
  /** ns per Float64Array.slice of 8 and 9 doubles: either side of V8's 64-byte on-heap limit. */
  readonly typedSlice8: number;
  readonly typedSlice9: number;
}

function nsPerOp(n: number, fn: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) sink += fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (sink === -1) process.stderr.write("");
  return ns;
}

export function allocCost(gridLen: number, extLen: number): AllocCost {
  const g = new Float64Array(gridLen).fill(1.5), e = new Float64Array(extLen).fill(2.5);
  const a: number[] = Array.from({ length: gridLen }, () => 1.5);
  const n = 300_000;
  const e8 = new Float64Array(8).fill(1), e9 = new Float64Array(9).fill(1);
  return {
    typedSlice8: nsPerOp(n, (i) => e8.slice()[i % 8]),
    typedSlice9: nsPerOp(n, (i) => e9.slice()[i % 9]),
    typedSliceGrid: nsPerOp(n, (i) => g.slice()[i % gridLen]),
    typedSliceExt: nsPerOp(n, (i) => e.slice()[i % extLen]),
    arraySliceGrid: nsPerOp(n, (i) => a.slice()[i % gridLen]),
  };
}
