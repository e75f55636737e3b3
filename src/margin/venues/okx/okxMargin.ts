/**
 * OKX portfolio margin (rules in force since January 2025): per risk unit (one underlying, spot in use
 * included) MR1 spot and vol shock grid, MR2 time decay, MR3 vol term structure, MR4 basis, MR5 interest
 * rate, MR6 extreme move, MR7 minimum charge and MR9 stablecoin depeg (the unit's cross-stablecoin hedges);
 * account level MR8 borrowing. As OKX states it ("Multi-currency margin mode vs. Portfolio margin mode"):
 * unit MMR = max(max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7); MMR = Σ units + MR8; IMR = imFactor × MMR.
 * Pure; amounts in the context's numeraire.
 */
import type { Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import type { ResolvedInstrument } from "../../../market/resolve.js";
import { cellScenario, shockedVols } from "../../../risk/scenarioGrid.js";
import { forAsset } from "../../params.js";
import type { MarginComponent, MarginResult } from "../../result.js";
import { spotInstrument, type RiskContext } from "../../riskContext.js";
import { holdingsByUnderlying, marginalTier, methodResult, perInstrumentMemo, stepTier, valueUnder, type Holding, type MethodMargin, type Revaluation } from "../common.js";
import { accountBook } from "../../accountBook.js";
import type { DepegTier, OkxParams, OkxUnderlyingParams } from "../types.js";

/** MR1..MR7 and MR9 of one risk unit and its MMR (numeraire). */
export interface OkxUnitMargin {
  readonly underlying: string;
  readonly mr: readonly [number, number, number, number, number, number, number];
  /** MR9 of the unit (numeraire) and the hedged volume (USD) of each stablecoin pair. */
  readonly mr9: { readonly amount: number; readonly volumes: Readonly<Record<string, number>> };
  /**
   * MR6 before its weight: the loss (numeraire) at the worse of ±extremeMove and that move (fraction, signed) —
   * OKX's `mr6FinalResult` {pnl, spotShock}; `mr[5]` is this loss × extremeWeight, OKX's `mr6`.
   */
  readonly extreme: { readonly loss: number; readonly move: number };
  readonly mmr: number;
  /** The term that sets the MMR: MR7, or whichever of MR1, MR2, MR6 leads the sum. */
  readonly binding: "MR1" | "MR2" | "MR6" | "MR7";
  readonly worstCell: number;
}

const loss = (pnl: number) => Math.max(0, -pnl);

function mr1(ctx: RiskContext, u: string, hs: readonly Holding[]): { loss: number; cell: number } {
  const n = ctx.grid(u).priceShocks.length * 3;
  const pnl = new Float64Array(n);
  for (const h of hs) for (let i = 0; i < n; i++) pnl[i] += h.size * h.risk.grid[i];
  let cell = 0;
  for (let i = 1; i < n; i++) if (pnl[i] < pnl[cell]) cell = i;
  return { loss: loss(pnl[cell]), cell };
}

function termVol(p: OkxUnderlyingParams, sign: 1 | -1) {
  return (r: ResolvedInstrument): number => {
    const dte = Math.max(r.T * 365, 1e-9);
    const s = (dte < p.termPivotDays ? sign : -sign) * p.termShock * Math.pow(30 / dte, p.termPower);
    return Math.max(0, r.vol * (1 + s));
  };
}

/**
 * MR4 basis: per expiry (each perpetual quote its own), max(minAnnualMove, annualMoveRisk × T) × |cash delta|,
 * the cash delta in USD (size × delta × index: the forward at its settlement currency's USD value, OKX's `delta`
 * with greeksType CASH). A lone perpetual pays the floor: OKX's position-builder example charges 0.8 % of an LTC
 * perpetual's cash delta, 0.2 % of a BTC one. Spot carries no basis of its own.
 */
function mr4(ctx: RiskContext, u: string, hs: readonly Holding[]): number {
  const gp = ctx.grid(u).params;
  const byExpiry = new Map<string, { usd: number; T: number }>();
  for (const h of hs) {
    const r = h.risk.resolved, inst = r.instrument;
    if (inst.kind === "spot") continue;
    const key = inst.kind === "perpetual" ? `${inst.quote}:PERPETUAL` : inst.expiryCode ?? "";
    const e = byExpiry.get(key) ?? { usd: 0, T: r.T };
    e.usd += h.size * h.risk.delta * r.index;
    byExpiry.set(key, e);
  }
  let usd = 0;
  for (const e of byExpiry.values()) usd += Math.max(gp.minAnnualMove, gp.annualMoveRisk * e.T) * Math.abs(e.usd);
  return usd / ctx.numeraire.index;
}

function mr7(ctx: RiskContext, hs: readonly Holding[], p: OkxUnderlyingParams): { amount: number; raw: number; multiplier: number } {
  let raw = 0;
  for (const h of hs) {
    const r = h.risk.resolved;
    const kind = r.instrument.kind;
    if (kind === "future" || kind === "perpetual") raw += (p.minChargeDeltaOne * Math.abs(h.size * h.risk.delta) * r.index) / ctx.numeraire.index;
    else if (kind === "option" && h.size < 0) raw += (p.minChargeShortOption * -h.size * r.index) / ctx.numeraire.index;
    else if (kind === "option") raw += p.minChargeLongOption * h.size * h.risk.value;
  }
  const multiplier = stepTier(p.minChargeTiers.map((t) => ({ fromUsd: t.fromUsd, value: t.value })), raw * ctx.numeraire.index);
  return { amount: raw * multiplier, raw, multiplier };
}

/** OKX's fixed revaluations besides the grid, in the order of an instrument's scenario vector. */
function okxRevaluations(ctx: RiskContext, u: string, p: OkxParams): Revaluation[] {
  const up = forAsset(p.underlyings, u);
  const gp = ctx.grid(u).params;
  const volUp = (r: ResolvedInstrument) => shockedVols(gp, r.vol, r.T).up;
  return [
    { shock: 0, dtYears: p.thetaDays / 365 },
    { shock: 0, vol: termVol(up, 1) }, { shock: 0, vol: termVol(up, -1) },
    { shock: 0, rateShift: up.rateShock }, { shock: 0, rateShift: -up.rateShock },
    { shock: up.extremeMove, vol: volUp }, { shock: -up.extremeMove, vol: volUp },
  ];
}

/**
 * Per-unit P&L of an instrument under each of OKX's fixed revaluations (MR2, MR3 ±, MR5 ±, MR6 ±), computed
 * once per context and parameter set: a risk unit's MR2..MR6 are then sums, so re-margining a unit without
 * one position (its marginal contribution) costs no revaluation.
 */
const vectorMemo = perInstrumentMemo<OkxParams, Float64Array>();
function scenarioVector(ctx: RiskContext, h: Holding, p: OkxParams): Float64Array {
  const r = h.risk.resolved;
  return vectorMemo(ctx, p, r.instrument.name, () =>
    Float64Array.from(okxRevaluations(ctx, r.instrument.underlying, p), (s) => valueUnder(ctx, r, s) - h.risk.value));
}

/** MR1..MR7, MR9 and the MMR of one risk unit. */
export function okxUnitMargin(ctx: RiskContext, u: string, hs: readonly Holding[], p: OkxParams): OkxUnitMargin {
  const up = forAsset(p.underlyings, u);
  const m1 = mr1(ctx, u, hs);
  const pnl = new Float64Array(7);
  for (const h of hs) {
    const v = scenarioVector(ctx, h, p);
    for (let k = 0; k < 7; k++) pnl[k] += h.size * v[k];
  }
  const m2 = loss(pnl[0]);
  const m3 = Math.max(loss(pnl[1]), loss(pnl[2]));
  const m4 = mr4(ctx, u, hs);
  const m5 = Math.max(loss(pnl[3]), loss(pnl[4]));
  const extreme = loss(pnl[6]) > loss(pnl[5]) ? { loss: loss(pnl[6]), move: -up.extremeMove } : { loss: loss(pnl[5]), move: up.extremeMove };
  const m6 = up.extremeWeight * extreme.loss;
  const m7 = mr7(ctx, hs, up).amount;
  const m9usd = okxMr9(cashDeltas(hs), p, pairIndexOf(ctx));
  const mr9 = { amount: m9usd.amount / ctx.numeraire.index, volumes: m9usd.volumes };
  const lead = Math.max(m1.loss, m2, m6);
  const core = lead + m3 + m4 + m5 + mr9.amount;
  const mmr = Math.max(core, m7);
  const binding = mmr > core ? "MR7" : lead === m1.loss ? "MR1" : lead === m6 ? "MR6" : "MR2";
  return { underlying: u, mr: [m1.loss, m2, m3, m4, m5, m6, m7], mr9, extreme, mmr, binding, worstCell: m1.cell };
}

/** Cash delta (USD) per settlement currency of a unit's derivatives: each position's quote leg (USD for inverse contracts). */
export function cashDeltas(hs: readonly Holding[]): Map<string, number> {
  const cd = new Map<string, number>();
  for (const h of hs) {
    const inst = h.risk.resolved.instrument;
    if (inst.kind === "spot") continue;
    const c = inst.settlement === "linear" ? inst.quote : "USD";
    cd.set(c, (cd.get(c) ?? 0) - h.size * h.risk.delta * h.risk.resolved.index);
  }
  return cd;
}

/**
 * Rate of one MR9 tier at a pair index x. The distance from the peg is taken as min(x, 1/x), so a coin
 * above its peg counts like one as far below it; at or above the first point the tier's minimum applies.
 */
export function depegRate(t: DepegTier, x: number): number {
  const pts = t.byIndex;
  if (!pts || pts.length === 0) return t.value;
  const q = Math.min(x, 1 / x);
  let r = pts[pts.length - 1].value;
  if (q >= pts[0].index) r = pts[0].value;
  else {
    for (let i = 1; i < pts.length; i++) {
      if (q >= pts[i].index) {
        const a = pts[i - 1], b = pts[i];
        r = b.value + ((q - b.index) / (a.index - b.index)) * (a.value - b.value);
        break;
      }
    }
  }
  return Math.max(t.value, r);
}

/**
 * MR9: cross-currency hedges of opposite cash deltas, pair by pair in order, each hedged volume charged
 * through the tiers as brackets (OKX's example: 1M × 0.75 % + 4M × 1.75 % + 5M × 2.5 % on 10M), each tier at
 * its rate for the pair's index (`pairIndex`, e.g. USDT/USD = USDT's USD index).
 */
export function okxMr9(cd: Map<string, number>, p: OkxParams, pairIndex: (pair: string) => number = () => 1): { amount: number; volumes: Record<string, number> } {
  const volumes: Record<string, number> = {};
  const left = new Map(cd); // what is still unhedged after each pair (the caller's map is left as it was)
  let amount = 0;
  for (const pair of p.depegPairs) {
    const [a, b] = pair.split("/");
    const x = left.get(a) ?? 0, y = left.get(b) ?? 0;
    const v = x * y < 0 ? Math.min(Math.abs(x), Math.abs(y)) : 0;
    volumes[pair] = v;
    if (v === 0) continue;
    left.set(a, x - Math.sign(x) * v);
    left.set(b, y - Math.sign(y) * v);
    const idx = pairIndex(pair);
    amount += marginalTier(p.depegTiers.map((t) => ({ fromUsd: t.fromUsd, value: depegRate(t, idx) })), v);
  }
  return { amount, volumes };
}

/** The pair's index from the snapshot's USD indices (USDT/USDC = USDT ÷ USDC); an asset without one counts at its peg. */
function pairIndexOf(ctx: RiskContext): (pair: string) => number {
  return (pair) => {
    const [a, b] = pair.split("/");
    return (ctx.usdIndex(a) ?? 1) / (ctx.usdIndex(b) ?? 1);
  };
}

/**
 * OKX "spot in use": a unit's spot balance joins its scenarios only as far as it hedges the derivatives'
 * delta (a short delta of D coins uses up to D coins of spot); the rest stays collateral at its discount.
 */
function addSpotInUse(ctx: RiskContext, pf: Portfolio, units: Map<string, Holding[]>): Map<string, number> {
  const used = new Map<string, number>();
  for (const [asset, amount] of Object.entries(pf.collateral)) {
    const hs = units.get(asset);
    if (!hs || amount <= 0 || ctx.isStable(asset)) continue;
    let delta = 0;
    for (const h of hs) delta += h.size * h.risk.delta;
    const use = Math.min(amount, Math.max(0, -delta));
    const spot = ctx.risk(spotInstrument(asset));
    if (use > 0 && spot.ok) {
      hs.push({ risk: spot.value, size: use, position: -1 });
      used.set(asset, use);
    }
  }
  return used;
}

const MR_NAMES = ["spot and vol shock", "time decay", "vol term structure", "basis", "interest rate", "extreme move", "minimum charge"];

/** Every risk unit's margin (spot in use added) for a portfolio's positions; open orders are left out. */
function unitMargins(ctx: RiskContext, pf: Portfolio, p: OkxParams): Parsed<{ units: OkxUnitMargin[]; inScenarios: Map<string, number> }> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const units = holdingsByUnderlying(ctx, pf, abp.value, false);
  const inScenarios = addSpotInUse(ctx, pf, units);
  return { ok: true, value: { units: [...units].map(([u, hs]) => okxUnitMargin(ctx, u, hs, p)), inScenarios } };
}

