/**
 * Incremental margin of the account being liquidated. A `MarginTracker` holds the account's per-unit risk
 * books (portfolio model) or per-position margins (standard, isolated) and gives, without copying any book:
 *
 * - `estimate(t)`: the maintenance margin after a candidate trade, for ranking candidates. The unit the trade
 *   touches is evaluated with `unitMargin(..., adj)` (src/margin/riskUnit.ts), i.e. the unit plus the trade
 *   on the fly; every other unit keeps its cached total.
 * - `next(w, t)`: the tracker after a trade was applied. Only the unit the trade touched (and the cash
 *   asset's unit, if it had one) is rebuilt; the others are reused and the totals recombined.
 * - `margin`: the engine's four numbers for the current account. They are computed with the engine's own
 *   formulas in the engine's own order (unit books summed position by position, the same collateral
 *   decision, cross-asset credit over the units in the same order, equity and haircuts in input order),
 *   so they equal `marginWith(ctx, toPortfolio(w), model)`; tests check this to 1e-9 relative after every
 *   step. Models the tracker does not reproduce (the var model, venue methods of the portfolio model) fall
 *   back to a full `marginWith` per step.
 */
import { marginWith } from "../margin/computeMargin.js";
import { crossAssetCredit } from "../margin/crossAsset.js";
import { collateralHaircutUsd } from "../margin/haircut.js";
import type { MarginModel, MarginResult } from "../margin/result.js";
import { spotInstrument, type RiskContext } from "../margin/riskContext.js";
import { addToUnit, cloneUnit, emptyUnit, unitMargin, type UnitAdjustment, type UnitBook } from "../margin/riskUnit.js";
import { standardPositionMargin } from "../margin/standardModel.js";
import { positionValue, toPortfolio, type Trade, type WorkAccount, type WorkPosition } from "./workAccount.js";

/** The engine's figures of an account (numeraire); `marginRatio` = MM / adjusted equity, null when that is ≤ 0. */
export type MarginNumbers = Pick<MarginResult, "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "marginRatio">;

/** Estimated maintenance margin (numeraire) after a trade, and the change of the units' collateral haircuts. */
export interface MarginEstimate {
  readonly mm: number;
  readonly haircutChange: number;
}

/** The current account's margin, incrementally maintained. Immutable: `next` returns a new tracker. */
export interface MarginTracker {
  readonly work: WorkAccount;
  /** The engine's figures for `work` (see the module comment). */
  readonly margin: MarginNumbers;
  /** Estimated MM now (the ranking's reference; equal to `margin.maintenanceMargin` up to rounding). */
  readonly mm: number;
  /** Estimated MM after a trade on `work` (ranking only). */
  estimate(t: Trade): MarginEstimate;
  /** Net delta (coins) per underlying as the margin sees it (collateral included when counted in scenarios). */
  netDelta(underlying: string): number;
  /** The tracker of `w`, which is `work` after trade `t`. */
  next(w: WorkAccount, t: Trade): MarginTracker;
}

/** True when the tracker reproduces the engine for this context and model (else it calls `marginWith`). */
export function tracksExactly(ctx: RiskContext, model: MarginModel): boolean {
  if (model === "standard" || model === "isolated") return true;
  // A coin numeraire ties every unit's value to the numeraire's unit (numeraireExposure.ts): re-margin in full.
  const coinNumeraire = ctx.numeraire.currency !== "USD" && !ctx.isStable(ctx.numeraire.currency);
  return model === "portfolio" && !coinNumeraire && (ctx.params.method === undefined || ctx.params.method === "grid");
}

/** A tracker for a work account (no open orders) under a model. */
export function marginTracker(ctx: RiskContext, w: WorkAccount, model: MarginModel): MarginTracker {
  const exact = tracksExactly(ctx, model);
  if (model === "portfolio") return portfolioTracker(ctx, w, exact, new Map());
  return standardTracker(ctx, w, model, exact);
}

// ---------------------------------------------------------------------------------------------------------
// Shared: position values and collateral (engine order: positions, then collateral, from 0).

const valueCache = new WeakMap<RiskContext, WeakMap<WorkPosition, number>>();

