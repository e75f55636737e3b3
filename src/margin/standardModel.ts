import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { unitValueUsd } from "../pricing/instrumentValue.js";
import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import { accountBook, type AccountBook } from "./accountBook.js";
import { collateralHaircutUsd } from "./haircut.js";
import { forAsset, type StandardParams } from "./params.js";
import { asOfText, marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult } from "./result.js";
import type { RiskContext } from "./riskContext.js";

/** Initial and maintenance margin of one position, USD, with the rule that produced it. */
export interface PositionMargin {
  readonly im: number;
  readonly mm: number;
  readonly rule: string;
  readonly rate?: number;
}

/**
 * Deribit standard margin of one position in USD (DESIGN.md section 1):
 * futures and perpetuals IM = (initial + perCoin·|size in coins|) × notional, MM likewise with maintenance;
 * short calls IM = max(0.15 − OTM/index, 0.1) + mark, MM = 0.075 + mark; short puts
 * IM = max(max(0.15 − OTM/index, 0.1) + mark, MM), MM = max(0.075, 0.075·mark) + mark (coin terms, per coin);
 * long options, spot: 0 (premium paid; haircuts only).
 */
export function standardPositionMargin(r: InstrumentRisk, size: number, p: StandardParams): PositionMargin {
  const res = r.resolved;
  const inst = res.instrument;
  if (inst.kind === "spot") return { im: 0, mm: 0, rule: "spot: no margin" };
  if (inst.kind === "perpetual" || inst.kind === "future") {
    const fr = forAsset(p.futures, inst.underlying);
    const coins = inst.settlement === "inverse" ? Math.abs(size) / res.forward : Math.abs(size);
    const notional = inst.settlement === "inverse" ? Math.abs(size) : coins * res.forward * res.quoteIndex;
    const im = (fr.initial + fr.perCoin * coins) * notional;
    const mm = (fr.maintenance + fr.perCoin * coins) * notional;
    return { im, mm, rule: "future: rate × notional", rate: fr.initial + fr.perCoin * coins };
  }
  if (size >= 0) return { im: 0, mm: 0, rule: "long option: premium paid" };
  const orates = forAsset(p.options, inst.underlying);
  const S = res.index;
  const K = inst.strike ?? 0;
  const mark = unitValueUsd(res, 0, res.vol) / S; // coin price per coin of underlying
  const otm = inst.right === "call" ? Math.max(0, K - S) : Math.max(0, S - K);
  const imCoin0 = Math.max(orates.initialBase - otm / S, orates.initialFloor) + mark;
  const q = -size * S;
  if (inst.right === "call") {
    return { im: imCoin0 * q, mm: (orates.maintenance + mark) * q, rule: "short call: max(0.15 − OTM/index, 0.1) + mark" };
  }
  const mmCoin = Math.max(orates.maintenance, orates.maintenance * mark) + mark;
  return { im: Math.max(imCoin0, mmCoin) * q, mm: mmCoin * q, rule: "short put: max(max(0.15 − OTM/index, 0.1) + mark, MM)" };
}

/**
 * Open-order margin: each side (all buys, or all sells) filled at mark on top of the position in the same
 * instrument; the side that raises the summed IM most counts (an order that reduces a position adds nothing).
 */
function ordersMargin(ctx: RiskContext, pf: Portfolio, ab: AccountBook): { amount: number; side: "buy" | "sell" | null } {
  const held = new Map<string, number>();
  for (const p of pf.positions) held.set(p.instrument.name, (held.get(p.instrument.name) ?? 0) + p.size);
  const extra = { buy: 0, sell: 0 };
  for (const side of ["buy", "sell"] as const) {
    const filled = new Map<string, { risk: InstrumentRisk; size: number }>();
    pf.openOrders.forEach((o, i) => {
      if ((o.size > 0) !== (side === "buy")) return;
      const f = filled.get(o.instrument.name);
      if (f) f.size += o.size;
      else filled.set(o.instrument.name, { risk: ab.orderRisks[i], size: o.size });
    });
    for (const [name, f] of filled) {
      const now = held.get(name) ?? 0;
      const im = (size: number): number => standardPositionMargin(f.risk, size, ctx.params.standard).im;
      extra[side] += (im(now + f.size) - im(now)) / ctx.numeraire.index;
    }
  }
  if (!(extra.buy > 0) && !(extra.sell > 0)) return { amount: 0, side: null };
  return extra.buy >= extra.sell ? { amount: extra.buy, side: "buy" } : { amount: extra.sell, side: "sell" };
}

/**
 * Standard (cross) and isolated margin of one account. `standard`: the positions' margins summed against
 * one shared equity. `isolated`: the same margins, but no position's unrealised gain backs another:
 * adjusted equity = collateral after haircuts + Σ min(0, position value).
 */
export function standardMargin(ctx: RiskContext, pf: Portfolio, model: "standard" | "isolated"): Parsed<MarginResult> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const ab = abp.value;
  const N = ctx.numeraire.index;
  const components: MarginComponent[] = [];
  const positions = pf.positions.map((p, i) => {
    const r = ab.risks[i];
    const m = standardPositionMargin(r, p.size, ctx.params.standard);
    const im = m.im / N, mm = m.mm / N;
    components.push({ name: "positionMargin", underlying: p.instrument.underlying, instrument: p.instrument.name, amount: im, detail: { maintenanceMargin: mm, rule: m.rule, rate: m.rate ?? null } });
    return {
      instrument: p.instrument.name, size: p.size, markPrice: r.markPrice, value: ab.values[i],
      delta: p.size * r.delta, gamma: p.size * r.gamma, vega: p.size * r.vega, theta: p.size * r.theta,
      marginContribution: im, initialMargin: im, maintenanceMargin: mm,
    };
  });
  let im = 0, mm = 0;
  for (const p of positions) { im += p.initialMargin; mm += p.maintenanceMargin; }
  const om = ordersMargin(ctx, pf, ab);
  if (om.amount > 0) components.push({ name: "openOrders", amount: om.amount, detail: { side: om.side } });
  im += om.amount;
  const collateral: CollateralReport[] = Object.entries(pf.collateral).map(([asset, amount]) => ({
    asset, amount, value: ab.collateralValues.get(asset) ?? 0, countedAs: "haircut" as const,
    haircut: collateralHaircutUsd(asset, amount * (ctx.usdIndex(asset) ?? 0), ctx.params.collateral) / N,
  }));
  let haircuts = 0;
  for (const c of collateral) haircuts += c.haircut;
  if (haircuts > 0) components.push({ name: "haircut", amount: haircuts, detail: { reduces: "adjustedEquity" } });
  let adj = ab.equity - haircuts;
  if (model === "isolated") {
    let unshared = 0;
    for (const v of ab.values) if (v > 0) unshared += v;
    if (unshared > 0) components.push({ name: "unsharedGains", amount: unshared, detail: { reduces: "adjustedEquity" } });
    adj -= unshared;
  }
  return {
    ok: true,
    value: {
      account: pf.account, model, currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
      equity: ab.equity, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im,
      marginRatio: marginRatio(mm, adj), status: marginStatus(ab.equity, adj, im, mm), components, positions, collateral,
      params: { preset: ctx.params.name, standard: ctx.params.standard, haircuts: usedHaircuts(ctx, pf) },
    },
  };
}

function usedHaircuts(ctx: RiskContext, pf: Portfolio): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of Object.keys(pf.collateral)) out[a] = ctx.params.collateral.haircuts[a] ?? ctx.params.collateral.haircuts["default"];
  return out;
}
