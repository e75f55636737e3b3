/**
 * The `MarginResult` of the portfolio model built from an evaluated `ExplainBook`: the same objects, with the
 * same keys in the same order, as portfolioModel.ts built before the kernel (so `dpm margin --json` output is
 * unchanged byte for byte).
 */
import type { Portfolio } from "../../domain/portfolio.js";
import { cellScenario, type ScenarioGrid } from "../../risk/scenarioGrid.js";
import { haircutUsd } from "../haircut.js";
import { pairCorrelation } from "../crossAsset.js";
import type { CrossAssetParams } from "../params.js";
import { asOfText, marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult, type PositionReport } from "../result.js";
import { C_CELL, C_DELTA, C_EXT, C_EXT_INDEX, C_ROLL, C_SOM, C_TOTAL, C_WORST, COUNTED_HAIRCUT, COUNTED_NONE, COUNTED_SCENARIO, type ExplainBook } from "./explainBook.js";
import { unitContributions } from "./contributions.js";
import { SIDE_BUY, SIDE_SELL } from "./explainOrders.js";

const COUNTED = ["none", "scenario", "haircut"] as const;

/**
 * Parts of a result that depend only on the grid (the worst cell as a scenario, an extended move as a scenario,
 * the worst scenario's detail): built once per grid and shared, frozen, by every result that names them.
 */
export interface GridParts {
  readonly cells: { readonly priceShock: number; readonly volShock: string }[];
  readonly extended: { readonly priceShock: number; readonly volShock: "up"; readonly weight: number }[];
  /** [counted (0..2) × 2 + numeraireUnit (0/1)]. */
  readonly worstDetail: Readonly<Record<string, string | number | boolean>>[];
  /**
   * The components of a unit whose every figure is +0 (a unit of collateral alone counted at its haircut, say),
   * by the same index as `worstDetail`: built once, frozen, and shared by every result that has such a unit.
   */
  readonly zero: (readonly MarginComponent[] | undefined)[];
}
const gridParts = new WeakMap<ScenarioGrid, GridParts>();

/** The grids of the last few units asked for (a book's units come from a handful of grids). */
const recentGrids: ScenarioGrid[] = [], recentParts: GridParts[] = [];
const RECENT = 4;

export function partsOf(g: ScenarioGrid): GridParts {
  for (let i = 0; i < recentGrids.length; i++) if (recentGrids[i] === g) return recentParts[i];
  const p = gridPartsOf(g);
  if (recentGrids.length === RECENT) { recentGrids.pop(); recentParts.pop(); }
  recentGrids.unshift(g); recentParts.unshift(p);
  return p;
}

function gridPartsOf(g: ScenarioGrid): GridParts {
  let p = gridParts.get(g);
  if (!p) {
    const cells = Array.from({ length: g.priceShocks.length * 3 }, (_, c) => Object.freeze(cellScenario(g, c)));
    const extended = Array.from(g.extendedMoves, (m, i) => Object.freeze({ priceShock: m, volShock: "up" as const, weight: g.extendedWeights[i] }));
    const worstDetail = COUNTED.flatMap((counted) => [false, true].map((unit) => Object.freeze({ collateralCountedAs: counted, priceRange: g.params.priceRange, ...(unit ? { numeraireUnit: true } : {}) })));
    gridParts.set(g, (p = { cells, extended, worstDetail, zero: [] }));
  }
  return p;
}

/** Correlation credit over the units' totals (crossAsset.ts `crossAssetCredit`, same arithmetic). */
export function unitsCredit(p: CrossAssetParams, b: ExplainBook): number {
  const U = b.U, c = b.uComp;
  let sum = 0;
  for (let k = 0; k < U; k++) sum += c[k * 8 + C_TOTAL];
  if (p.mode === "sum" || U < 2) return 0;
  let q = 0;
  for (let a = 0; a < U; a++) for (let d = 0; d < U; d++) q += pairCorrelation(p, b.uName[a], b.uName[d]) * c[a * 8 + C_TOTAL] * c[d * 8 + C_TOTAL];
  const aggregated = Math.sqrt(Math.max(0, q));
  return Math.max(0, Math.min(sum - aggregated, p.maxCredit * sum));
}

