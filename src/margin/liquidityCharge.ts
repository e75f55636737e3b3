/**
 * Liquidity-adaptive charges (issue 13 item 4; the liquidity add-on of CME SPAN 2 and Eurex Prisma, with a
 * square-root market-impact law). What closing a position, or selling a collateral balance, into the current
 * book costs beyond the mark: half the quoted spread plus an impact that grows with the square root of size
 * relative to the book's depth, scaled by the asset's daily volatility.
 *
 * For a USD amount N traded into a book of depth D (USD within ±1 % of the mid on its thinner side, > 0),
 * relative spread s = (ask − bid) / mid, daily volatility σ_d = σ_annual / √365 and impact coefficient k:
 *
 *   rate(N) = min(maxRate, s/2 + k · σ_d · √(N / D)),   charge(N) = N · rate(N)   (USD)
 *
 * - Positions (futures and perpetuals; N = |net notional| per instrument, as the concentration add-on measures
 *   it): the charge is an add-on to IM, and mmFactor × it to MM.
 * - Collateral (a balance worth V USD whose spot book, instrument = the asset code, has a known depth): the
 *   tier haircut is replaced by V · min(maxRate, r₀ + s/2 + k · σ_d · √(V / D)), r₀ the schedule's rate at 0
 *   (its size-independent part); the size tiers give way to the live book. Only where the core charged the
 *   tier haircut (the balance was counted at its haircut, not in its risk unit's scenarios).
 * - Where the depth is unknown (absent or 0) nothing changes: no position charge, the tier haircut stays.
 *
 * Parameters are data (`liquidity` in a parameter file, absent in every shipped preset, so every published
 * figure is unchanged). Pure.
 */
import type { Instrument } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { forAsset, type MarginParams } from "./params.js";
import { marginRatio, marginStatus, type CollateralReport, type MarginComponent, type MarginResult } from "./result.js";

/** Parameters of the liquidity charges (`liquidity` in a parameter file; bounds in input/paramsSchema.ts). */
export interface LiquidityChargeParams {
  /** k: square-root impact coefficient (dimensionless; 1 = one daily σ when the size equals the depth). */
  readonly impact: number;
  /** Largest charge as a fraction of the amount traded (cap of the rate). */
  readonly maxRate: number;
  /** Annualised volatility used for an asset the market gives no vol for. */
  readonly defaultVol: number;
  /** Charge futures and perpetual positions (IM add-on; × mmFactor in MM). */
  readonly positions: boolean;
  /** Replace the tier haircut of collateral whose spot book depth is known. */
  readonly collateral: boolean;
}

/** The book of one instrument as the market reports it. */
export interface BookLiquidity {
  /** USD notional within ±1 % of the mid on the book's thinner side. */
  readonly depthUsd?: number;
  /** Relative quoted spread (ask − bid) / mid. */
  readonly spread?: number;
}

/** Days in the year of the annualised vols (ACT/365, DESIGN.md section 3). */
export const DAYS_PER_YEAR = 365;

/** Daily volatility of an annualised one: σ / √365. */
export const dailyVol = (annual: number): number => annual / Math.sqrt(DAYS_PER_YEAR);

/** The charge on one amount: its inputs and parts, USD. */
export interface LiquidityCharge {
  /** Instrument (positions) or asset (collateral). */
  readonly name: string;
  readonly valueUsd: number;
  readonly depthUsd: number;
  readonly spread: number;
  readonly dailyVol: number;
  /** Size-independent part of the rate: s/2 (positions), r₀ + s/2 (collateral). */
  readonly baseRate: number;
  /** k σ_d √(N/D). */
  readonly impactRate: number;
  /** min(maxRate, baseRate + impactRate). */
  readonly rate: number;
  /** valueUsd × rate. */
  readonly amountUsd: number;
}

/** A collateral balance's charge: the liquidity haircut that replaces the tier haircut, both USD. */
export interface CollateralLiquidityCharge extends LiquidityCharge {
  readonly tierHaircutUsd: number;
}

/** rate = min(maxRate, base + k σ_d √(N/D)) for N ≥ 0, D > 0. */
export function liquidityRate(valueUsd: number, depthUsd: number, base: number, sigmaDaily: number, p: Pick<LiquidityChargeParams, "impact" | "maxRate">): { impact: number; rate: number } {
  const impact = p.impact * sigmaDaily * Math.sqrt(valueUsd / depthUsd);
  return { impact, rate: Math.min(p.maxRate, base + impact) };
}

/** The depth and spread of a book when its depth is known (> 0), else undefined. Spread absent → 0. */
function known(b: BookLiquidity | undefined): { depth: number; spread: number } | undefined {
  if (!b || b.depthUsd === undefined || !(b.depthUsd > 0)) return undefined;
  return { depth: b.depthUsd, spread: b.spread ?? 0 };
}

function charge(name: string, valueUsd: number, book: { depth: number; spread: number }, base: number, sigmaDaily: number, p: LiquidityChargeParams): LiquidityCharge {
  const r = liquidityRate(valueUsd, book.depth, base, sigmaDaily, p);
  return { name, valueUsd, depthUsd: book.depth, spread: book.spread, dailyVol: sigmaDaily, baseRate: base, impactRate: r.impact, rate: r.rate, amountUsd: valueUsd * r.rate };
}

/** What the charges read from the market. */
export interface LiquidityMarket {
  /** The book of an instrument (spot books under the asset code), or undefined. */
  book(name: string): BookLiquidity | undefined;
  /** USD index of an asset, or undefined. */
  index(asset: string): number | undefined;
  /** Annualised vol of an asset, or undefined (then `defaultVol`). */
  vol(asset: string): number | undefined;
}

