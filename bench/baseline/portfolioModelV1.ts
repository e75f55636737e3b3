/**
 * The portfolio model as it was before the kernel (commit 8b35e19), kept verbatim as the reference the fast
 * explanation path is compared with, byte for byte (test/margin/explainEquality.test.ts) and the
 * baseline of the explanation-path benchmark (bench/kernel.ts).
 */
import type { Parsed } from "../../src/domain/instrument.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { accountBook, type AccountBook } from "../../src/margin/accountBook.js";
import { crossAssetCredit } from "../../src/margin/crossAsset.js";
import { collateralHaircutUsd } from "../../src/margin/haircut.js";
import { asOfText, marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult, type PositionReport } from "../../src/margin/result.js";
import { spotInstrument, type RiskContext } from "../../src/margin/riskContext.js";
import { numeraireExposureRisk } from "../../src/margin/numeraireExposure.js";
import { addToUnit, cloneUnit, emptyUnit, unitMargin, worstScenario, type UnitAdjustment, type UnitBook, type UnitMargin } from "../../src/margin/riskUnit.js";

/** A risk unit with its collateral decision and margins. */
interface UnitState {
  readonly underlying: string;
  /** The book the margin was taken on (with the collateral when it was counted in the scenarios). */
  readonly book: UnitBook;
  readonly margin: UnitMargin;
  readonly collateral: number;
  readonly countedAs: "scenario" | "haircut" | "none";
  /** Haircut in the numeraire (0 unless countedAs = haircut). */
  readonly haircut: number;
  /** The unit without its collateral, the unit with it in the scenarios, and the haircut it would carry outside them (for re-deciding without a position). */
  readonly alternatives?: { readonly bare: UnitBook; readonly withCollateral: UnitBook; readonly haircut: number };
  /** Open-order margin of the unit. */
  readonly orders: number;
  readonly orderSide: "buy" | "sell" | null;
}

function unitIndex(ctx: RiskContext, u: string): number {
  return ctx.usdIndex(u) ?? NaN;
}

function marginOf(ctx: RiskContext, book: UnitBook, adj?: UnitAdjustment): UnitMargin {
  return unitMargin(book, ctx.grid(book.underlying), ctx.params.portfolio, unitIndex(ctx, book.underlying), ctx.numeraire.index, adj);
}

function buildUnits(ctx: RiskContext, pf: Portfolio, ab: AccountBook): Map<string, UnitBook> {
  const units = new Map<string, UnitBook>();
  const unitFor = (u: string): UnitBook => {
    let b = units.get(u);
    if (!b) units.set(u, (b = emptyUnit(u, ctx.grid(u))));
    return b;
  };
  pf.positions.forEach((p, i) => {
    const u = p.instrument.underlying;
    if (p.instrument.kind === "spot" && ctx.isStable(u)) return;
    addToUnit(unitFor(u), ab.risks[i], p.size);
  });
  for (const [asset, amount] of Object.entries(pf.collateral)) if (amount !== 0 && !ctx.isStable(asset)) unitFor(asset);
  for (const o of pf.openOrders) unitFor(o.instrument.underlying);
  const foreign = foreignValue(ctx, pf, ab);
  const exposure = foreign !== 0 ? numeraireExposureRisk(ctx) : undefined;
  if (exposure) addToUnit(unitFor(ctx.numeraire.currency), exposure, foreign);
  return units;
}

/**
 * Value (numeraire) of everything whose USD value does not move with a coin numeraire: balances in other
 * assets and positions on other underlyings. Their value in the coin moves with the coin's scenarios.
 */
function foreignValue(ctx: RiskContext, pf: Portfolio, ab: AccountBook): number {
  const c = ctx.numeraire.currency;
  if (c === "USD" || ctx.isStable(c)) return 0;
  let v = 0;
  pf.positions.forEach((p, i) => { if (p.instrument.underlying !== c) v += ab.values[i]; });
  for (const [asset, value] of ab.collateralValues) if (asset !== c) v += value;
  return v;
}

/** Open-order margin: the side (all buys or all sells filled at mark) that raises the unit's margin most. */
function orderMargin(ctx: RiskContext, pf: Portfolio, ab: AccountBook, u: string, book: UnitBook, base: number): { amount: number; side: "buy" | "sell" | null } {
  let best = { amount: 0, side: null as "buy" | "sell" | null };
  for (const side of ["buy", "sell"] as const) {
    const filled = cloneUnit(book);
    let any = false;
    pf.openOrders.forEach((o, i) => {
      if (o.instrument.underlying !== u || (o.size > 0) !== (side === "buy")) return;
      addToUnit(filled, ab.orderRisks[i], o.size);
      any = true;
    });
    if (!any) continue;
    const extra = marginOf(ctx, filled).total - base;
    if (extra > best.amount) best = { amount: extra, side };
  }
  return best;
}

