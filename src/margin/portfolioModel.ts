import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { ExplainBook } from "./kernel/explainBook.js";
import { C_CELL, C_DELTA, C_EXT, C_EXT_INDEX, C_ROLL, C_SOM, C_TOTAL, C_WORST } from "./kernel/explainBook.js";
import { COUNTED, explainResult } from "./kernel/explainResult.js";
import type { MarginResult } from "./result.js";
import type { RiskContext } from "./riskContext.js";
import { expiryKey, type UnitBook, type UnitMargin } from "./riskUnit.js";

/**
 * The explanation path of the portfolio model (DESIGN.md section 5): CLI, API and pre-trade detail. It runs on
 * the kernel's unit computation (src/margin/kernel/: typed scratch, integer expiry and option slots, marginal
 * contributions by evaluating a unit minus one position without copying it) and builds the same result, number
 * for number and key for key, as the object implementation it replaced (test/margin/reference/).
 */
const book = new ExplainBook();

/** One risk unit as the portfolio model margins it: the book its scenarios revalue, and its margin. */
export interface PortfolioUnit {
  readonly underlying: string;
  /** Σ size × per-unit P&L vectors, with the collateral when it was counted in the scenarios. */
  readonly book: UnitBook;
  readonly margin: UnitMargin;
  readonly countedAs: "scenario" | "haircut" | "none";
}

function withBook<T>(ctx: RiskContext, pf: Portfolio, f: (b: ExplainBook) => T): Parsed<T> {
  const fail = book.load(ctx, pf);
  return fail !== undefined ? { ok: false, reason: fail } : { ok: true, value: f(book) };
}

/**
 * `pf` evaluated on the explanation path's book, for a writer that reads the result off the book instead of building
 * its objects (the CLI's JSON lines, adapters/cli/resultBytes.ts): the book, valid until the next call into this
 * module, or why the account cannot be margined (`portfolioMargin`'s reasons).
 */
export function explainedBook(ctx: RiskContext, pf: Portfolio): Parsed<ExplainBook> {
  const fail = book.load(ctx, pf);
  return fail !== undefined ? { ok: false, reason: fail } : { ok: true, value: book };
}

/**
 * Portfolio (scenario-grid) margin of one account (DESIGN.md section 5); `contributions` false skips each
 * position's marginal contribution (reported as 0).
 */
export function portfolioMargin(ctx: RiskContext, pf: Portfolio, contributions = true): Parsed<MarginResult> {
  const fail = book.load(ctx, pf);
  return fail !== undefined ? { ok: false, reason: fail } : { ok: true, value: explainResult(book, contributions) };
}

/** The risk units of an account exactly as `portfolioMargin` builds them (for reports and charts). */
export function portfolioUnits(ctx: RiskContext, pf: Portfolio): Parsed<PortfolioUnit[]> {
  return withBook(ctx, pf, (b) => {
    const out: PortfolioUnit[] = [];
    for (let k = 0; k < b.U; k++) out.push({ underlying: b.uName[k], book: unitBook(b, k), margin: unitMargin(b, k), countedAs: COUNTED[b.uCounted[k]] });
    return out;
  });
}

function unitBook(b: ExplainBook, k: number): UnitBook {
  const { G, E } = b.uRates[k];
  const o = b.uOff[k] + b.decidedBlock(k) * (G + E);
  const expiryDelta = new Map<string, { delta: number; forward: number; T: number }>();
  const s = b.uSlotStart[k];
  for (let j = 0; j < b.uSlotCount[k]; j++) expiryDelta.set(expiryKey(b.sFirst[s + j]), { delta: b.sDelta[s + j], forward: b.sF[s + j], T: b.sT[s + j] });
  const optionSize = new Map<string, number>();
  const os = b.uOptStart[k];
  for (let j = 0; j < b.uOptCount[k]; j++) optionSize.set(b.keys.instrument(b.oId[os + j]).name, b.oSize[os + j]);
  return {
    underlying: b.uName[k], grid: Array.from(b.vec.subarray(o, o + G)), extended: Array.from(b.vec.subarray(o + G, o + G + E)),
    expiryDelta, optionSize, netDelta: b.decidedNet(k),
  };
}

function unitMargin(b: ExplainBook, k: number): UnitMargin {
  const c = b.uComp, o = k * 8;
  return {
    underlying: b.uName[k], worstLoss: c[o + C_WORST], worstCell: c[o + C_CELL], extendedLoss: c[o + C_EXT], extendedIndex: c[o + C_EXT_INDEX],
    rollShock: c[o + C_ROLL], deltaShock: c[o + C_DELTA], shortOptionMinimum: c[o + C_SOM], total: c[o + C_TOTAL],
  };
}
