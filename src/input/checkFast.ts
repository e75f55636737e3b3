/**
 * The checks of a portfolio document without zod: the fast portfolio parser and the market cross-check, which give
 * `checkPortfolio`'s answer wherever they decide; and the full checks (zod's schema, which words every problem)
 * loaded on demand, the first time a document needs them. So a batch of ordinary documents is checked without zod's
 * import (~85 ms of a thread's start), and a document only the schema can read or word still gets its exact answer.
 */
import type { Portfolio } from "../domain/portfolio.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { marketChecked } from "./crossCheck.js";
import type { InputIssue } from "./issues.js";
import { parsePortfolioFast } from "./portfolioFast.js";

/** A document's check: the portfolio or its problems; undefined when the fast checks cannot decide. */
export type Checked = { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } | undefined;

/** A check that always decides (`checkPortfolio`). */
export type FullCheck = (value: unknown, market: MarketSnapshot) => Exclude<Checked, undefined>;

/**
 * `checkPortfolio`'s answer where the fast portfolio parser decides (the same portfolio, the same market
 * cross-check), and undefined where only the zod schema can (a form the fast parser leaves to it, or a problem it words).
 */
export function checkPortfolioFast(value: unknown, market: MarketSnapshot): Checked {
  const p = parsePortfolioFast(value);
  return p === undefined ? undefined : marketChecked(p, market);
}

let full: Promise<FullCheck> | undefined;

/** The full checks (checkPortfolio.ts, which loads zod), loaded once. */
export function fullPortfolioChecks(): Promise<FullCheck> {
  full ??= import("./checkPortfolio.js").then((m) => m.checkPortfolio);
  return full;
}