/** Value of a work position exactly as the engine's account book computes it (cached per position object). */
function engineValue(ctx: RiskContext, p: WorkPosition): number {
  let m = valueCache.get(ctx);
  if (!m) valueCache.set(ctx, (m = new WeakMap()));
  let v = m.get(p);
  if (v === undefined) m.set(p, (v = positionValue(ctx, p.risk, p.size, p.entryPrice)));
  return v;
}

function equityOf(ctx: RiskContext, w: WorkAccount): number {
  let equity = 0;
  for (const p of w.positions) equity += engineValue(ctx, p);
  const N = ctx.numeraire.index;
  for (const [asset, amount] of Object.entries(w.collateral)) equity += (amount * (ctx.usdIndex(asset) ?? 0)) / N;
  return equity;
}

function plainHaircut(ctx: RiskContext, asset: string, amount: number): number {
  return collateralHaircutUsd(asset, amount * (ctx.usdIndex(asset) ?? 0), ctx.params.collateral) / ctx.numeraire.index;
}

function numbers(equity: number, adjustedEquity: number, im: number, mm: number): MarginNumbers {
  return { equity, adjustedEquity, initialMargin: im, maintenanceMargin: mm, marginRatio: adjustedEquity > 0 ? mm / adjustedEquity : null };
}

function fullMargin(ctx: RiskContext, w: WorkAccount, model: MarginModel): MarginNumbers {
  const r = marginWith(ctx, toPortfolio(w), model);
  if (!r.ok) throw new Error(`liquidation: cannot re-margin ${w.account}: ${r.reason}`);
  return r.value;
}

// ---------------------------------------------------------------------------------------------------------
// Portfolio model: per-underlying unit books.

/** One risk unit: its book without collateral, with collateral (when it has any), and the engine's decision. */
interface Unit {
  readonly underlying: string;
  readonly book: UnitBook;
  /** `book` plus the unit's collateral as spot (null when the unit holds no collateral of its own). */
  readonly withColl: UnitBook | null;
  readonly collateral: number;
  /** Risk margin after the collateral decision (numeraire). */
  readonly total: number;
  /** True when the collateral is counted in the scenarios (`withColl`); else it is outside at its haircut. */
  readonly inScenarios: boolean;
  /** Haircut (numeraire) the unit leaves on adjusted equity (0 unless the collateral is outside the scenarios). */
  readonly haircut: number;
}

const countsAsUnit = (ctx: RiskContext, p: WorkPosition) => !(p.instrument.kind === "spot" && ctx.isStable(p.instrument.underlying));
const unitCollateral = (ctx: RiskContext, w: WorkAccount, u: string) => (ctx.isStable(u) ? 0 : w.collateral[u] ?? 0);

function unitTotal(ctx: RiskContext, book: UnitBook, adj?: UnitAdjustment): number {
  const u = book.underlying;
  return unitMargin(book, ctx.grid(u), ctx.params.portfolio, ctx.usdIndex(u) ?? NaN, ctx.numeraire.index, adj).total;
}

/** The collateral decision of the engine (`decideUnit`): in the scenarios when that margins no more than the haircut. */
function decide(ctx: RiskContext, u: string, amount: number, without: number, inScen: number): { inScenarios: boolean; haircut: number } {
  if (amount === 0) return { inScenarios: false, haircut: 0 };
  const haircut = collateralHaircutUsd(u, amount * (ctx.usdIndex(u) ?? NaN), ctx.params.collateral) / ctx.numeraire.index;
  return amount < 0 || inScen <= without + haircut ? { inScenarios: true, haircut: 0 } : { inScenarios: false, haircut };
}