function unitComponents(b: ExplainBook, k: number, out: MarginComponent[]): void {
  const c = b.uComp, o = k * 8;
  // Every figure +0, the first cell and move, no orders: the shared components (see `GridParts.zero`).
  if (c[o + C_CELL] === 0 && c[o + C_EXT_INDEX] === 0 && !(b.uOrders[k] > 0) && Object.is(b.decidedNet(k), 0) &&
    Object.is(c[o + C_WORST], 0) && Object.is(c[o + C_EXT], 0) && Object.is(c[o + C_ROLL], 0) && Object.is(c[o + C_DELTA], 0) && Object.is(c[o + C_SOM], 0)) {
    const parts = partsOf(b.uGrid[k]), at = b.uCounted[k] * 2 + (b.uName[k] === b.ctx.numeraire.currency ? 1 : 0);
    let zero = parts.zero[at];
    if (zero === undefined || zero[0].underlying !== b.uName[k]) {
      const built: MarginComponent[] = [];
      componentsOf(b, k, built);
      for (const x of built) { if (x.detail !== undefined) Object.freeze(x.detail); Object.freeze(x); }
      parts.zero[at] = zero = Object.freeze(built);
    }
    for (let i = 0; i < zero.length; i++) out.push(zero[i]);
    return;
  }
  componentsOf(b, k, out);
}

function componentsOf(b: ExplainBook, k: number, out: MarginComponent[]): void {
  const ctx = b.ctx, g = b.uGrid[k], u = b.uName[k], c = b.uComp, o = k * 8;
  const worst = c[o + C_WORST], ext = c[o + C_EXT], extIndex = c[o + C_EXT_INDEX], parts = partsOf(g);
  out.push({
    name: "worstScenario", underlying: u, amount: worst, scenario: parts.cells[c[o + C_CELL]],
    detail: parts.worstDetail[b.uCounted[k] * 2 + (u === ctx.numeraire.currency ? 1 : 0)],
  });
  if (extIndex >= 0) {
    const w = g.extendedWeights[extIndex];
    out.push({
      name: "extendedScenario", underlying: u, amount: ext,
      scenario: parts.extended[extIndex],
      detail: { binding: ext > worst, unweightedLoss: w > 0 ? ext / w : 0 },
    });
  }
  out.push({ name: "rollShock", underlying: u, amount: c[o + C_ROLL] });
  out.push({ name: "deltaShock", underlying: u, amount: c[o + C_DELTA], detail: { netDelta: b.decidedNet(k) } });
  out.push({ name: "shortOptionMinimum", underlying: u, amount: c[o + C_SOM] });
  const orders = b.uOrders[k];
  if (orders > 0) out.push({ name: "openOrders", underlying: u, amount: orders, detail: { side: b.uOrderSide[k] === SIDE_BUY ? "buy" : b.uOrderSide[k] === SIDE_SELL ? "sell" : null } });
}

function collateralReports(b: ExplainBook): CollateralReport[] {
  const out: CollateralReport[] = [];
  for (let i = 0; i < b.nC; i++) {
    const asset = b.cAssets[i], amount = b.cAmounts[i], value = b.cValues[i], haircut = b.cHaircut[i];
    out.push(b.cInScenario[i] === 1 ? { asset, amount, value, haircut, countedAs: "scenario" } : { asset, amount, value, haircut, countedAs: "haircut" });
  }
  return out;
}

/** Offsets in `figures`. */
export const F_CREDIT = 0, F_RISK = 1, F_ORDERS = 2, F_HAIRCUTS = 3, F_IM = 4, F_MM = 5, F_EQUITY = 6, F_ADJ = 7;
/** The account's figures from the last `accountFigures` (numeraire amounts; read them before the next call). */
export const figures = new Float64Array(8);

