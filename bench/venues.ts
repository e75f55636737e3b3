/**
 * Venue-preset benchmarks (`venuesBench()`): one 50-position multi-asset account margined under each venue
 * method (full result with every position's marginal contribution, warm context), against the default
 * Deribit-style grid model measured in the same run.
 */
import type { Portfolio } from "../src/domain/portfolio.js";
import { parseMarket } from "../src/input/marketSchema.js";
import { parsePortfolio } from "../src/input/portfolioSchema.js";
import { loadPreset } from "../src/input/presets.js";
import { marginWith, prepareContext } from "../src/margin/computeMargin.js";
import type { RiskContext } from "../src/margin/riskContext.js";
import { largeAccount } from "./book.js";
import { syntheticMarket } from "./market.js";
import { Report } from "./report.js";
import { fmtFixed, fmtRatio, median, now, since, must } from "./stats.js";

/** Median ms of one full margin call (warm: 10 calls first, then 40 timed). */
function timeMargin(ctx: RiskContext, pf: Portfolio): { ms: number; im: number } {
  const t: number[] = [];
  let im = 0;
  for (let i = 0; i < 50; i++) {
    const t0 = now();
    im = must(marginWith(ctx, pf, "portfolio")).initialMargin;
    if (i >= 10) t.push(since(t0) / 1e6);
  }
  return { ms: median(t), im };
}

export async function venuesBench(): Promise<string> {
  const { file, universe } = syntheticMarket(20241120);
  const market = must(parseMarket(file));
  const pf = must(parsePortfolio(largeAccount(50, universe, 50)));
  const rows: string[][] = [];
  let base = NaN;
  for (const name of ["deribit", "deribit-cross", "okx", "span"]) {
    const ctx = must(prepareContext(market, loadPreset(name)));
    const { ms, im } = timeMargin(ctx, pf);
    if (name === "deribit") base = ms;
    rows.push([name === "deribit" ? "deribit (baseline: default grid model)" : name, fmtFixed(ms, 2), fmtFixed(im, 0), name === "deribit" ? "1×" : fmtRatio(ms / base)]);
  }
  const r = new Report();
  r.h2("Venue presets");
  r.p("One 50-position multi-asset account (the synthetic universe above), full result including each position's marginal contribution (51 method evaluations for a venue method), warm context; median of 40 calls after 10.");
  r.table(["preset", "median ms", "IM (USD)", "vs deribit"], rows);
  r.p("Derive's PM2 and SRM are single-currency managers: a multi-asset book is out of their scope, so they are not timed here (their 139 + 70 public cases run in the test suite).");
  return r.toString();
}