/** Build a unit from the account's positions on `u` in account order (as the engine does). */
function buildUnit(ctx: RiskContext, w: WorkAccount, u: string): Unit {
  const book = emptyUnit(u, ctx.grid(u));
  for (const p of w.positions) if (p.instrument.underlying === u && countsAsUnit(ctx, p)) addToUnit(book, p.risk, p.size);
  const amount = unitCollateral(ctx, w, u);
  const without = unitTotal(ctx, book);
  if (amount === 0) return { underlying: u, book, withColl: null, collateral: 0, total: without, inScenarios: false, haircut: 0 };
  const withColl = cloneUnit(book);
  const spot = ctx.risk(spotInstrument(u));
  if (spot.ok) addToUnit(withColl, spot.value, amount);
  const inScen = unitTotal(ctx, withColl);
  const d = decide(ctx, u, amount, without, inScen);
  return { underlying: u, book, withColl, collateral: amount, total: d.inScenarios ? inScen : without, ...d };
}

/** Units in the engine's order: first appearance among positions, then non-stable collateral. */
function unitOrder(ctx: RiskContext, w: WorkAccount): string[] {
  const seen = new Set<string>();
  for (const p of w.positions) if (countsAsUnit(ctx, p)) seen.add(p.instrument.underlying);
  for (const [a, amt] of Object.entries(w.collateral)) if (amt !== 0 && !ctx.isStable(a)) seen.add(a);
  return [...seen];
}

/** The engine's figures from the units (portfolioMargin's arithmetic, without open orders). */
function portfolioNumbers(ctx: RiskContext, w: WorkAccount, units: readonly Unit[], byName: ReadonlyMap<string, Unit>): MarginNumbers {
  const credit = crossAssetCredit(ctx.params.portfolio.crossAsset, units);
  let risk = -credit;
  for (const s of units) risk += s.total;
  let haircuts = 0;
  for (const [asset, amount] of Object.entries(w.collateral)) {
    const s = byName.get(asset);
    haircuts += s ? (s.inScenarios ? 0 : s.haircut) : plainHaircut(ctx, asset, amount);
  }
  const equity = equityOf(ctx, w);
  return numbers(equity, equity - haircuts, risk, ctx.params.portfolio.mmFactor * risk);
}

/** A trade's unit total after it, kept while the unit is unchanged (units unaffected by a step are reused as objects). */
const unitAfterCache = new WeakMap<Trade, { readonly unit: Unit; readonly total: number; readonly haircut: number }>();

/** Risk margin (after the collateral decision) and haircut of unit `s` plus trade `t`, without copying the unit. */
function unitAfter(ctx: RiskContext, s: Unit, t: Trade): { total: number; haircut: number } {
  const hit = unitAfterCache.get(t);
  if (hit && hit.unit === s) return hit;
  const adj: UnitAdjustment = { risk: t.risk, size: t.size };
  const without = unitTotal(ctx, s.book, adj);
  let total = without, haircut = 0;
  if (s.withColl) {
    const inScen = unitTotal(ctx, s.withColl, adj);
    const d = decide(ctx, s.underlying, s.collateral, without, inScen);
    total = d.inScenarios ? inScen : without;
    haircut = d.haircut;
  }
  const r = { unit: s, total, haircut };
  unitAfterCache.set(t, r);
  return r;
}

