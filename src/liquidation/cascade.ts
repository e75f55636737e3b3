/**
 * Cascade simulator (DESIGN.md section 8): a book of accounts through a price path under each margin
 * model. At every step the market moves (path × the accumulated liquidation impact), every account is
 * re-margined, each one under maintenance margin is liquidated by the planner and settled (fee to the
 * fund, deficit to the fund then ADL), and the delta the liquidations traded moves the underlying's price
 * for the next step through the perpetual's depth curve (a `impactPermanence` share of the marginal impact
 * stays in the price). One extra step after the path lets the last step's impact play out.
 * Pure: the caller supplies the book, the snapshot and the scenario.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { marginWith, prepareContext } from "../margin/computeMargin.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginModel } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { impactAt, liquidityOf, DEFAULT_COST_MODEL } from "./costModel.js";
import { scaleToUtilization, type GeneratedAccount } from "./generator.js";
import { fromMoney, Ledger, toMoney } from "./money.js";
import { planLiquidation, type PlanOptions } from "./planner.js";
import { shiftMarket, stepFactors, type PathStep, type StressScenario } from "./scenario.js";
import { AdlQueue, FUND, settle } from "./settlement.js";
import { hedgeInstrument } from "./steps.js";

export interface CascadeOptions {
  readonly models: readonly MarginModel[];
  /** Planner options (model is set per run). */
  readonly plan: Partial<PlanOptions>;
  /** Opening insurance fund, numeraire. */
  readonly insuranceFund: number;
  /** Share of the marginal impact of a step's liquidation flow that stays in the price (0–1). Default 0.5. */
  readonly impactPermanence: number;
  /** The liquidation flow of one step moves the price through the perpetual's depth curve with its notionals × this (market-wide depth over a step vs one book). Default 50. */
  readonly marketDepthScale: number;
  /** Scale each account to its `utilization` under each model before the path (generated books). */
  readonly scaleToUtilization: boolean;
  /** Called after every step of every model's run with steps done and the total (for progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One step of one model's run. Amounts in the numeraire; volume in USD notional. */
export interface CascadeTick {
  readonly label: string;
  readonly hours: number;
  /** Index per underlying at this step (path × impact). */
  readonly prices: Readonly<Record<string, number>>;
  /** Accumulated liquidation impact per underlying (−0.01 = 1 % lower than the path). */
  readonly impact: Readonly<Record<string, number>>;
  readonly liquidations: number;
  readonly bankruptcies: number;
  readonly volumeUsd: number;
  readonly badDebt: number;
  readonly coveredByAdl: number;
  readonly uncovered: number;
  readonly fundBalance: number;
}

export interface CascadeTotals {
  readonly accounts: number;
  /** Generated accounts the model would not let open (IM > adjusted equity at the start); they do not trade. */
  readonly rejectedAtStart: number;
  readonly accountsLiquidated: number;
  readonly liquidations: number;
  readonly bankruptcies: number;
  readonly volumeUsd: number;
  readonly fees: number;
  readonly badDebt: number;
  readonly coveredByFund: number;
  readonly coveredByAdl: number;
  readonly uncovered: number;
  readonly fundStart: number;
  readonly fundEnd: number;
  /** Σ every ledger balance, as a decimal string of Money units: always "0". */
  readonly ledgerTotal: string;
  /** Σ initial margin at the start (how much leverage the model allowed). */
  readonly initialMarginStart: number;
}

export interface CascadeRun {
  readonly model: MarginModel;
  readonly ticks: readonly CascadeTick[];
  readonly totals: CascadeTotals;
}

export interface CascadeResult {
  readonly scenario: { readonly name: string; readonly source: string; readonly description: string };
  readonly currency: string;
  readonly runs: readonly CascadeRun[];
}

interface RunState {
  readonly accounts: Portfolio[];
  readonly ledger: Ledger;
  readonly impact: Map<string, number>;
  readonly liquidated: Set<number>;
  fees: bigint; badDebt: bigint; byFund: bigint; byAdl: bigint; uncovered: bigint; liquidations: number; bankruptcies: number; volume: number;
}

function ok<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(p.reason);
  return p.value;
}

function tickContext(m0: MarketSnapshot, params: MarginParams, currency: string, step: PathStep, impact: Map<string, number>, stable: (u: string) => boolean): Parsed<RiskContext> {
  const f = stepFactors(step, stable);
  const factor = (u: string) => Math.max(0.01, f.factor(u) * (1 + (impact.get(u) ?? 0)));
  return prepareContext(shiftMarket(m0, step.hours, factor, f.vol), params, currency);
}

