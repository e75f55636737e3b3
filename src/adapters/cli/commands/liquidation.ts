/** `dpm liquidate` (plan and settle liquidations) and `dpm cascade` (cascade simulator). */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { parseInstrument } from "../../../domain/instrument.js";
import type { MarginModel } from "../../../margin/result.js";
import type { RiskContext } from "../../../margin/riskContext.js";
import { runCascade } from "../../../liquidation/cascade.js";
import { DEFAULT_COST_MODEL, type CostModelParams, type Liquidity } from "../../../liquidation/costModel.js";
import { generateAccounts } from "../../../liquidation/generator.js";
import { fromMoney, Ledger, toMoney } from "../../../liquidation/money.js";
import { liquidityFromBook } from "../../../liquidation/orderBook.js";
import { planLiquidation, type LiquidationPlan } from "../../../liquidation/planner.js";
import { AdlQueue, FUND, settle, type Settlement } from "../../../liquidation/settlement.js";
import type { StressScenario as CascadePath } from "../../../liquidation/scenario.js";
import { DpmInputError, type InputIssue } from "../../../input/issues.js";
import { parseCostModel, parseOrderBook, parseScenario } from "../../../input/liquiditySchema.js";
import { cascadePath, findScenario, scenarioChoices } from "../../stressLibrary.js";
import { cascadeHtml, cascadeSvg, totalsRows, TOTALS_HEADER } from "../cascadeReport.js";
import { collect, marginOptions, openBatch, type MarginFlags } from "../common.js";
import type { Cli } from "../context.js";
import { amount, table } from "../format.js";
import { loadMarket, loadParams } from "../load.js";
import { parseJson, readText } from "../io.js";
import { portfolios, Rejects } from "../batch.js";

function num(name: string, text: string, lo: number, hi: number): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < lo || v > hi) throw new DpmInputError(`invalid ${name}`, [{ path: name, message: `must be a number between ${lo} and ${hi}`, value: text }]);
  return v;
}

/** Cost model from --costs FILE and --book FILE (order-book snapshot) over the defaults. */
function loadCosts(ctx: RiskContext, costsPath: string | undefined, bookPath: string | undefined): CostModelParams {
  let m = DEFAULT_COST_MODEL;
  if (costsPath !== undefined) {
    const r = parseCostModel(parseJson(readText(costsPath, "--costs"), "--costs"), m);
    if (!r.ok) throw new DpmInputError(`invalid cost model ${costsPath}`, r.issues);
    m = r.value;
  }
  if (bookPath === undefined) return m;
  const b = parseOrderBook(parseJson(readText(bookPath, "--book"), "--book"));
  if (!b.ok) throw new DpmInputError(`invalid order book ${bookPath}`, b.issues);
  const instruments: Record<string, Liquidity> = { ...m.instruments };
  const issues: InputIssue[] = [];
  for (const [name, sides] of Object.entries(b.value.instruments)) {
    const inst = parseInstrument(name);
    const risk = inst.ok ? ctx.risk(inst.value) : inst;
    const liq = risk.ok ? liquidityFromBook(risk.value.resolved, sides.bids, sides.asks) : risk;
    if (liq.ok) instruments[name] = liq.value;
    else issues.push({ path: `instruments[${JSON.stringify(name)}]`, message: liq.reason, value: name });
  }
  if (issues.length > 0) throw new DpmInputError(`invalid order book ${bookPath}`, issues);
  return { ...m, instruments };
}

interface LiquidateFlags extends MarginFlags {
  book?: string; costs?: string; target: string; feeRate: string; maxStep: string; fund: string; hedge: boolean;
}

function planJson(p: LiquidationPlan, s: Settlement, fund: bigint): unknown {
  const { final: _final, money: _money, ...rest } = p;
  return {
    ...rest, nothingToDo: p.steps.length === 0, steps: p.steps,
    settlement: { fees: fromMoney(s.fees), slippage: fromMoney(s.slippage), deficit: fromMoney(s.deficit), coveredByFund: fromMoney(s.coveredByFund), coveredByAdl: fromMoney(s.coveredByAdl), uncovered: fromMoney(s.uncovered), adl: s.adl },
    insuranceFund: fromMoney(fund),
  };
}

const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);

/** A plan with no step: the account needs no liquidation, and the text says why instead of an empty table. */
function nothingText(p: LiquidationPlan): string {
  const c = p.before.currency;
  return `account ${p.account} | model ${p.model} | ${c} | health ${p.healthBefore.level} | nothing to do: MM ratio ${pct(p.before.marginRatio)} is within the target ${pct(p.targetUsage)} (adjusted equity ${amount(p.before.adjustedEquity, c)}, maintenance margin ${amount(p.before.maintenanceMargin, c)})`;
}

