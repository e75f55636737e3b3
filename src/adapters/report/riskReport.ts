/**
 * Data behind `dpm report` (pure: the price history and scenarios are passed in). Every figure comes from
 * the existing computations: margins from `marginOf`, the scenario grid of each risk unit from
 * `portfolioUnits` (the units exactly as the portfolio model margins them), VaR / ES from `runVar`, the backtest from `backtest` and
 * stress results from `runStress`. Amounts are in the numeraire of the context.
 */
import { marginOf } from "../../analytics/models.js";
import type { Parsed } from "../../domain/instrument.js";
import type { Portfolio } from "../../domain/portfolio.js";
import { GRID_MODELS } from "../../margin/computeMargin.js";
import type { MarginModel, MarginResult, MarginStatus } from "../../margin/result.js";
import { portfolioUnits } from "../../margin/portfolioModel.js";
import type { RiskContext } from "../../margin/riskContext.js";
import type { VarInputs } from "../../analytics/varModel.js";
import { backtest, type BacktestReport } from "../../analytics/backtest.js";
import type { PriceHistory } from "../../risk/history.js";
import { VOL_STATES, type VolState } from "../../risk/scenarioGrid.js";
import { runStress, type StressResult, type StressScenario } from "../../analytics/stress.js";
import { runVar, type VarReport, type VarSpec } from "../../analytics/varReport.js";
import { histogram, type Bin } from "./svg.js";

/** One model's margin figures. */
export interface MarginSummary {
  readonly model: MarginModel;
  readonly equity: number;
  readonly adjustedEquity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly availableFunds: number;
  readonly status: MarginStatus;
}

/** An extended move of the grid (revalued with vol up; delta-1 P&L clamped to the grid edge) and its weight. */
export interface ExtendedCell {
  readonly move: number;
  /** Weighted P&L: what the margin compares with the worst grid cell. */
  readonly weightedPnl: number;
  readonly weight: number;
  /** P&L before weighting (weightedPnl / weight; 0 when the weight is 0). */
  readonly pnl: number;
  /** max(0, −weightedPnl). */
  readonly weightedLoss: number;
}

/** The portfolio model's scenario P&L of one risk unit. */
export interface ScenarioHeatmap {
  readonly underlying: string;
  /** Relative price moves of the grid columns. */
  readonly priceShocks: readonly number[];
  readonly volStates: readonly VolState[];
  /** P&L per cell, price-major: `pnl[p * volStates.length + v]`. */
  readonly pnl: readonly number[];
  readonly extended: readonly ExtendedCell[];
  /** The worst grid cell (the margin's `worstScenario`); loss ≥ 0. */
  readonly worst: { readonly cell: number; readonly priceShock: number; readonly volShock: VolState; readonly loss: number };
  /** The extended move with the largest weighted loss (the margin's `extendedScenario`), or null without extended moves. */
  readonly worstExtended: { readonly index: number; readonly move: number; readonly weightedLoss: number } | null;
  readonly collateralCountedAs: "scenario" | "haircut" | "none";
}

/** VaR / ES with the loss histogram. */
export interface LossDistribution {
  readonly report: VarReport;
  /** Histogram of the scenario LOSSES (−P&L). */
  readonly bins: readonly Bin[];
}

export interface RiskReportData {
  readonly account: string;
  readonly currency: string;
  readonly asOf: string;
  readonly preset: string;
  readonly margins: readonly MarginSummary[];
  readonly heatmaps: readonly ScenarioHeatmap[];
  readonly lossDistribution: LossDistribution | null;
  readonly backtest: BacktestReport | null;
  readonly stress: readonly StressResult[];
  /** What was left out and why. */
  readonly notes: readonly string[];
}

/** What the report needs beyond the context and the account. */
export interface RiskReportInputs {
  readonly history?: PriceHistory;
  readonly varSpec: VarSpec;
  readonly backtest: { readonly window: number; readonly method: "hs" | "fhs"; readonly confidence: number };
  readonly scenarios: readonly StressScenario[];
  readonly bins?: number;
  readonly onProgress?: (stage: "backtest" | "stress" | "var", done: number, total: number) => void;
}

const summary = (r: MarginResult): MarginSummary => ({
  model: r.model, equity: r.equity, adjustedEquity: r.adjustedEquity, initialMargin: r.initialMargin,
  maintenanceMargin: r.maintenanceMargin, availableFunds: r.availableFunds, status: r.status,
});

