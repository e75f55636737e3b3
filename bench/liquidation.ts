/**
 * Liquidation benchmarks: planning one 50-position account in liquidation (target ≤ 20 ms) and a
 * 10,000-account cascade through the black-thursday-2020-03-12 stress under three margin models (target ≤ 10 s).
 * Baselines in the same run: closing the account at once (one re-margin) and one margin pass over the book.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Portfolio } from "../src/domain/portfolio.js";
import { marginWith, prepareContext } from "../src/margin/computeMargin.js";
import { parseMarket } from "../src/input/marketSchema.js";
import { parsePortfolio } from "../src/input/portfolioSchema.js";
import { parseScenario } from "../src/input/liquiditySchema.js";
import { loadPreset } from "../src/input/presets.js";
import { runCascade } from "../src/liquidation/cascade.js";
import { generateAccounts } from "../src/liquidation/generator.js";
import { planLiquidation } from "../src/liquidation/planner.js";
import { largeAccount } from "./book.js";
import { syntheticMarket } from "./market.js";
import { met, Report } from "./report.js";
import { fmtFixed, fmtInt, fmtRatio, median, must } from "./stats.js";

const ROOT = [resolve(dirname(fileURLToPath(import.meta.url)), ".."), resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")]
  .find((d) => { try { readFileSync(join(d, "presets", "liquidation", "black-thursday-2020-03-12.json")); return true; } catch { return false; } }) ?? ".";

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Plan one 50-position account pushed into liquidation (equity set to 70 % of its MM). */
function planBench(r: Report): void {
  const { file, universe } = syntheticMarket(20241120);
  const market = must(parseMarket(file));
  const ctx = must(prepareContext(market, loadPreset("deribit")));
  const raw = must(parsePortfolio(largeAccount(50, universe, 50)));
  // USDC collateral only, sized so equity is 70 % of maintenance margin (stable collateral leaves MM unchanged).
  const bare: Portfolio = { ...raw, collateral: { USDC: 0 }, openOrders: [] };
  const m0 = must(marginWith(ctx, bare, "portfolio"));
  const pf: Portfolio = { ...bare, collateral: { USDC: 0.7 * m0.maintenanceMargin - m0.equity } };
  const plans: number[] = [], closes: number[] = [], full: number[] = [];
  let steps = 0, outcome = "";
  for (let i = 0; i < 45; i++) {
    let t0 = process.hrtime.bigint();
    const p = must(planLiquidation(ctx, pf, { model: "portfolio" }));
    plans.push(ms(t0));
    steps = p.steps.length; outcome = `${p.outcome}${p.fallback ? " (close-all)" : ""}`;
    t0 = process.hrtime.bigint();
    must(planLiquidation(ctx, pf, { model: "portfolio", maxSteps: 0 }));
    closes.push(ms(t0));
    // The same plan with a full engine re-margin (marginWith) after every step, checked against the incremental one.
    t0 = process.hrtime.bigint();
    must(planLiquidation(ctx, pf, { model: "portfolio", verifyFastMargin: true }));
    full.push(ms(t0));
  }
  const m = median(plans.slice(5)), c = median(closes.slice(5)), f = median(full.slice(5));
  r.h3("Planning one 50-position account (portfolio model)");
  r.table(["case", "median ms", "target", "status"], [
    [`incremental plan (${steps} steps, ${outcome})`, fmtFixed(m, 2), "≤ 20 ms", met(m <= 20)],
    ["baseline: close everything at once (maxSteps 0)", fmtFixed(c, 2), "—", "baseline"],
    ["baseline: same plan + full marginWith after every step (verifyFastMargin)", fmtFixed(f, 2), "—", "baseline"],
  ]);
  r.p(`Incremental plan / close-all: ${fmtRatio(m / c)}; with a full engine re-margin per step: ${fmtRatio(f / m)} the incremental plan's time.`);
}

/** A 10,000-account cascade through 2020-03-12 under isolated, standard and portfolio margin. */
function cascadeBench(r: Report): void {
  const market = must(parseMarket(JSON.parse(readFileSync(join(ROOT, "examples", "market.json"), "utf8"))));
  const params = loadPreset("deribit");
  const sc = must(parseScenario(JSON.parse(readFileSync(join(ROOT, "presets", "liquidation", "black-thursday-2020-03-12.json"), "utf8"))));
  const book = generateAccounts(market, 10_000, 20200312);
  let t0 = process.hrtime.bigint();
  const res = must(runCascade(market, params, book, sc, { models: ["isolated", "standard", "portfolio"], plan: {}, insuranceFund: 5e6, impactPermanence: 0.5, marketDepthScale: 50, scaleToUtilization: true }));
  const run = ms(t0) / 1e3;
  const ctx = must(prepareContext(market, params));
  t0 = process.hrtime.bigint();
  for (const m of ["isolated", "standard", "portfolio"] as const) for (const a of book) must(marginWith(ctx, a.portfolio, m));
  const pass = ms(t0) / 1e3;
  const liq = res.runs.reduce((s, x) => s + x.totals.liquidations, 0);
  r.h3("Cascade: 10,000 accounts, 2020-03-12, three models");
  r.table(["case", "seconds", "target", "status"], [
    [`cascade (${sc.steps.length + 1} steps × 3 models, ${fmtInt(liq)} liquidations planned)`, fmtFixed(run, 2), "≤ 10 s", met(run <= 10)],
    ["baseline: one margin pass of the book under 3 models", fmtFixed(pass, 3), "—", "baseline"],
  ]);
  r.p(`Cascade / one margin pass: ${fmtRatio(run / pass)} (about ${sc.steps.length + 1} margin passes plus the liquidation plans).`);
}

export async function liquidationBench(): Promise<string> {
  const r = new Report();
  r.h2("Liquidation");
  planBench(r);
  cascadeBench(r);
  return r.toString();
}