/**
 * The account's figures as its result reports them, into `figures`, and each collateral entry's haircut and how it
 * was counted into the book's `cHaircut` / `cInScenario` (a balance counted in its unit's scenarios has no haircut;
 * one outside them `collateralHaircutUsd(asset, amount × usdIndex, …)` on the context cache's index and schedule).
 */
export function accountFigures(b: ExplainBook): void {
  const ctx = b.ctx, p = ctx.params.portfolio;
  const credit = unitsCredit(p.crossAsset, b);
  let risk = -credit, orders = 0;
  for (let k = 0; k < b.U; k++) { risk += b.uComp[k * 8 + C_TOTAL]; orders += b.uOrders[k]; }
  let haircuts = 0;
  for (let i = 0; i < b.nC; i++) {
    const k = b.unitNamed(b.cAssets[i]);
    let h = 0;
    if (k >= 0 && b.uCounted[k] === COUNTED_SCENARIO) b.cInScenario[i] = 1;
    else {
      b.cInScenario[i] = 0;
      if (k >= 0) h = b.uHaircut[k];
      else { const facts = b.cache.asset(b.cIds[i]); h = haircutUsd(b.cAmounts[i] * (facts.usdIndex ?? 0), b.cache.schedule(facts)) / ctx.numeraire.index; }
    }
    b.cHaircut[i] = h;
    haircuts += h;
  }
  const f = figures, equity = b.equity;
  f[F_CREDIT] = credit; f[F_RISK] = risk; f[F_ORDERS] = orders; f[F_HAIRCUTS] = haircuts;
  f[F_IM] = risk + orders; f[F_MM] = p.mmFactor * risk; f[F_EQUITY] = equity; f[F_ADJ] = equity - haircuts;
}

/** Offsets in a position's row (`positionRow`), in the order its report lists them. */
export const P_SIZE = 0, P_MARK = 1, P_VALUE = 2, P_DELTA = 3, P_GAMMA = 4, P_VEGA = 5, P_THETA = 6, P_CONTRIBUTION = 7;

/** Position i's reported figures into `row` (8 numbers; `contrib` from `positionContributions`, or undefined: 0). */
export function positionRow(b: ExplainBook, i: number, contrib: Float64Array | undefined, row: Float64Array): void {
  const r = b.risks[i], s = b.pf.positions[i].size;
  row[P_SIZE] = s; row[P_MARK] = r.markPrice; row[P_VALUE] = b.values[i];
  row[P_DELTA] = s * r.delta; row[P_GAMMA] = s * r.gamma; row[P_VEGA] = s * r.vega; row[P_THETA] = s * r.theta;
  row[P_CONTRIBUTION] = contrib ? contrib[i] : 0;
}

const row = new Float64Array(8);

function positionReports(b: ExplainBook, pf: Portfolio, contributions: boolean): PositionReport[] {
  const out: PositionReport[] = new Array<PositionReport>(b.n);
  const contrib = contributions ? positionContributions(b) : undefined;
  for (let i = 0; i < b.n; i++) {
    positionRow(b, i, contrib, row);
    out[i] = {
      instrument: pf.positions[i].instrument.name, size: row[P_SIZE], markPrice: row[P_MARK], value: row[P_VALUE],
      delta: row[P_DELTA], gamma: row[P_GAMMA], vega: row[P_VEGA], theta: row[P_THETA], marginContribution: row[P_CONTRIBUTION],
    };
  }
  return out;
}

let contribScratch = new Float64Array(64);

/**
 * IM with each position minus IM without it (its unit re-margined without it, the decision re-taken), by position
 * index: a scratch array, valid until the next call.
 */
export function positionContributions(b: ExplainBook): Float64Array {
  if (contribScratch.length < b.n) contribScratch = new Float64Array(b.n * 2);
  const out = contribScratch;
  for (let i = 0; i < b.n; i++) out[i] = 0;
  for (let k = 0; k < b.U; k++) if (b.uPosCount[k] > 0) unitContributions(b, k, out);
  // A stable-coin spot position joins no unit; it still counts against a unit of the same name (orders on it).
  for (let i = 0; i < b.n; i++) {
    if (b.pUnit[i] >= 0) continue;
    const k = b.unitNamed(b.pf.positions[i].instrument.underlying);
    if (k < 0) continue;
    b.loadSlots(k);
    out[i] = b.uComp[k * 8 + C_TOTAL] - b.marginWithout(k, i);
  }
  return out;
}