function planText(p: LiquidationPlan, s: Settlement): string {
  if (p.steps.length === 0) return nothingText(p);
  const c = p.before.currency;
  const head = `account ${p.account} | model ${p.model} | ${c} | health ${p.healthBefore.level} → ${p.healthAfter.level} | outcome ${p.outcome}${p.fallback ? ` (close-all: ${p.fallback})` : ""}`;
  const rows = p.steps.map((x, i) => [String(i + 1), x.action, x.instrument, x.action === "cancel_orders" || x.action === "close_all" ? String(x.size) : x.size.toPrecision(6), x.price === 0 ? "" : x.price.toPrecision(7), amount(x.cost, c), amount(x.fee, c), amount(x.maintenanceMarginAfter, c), amount(x.adjustedEquityAfter, c), pct(x.marginRatioAfter)]);
  return [head,
    `MM ratio ${pct(p.before.marginRatio)} → ${pct(p.after.marginRatio)} (target ${pct(p.targetUsage)}); cost ${amount(p.cost, c)} (close-all would cost ${amount(p.closeAllCost, c)}); fees ${amount(p.fees, c)}; deficit ${amount(p.deficit, c)} (fund ${amount(fromMoney(s.coveredByFund), c)}, ADL ${amount(fromMoney(s.coveredByAdl), c)}, uncovered ${amount(fromMoney(s.uncovered), c)})`,
    table(["#", "action", "instrument", "size", "price", "cost", "fee", "MM after", "adj. equity after", "MM ratio after"], rows),
    ...p.steps.map((x, i) => `  ${i + 1}. ${x.why}`)].join("\n");
}

function liquidateCommand(p: Command, cli: Cli): void {
  marginOptions(p.command("liquidate").description("plan the liquidation of accounts under maintenance margin; settle fees, deficits and ADL").argument("<portfolio>"))
    .option("--book <file>", "order-book snapshot JSON (per-instrument liquidity)")
    .option("--costs <file>", "cost-model parameter JSON (spreads, depth curves)")
    .option("--target <fraction>", "stop once MM usage ≤ this", "0.9")
    .option("--fee-rate <fraction>", "liquidation fee, fraction of notional, to the insurance fund", "0.0015")
    .option("--max-step <usd>", "largest notional of one step (USD)", "1000000")
    .option("--fund <amount>", "opening insurance fund (numeraire)", "0")
    .option("--no-hedge", "never hedge delta with the perpetual")
    .action(async (path: string, f: LiquidateFlags) => {
      const opts = { targetUsage: num("--target", f.target, 0.01, 1), feeRate: num("--fee-rate", f.feeRate, 0, 0.1), maxStepNotionalUsd: num("--max-step", f.maxStep, 1, 1e12), hedge: f.hedge };
      const fund = num("--fund", f.fund, 0, 1e15);
      const b = await openBatch(cli, path, f, "liquidate");
      const ctx = b.ctx;
      const costs = loadCosts(ctx, f.costs, f.book);
      // Settlement may deleverage any account of the book (ADL), so the whole book is held.
      const accounts = await collect(b);
      const ledger = new Ledger();
      ledger.open(FUND, toMoney(fund));
      const queue = new AdlQueue(ctx, accounts);
      const bar = cli.progress("liquidate", "accounts");
      for (let i = 0; i < accounts.length; i++) {
        bar.update(i, accounts.length);
        const plan = planLiquidation(ctx, accounts[i], { ...opts, model: f.model, costs });
        if (!plan.ok) throw new DpmInputError(`cannot plan ${accounts[i].account}`, [{ path: "--model", message: plan.reason, value: f.model }]);
        accounts[i] = plan.value.final;
        const s = settle(ctx, ledger, accounts, i, plan.value, queue);
        cli.out.push(f.json ? `${JSON.stringify(planJson(plan.value, s, ledger.balance(FUND)))}\n` : `${planText(plan.value, s)}\n\n`);
      }
      bar.stop();
      b.finish();
    });
}

/** `--scenario`: a library name (or former name, with a note), else a path-scenario JSON file. */
function loadScenario(cli: Cli, nameOrPath: string): CascadePath {
  const found = findScenario(nameOrPath);
  if (found) {
    if (found.alias) cli.note(`scenario "${found.alias}" is now named "${found.scenario.name}" (the old name still works)`, { alias: found.alias, scenario: found.scenario.name });
    return cascadePath(found.scenario);
  }
  if (!existsSync(nameOrPath)) throw new DpmInputError("unknown --scenario", [{ path: "--scenario", message: `must be a scenario file or one of ${scenarioChoices()}`, value: nameOrPath }]);
  const r = parseScenario(parseJson(readText(nameOrPath, "--scenario"), "--scenario"));
  if (!r.ok) throw new DpmInputError(`invalid scenario ${nameOrPath}`, r.issues);
  return r.value;
}