/** USD notional of a position: |size| for inverse futures and perpetuals (USD contracts), |size| × index otherwise. */
export function notionalUsd(inst: Instrument, size: number, index: number): number {
  return inst.settlement === "inverse" && inst.kind !== "option" && inst.kind !== "spot" ? Math.abs(size) : Math.abs(size) * index;
}

/** Position charges: futures and perpetuals, net size per instrument, only where the book's depth is known. */
export function positionCharges(positions: readonly { readonly instrument: Instrument; readonly size: number }[], m: LiquidityMarket, p: LiquidityChargeParams): LiquidityCharge[] {
  const net = new Map<string, { inst: Instrument; size: number }>();
  for (const x of positions) {
    if (x.instrument.kind !== "future" && x.instrument.kind !== "perpetual") continue;
    const e = net.get(x.instrument.name);
    if (e) e.size += x.size;
    else net.set(x.instrument.name, { inst: x.instrument, size: x.size });
  }
  const out: LiquidityCharge[] = [];
  for (const [name, { inst, size }] of net) {
    const book = known(m.book(name));
    const index = m.index(inst.underlying);
    if (!book || index === undefined || size === 0) continue;
    const sigma = dailyVol(m.vol(inst.underlying) ?? p.defaultVol);
    out.push(charge(name, notionalUsd(inst, size, index), book, book.spread / 2, sigma, p));
  }
  return out;
}

/**
 * Collateral charges: each balance the core counted at its tier haircut (`countedAs` haircut, value > 0) whose
 * spot book depth is known. `usdPerUnit`: USD per unit of the result's currency.
 */
export function collateralCharges(collateral: readonly CollateralReport[], m: LiquidityMarket, params: MarginParams, p: LiquidityChargeParams, usdPerUnit: number): CollateralLiquidityCharge[] {
  const out: CollateralLiquidityCharge[] = [];
  for (const c of collateral) {
    if (c.countedAs !== "haircut" || !(c.value > 0)) continue;
    const book = known(m.book(c.asset));
    if (!book) continue;
    const r0 = forAsset(params.collateral.haircuts, c.asset)[0]?.haircut ?? 0;
    const sigma = dailyVol(m.vol(c.asset) ?? p.defaultVol);
    out.push({ ...charge(c.asset, c.value * usdPerUnit, book, r0 + book.spread / 2, sigma, p), tierHaircutUsd: c.haircut * usdPerUnit });
  }
  return out;
}

/** The charges of one account and their totals (USD). */
export interface LiquidityAdjustment {
  readonly positions: readonly LiquidityCharge[];
  readonly collateral: readonly CollateralLiquidityCharge[];
  /** Σ position charges: added to IM, mmFactor × it to MM. */
  readonly addOnUsd: number;
  /** Σ (liquidity haircut − tier haircut) over the collateral charged: taken from adjusted equity (< 0 adds to it). */
  readonly haircutDeltaUsd: number;
}

/** The charges of an account whose core result is `r` (the collateral part needs its collateral reports). */
export function liquidityAdjustment(positions: Portfolio["positions"], r: Pick<MarginResult, "collateral">, m: LiquidityMarket, params: MarginParams, usdPerUnit: number): LiquidityAdjustment {
  const p = params.liquidity;
  if (!p) return { positions: [], collateral: [], addOnUsd: 0, haircutDeltaUsd: 0 };
  const pos = p.positions ? positionCharges(positions, m, p) : [];
  const col = p.collateral ? collateralCharges(r.collateral, m, params, p, usdPerUnit) : [];
  let addOnUsd = 0, haircutDeltaUsd = 0;
  for (const c of pos) addOnUsd += c.amountUsd;
  for (const c of col) haircutDeltaUsd += c.amountUsd - c.tierHaircutUsd;
  return { positions: pos, collateral: col, addOnUsd, haircutDeltaUsd };
}

/**
 * A core result with the liquidity charges applied (amounts in its currency, `usdPerUnit` USD each): IM + add-on,
 * MM + mmFactor × add-on, adjusted equity − haircut delta, status recomputed; one `liquidityAddOn` component per
 * position charged and one `liquidityHaircut` per collateral balance. Unchanged when nothing was charged.
 */
export function withLiquidity(r: MarginResult, a: LiquidityAdjustment, mmFactor: number, usdPerUnit: number): MarginResult {
  if (a.positions.length === 0 && a.collateral.length === 0) return r;
  const detail = (c: LiquidityCharge): MarginComponent["detail"] => ({ valueUsd: c.valueUsd, depthUsd: c.depthUsd, spread: c.spread, dailyVol: c.dailyVol, baseRate: c.baseRate, impactRate: c.impactRate, rate: c.rate });
  const components: MarginComponent[] = [
    ...r.components,
    ...a.positions.map((c): MarginComponent => ({ name: "liquidityAddOn", instrument: c.name, amount: c.amountUsd / usdPerUnit, detail: detail(c) })),
    ...a.collateral.map((c): MarginComponent => ({ name: "liquidityHaircut", underlying: c.name, amount: (c.amountUsd - c.tierHaircutUsd) / usdPerUnit, detail: { ...detail(c), replacesTierHaircutUsd: c.tierHaircutUsd, reduces: "adjustedEquity" } })),
  ];
  const im = r.initialMargin + a.addOnUsd / usdPerUnit;
  const mm = r.maintenanceMargin + (mmFactor * a.addOnUsd) / usdPerUnit;
  const adj = r.adjustedEquity - a.haircutDeltaUsd / usdPerUnit;
  return { ...r, adjustedEquity: adj, initialMargin: im, maintenanceMargin: mm, availableFunds: adj - im, marginRatio: marginRatio(mm, adj), status: marginStatus(r.equity, adj, im, mm), components };
}
