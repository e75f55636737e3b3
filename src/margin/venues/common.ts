/** Shared pieces of the venue method modules: risk units, general revaluation, the result. */
import type { Parsed } from "../../domain/instrument.js";
import type { Portfolio } from "../../domain/portfolio.js";
import type { ResolvedInstrument } from "../../market/resolve.js";
import { unitValueUsd } from "../../pricing/instrumentValue.js";
import type { InstrumentRisk } from "../../risk/instrumentRisk.js";
import { accountBook, type AccountBook } from "../accountBook.js";
import { collateralHaircutUsd } from "../haircut.js";
import { asOfText, marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult, type PositionReport } from "../result.js";
import { spotInstrument, type RiskContext } from "../riskContext.js";

/** One holding of a risk unit: an instrument's risk and a size (collateral joins as spot). */
export interface Holding {
  readonly risk: InstrumentRisk;
  readonly size: number;
  /** Index of the position in the portfolio, or -1 for collateral. */
  readonly position: number;
}

/** Holdings grouped by underlying; stablecoin spot and stablecoin collateral stay out (held at their index). */
export function holdingsByUnderlying(ctx: RiskContext, pf: Portfolio, ab: AccountBook, withCollateral: boolean): Map<string, Holding[]> {
  const units = new Map<string, Holding[]>();
  const add = (u: string, h: Holding) => {
    const l = units.get(u);
    if (l) l.push(h);
    else units.set(u, [h]);
  };
  pf.positions.forEach((p, i) => {
    if (p.instrument.kind === "spot" && ctx.isStable(p.instrument.underlying)) return;
    add(p.instrument.underlying, { risk: ab.risks[i], size: p.size, position: i });
  });
  if (withCollateral) {
    for (const [asset, amount] of Object.entries(pf.collateral)) {
      if (amount === 0 || ctx.isStable(asset)) continue;
      const r = ctx.risk(spotInstrument(asset));
      if (r.ok) add(asset, { risk: r.value, size: amount, position: -1 });
    }
  }
  return units;
}

/**
 * A general revaluation scenario: the index and every forward of the underlying move by (1 + shock); an
 * option's vol becomes `vol(resolved)`; time moves on by `dtYears` (T floored at 0); the discount rate
 * shifts by `rateShift`.
 */
export interface Revaluation {
  readonly shock: number;
  readonly vol?: (r: ResolvedInstrument) => number;
  readonly dtYears?: number;
  readonly rateShift?: number;
}

/** Per-unit value of an instrument under a revaluation, in the numeraire. */
export function valueUnder(ctx: RiskContext, r: ResolvedInstrument, s: Revaluation): number {
  const shifted: ResolvedInstrument = s.dtYears || s.rateShift
    ? { ...r, T: Math.max(0, r.T - (s.dtYears ?? 0)), rate: r.rate + (s.rateShift ?? 0) }
    : r;
  const vol = r.instrument.kind === "option" ? (s.vol ? s.vol(r) : r.vol) : 0;
  const num = ctx.numeraire.movesWith(r.instrument.underlying) ? ctx.numeraire.index * (1 + s.shock) : ctx.numeraire.index;
  return unitValueUsd(shifted, s.shock, vol) / num;
}

/** P&L (numeraire, gain > 0) of holdings under a revaluation. */
export function pnlUnder(ctx: RiskContext, hs: readonly Holding[], s: Revaluation): number {
  let pnl = 0;
  for (const h of hs) pnl += h.size * (valueUnder(ctx, h.risk.resolved, s) - h.risk.value);
  return pnl;
}

/** What a method computes for an account: margins and their explanation. */
export interface MethodMargin {
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly components: MarginComponent[];
  /** Amount of each collateral balance counted in its unit's scenarios (no haircut on that part). */
  readonly inScenarios: ReadonlyMap<string, number>;
}

/**
 * Per-instrument values that depend only on the context (market, numeraire) and a venue's parameter set,
 * computed once and kept for the context's life: a unit's margin, and each position's marginal contribution,
 * are then sums. A context is immutable (a market change makes a new one), so identity is the key.
 */