function runTick(ctx: RiskContext, s: RunState, model: MarginModel, o: CascadeOptions): Omit<CascadeTick, "label" | "hours" | "prices" | "impact"> {
  const flow = new Map<string, number>();
  let liquidations = 0, bankruptcies = 0, volume = 0, bad = 0n, adl = 0n, unc = 0n;
  const queue = new AdlQueue(ctx, s.accounts);
  for (let i = 0; i < s.accounts.length; i++) {
    const pf = s.accounts[i];
    if (pf.positions.length === 0) continue;
    const r = ok(marginWith(ctx, pf, model));
    if (!(r.adjustedEquity < r.maintenanceMargin) && r.equity >= 0) continue;
    const plan = ok(planLiquidation(ctx, pf, { ...o.plan, model }));
    s.accounts[i] = plan.final;
    const st = settle(ctx, s.ledger, s.accounts, i, plan, queue);
    liquidations++; s.liquidated.add(i); volume += plan.volumeUsd;
    if (plan.outcome === "bankrupt") bankruptcies++;
    s.fees += st.fees; bad += st.deficit; s.byFund += st.coveredByFund; adl += st.coveredByAdl; unc += st.uncovered;
    for (const [u, d] of Object.entries(plan.deltaFlowUsd)) flow.set(u, (flow.get(u) ?? 0) + d);
  }
  const costs = o.plan.costs ?? DEFAULT_COST_MODEL;
  for (const [u, d] of flow) {
    const h = hedgeInstrument(ctx, u);
    if (!h || d === 0) continue;
    const liq = liquidityOf(costs, h.instrument);
    const curve = (d > 0 ? liq.buy : liq.sell).map((p) => ({ notionalUsd: p.notionalUsd * o.marketDepthScale, impact: p.impact }));
    const move = o.impactPermanence * (liq.halfSpread + impactAt(curve, Math.abs(d)));
    s.impact.set(u, (1 + (s.impact.get(u) ?? 0)) * (1 + Math.sign(d) * Math.min(move, 0.5)) - 1);
  }
  s.liquidations += liquidations; s.bankruptcies += bankruptcies; s.volume += volume; s.badDebt += bad; s.byAdl += adl; s.uncovered += unc;
  return { liquidations, bankruptcies, volumeUsd: volume, badDebt: fromMoney(bad), coveredByAdl: fromMoney(adl), uncovered: fromMoney(unc), fundBalance: fromMoney(s.ledger.balance(FUND)) };
}

function runModel(m0: MarketSnapshot, params: MarginParams, currency: string, book: readonly GeneratedAccount[], sc: StressScenario, model: MarginModel, o: CascadeOptions, onStep: () => void): Parsed<CascadeRun> {
  const c0 = prepareContext(m0, params, currency);
  if (!c0.ok) return c0;
  const ctx0 = c0.value;
  const accounts = book.map((a) => (o.scaleToUtilization ? scaleToUtilization(ctx0, a.portfolio, model, a.utilization) : a.portfolio));
  let imStart = 0, rejected = 0;
  for (let i = 0; i < accounts.length; i++) {
    const r = marginWith(ctx0, accounts[i], model);
    if (!r.ok) return { ok: false, reason: `${accounts[i].account}: ${r.reason}` };
    // An account the model would not let open (initial margin above adjusted equity) does not trade in this run.
    if (o.scaleToUtilization && r.value.adjustedEquity < r.value.initialMargin) { accounts[i] = { ...accounts[i], positions: [] }; rejected++; continue; }
    imStart += r.value.initialMargin;
  }
  const ledger = new Ledger();
  ledger.open(FUND, toMoney(o.insuranceFund));
  const s: RunState = { accounts, ledger, impact: new Map(), liquidated: new Set(), fees: 0n, badDebt: 0n, byFund: 0n, byAdl: 0n, uncovered: 0n, liquidations: 0, bankruptcies: 0, volume: 0 };
  const stable = (u: string) => ctx0.isStable(u);
  const last = sc.steps[sc.steps.length - 1];
  const steps = last ? [...sc.steps, { ...last, label: `${last.label} + impact` }] : [];
  const ticks: CascadeTick[] = [];
  for (const step of steps) {
    const impactBefore = Object.fromEntries(s.impact);
    const cp = tickContext(m0, params, currency, step, s.impact, stable);
    if (!cp.ok) return cp;
    const prices: Record<string, number> = {};
    for (const [u, a] of Object.entries(cp.value.market.assets)) if (!stable(u)) prices[u] = a.index;
    ticks.push({ label: step.label, hours: step.hours, prices, impact: impactBefore, ...runTick(cp.value, s, model, o) });
    onStep();
  }
  const totals: CascadeTotals = {
    accounts: accounts.length, rejectedAtStart: rejected, accountsLiquidated: s.liquidated.size, liquidations: s.liquidations, bankruptcies: s.bankruptcies,
    volumeUsd: s.volume, fees: fromMoney(s.fees), badDebt: fromMoney(s.badDebt), coveredByFund: fromMoney(s.byFund), coveredByAdl: fromMoney(s.byAdl),
    uncovered: fromMoney(s.uncovered), fundStart: o.insuranceFund, fundEnd: fromMoney(ledger.balance(FUND)), ledgerTotal: ledger.total().toString(), initialMarginStart: imStart,
  };
  return { ok: true, value: { model, ticks, totals } };
}

/** Run the cascade for every model in `o.models` (pure, deterministic). */
export function runCascade(m0: MarketSnapshot, params: MarginParams, book: readonly GeneratedAccount[], sc: StressScenario, o: CascadeOptions, currency = "USD"): Parsed<CascadeResult> {
  const runs: CascadeRun[] = [];
  const total = o.models.length * (sc.steps.length + 1);
  let done = 0;
  const onStep = () => o.onProgress?.(++done, total);
  for (const model of o.models) {
    const r = runModel(m0, params, currency, book, sc, model, o, onStep);
    if (!r.ok) return r;
    runs.push(r.value);
  }
  return { ok: true, value: { scenario: { name: sc.name, source: sc.source, description: sc.description }, currency, runs } };
}