interface CascadeFlags {
  market: string; params?: string; preset?: string; currency: string; json: boolean; scenario: string; accounts: string; seed: string;
  models: string; fund: string; costs?: string; html?: string; svg?: string; depthScale: string; permanence: string;
}

function writeOut(cli: Cli, flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new DpmInputError(`cannot write ${flag}`, [{ path: flag, message: (e as Error).message, value: file }]);
  }
  cli.wrote(file);
}

function cascadeCommand(p: Command, cli: Cli): void {
  p.command("cascade").description("liquidation cascade of a book through a stress scenario, compared across margin models").argument("[book]", "JSON lines book (default: generated accounts)")
    .requiredOption("--market <file>", "market snapshot JSON")
    .option("--params <file>", "parameter file").option("--preset <name>", "shipped parameter preset", "deribit").option("--currency <code>", "numeraire", "USD")
    .option("--scenario <name|file>", "a scenario of the stress library (as in dpm stress) or a path-scenario JSON file", "black-thursday-2020-03-12")
    .option("--accounts <n>", "generated accounts when no book is given", "10000").option("--seed <n>", "PRNG seed of the generated book", "20200312")
    .option("--models <list>", "comma-separated margin models", "isolated,standard,portfolio")
    .option("--fund <amount>", "opening insurance fund (numeraire)", "5000000")
    .option("--costs <file>", "cost-model parameter JSON")
    .option("--depth-scale <x>", "market-wide depth per step, × one book's depth curve", "50")
    .option("--permanence <fraction>", "share of the liquidation impact that stays in the price", "0.5")
    .option("--html <file>", "write an HTML report with charts").option("--svg <file>", "write the chart as SVG")
    .option("--json", "machine-readable JSON output", false)
    .action(async (bookPath: string | undefined, f: CascadeFlags) => {
      const models = f.models.split(",").map((m) => m.trim());
      const bad = models.filter((m) => !["isolated", "standard", "portfolio"].includes(m));
      if (bad.length > 0 || models.length === 0) throw new DpmInputError("invalid --models", [{ path: "--models", message: "must list isolated, standard and/or portfolio", value: f.models }]);
      const market = loadMarket(f.market);
      const params = loadParams(f.params, f.preset);
      const scenario = loadScenario(cli, f.scenario);
      const n = num("--accounts", f.accounts, 1, 1_000_000), seed = num("--seed", f.seed, 0, 2 ** 32 - 1);
      const costs = f.costs ? (() => { const r = parseCostModel(parseJson(readText(f.costs, "--costs"), "--costs"), DEFAULT_COST_MODEL); if (!r.ok) throw new DpmInputError(`invalid cost model ${f.costs}`, r.issues); return r.value; })() : DEFAULT_COST_MODEL;
      const rejects = new Rejects();
      const book = bookPath ? (await collect({ items: portfolios(cli, bookPath, market, rejects, "cascade: reading") })).map((portfolio) => ({ portfolio, utilization: 1 })) : generateAccounts(market, Math.floor(n), Math.floor(seed));
      const bar = cli.progress(`cascade ${scenario.name}`, "steps");
      const res = runCascade(market, params, book, scenario, {
        models: models as MarginModel[], plan: { costs }, insuranceFund: num("--fund", f.fund, 0, 1e15),
        impactPermanence: num("--permanence", f.permanence, 0, 1), marketDepthScale: num("--depth-scale", f.depthScale, 0.001, 1e6), scaleToUtilization: !bookPath,
        onProgress: (done, total) => bar.update(done, total, `${book.length.toLocaleString("en-US")} accounts`),
      }, f.currency);
      bar.stop();
      if (!res.ok) throw new DpmInputError("cannot run the cascade", [{ path: "<book>", message: res.reason }]);
      if (f.html) writeOut(cli, "--html", f.html, cascadeHtml(res.value));
      if (f.svg) writeOut(cli, "--svg", f.svg, `${cascadeSvg(res.value)}\n`);
      if (f.json) cli.out.push(`${JSON.stringify(res.value)}\n`);
      else cli.out.push(`cascade ${scenario.name} | ${book.length} accounts | ${res.value.currency}\n${table(TOTALS_HEADER, totalsRows(res.value))}\n`);
      if (bookPath) rejects.finish(bookPath, "book");
    });
}

/** Register liquidate and cascade. */
export function registerLiquidationCommands(p: Command, cli: Cli): void {
  liquidateCommand(p, cli);
  cascadeCommand(p, cli);
}