export function perInstrumentMemo<P extends object, T>(): (ctx: RiskContext, p: P, name: string, compute: () => T) => T {
  const cache = new WeakMap<RiskContext, WeakMap<P, Map<string, T>>>();
  return (ctx, p, name, compute) => {
    let byParams = cache.get(ctx);
    if (!byParams) cache.set(ctx, (byParams = new WeakMap()));
    let byName = byParams.get(p);
    if (!byName) byParams.set(p, (byName = new Map()));
    let v = byName.get(name);
    if (v === undefined) byName.set(name, (v = compute()));
    return v;
  };
}

/**
 * A venue method's full result for an account: its margins and components, collateral reports, and each
 * position's marginal contribution (the method re-run without that position).
 */
export function methodResult(ctx: RiskContext, pf: Portfolio, method: (q: Portfolio) => Parsed<MethodMargin>, extraParams: Record<string, unknown>): Parsed<MarginResult> {
  const mp = method(pf);
  if (!mp.ok) return mp;
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const imOf = (q: Portfolio) => { const r = method(q); return r.ok ? r.value.initialMargin : NaN; };
  return { ok: true, value: assemble(ctx, pf, abp.value, mp.value, imOf, extraParams) };
}

function assemble(ctx: RiskContext, pf: Portfolio, ab: AccountBook, m: MethodMargin, imOf: (p: Portfolio) => number, extraParams: Record<string, unknown>): MarginResult {
  const N = ctx.numeraire.index;
  const collateral: CollateralReport[] = Object.entries(pf.collateral).map(([asset, amount]) => {
    const value = ab.collateralValues.get(asset) ?? 0;
    const used = Math.min(amount, m.inScenarios.get(asset) ?? 0);
    const haircut = collateralHaircutUsd(asset, (amount - used) * (ctx.usdIndex(asset) ?? 0), ctx.params.collateral) / N;
    return { asset, amount, value, haircut, countedAs: used > 0 ? ("scenario" as const) : ("haircut" as const) };
  });
  let haircuts = 0;
  for (const c of collateral) haircuts += c.haircut;
  const components = [...m.components];
  if (haircuts > 0) components.push({ name: "haircut", amount: haircuts, detail: { reduces: "adjustedEquity" } });
  const positions: PositionReport[] = pf.positions.map((p, i) => {
    const r = ab.risks[i];
    const without: Portfolio = { ...pf, positions: pf.positions.filter((_, j) => j !== i) };
    return {
      instrument: p.instrument.name, size: p.size, markPrice: r.markPrice, value: ab.values[i],
      delta: p.size * r.delta, gamma: p.size * r.gamma, vega: p.size * r.vega, theta: p.size * r.theta,
      marginContribution: m.initialMargin - imOf(without),
    };
  });
  const adj = ab.equity - haircuts;
  const im = m.initialMargin, mm = m.maintenanceMargin;
  return {
    account: pf.account, model: "portfolio", currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
    equity: ab.equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im,
    marginRatio: marginRatio(mm, adj), status: marginStatus(ab.equity, adj, im, mm), components, positions, collateral,
    params: { preset: ctx.params.name, method: ctx.params.method, ...extraParams, collateral: ctx.params.collateral },
  };
}

/** Value from a step schedule: the last tier whose fromUsd ≤ amount. */
export function stepTier(tiers: readonly { fromUsd: number; value: number }[], amount: number): number {
  let v = tiers[0]?.value ?? 0;
  for (const t of tiers) if (amount > t.fromUsd || t.fromUsd === 0) v = t.value;
  return v;
}

/** Integral of a marginal-rate schedule from 0 to amount (progressive: each slice at its tier's rate). */
export function marginalTier(tiers: readonly { fromUsd: number; value: number }[], amount: number): number {
  let total = 0;
  for (let i = 0; i < tiers.length; i++) {
    const lo = tiers[i].fromUsd, hi = tiers[i + 1]?.fromUsd ?? Infinity;
    if (amount <= lo) break;
    total += (Math.min(amount, hi) - lo) * tiers[i].value;
  }
  return total;
}