function portfolioTracker(ctx: RiskContext, w: WorkAccount, exact: boolean, reuse: ReadonlyMap<string, Unit>): MarginTracker {
  const byName = new Map<string, Unit>();
  for (const u of unitOrder(ctx, w)) byName.set(u, reuse.get(u) ?? buildUnit(ctx, w, u));
  const units = [...byName.values()];
  const p = ctx.params.portfolio;
  // Ranking estimate: mmFactor × (Σ totals − credit), one entry replaced by the candidate's unit.
  const scratch = units.map((s) => ({ underlying: s.underlying, total: s.total }));
  let sum = 0, haircut0 = 0;
  for (const s of units) { sum += s.total; haircut0 += s.haircut; }
  const mm = p.mmFactor * (sum - crossAssetCredit(p.crossAsset, scratch));
  const margin = exact ? portfolioNumbers(ctx, w, units, byName) : fullMargin(ctx, w, "portfolio");
  return {
    work: w, margin, mm,
    estimate(t) {
      const u = t.instrument.underlying;
      if (t.instrument.kind === "spot" && ctx.isStable(u)) return { mm, haircutChange: 0 };
      const s = byName.get(u);
      if (!s) {
        const total = unitTotal(ctx, emptyUnit(u, ctx.grid(u)), { risk: t.risk, size: t.size });
        const list = [...scratch, { underlying: u, total }];
        return { mm: p.mmFactor * (sum + total - crossAssetCredit(p.crossAsset, list)), haircutChange: 0 };
      }
      const { total, haircut } = unitAfter(ctx, s, t);
      const i = units.indexOf(s);
      let risk = 0, haircuts = 0;
      for (let k = 0; k < units.length; k++) { risk += k === i ? total : units[k].total; haircuts += k === i ? haircut : units[k].haircut; }
      scratch[i].total = total;
      const credit = crossAssetCredit(p.crossAsset, scratch);
      scratch[i].total = s.total;
      return { mm: p.mmFactor * (risk - credit), haircutChange: haircuts - haircut0 };
    },
    netDelta: (u) => {
      const s = byName.get(u);
      return s ? (s.inScenarios && s.withColl ? s.withColl.netDelta : s.book.netDelta) : 0;
    },
    next(nw, t) {
      const keep = new Map(byName);
      keep.delete(t.instrument.underlying);
      keep.delete(nw.cashAsset);
      return portfolioTracker(ctx, nw, exact, keep);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Standard and isolated models: per-position margins.

const positionMarginCache = new WeakMap<RiskContext, WeakMap<WorkPosition, { im: number; mm: number }>>();

function positionMargin(ctx: RiskContext, p: WorkPosition): { im: number; mm: number } {
  let c = positionMarginCache.get(ctx);
  if (!c) positionMarginCache.set(ctx, (c = new WeakMap()));
  let m = c.get(p);
  if (!m) {
    const N = ctx.numeraire.index;
    const r = standardPositionMargin(p.risk, p.size, ctx.params.standard);
    c.set(p, (m = { im: r.im / N, mm: r.mm / N }));
  }
  return m;
}

/** standardMargin's arithmetic (without open orders): Σ position margins, haircuts on every balance, isolated drops gains. */
function standardNumbers(ctx: RiskContext, w: WorkAccount, isolated: boolean): MarginNumbers {
  let im = 0, mm = 0;
  for (const p of w.positions) { const m = positionMargin(ctx, p); im += m.im; mm += m.mm; }
  let haircuts = 0;
  for (const [asset, amount] of Object.entries(w.collateral)) haircuts += plainHaircut(ctx, asset, amount);
  const equity = equityOf(ctx, w);
  let adj = equity - haircuts;
  if (isolated) {
    let unshared = 0;
    for (const p of w.positions) { const v = engineValue(ctx, p); if (v > 0) unshared += v; }
    adj -= unshared;
  }
  return numbers(equity, adj, im, mm);
}

/** Standard and isolated margin (the var model has no estimate of its own: standard MM ranks its candidates). */
function standardTracker(ctx: RiskContext, w: WorkAccount, model: MarginModel, exact: boolean): MarginTracker {
  const N = ctx.numeraire.index;
  const sp = ctx.params.standard;
  const mms = w.positions.map((p) => positionMargin(ctx, p).mm);
  let mm = 0;
  for (const m of mms) mm += m;
  const delta = new Map<string, number>();
  for (const p of w.positions) delta.set(p.instrument.underlying, (delta.get(p.instrument.underlying) ?? 0) + p.size * p.risk.delta);
  for (const [a, amt] of Object.entries(w.collateral)) if (!ctx.isStable(a)) delta.set(a, (delta.get(a) ?? 0) + amt);
  const margin = exact ? standardNumbers(ctx, w, model === "isolated") : fullMargin(ctx, w, model);
  return {
    work: w, margin, mm,
    estimate(t) {
      if (t.index < 0) return { mm: mm + standardPositionMargin(t.risk, t.size, sp).mm / N, haircutChange: 0 };
      const p = w.positions[t.index];
      return { mm: mm - mms[t.index] + standardPositionMargin(p.risk, p.size + t.size, sp).mm / N, haircutChange: 0 };
    },
    netDelta: (u) => delta.get(u) ?? 0,
    next: (nw) => standardTracker(ctx, nw, model, exact),
  };
}
