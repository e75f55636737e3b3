/**
 * The `var` margin model (DESIGN.md section 6): IM = max(ES_α now, κ · ES_α over the worst stressed window)
 * + the portfolio model's contingencies (roll/basis shock, delta/liquidity shock, short-option minimum,
 * open orders); MM = mmFactor × (IM − open-order margin). Collateral in a non-stable asset is a risk
 * factor (in the scenarios at full value); stablecoin collateral counts at its haircut value.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { dayText, parseDay, subWindow, type PriceHistory } from "../risk/history.js";
import { scenarioPnl } from "./revalue.js";
import { historicalScenarios } from "../risk/scenarios.js";
import { varEs } from "../risk/tail.js";
import { runVar, type VarRun, type VarSpec } from "./varReport.js";
import { collateralHaircutUsd } from "../margin/haircut.js";
import type { StressWindow, VarParams } from "../margin/params.js";
import { portfolioMargin } from "../margin/portfolioModel.js";
import { marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";

/** What the `var` model needs beyond the risk context: the price history and optional overrides of the parameters. */
export interface VarInputs {
  readonly history: PriceHistory;
  readonly overrides?: Partial<VarSpec>;
  readonly onProgress?: (done: number, total: number) => void;
}

/** ES of the account over each stressed window covered by the history (historical, unfiltered, same horizon). */
export interface StressedEs {
  readonly window: string;
  readonly from: string;
  readonly to: string;
  readonly es: number | null;
}

export function stressedEs(run: VarRun, history: PriceHistory, windows: readonly StressWindow[], confidence: number): StressedEs[] {
  return windows.map((w) => {
    const from = parseDay(w.from), to = parseDay(w.to);
    const sub = from === undefined || to === undefined ? null : subWindow(history, run.book.factors, from, to);
    if (sub === null) return { window: w.name, from: w.from, to: w.to, es: null };
    const set = historicalScenarios(sub, run.set.horizonDays, null);
    const pnl = scenarioPnl(run.book, set);
    const t = pnl.ok ? varEs(pnl.value.total, confidence) : null;
    return { window: w.name, from: dayText(sub.days[0]), to: w.to, es: t && t.ok ? t.value.es : null };
  });
}

const CONTINGENCIES = new Set(["rollShock", "deltaShock", "shortOptionMinimum"]);

/** Marginal ES of each position: ES with it minus ES without it. */
function contributions(run: VarRun, positions: number, alpha: number): number[] {
  const out: number[] = new Array<number>(positions).fill(0);
  const total = run.pnl;
  run.book.lines.forEach((line, li) => {
    if (line.position < 0) return;
    const without = new Float64Array(total.length);
    const own = run.linePnl[li];
    for (let s = 0; s < total.length; s++) without[s] = total[s] - own[s];
    const t = varEs(without, alpha);
    out[line.position] = t.ok ? run.tail.es - t.value.es : 0;
  });
  return out;
}

/** `var` model margin of one account. */
export function varMargin(ctx: RiskContext, pf: Portfolio, inputs: VarInputs): Parsed<MarginResult> {
  const vp: VarParams | undefined = ctx.params.var;
  if (!vp) return { ok: false, reason: `the parameters "${ctx.params.name}" have no "var" section` };
  const spec: VarSpec = { ...vp, ...inputs.overrides };
  const rp = runVar(ctx, pf, inputs.history, spec, true, inputs.onProgress);
  if (!rp.ok) return rp;
  const run = rp.value;
  const pm = portfolioMargin(ctx, pf);
  if (!pm.ok) return pm;
  const stressed = stressedEs(run, inputs.history, vp.stressWindows, spec.confidence);
  let worst: StressedEs | null = null;
  for (const s of stressed) if (s.es !== null && (worst === null || s.es > (worst.es ?? 0))) worst = s;
  const esNow = Math.max(0, run.tail.es);
  const floor = worst && worst.es !== null ? Math.max(0, vp.stressMultiplier * worst.es) : 0;
  const components: MarginComponent[] = [{
    name: "expectedShortfall", amount: esNow,
    detail: { method: spec.method, confidence: spec.confidence, horizonDays: spec.horizonDays, scenarios: run.tail.scenarios, k: run.tail.k, var: run.tail.var, window: `${run.report.window.from}..${run.report.window.to}`, binding: esNow >= floor },
  }, {
    name: "stressFloor", amount: floor,
    detail: { window: worst?.window ?? null, stressedEs: worst?.es ?? null, kappa: vp.stressMultiplier, covered: stressed.filter((s) => s.es !== null).length, windows: stressed.length, binding: floor > esNow },
  }];
  let contingency = 0, orders = 0;
  for (const c of pm.value.components) {
    if (CONTINGENCIES.has(c.name) && c.amount > 0) { components.push(c); contingency += c.amount; }
    if (c.name === "openOrders") { components.push(c); orders += c.amount; }
  }
  const collateral: CollateralReport[] = pm.value.collateral.map((c) => {
    if (!ctx.isStable(c.asset)) return { ...c, haircut: 0, countedAs: "scenario" as const };
    const haircut = collateralHaircutUsd(c.asset, c.amount * (ctx.usdIndex(c.asset) ?? 0), ctx.params.collateral) / ctx.numeraire.index;
    return { ...c, haircut, countedAs: "haircut" as const };
  });
  let haircuts = 0;
  for (const c of collateral) haircuts += c.haircut;
  if (haircuts > 0) components.push({ name: "haircut", amount: haircuts, detail: { reduces: "adjustedEquity" } });
  const risk = Math.max(esNow, floor) + contingency;
  const im = risk + orders, mm = vp.mmFactor * risk;
  const equity = pm.value.equity, adj = equity - haircuts;
  const contrib = contributions(run, pf.positions.length, spec.confidence);
  return {
    ok: true,
    value: {
      account: pf.account, model: "var", currency: ctx.numeraire.currency, asOf: pm.value.asOf,
      equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im,
      marginRatio: marginRatio(mm, adj), status: marginStatus(equity, adj, im, mm), components,
      positions: pm.value.positions.map((p, i) => ({ ...p, marginContribution: contrib[i] })), collateral,
      params: { preset: ctx.params.name, var: { ...vp, ...inputs.overrides }, stressedEs: stressed, worstScenario: run.report.worstScenario, collateral: ctx.params.collateral },
    },
  };
}