/** Decide how a unit's own collateral counts: in the scenarios, or outside at its haircut value. */
function decideUnit(ctx: RiskContext, pf: Portfolio, ab: AccountBook, u: string, book: UnitBook): UnitState {
  const amount = ctx.isStable(u) ? 0 : pf.collateral[u] ?? 0;
  const without = marginOf(ctx, book);
  let state: UnitState;
  if (amount === 0) {
    state = { underlying: u, book, margin: without, collateral: 0, countedAs: "none", haircut: 0, orders: 0, orderSide: null };
  } else {
    const withColl = cloneUnit(book);
    const spot = ctx.risk(spotInstrument(u));
    if (spot.ok) addToUnit(withColl, spot.value, amount);
    const inScen = marginOf(ctx, withColl);
    const haircut = collateralHaircutUsd(u, amount * unitIndex(ctx, u), ctx.params.collateral) / ctx.numeraire.index;
    // A debt (negative balance) is a short exposure: always in the scenarios, never haircut.
    const alternatives = { bare: book, withCollateral: withColl, haircut };
    state = amount < 0 || inScen.total <= without.total + haircut
      ? { underlying: u, book: withColl, margin: inScen, collateral: amount, countedAs: "scenario", haircut: 0, orders: 0, orderSide: null, alternatives }
      : { underlying: u, book, margin: without, collateral: amount, countedAs: "haircut", haircut, orders: 0, orderSide: null, alternatives };
  }
  const om = pf.openOrders.length > 0 ? orderMargin(ctx, pf, ab, u, state.book, state.margin.total) : { amount: 0, side: null };
  return { ...state, orders: om.amount, orderSide: om.side };
}

function unitComponents(ctx: RiskContext, s: UnitState): MarginComponent[] {
  const g = ctx.grid(s.underlying);
  const m = s.margin;
  const u = s.underlying;
  const out: MarginComponent[] = [{
    name: "worstScenario", underlying: u, amount: m.worstLoss, scenario: worstScenario(g, m),
    detail: { collateralCountedAs: s.countedAs, priceRange: g.params.priceRange, ...(u === ctx.numeraire.currency ? { numeraireUnit: true } : {}) },
  }];
  if (m.extendedIndex >= 0) {
    const w = g.extendedWeights[m.extendedIndex];
    out.push({
      name: "extendedScenario", underlying: u, amount: m.extendedLoss,
      scenario: { priceShock: g.extendedMoves[m.extendedIndex], volShock: "up", weight: w },
      detail: { binding: m.extendedLoss > m.worstLoss, unweightedLoss: w > 0 ? m.extendedLoss / w : 0 },
    });
  }
  out.push({ name: "rollShock", underlying: u, amount: m.rollShock });
  out.push({ name: "deltaShock", underlying: u, amount: m.deltaShock, detail: { netDelta: s.book.netDelta } });
  out.push({ name: "shortOptionMinimum", underlying: u, amount: m.shortOptionMinimum });
  if (s.orders > 0) out.push({ name: "openOrders", underlying: u, amount: s.orders, detail: { side: s.orderSide } });
  return out;
}

/** One risk unit as the portfolio model margins it: the book its scenarios revalue, and its margin. */
export interface PortfolioUnit {
  readonly underlying: string;
  /** Σ size × per-unit P&L vectors, with the collateral when it was counted in the scenarios. */
  readonly book: UnitBook;
  readonly margin: UnitMargin;
  readonly countedAs: "scenario" | "haircut" | "none";
}

function unitStates(ctx: RiskContext, pf: Portfolio, ab: AccountBook): UnitState[] {
  return [...buildUnits(ctx, pf, ab)].map(([u, b]) => decideUnit(ctx, pf, ab, u, b));
}

/** The risk units of an account exactly as `portfolioMargin` builds them (for reports and charts). */
export function portfolioUnits(ctx: RiskContext, pf: Portfolio): Parsed<PortfolioUnit[]> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  return { ok: true, value: unitStates(ctx, pf, abp.value).map((s) => ({ underlying: s.underlying, book: s.book, margin: s.margin, countedAs: s.countedAs })) };
}

/**
 * Portfolio (scenario-grid) margin of one account (DESIGN.md section 5); `contributions` false skips each
 * position's marginal contribution (reported as 0).
 */