/**
 * Open orders: each unit's MMR with all its buy orders filled at mark, and with all its sell orders filled,
 * against its MMR now; the largest rise per unit (OKX's max of the positive-delta, negative-delta and total
 * MMR), which adds to the IMR only.
 */
function orderRises(ctx: RiskContext, pf: Portfolio, p: OkxParams, now: readonly OkxUnitMargin[]): Map<string, { rise: number; side: "buy" | "sell" }> {
  const rises = new Map<string, { rise: number; side: "buy" | "sell" }>();
  const base = new Map(now.map((m) => [m.underlying, m.mmr]));
  for (const side of ["buy", "sell"] as const) {
    const orders = pf.openOrders.filter((o) => (o.size > 0) === (side === "buy"));
    if (orders.length === 0) continue;
    const filled = unitMargins(ctx, { ...pf, positions: [...pf.positions, ...orders.map((o) => ({ instrument: o.instrument, size: o.size }))], openOrders: [] }, p);
    if (!filled.ok) continue;
    for (const m of filled.value.units) {
      const rise = m.mmr - (base.get(m.underlying) ?? 0);
      if (rise > (rises.get(m.underlying)?.rise ?? 0)) rises.set(m.underlying, { rise, side });
    }
  }
  return rises;
}

function okxMethod(ctx: RiskContext, pf: Portfolio, p: OkxParams): Parsed<MethodMargin> {
  const um = unitMargins(ctx, pf, p);
  if (!um.ok) return um;
  const rises = pf.openOrders.length > 0 ? orderRises(ctx, pf, p, um.value.units) : new Map<string, { rise: number; side: "buy" | "sell" }>();
  const components: MarginComponent[] = [];
  let mmr = 0, orders = 0;
  for (const m of um.value.units) {
    const u = m.underlying;
    mmr += m.mmr;
    m.mr.forEach((amount, i) => {
      const c: MarginComponent = { name: `MR${i + 1}`, underlying: u, amount, detail: { what: MR_NAMES[i] } };
      if (i === 0) components.push({ ...c, scenario: cellScenario(ctx.grid(u), m.worstCell) });
      else if (i === 5) components.push({ ...c, detail: { what: MR_NAMES[i], move: m.extreme.move, extremeLoss: m.extreme.loss, weight: forAsset(p.underlyings, u).extremeWeight } });
      else components.push(c);
    });
    components.push({ name: "MR9", underlying: u, amount: m.mr9.amount, detail: { what: "stablecoin depeg", ...m.mr9.volumes } });
    components.push({ name: "riskUnitMMR", underlying: u, amount: m.mmr, detail: { binding: m.binding } });
  }
  for (const [u, r] of rises) {
    orders += r.rise;
    components.push({ name: "openOrders", underlying: u, amount: p.imFactor * r.rise, detail: { side: r.side, mmrWithOrders: (um.value.units.find((m) => m.underlying === u)?.mmr ?? 0) + r.rise } });
  }
  components.push({ name: "MR8", amount: 0, detail: { what: "borrowing (none: dpm portfolios hold no debt)" } });
  return { ok: true, value: { initialMargin: p.imFactor * (mmr + orders), maintenanceMargin: mmr, components, inScenarios: um.value.inScenarios } };
}

/** OKX portfolio margin of one account. */
export function okxMargin(ctx: RiskContext, pf: Portfolio, p: OkxParams): Parsed<MarginResult> {
  return methodResult(ctx, pf, (q) => okxMethod(ctx, q, p), { portfolio: ctx.params.portfolio, okx: p });
}
