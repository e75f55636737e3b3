/**
 * Seeded synthetic accounts for the cascade simulator (mulberry32; never Math.random). Accounts use only
 * instruments the snapshot marks (futures/perpetuals with a mark, options with a markIv), in four
 * archetypes: directional traders (60 %), option sellers (15 %), basis traders (15 %), spread traders (10 %).
 * Each account carries an appetite `utilization`: the fraction of adjusted equity its initial margin uses,
 * which `scaleToUtilization` applies under each margin model.
 */
import { parseInstrument, type Instrument } from "../domain/instrument.js";
import type { Portfolio, Position } from "../domain/portfolio.js";
import { marginWith } from "../margin/computeMargin.js";
import type { MarginModel } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { cashAssetOf } from "./workAccount.js";

/** Seeded uniform [0, 1) generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generated account and its margin appetite. */
export interface GeneratedAccount {
  readonly portfolio: Portfolio;
  /** Target initial margin / adjusted equity (0–1). */
  readonly utilization: number;
}

function instrumentsOf(m: MarketSnapshot): { linear: Instrument[]; options: Instrument[] } {
  const linear: Instrument[] = [], options: Instrument[] = [];
  for (const [name, x] of Object.entries(m.instruments)) {
    const p = parseInstrument(name);
    if (!p.ok || (p.value.expiry !== undefined && p.value.expiry <= m.asOf)) continue;
    if (p.value.kind === "option" && x.markIv !== undefined) options.push(p.value);
    else if ((p.value.kind === "perpetual" || p.value.kind === "future") && x.mark !== undefined) linear.push(p.value);
  }
  return { linear, options };
}

/** Size of one unit-of-risk position: 1 coin of delta (USD notional = index for inverse contracts). */
function unitSize(m: MarketSnapshot, inst: Instrument): number {
  return inst.settlement === "inverse" && inst.kind !== "option" ? m.assets[inst.underlying]?.index ?? 1 : 1;
}

/** Generate `count` accounts on the snapshot's instruments (sizes later scaled by utilization). */
export function generateAccounts(m: MarketSnapshot, count: number, seed: number): GeneratedAccount[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const { linear, options } = instrumentsOf(m);
  if (linear.length === 0) return [];
  const out: GeneratedAccount[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const positions: Position[] = [];
    let coinCollateral: string | null = null;
    // Positions open at the current mark (entry = mark, no unrealised P&L at the start): the path creates the P&L.
    const add = (inst: Instrument, coins: number) => {
      const mark = m.instruments[inst.name]?.mark;
      const size = coins * unitSize(m, inst);
      positions.push(inst.kind === "option" || mark === undefined ? { instrument: inst, size } : { instrument: inst, size, entryPrice: mark });
    };
    const fut = pick(linear);
    const long = rnd() < 0.65 ? 1 : -1;
    if (r < 0.6 || options.length === 0) {
      add(fut, long);
      if (rnd() < 0.3) add(pick(linear), long * (0.3 + rnd()));
    } else if (r < 0.75) {
      const o = pick(options);
      add(o, -(1 + rnd()));
      if (rnd() < 0.5) add(pick(options.filter((x) => x.underlying === o.underlying)), -(0.5 + rnd()));
    } else if (r < 0.9) {
      add(fut, -1);
      coinCollateral = fut.underlying;
    } else {
      const o = pick(options);
      const same = options.filter((x) => x.underlying === o.underlying && x.name !== o.name);
      add(o, -1);
      if (same.length > 0) add(pick(same), 1);
    }
    const utilization = rnd() < 0.3 ? 0.8 + 0.19 * rnd() : 0.2 + 0.6 * rnd();
    const usdc = Math.round(1_000 * Math.exp(rnd() * Math.log(100)));
    const idx = coinCollateral ? m.assets[coinCollateral]?.index : undefined;
    const collateral = coinCollateral && idx ? { [coinCollateral]: Number((usdc / idx).toPrecision(8)) } : { USDC: usdc };
    out.push({ portfolio: { account: `gen-${i}`, collateral, positions, openOrders: [] }, utilization });
  }
  return out;
}

/**
 * The account with its positions × k, opened at mark: options and spot are paid for (premium received for
 * shorts) from the cash balance at mark, so equity does not depend on k.
 */
function scaled(ctx: RiskContext, pf: Portfolio, k: number): Portfolio {
  const cash = cashAssetOf(ctx);
  let paid = 0;
  for (const p of pf.positions) {
    const r = ctx.risk(p.instrument);
    if (r.ok && (p.instrument.kind === "option" || p.instrument.kind === "spot")) paid += k * p.size * r.value.value;
  }
  const perUnit = (ctx.usdIndex(cash) ?? 1) / ctx.numeraire.index;
  const collateral = paid === 0 ? pf.collateral : { ...pf.collateral, [cash]: (pf.collateral[cash] ?? 0) - paid / perUnit };
  return { ...pf, collateral, positions: pf.positions.map((p) => ({ ...p, size: p.size * k })) };
}

/**
 * Open the account's positions at mark scaled so its initial margin under `model` is `utilization` ×
 * adjusted equity (two secant passes). Options and spot are paid for from the cash balance.
 */
export function scaleToUtilization(ctx: RiskContext, pf: Portfolio, model: MarginModel, utilization: number): Portfolio {
  let k = 1;
  for (let pass = 0; pass < 3; pass++) {
    const r = marginWith(ctx, scaled(ctx, pf, k), model);
    if (!r.ok || !(r.value.initialMargin > 0) || !(r.value.adjustedEquity > 0)) break;
    k *= (utilization * r.value.adjustedEquity) / r.value.initialMargin;
  }
  return scaled(ctx, pf, Number.isFinite(k) && k > 0 ? k : 1);
}