const paramsCache = new WeakMap<object, Map<number, Readonly<Record<string, unknown>>>>();
/** The context cache of the last call and its entry of `paramsCache` (a book is margined against one context). */
const lastParams: { cache: object | undefined; map: Map<number, Readonly<Record<string, unknown>>> | undefined } = { cache: undefined, map: undefined };

/**
 * The parameters that produced this result: the preset, and the grid and haircut entries actually used. The
 * object depends only on the context's parameters, the units and the collateral assets, so it is built once per
 * combination (keyed by their ids, up to seven in all) and shared, frozen.
 */
export function usedParams(b: ExplainBook, pf: Portfolio): Readonly<Record<string, unknown>> {
  let key = b.U + b.nC <= 7 && b.keys.assetCodes.length < 63 ? b.U + 8 * b.nC : -1;
  for (let k = 0; k < b.U && key >= 0; k++) key = key * 64 + b.uAsset[k] + 1;
  for (let i = 0; i < b.nC && key >= 0; i++) key = key * 64 + b.cIds[i] + 1;
  if (key < 0) return buildParams(b, pf);
  let m = lastParams.cache === b.cache ? lastParams.map : paramsCache.get(b.cache);
  if (!m) paramsCache.set(b.cache, (m = new Map()));
  lastParams.cache = b.cache; lastParams.map = m;
  let v = m.get(key);
  if (!v) m.set(key, (v = Object.freeze(buildParams(b, pf))));
  return v;
}

function buildParams(b: ExplainBook, pf: Portfolio): Record<string, unknown> {
  const ctx = b.ctx, p = ctx.params.portfolio;
  const grids: Record<string, unknown> = {};
  for (let k = 0; k < b.U; k++) grids[b.uName[k]] = b.uGrid[k].params;
  const haircuts: Record<string, unknown> = {};
  for (const a of Object.keys(pf.collateral)) haircuts[a] = ctx.params.collateral.haircuts[a] ?? ctx.params.collateral.haircuts["default"];
  return {
    preset: ctx.params.name, mmFactor: p.mmFactor, underlyings: grids, extendedMoves: p.extendedMoves,
    extendedWeights: p.extendedWeights ?? "priceRange/|move|", deltaShock: p.deltaShock, shortOptionMinimum: p.shortOptionMinimum,
    crossAsset: p.crossAsset.mode === "sum" ? { mode: "sum" } : p.crossAsset, haircuts,
  };
}

/** The result of an evaluated book (`contributions` false: every position reports 0). */
export function explainResult(b: ExplainBook, contributions: boolean): MarginResult {
  const ctx = b.ctx, pf = b.pf;
  accountFigures(b);
  const f = figures, credit = f[F_CREDIT], haircuts = f[F_HAIRCUTS], equity = f[F_EQUITY], adj = f[F_ADJ], im = f[F_IM], mm = f[F_MM];
  const components: MarginComponent[] = [];
  for (let k = 0; k < b.U; k++) unitComponents(b, k, components);
  if (credit > 0) components.push({ name: "correlationCredit", amount: -credit });
  const collateral = collateralReports(b);
  if (haircuts > 0) components.push({ name: "haircut", amount: haircuts, detail: { reduces: "adjustedEquity" } });
  const positions = positionReports(b, pf, contributions);
  return {
    account: pf.account, model: "portfolio", currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
    equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im,
    marginRatio: marginRatio(mm, adj), status: marginStatus(equity, adj, im, mm), components, positions, collateral,
    params: usedParams(b, pf),
  };
}

export { COUNTED, COUNTED_HAIRCUT, COUNTED_NONE };
