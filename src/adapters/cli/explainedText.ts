/**
 * `dpm margin`'s text tables of a portfolio-model result written from the evaluated book (`explainedBook`), with no
 * result object built: the figures of explainResult.ts (`accountFigures`, the units' components, `positionRow`,
 * `positionContributions`) laid out by format.ts's `marginText`, as `marginTextInto` lays out the result object. The
 * bytes are those of `formatMargin` of the result (test/cli/explainedBytes.test.ts).
 */
import { C_CELL, C_DELTA, C_EXT, C_EXT_INDEX, C_ROLL, C_SOM, C_WORST, type ExplainBook } from "../../margin/kernel/explainBook.js";
import { SIDE_BUY, SIDE_SELL } from "../../margin/kernel/explainOrders.js";
import { accountFigures, F_ADJ, F_CREDIT, F_EQUITY, F_HAIRCUTS, F_IM, F_MM, figures, partsOf, positionContributions, positionRow } from "../../margin/kernel/explainResult.js";
import { asOfText, marginRatio, marginStatus } from "../../margin/result.js";
import { marginText, scenarioText, type PositionSource } from "./format.js";
import type { TextBuffer } from "./textTable.js";

/** The positions of the book being written. */
class BookPositions implements PositionSource {
  book!: ExplainBook;
  contributions!: Float64Array;

  get count(): number {
    return this.book.n;
  }

  instrument(i: number): string {
    return this.book.pf.positions[i].instrument.name;
  }

  figures(i: number, into: Float64Array): void {
    positionRow(this.book, i, this.contributions, into);
  }
}

const positions = new BookPositions();
const summary = new Float64Array(5);
/** A figure computed here (`tmp[0]`), handed on as the others are (no double passed between functions). */
const tmp = new Float64Array(1);

/** The text tables of the book's result (`formatMargin` of `explainResult(b, true)`), appended to `out`. */
export function explainedTextInto(out: TextBuffer, b: ExplainBook): void {
  const ctx = b.ctx, currency = ctx.numeraire.currency, d = marginText.decimals(currency), f = figures;
  accountFigures(b);
  summary[0] = f[F_EQUITY]; summary[1] = f[F_ADJ]; summary[2] = f[F_IM]; summary[3] = f[F_MM]; summary[4] = f[F_ADJ] - f[F_IM];
  const status = marginStatus(f[F_EQUITY], f[F_ADJ], f[F_IM], f[F_MM]);
  marginText.summaryInto(out, b.pf.account, "portfolio", currency, asOfText(ctx.market.asOf), summary, marginRatio(f[F_MM], f[F_ADJ]), status);
  let rows = 0;
  for (let k = 0; k < b.U; k++) rows += unitRows(b, k, d);
  if (f[F_CREDIT] > 0) { tmp[0] = -f[F_CREDIT]; marginText.componentCell("correlationCredit", "", tmp, 0, d, ""); rows++; }
  if (f[F_HAIRCUTS] > 0) { marginText.componentCell("haircut", "", f, F_HAIRCUTS, d, "reduces adjustedEquity"); rows++; }
  marginText.componentsInto(out, rows);
  positions.book = b;
  positions.contributions = positionContributions(b);
  marginText.positionsInto(out, positions, d);
}

/** Unit k's component rows (explainResult.ts `componentsOf`; the detail column as `marginTextInto` writes it): how many. */
function unitRows(b: ExplainBook, k: number, d: number): number {
  const c = b.uComp, o = k * 8, u = b.uName[k], parts = partsOf(b.uGrid[k]), extIndex = c[o + C_EXT_INDEX];
  let rows = 4;
  marginText.componentCell("worstScenario", u, c, o + C_WORST, d, scenarioText(parts.cells[c[o + C_CELL]]));
  if (extIndex >= 0) { marginText.componentCell("extendedScenario", u, c, o + C_EXT, d, scenarioText(parts.extended[extIndex])); rows++; }
  marginText.componentCell("rollShock", u, c, o + C_ROLL, d, "");
  tmp[0] = b.decidedNet(k);
  marginText.componentCellNum("deltaShock", u, c, o + C_DELTA, d, "netDelta ", tmp, 0);
  marginText.componentCell("shortOptionMinimum", u, c, o + C_SOM, d, "");
  if (b.uOrders[k] > 0) {
    const side = b.uOrderSide[k];
    marginText.componentCell("openOrders", u, b.uOrders, k, d, side === SIDE_BUY ? "side buy" : side === SIDE_SELL ? "side sell" : "");
    rows++;
  }
  return rows;
}