/** Scenario-grid P&L per risk unit of the portfolio model (empty for venue methods, which use other grids). */
export function scenarioHeatmaps(ctx: RiskContext, pf: Portfolio): Parsed<ScenarioHeatmap[]> {
  if (ctx.params.method !== undefined && ctx.params.method !== "grid") return { ok: true, value: [] };
  const up = portfolioUnits(ctx, pf);
  if (!up.ok) return up;
  const out: ScenarioHeatmap[] = [];
  for (const { underlying: u, book, margin: m, countedAs } of up.value) {
    const g = ctx.grid(u);
    // Instrument extended vectors are stored weighted (src/risk/instrumentRisk.ts).
    const extended = Array.from(g.extendedMoves, (move, i): ExtendedCell => {
      const w = g.extendedWeights[i], wp = book.extended[i];
      return { move, weightedPnl: wp, weight: w, pnl: w > 0 ? wp / w : 0, weightedLoss: Math.max(0, -wp) };
    });
    out.push({
      underlying: u, priceShocks: Array.from(g.priceShocks), volStates: VOL_STATES, pnl: book.grid.slice(), extended,
      worst: { cell: m.worstCell, priceShock: g.priceShocks[Math.floor(m.worstCell / VOL_STATES.length)], volShock: VOL_STATES[m.worstCell % VOL_STATES.length], loss: m.worstLoss },
      worstExtended: m.extendedIndex >= 0 ? { index: m.extendedIndex, move: g.extendedMoves[m.extendedIndex], weightedLoss: m.extendedLoss } : null,
      collateralCountedAs: countedAs,
    });
  }
  return { ok: true, value: out };
}

function marginSummaries(ctx: RiskContext, pf: Portfolio, history: PriceHistory | undefined): Parsed<{ rows: MarginSummary[]; portfolio: MarginResult }> {
  const rows: MarginSummary[] = [];
  let portfolio: MarginResult | undefined;
  const models: MarginModel[] = history && ctx.params.var ? [...GRID_MODELS, "var"] : [...GRID_MODELS];
  const varInputs: VarInputs | undefined = history ? { history } : undefined;
  for (const m of models) {
    const r = marginOf(ctx, pf, m, varInputs);
    if (!r.ok) return { ok: false, reason: `${m} margin: ${r.reason}` };
    rows.push(summary(r.value));
    if (m === "portfolio") portfolio = r.value;
  }
  return portfolio ? { ok: true, value: { rows, portfolio } } : { ok: false, reason: "no portfolio margin" };
}

function lossDistribution(ctx: RiskContext, pf: Portfolio, history: PriceHistory, inp: RiskReportInputs): Parsed<LossDistribution> {
  const onVar = inp.onProgress;
  const r = runVar(ctx, pf, history, inp.varSpec, false, onVar ? (d, t) => onVar("var", d, t) : undefined);
  if (!r.ok) return { ok: false, reason: `VaR: ${r.reason}` };
  const losses = Float64Array.from(r.value.pnl, (x) => -x);
  return { ok: true, value: { report: r.value.report, bins: histogram(losses, inp.bins ?? 40) } };
}

/** Everything `dpm report` shows for one account. */
export function riskReport(ctx: RiskContext, pf: Portfolio, inp: RiskReportInputs): Parsed<RiskReportData> {
  const mp = marginSummaries(ctx, pf, inp.history);
  if (!mp.ok) return mp;
  const hp = scenarioHeatmaps(ctx, pf);
  if (!hp.ok) return hp;
  const notes: string[] = [];
  if (hp.value.length === 0) notes.push(`the parameters' portfolio method (${ctx.params.method ?? "grid"}) has no standard 9×3 grid: no scenario heatmap`);
  let loss: LossDistribution | null = null, bt: BacktestReport | null = null;
  if (inp.history) {
    const lp = lossDistribution(ctx, pf, inp.history, inp);
    if (!lp.ok) return lp;
    loss = lp.value;
    const pm = mp.value.portfolio;
    const gridRisk = pm.initialMargin - pm.components.filter((c) => c.name === "openOrders").reduce((s, c) => s + c.amount, 0);
    const onBt = inp.onProgress;
    const bp = backtest(ctx, pf, inp.history, { ...inp.backtest, ewmaLambda: inp.varSpec.ewmaLambda }, gridRisk, onBt ? (d, t) => onBt("backtest", d, t) : undefined);
    if (!bp.ok) return { ok: false, reason: `backtest: ${bp.reason}` };
    bt = bp.value;
  } else notes.push("no price history (--history): no loss distribution, VaR/ES, var model or backtest");
  const stress: StressResult[] = [];
  for (const [i, sc] of inp.scenarios.entries()) {
    const r = runStress(ctx.market, ctx.params, ctx.numeraire.currency, pf, "portfolio", sc);
    if (!r.ok) return { ok: false, reason: `stress ${sc.name}: ${r.reason}` };
    stress.push(r.value);
    inp.onProgress?.("stress", i + 1, inp.scenarios.length);
  }
  return {
    ok: true,
    value: {
      account: pf.account, currency: ctx.numeraire.currency, asOf: new Date(ctx.market.asOf).toISOString(), preset: ctx.params.name,
      margins: mp.value.rows, heatmaps: hp.value, lossDistribution: loss, backtest: bt, stress, notes,
    },
  };
}
