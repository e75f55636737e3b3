/**
 * Fast maintenance-margin estimates for ranking candidate liquidation steps. The planner ranks dozens of
 * candidates per step on these and then re-margins the chosen one with the engine (`marginWith`), which is
 * authoritative: an estimate only orders candidates, it never decides what is reported.
 *
 * Portfolio model: per-underlying unit books (Σ size × cached risk vectors, src/margin/riskUnit.ts) with the
 * same collateral decision and cross-asset credit as the engine. Standard and isolated: per-position MM.
 */
import type { MarginModel } from "../margin/result.js";
import { crossAssetCredit } from "../margin/crossAsset.js";
import { collateralHaircutUsd } from "../margin/haircut.js";
import { spotInstrument, type RiskContext } from "../margin/riskContext.js";
import { addToUnit, cloneUnit, emptyUnit, unitMargin, type UnitBook } from "../margin/riskUnit.js";
import { standardPositionMargin } from "../margin/standardModel.js";
import type { Trade, WorkAccount } from "./workAccount.js";

/** A unit's risk margin after the collateral decision, and the haircut it leaves on adjusted equity. */
interface UnitTotal {
  readonly total: number;
  readonly haircut: number;
  /** Net delta (coins) of the book the margin was taken on. */
  readonly netDelta: number;
}

/** Snapshot of an account for estimating. */
export interface MarginEstimator {
  /** Estimated MM now. */
  readonly mm: number;
  /** Estimated MM and change of haircuts after a trade. */
  after(t: Trade): { mm: number; haircutChange: number };
  /** Net delta (coins) per underlying, as the margin sees it (collateral included when counted in scenarios). */
  netDelta(underlying: string): number;
}

function decide(ctx: RiskContext, u: string, book: UnitBook, amount: number): UnitTotal {
  const g = ctx.grid(u);
  const p = ctx.params.portfolio;
  const idx = ctx.usdIndex(u) ?? 0;
  const N = ctx.numeraire.index;
  const without = unitMargin(book, g, p, idx, N).total;
  if (amount === 0) return { total: without, haircut: 0, netDelta: book.netDelta };
  const withColl = cloneUnit(book);
  const spot = ctx.risk(spotInstrument(u));
  if (spot.ok) addToUnit(withColl, spot.value, amount);
  const inScen = unitMargin(withColl, g, p, idx, N).total;
  const haircut = collateralHaircutUsd(u, amount * idx, ctx.params.collateral) / N;
  return amount < 0 || inScen <= without + haircut ? { total: inScen, haircut: 0, netDelta: withColl.netDelta } : { total: without, haircut, netDelta: book.netDelta };
}

function portfolioEstimator(ctx: RiskContext, w: WorkAccount): MarginEstimator {
  const units = new Map<string, UnitBook>();
  for (const p of w.positions) {
    const u = p.instrument.underlying;
    if (p.instrument.kind === "spot" && ctx.isStable(u)) continue;
    let b = units.get(u);
    if (!b) units.set(u, (b = emptyUnit(u, ctx.grid(u))));
    addToUnit(b, p.risk, p.size);
  }
  for (const [a, amt] of Object.entries(w.collateral)) if (amt !== 0 && !ctx.isStable(a) && !units.has(a)) units.set(a, emptyUnit(a, ctx.grid(a)));
  const coll = (u: string) => (ctx.isStable(u) ? 0 : w.collateral[u] ?? 0);
  const totals = new Map<string, UnitTotal>();
  for (const [u, b] of units) totals.set(u, decide(ctx, u, b, coll(u)));
  const p = ctx.params.portfolio;
  const mmOf = (replace?: [string, UnitTotal]): { mm: number; haircut: number } => {
    const list: { underlying: string; total: number }[] = [];
    let risk = 0, haircut = 0;
    for (const [u, t] of totals) {
      const x = replace && replace[0] === u ? replace[1] : t;
      list.push({ underlying: u, total: x.total });
      risk += x.total;
      haircut += x.haircut;
    }
    if (replace && !totals.has(replace[0])) { list.push({ underlying: replace[0], total: replace[1].total }); risk += replace[1].total; }
    return { mm: p.mmFactor * (risk - crossAssetCredit(p.crossAsset, list)), haircut };
  };
  const base = mmOf();
  return {
    mm: base.mm,
    after(t) {
      const u = t.instrument.underlying;
      if (t.instrument.kind === "spot" && ctx.isStable(u)) return { mm: base.mm, haircutChange: 0 };
      const b = units.get(u);
      const nb = b ? cloneUnit(b) : emptyUnit(u, ctx.grid(u));
      addToUnit(nb, t.risk, t.size);
      const r = mmOf([u, decide(ctx, u, nb, coll(u))]);
      return { mm: r.mm, haircutChange: r.haircut - base.haircut };
    },
    netDelta: (u) => totals.get(u)?.netDelta ?? 0,
  };
}

function standardEstimator(ctx: RiskContext, w: WorkAccount): MarginEstimator {
  const N = ctx.numeraire.index;
  const sp = ctx.params.standard;
  const mms = w.positions.map((p) => standardPositionMargin(p.risk, p.size, sp).mm / N);
  let mm = 0;
  for (const m of mms) mm += m;
  const delta = new Map<string, number>();
  for (const p of w.positions) delta.set(p.instrument.underlying, (delta.get(p.instrument.underlying) ?? 0) + p.size * p.risk.delta);
  for (const [a, amt] of Object.entries(w.collateral)) if (!ctx.isStable(a)) delta.set(a, (delta.get(a) ?? 0) + amt);
  return {
    mm,
    after(t) {
      if (t.index < 0) return { mm: mm + standardPositionMargin(t.risk, t.size, sp).mm / N, haircutChange: 0 };
      const p = w.positions[t.index];
      return { mm: mm - mms[t.index] + standardPositionMargin(p.risk, p.size + t.size, sp).mm / N, haircutChange: 0 };
    },
    netDelta: (u) => delta.get(u) ?? 0,
  };
}

/** An estimator for a model (the var model has no grid estimate: standard MM is used to rank). */
export function marginEstimator(ctx: RiskContext, w: WorkAccount, model: MarginModel): MarginEstimator {
  return model === "portfolio" ? portfolioEstimator(ctx, w) : standardEstimator(ctx, w);
}