export function portfolioMargin(ctx: RiskContext, pf: Portfolio, contributions = true): Parsed<MarginResult> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const ab = abp.value;
  const states = unitStates(ctx, pf, ab);
  const credit = crossAssetCredit(ctx.params.portfolio.crossAsset, states.map((s) => ({ underlying: s.underlying, total: s.margin.total })));
  let risk = -credit, orders = 0;
  for (const s of states) { risk += s.margin.total; orders += s.orders; }
  const components: MarginComponent[] = [];
  for (const s of states) components.push(...unitComponents(ctx, s));
  if (credit > 0) components.push({ name: "correlationCredit", amount: -credit });
  const collateral = collateralReports(ctx, pf, ab, states);
  let haircuts = 0;
  for (const c of collateral) haircuts += c.haircut;
  if (haircuts > 0) components.push({ name: "haircut", amount: haircuts, detail: { reduces: "adjustedEquity" } });
  const im = risk + orders;
  const mm = ctx.params.portfolio.mmFactor * risk;
  const adj = ab.equity - haircuts;
  const positions = positionReports(ctx, pf, ab, states, contributions);
  return {
    ok: true,
    value: {
      account: pf.account, model: "portfolio", currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
      equity: ab.equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im,
      marginRatio: marginRatio(mm, adj), status: marginStatus(ab.equity, adj, im, mm), components, positions, collateral,
      params: usedParams(ctx, pf, states),
    },
  };
}

function collateralReports(ctx: RiskContext, pf: Portfolio, ab: AccountBook, states: readonly UnitState[]): CollateralReport[] {
  return Object.entries(pf.collateral).map(([asset, amount]) => {
    const value = ab.collateralValues.get(asset) ?? 0;
    const st = states.find((s) => s.underlying === asset);
    if (st && st.countedAs === "scenario") return { asset, amount, value, haircut: 0, countedAs: "scenario" as const };
    const haircut = st ? st.haircut : collateralHaircutUsd(asset, amount * (ctx.usdIndex(asset) ?? 0), ctx.params.collateral) / ctx.numeraire.index;
    return { asset, amount, value, haircut, countedAs: "haircut" as const };
  });
}

/**
 * Risk margin of a unit without one position, with the collateral decision taken again (the same rule as
 * decideUnit), so that a contribution is IM with the position minus IM without it.
 */
function marginWithout(ctx: RiskContext, st: UnitState, adj: UnitAdjustment): number {
  const alt = st.alternatives;
  if (!alt) return marginOf(ctx, st.book, adj).total;
  const inScen = marginOf(ctx, alt.withCollateral, adj).total;
  const bare = marginOf(ctx, alt.bare, adj).total;
  return st.collateral < 0 || inScen <= bare + alt.haircut ? inScen : bare;
}

function positionReports(ctx: RiskContext, pf: Portfolio, ab: AccountBook, states: readonly UnitState[], contributions: boolean): PositionReport[] {
  return pf.positions.map((p, i) => {
    const r = ab.risks[i];
    const st = states.find((s) => s.underlying === p.instrument.underlying);
    const contribution = st && contributions ? st.margin.total - marginWithout(ctx, st, { risk: r, size: -p.size }) : 0;
    return {
      instrument: p.instrument.name, size: p.size, markPrice: r.markPrice, value: ab.values[i],
      delta: p.size * r.delta, gamma: p.size * r.gamma, vega: p.size * r.vega, theta: p.size * r.theta,
      marginContribution: contribution,
    };
  });
}

/** The parameters that produced this result: the preset, and the grid and haircut entries actually used. */
function usedParams(ctx: RiskContext, pf: Portfolio, states: readonly UnitState[]): Record<string, unknown> {
  const p = ctx.params.portfolio;
  const grids: Record<string, unknown> = {};
  for (const s of states) grids[s.underlying] = ctx.grid(s.underlying).params;
  const haircuts: Record<string, unknown> = {};
  for (const a of Object.keys(pf.collateral)) haircuts[a] = ctx.params.collateral.haircuts[a] ?? ctx.params.collateral.haircuts["default"];
  return {
    preset: ctx.params.name, mmFactor: p.mmFactor, underlyings: grids, extendedMoves: p.extendedMoves,
    extendedWeights: p.extendedWeights ?? "priceRange/|move|", deltaShock: p.deltaShock, shortOptionMinimum: p.shortOptionMinimum,
    crossAsset: p.crossAsset.mode === "sum" ? { mode: "sum" } : p.crossAsset, haircuts,
  };
}
