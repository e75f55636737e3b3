/**
 * VaR / ES of an account over a horizon by historical, filtered historical or Monte Carlo simulation with
 * full revaluation (DESIGN.md section 6). Pure: the price history is passed in.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { VarMethod, VarSpec } from "../margin/params.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { Repair } from "../risk/correlation.js";
import { volCorr } from "../risk/covariance.js";
import { dayText, MS_PER_DAY, returnWindow, type PriceHistory, type ReturnWindow } from "../risk/history.js";
import { revalBook, scenarioPnl, type RevalBook } from "./revalue.js";
import type { ScenarioSet } from "../risk/scenarios.js";

export type { VarMethod, VarSpec };
import { historicalScenarios, monteCarloScenarios } from "../risk/scenarios.js";
import { checkConfidence, varEs, type TailMeasures } from "../risk/tail.js";

/** The worst scenario, for the explanation. */
export interface WorstScenario {
  readonly index: number;
  /** Date of a historical scenario (YYYY-MM-DD), null for Monte Carlo. */
  readonly date: string | null;
  /** Horizon log return per risk factor. */
  readonly returns: Readonly<Record<string, number>>;
  readonly pnl: number;
}

/** Result of `dpm var --json`. */
export interface VarReport {
  readonly account: string;
  readonly method: VarMethod;
  readonly confidence: number;
  readonly horizon: number;
  readonly scenarios: number;
  readonly k: number;
  readonly var: number;
  readonly es: number;
  readonly currency: string;
  readonly equity: number;
  readonly factors: readonly string[];
  readonly window: { readonly from: string; readonly to: string; readonly returns: number };
  /** Daily volatility now per factor (EWMA for fhs/mc, sample for hs), annualised with √365. */
  readonly annualVol: Readonly<Record<string, number>>;
  readonly worstScenario: WorstScenario;
  readonly correlationRepair?: { readonly repaired: boolean; readonly minEigenBefore: number; readonly distance: number };
  readonly seed?: number;
  readonly distribution?: "normal" | "t";
}

/** Everything a VaR run produced, for the margin model and the reports. */
export interface VarRun {
  readonly report: VarReport;
  readonly book: RevalBook;
  readonly set: ScenarioSet;
  readonly pnl: Float64Array;
  /** P&L per book line (positions in input order, then collateral), when asked. */
  readonly linePnl: Float64Array[];
  readonly tail: TailMeasures;
}

/** UTC day of the snapshot's asOf. */
export function asOfDay(ctx: RiskContext): number {
  return Math.floor(ctx.market.asOf / MS_PER_DAY);
}

function checkSpec(s: VarSpec): Parsed<true> {
  const c = checkConfidence(s.confidence);
  if (!c.ok) return c;
  if (!(Number.isInteger(s.horizonDays) && s.horizonDays >= 1 && s.horizonDays <= 365)) return { ok: false, reason: `horizon must be an integer number of days in [1, 365] (got ${s.horizonDays})` };
  if (!(Number.isInteger(s.lookbackDays) && s.lookbackDays >= 2)) return { ok: false, reason: `lookback must be an integer ≥ 2 (got ${s.lookbackDays})` };
  return { ok: true, value: true };
}

function userCorrelation(spec: VarSpec, factors: readonly string[]): Parsed<Float64Array | null> {
  const c = spec.correlation;
  if (!c) return { ok: true, value: null };
  const n = c.assets.length;
  if (c.matrix.length !== n * n) return { ok: false, reason: `correlation matrix must have ${n}×${n} = ${n * n} entries (got ${c.matrix.length})` };
  const out = new Float64Array(factors.length * factors.length);
  for (let i = 0; i < factors.length; i++) for (let j = 0; j < factors.length; j++) {
    const a = c.assets.indexOf(factors[i]), b = c.assets.indexOf(factors[j]);
    if (a < 0 || b < 0) return { ok: false, reason: `correlation matrix has no row for ${a < 0 ? factors[i] : factors[j]}` };
    out[i * factors.length + j] = c.matrix[a * n + b];
  }
  return { ok: true, value: out };
}

