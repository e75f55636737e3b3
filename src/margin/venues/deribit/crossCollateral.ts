/**
 * Deribit cross-collateral portfolio margin: each currency's risk unit is margined as in the
 * per-currency model (worst case, roll shock, delta shock, ...), and the units are then revalued
 * jointly on the same grid cell: in each cell the losses of all units count in full and their gains
 * at the share `pnlOffset` (Deribit credits only part of the gains in one currency against losses in
 * another). The credit is Σ unit worst losses − the worst joint loss (≥ 0); IM falls by the credit and
 * MM by mmFactor × credit. Pure; amounts in the numeraire.
 */
import type { Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import { accountBook } from "../../accountBook.js";
import { portfolioMargin } from "../../portfolioModel.js";
import { marginRatio, marginStatus, type MarginResult } from "../../result.js";
import { spotInstrument, type RiskContext } from "../../riskContext.js";
import type { CrossCollateralParams } from "../types.js";

/** Joint-scenario credit from per-unit grid P&L vectors of equal length (numeraire, ≥ 0). */
export function pnlOffsetCredit(unitGrids: readonly Float64Array[], pnlOffset: number): { credit: number; jointCell: number } {
  if (unitGrids.length < 2) return { credit: 0, jointCell: -1 };
  const n = unitGrids[0].length;
  if (unitGrids.some((g) => g.length !== n)) return { credit: 0, jointCell: -1 };
  let sumWorst = 0;
  for (const g of unitGrids) {
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.min(m, g[i]);
    sumWorst -= m;
  }
  let joint = 0, jointCell = -1;
  for (let i = 0; i < n; i++) {
    let pnl = 0;
    for (const g of unitGrids) pnl += g[i] < 0 ? g[i] : pnlOffset * g[i];
    if (pnl < joint) { joint = pnl; jointCell = i; }
  }
  return { credit: Math.max(0, sumWorst + joint), jointCell };
}

function unitGrids(ctx: RiskContext, pf: Portfolio, base: MarginResult): Parsed<Float64Array[]> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const grids = new Map<string, Float64Array>();
  const add = (u: string, v: Float64Array, size: number) => {
    let g = grids.get(u);
    if (!g) grids.set(u, (g = new Float64Array(v.length)));
    if (g.length !== v.length) return;
    for (let i = 0; i < v.length; i++) g[i] += size * v[i];
  };
  pf.positions.forEach((p, i) => {
    if (p.instrument.kind === "spot" && ctx.isStable(p.instrument.underlying)) return;
    add(p.instrument.underlying, abp.value.risks[i].grid, p.size);
  });
  for (const c of base.collateral) {
    if (c.countedAs !== "scenario") continue;
    const r = ctx.risk(spotInstrument(c.asset));
    if (r.ok) add(c.asset, r.value.grid, c.amount);
  }
  return { ok: true, value: [...grids.values()] };
}

/**
 * The per-currency margins are summed (`crossAsset` mode `sum`): the pnlOffset credit is this method's
 * cross-currency aggregation, so a correlation credit on top would count the same diversification twice
 * (and could drive IM below 0).
 */
function perCurrency(ctx: RiskContext): RiskContext {
  const pp = ctx.params.portfolio;
  return pp.crossAsset.mode === "sum" ? ctx : { ...ctx, params: { ...ctx.params, portfolio: { ...pp, crossAsset: { ...pp.crossAsset, mode: "sum" } } } };
}

function crossIm(ctx: RiskContext, pf: Portfolio, p: CrossCollateralParams): Parsed<{ base: MarginResult; credit: number; jointCell: number }> {
  // Contributions are this method's own (each position removed from the whole cross computation), so the
  // per-currency pass skips its own.
  const base = portfolioMargin(perCurrency(ctx), pf, false);
  if (!base.ok) return base;
  const g = unitGrids(ctx, pf, base.value);
  if (!g.ok) return g;
  const c = pnlOffsetCredit(g.value, p.pnlOffset);
  return { ok: true, value: { base: base.value, ...c } };
}

/** Deribit cross-collateral portfolio margin of one account. */
export function deribitCrossMargin(ctx: RiskContext, pf: Portfolio, p: CrossCollateralParams): Parsed<MarginResult> {
  const r = crossIm(ctx, pf, p);
  if (!r.ok) return r;
  const { base, credit } = r.value;
  const im = base.initialMargin - credit;
  const mm = base.maintenanceMargin - ctx.params.portfolio.mmFactor * credit;
  const imOf = (q: Portfolio) => { const x = crossIm(ctx, q, p); return x.ok ? x.value.base.initialMargin - x.value.credit : NaN; };
  const positions = base.positions.map((pos, i) => ({ ...pos, marginContribution: im - imOf({ ...pf, positions: pf.positions.filter((_, j) => j !== i) }) }));
  return {
    ok: true,
    value: {
      ...base, initialMargin: im, maintenanceMargin: mm, availableFunds: base.adjustedEquity - im,
      marginRatio: marginRatio(mm, base.adjustedEquity), status: marginStatus(base.equity, base.adjustedEquity, im, mm),
      components: [...base.components, { name: "pnlOffsetCredit", amount: -credit, detail: { pnlOffset: p.pnlOffset, jointCell: r.value.jointCell } }],
      positions, params: { ...base.params, method: "deribit-cross", crossCollateral: p },
    },
  };
}