function scenariosFor(spec: VarSpec, w: ReturnWindow, onProgress?: (d: number, t: number) => void): Parsed<{ set: ScenarioSet; vols: Float64Array; repair?: Repair }> {
  const estimator = spec.method === "hs" ? "sample" : spec.estimator ?? "ewma";
  const vc = volCorr(w.assets, w.returns, { estimator, lambda: spec.ewmaLambda, shrinkage: spec.shrinkage });
  if (!vc.ok) return vc;
  if (spec.method !== "mc") {
    return { ok: true, value: { set: historicalScenarios(w, spec.horizonDays, spec.method === "fhs" ? { lambda: spec.ewmaLambda } : null), vols: vc.value.vols } };
  }
  const uc = userCorrelation(spec, w.assets);
  if (!uc.ok) return uc;
  const mc = monteCarloScenarios(w.assets, vc.value.vols, uc.value ?? vc.value.corr, {
    paths: spec.paths, seed: spec.seed, distribution: spec.distribution, dof: spec.dof, horizonDays: spec.horizonDays,
  }, onProgress);
  if (!mc.ok) return mc;
  return { ok: true, value: { set: mc.value.set, vols: vc.value.vols, repair: mc.value.repair } };
}

/** Run VaR / ES for one account. `perLine` also keeps each position's P&L vector (marginal contributions). */
export function runVar(ctx: RiskContext, pf: Portfolio, history: PriceHistory, spec: VarSpec, perLine = false, onProgress?: (d: number, t: number) => void): Parsed<VarRun> {
  const ck = checkSpec(spec);
  if (!ck.ok) return ck;
  const bp = revalBook(ctx, pf);
  if (!bp.ok) return bp;
  const book = bp.value;
  const wp = returnWindow(history, book.factors, asOfDay(ctx), spec.lookbackDays);
  if (!wp.ok) return wp;
  const w = wp.value;
  const sc = scenariosFor(spec, w, onProgress);
  if (!sc.ok) return sc;
  const set = sc.value.set;
  const pp = scenarioPnl(book, set, perLine);
  if (!pp.ok) return pp;
  const tp = varEs(pp.value.total, spec.confidence);
  if (!tp.ok) return tp;
  const tail = tp.value;
  const F = set.factors.length;
  const returns: Record<string, number> = {};
  set.factors.forEach((f, i) => { returns[f] = set.returns[tail.worstIndex * F + i]; });
  const annualVol: Record<string, number> = {};
  w.assets.forEach((a, i) => { annualVol[a] = sc.value.vols[i] * Math.sqrt(365); });
  const rep = sc.value.repair;
  const report: VarReport = {
    account: pf.account, method: spec.method, confidence: spec.confidence, horizon: spec.horizonDays, scenarios: set.count, k: tail.k,
    var: tail.var, es: tail.es, currency: ctx.numeraire.currency, equity: book.equity, factors: book.factors,
    window: { from: dayText(w.days[0]), to: dayText(w.days[w.days.length - 1]), returns: w.days.length },
    annualVol,
    worstScenario: { index: tail.worstIndex, date: set.days ? dayText(set.days[tail.worstIndex]) : null, returns, pnl: pp.value.total[tail.worstIndex] },
    ...(rep ? { correlationRepair: { repaired: rep.repaired, minEigenBefore: rep.minEigenBefore, distance: rep.distance } } : {}),
    ...(spec.method === "mc" ? { seed: spec.seed, distribution: spec.distribution } : {}),
  };
  return { ok: true, value: { report, book, set, pnl: pp.value.total, linePnl: pp.value.lines, tail } };
}

/** Defaults when the parameters have no `var` section (the deribit preset's values). */
export const DEFAULT_VAR_SPEC: VarSpec = {
  method: "fhs", confidence: 0.99, horizonDays: 2, lookbackDays: 1460, ewmaLambda: 0.94, shrinkage: 0,
  paths: 10000, seed: 1, distribution: "t", dof: 5,
};
