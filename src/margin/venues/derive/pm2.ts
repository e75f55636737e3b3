/**
 * Derive's portfolio manager PMRM_2, on one subaccount (one underlying), pure float64.
 *
 * Scenario P&L is the change from mark-to-market: each expiry is repriced (Black-76, sticky-strike
 * vols) at the shocked forward and vols, the shocked value is time-value discounted, and the
 * unshocked MtM is subtracted; perps and risk-cancelling collateral move with spot. The worst of all
 * scenarios and the basis contingency, times the loss factor, plus contingencies and MtM gives the
 * net margin (negative = shortfall), as Derive reports it. Money in USD; times in seconds.
 */
import { black76Price } from "../../../pricing/black76.js";
import { applyTimeValueDiscount, discountFactor, timeValueDiscounts } from "../../../pricing/discount.js";
import { confidenceContingency, pegLossAdjustedFactor } from "../../../risk/contingency.js";
import { skewMultiplier, volShockMultipliers, volTermScale, type SkewTilt } from "../../../risk/volShock.js";
import type { DerivePm2Params, DeriveScenario } from "./params.js";

/** Seconds in Derive's year (365 days). */
export const SECONDS_PER_YEAR = 31_536_000;
/** Within this many seconds of expiry only part of the forward moves with spot (settlement averaging). */
export const SETTLEMENT_WINDOW_SECONDS = 1800;
/** Above this total standard deviation σ√T a call is worth its discounted forward (Derive's Black-76 cap). */
const MAX_STD_DEV = 24;

export interface Pm2Option {
  readonly instrument: string;
  readonly strike: number;
  readonly right: "call" | "put";
  /** Signed units (> 0 long). */
  readonly amount: number;
  /** Sticky-strike vol (annualised). */
  readonly vol: number;
}

export interface Pm2Expiry {
  readonly label: string;
  readonly secToExpiry: number;
  readonly forward: number;
  /** Feed rate (may be negative; floored at 0 as Derive does). */
  readonly rate: number;
  /** min(forward, rate, vol confidences) of the expiry's feeds. */
  readonly confidence: number;
  readonly options: readonly Pm2Option[];
}

export interface Pm2Collateral {
  readonly asset: string;
  readonly amount: number;
  /** USD per unit. */
  readonly price: number;
  readonly confidence: number;
  readonly riskCancelling: boolean;
  readonly MMHaircut: number;
  readonly IMHaircut: number;
}

export interface Pm2Perp {
  readonly amount: number;
  readonly price: number;
  readonly confidence: number;
  /** Unrealised P&L plus unsettled funding (USD). */
  readonly value: number;
}

/** One subaccount as Derive's PMRM_2 arranges it. */
export interface Pm2Account {
  readonly spot: number;
  readonly spotConfidence: number;
  /** USDC/USD: divides collateral values and drives the peg-loss add-on. */
  readonly stablePrice: number;
  /** Cash (USDC, signed), counted one-for-one. */
  readonly cash: number;
  readonly perp: Pm2Perp | null;
  readonly collaterals: readonly Pm2Collateral[];
  readonly expiries: readonly Pm2Expiry[];
}

export interface Pm2ScenarioResult extends DeriveScenario {
  /** Scenario P&L (USD, negative = loss), including dampening. */
  readonly pnl: number;
}

export interface Pm2ExpiryResult {
  readonly label: string;
  readonly mtm: number;
  readonly discount: number;
  readonly staticDiscountPos: number;
  readonly staticDiscountNeg: number;
  readonly volShockUp: number;
  readonly volShockDown: number;
  readonly basisContingency: number;
  readonly confidence: number;
  readonly nakedShorts: number;
}

/** PMRM_2 result with Derive's own names. MM and IM are net margins: MtM + cash − requirement. */
export interface Pm2Result {
  readonly MM: number;
  readonly IM: number;
  /** OptionMTM + CollateralMTM + perp value + cash. */
  readonly PortfolioMTM: number;
  readonly OptionMTM: number;
  readonly CollateralMTM: number;
  readonly PerpValue: number;
  readonly Cash: number;
  readonly scenarios: readonly Pm2ScenarioResult[];
  /** Basis contingency B (≤ 0), a candidate of the minimum. */
  readonly ForwardContingency: number;
  /** W = min(B, every scenario P&L). */
  readonly worstLoss: number;
  /** Index of the binding scenario, or null when the basis contingency binds. */
  readonly worstScenario: number | null;
  readonly MMLossFactor: number;
  /** Including the peg-loss add-on. */
  readonly IMLossFactor: number;
  readonly MMPerpCont: number;
  readonly IMPerpCont: number;
  readonly MMOptionCont: number;
  readonly IMOptionCont: number;
  readonly MMBaseCont: number;
  readonly IMBaseCont: number;
  readonly OracleCont: number;
  readonly expiries: readonly Pm2ExpiryResult[];
}

interface PreparedExpiry {
  readonly e: Pm2Expiry;
  readonly tau: number;
  readonly rate: number;
  readonly df: number;
  readonly fixed: number;
  readonly variable: number;
  readonly mtm: number;
  readonly discounts: { long: number; short: number };
  readonly up: number;
  readonly down: number;
}

/** Derive's Black-76: σ√T ≥ 24 prices a call at F·D; a put then follows from parity (D·K). */
export function derivePrice(right: "call" | "put", F: number, K: number, tau: number, vol: number, rate: number): number {
  if (tau > 0 && vol * Math.sqrt(tau) >= MAX_STD_DEV) {
    const df = Math.exp(-rate * tau);
    return right === "call" ? F * df : K * df;
  }
  return black76Price(right, F, K, tau, vol, rate);
}

function expiryValue(p: PreparedExpiry, forward: number, vol: (o: Pm2Option) => number): number {
  let v = 0;
  for (const o of p.e.options) v += o.amount * derivePrice(o.right, forward, o.strike, p.tau, vol(o), p.rate);
  return v;
}

function prepare(e: Pm2Expiry, params: DerivePm2Params): PreparedExpiry {
  const sec = Math.max(e.secToExpiry, 0);
  const tau = sec / SECONDS_PER_YEAR;
  const rate = Math.max(e.rate, 0);
  const df = discountFactor(rate, tau);
  const fixed = sec < SETTLEMENT_WINDOW_SECONDS ? (e.forward * (SETTLEMENT_WINDOW_SECONDS - sec)) / SETTLEMENT_WINDOW_SECONDS : 0;
  const variable = e.forward - fixed;
  const m = params.margin;
  const discounts = timeValueDiscounts(rate, tau, df,
    { base: m.longBaseStaticDiscount, rateMult: m.longRateMultScale, rateAdd: m.longRateAddScale },
    { base: m.shortBaseStaticDiscount, rateMult: m.shortRateMultScale, rateAdd: m.shortRateAddScale });
  const v = params.volShock;
  const mult = volShockMultipliers(volTermScale(sec, v.dteFloor * 86_400, v.shortTermPower, v.longTermPower), v.volRangeUp, v.volRangeDown);
  const base = { e, tau, rate, df, fixed, variable, discounts, up: mult.up, down: mult.down, mtm: 0 };
  return { ...base, mtm: expiryValue(base, e.forward, (o) => o.vol) };
}

function skewTilt(p: PreparedExpiry, shape: "linear" | "abs", params: DerivePm2Params): SkewTilt {
  const s = params.skewShock;
  const r = Math.sqrt(p.tau);
  const cap = shape === "linear" ? s.linearCBase * r + s.linearBaseCap : s.absCBase * r + s.absBaseCap;
  const kStar = Math.max(s.minKStar, r * s.widthScale * (s.volParamStatic + s.volParamScale * r));
  return { cap, kStar, shape };
}

/** Shocked (undiscounted) value of one expiry in a scenario. */
function shockedExpiryValue(p: PreparedExpiry, sc: DeriveScenario, params: DerivePm2Params): number {
  if (sc.volShock === "linear" || sc.volShock === "abs") {
    const tilt = skewTilt(p, sc.volShock, params);
    const F = p.variable + p.fixed;
    return expiryValue(p, F, (o) => o.vol * skewMultiplier(Math.log(o.strike / F), tilt));
  }
  const F = p.variable * sc.spotShock + p.fixed;
  const minVol = params.volShock.minVolUpShock;
  if (sc.volShock === "up") return expiryValue(p, F, (o) => Math.max(minVol, o.vol * p.up));
  if (sc.volShock === "down") return expiryValue(p, F, (o) => o.vol * p.down);
  return expiryValue(p, F, (o) => o.vol);
}

function scenarioPnl(acc: Pm2Account, prepared: readonly PreparedExpiry[], collateralValues: readonly number[], sc: DeriveScenario, params: DerivePm2Params): number {
  const skew = sc.volShock === "linear" || sc.volShock === "abs";
  let pnl = acc.perp && acc.perp.amount !== 0 ? acc.perp.amount * (sc.spotShock - 1) * acc.perp.price * sc.dampeningFactor : 0;
  for (const p of prepared) {
    const x = applyTimeValueDiscount(shockedExpiryValue(p, sc, params), p.discounts);
    const e = (x - p.mtm) * sc.dampeningFactor;
    pnl += skew ? -Math.abs(e) : e;
  }
  acc.collaterals.forEach((c, i) => {
    if (c.riskCancelling) pnl += collateralValues[i] * (sc.spotShock - 1) * sc.dampeningFactor;
  });
  return pnl;
}

/** Σ over strikes of the net short amount (calls and puts at one strike net; strikes never offset). */
export function nakedShorts(options: readonly Pm2Option[]): number {
  const byStrike = new Map<number, number>();
  for (const o of options) byStrike.set(o.strike, (byStrike.get(o.strike) ?? 0) + o.amount);
  let n = 0;
  for (const q of byStrike.values()) n += Math.max(0, -q);
  return n;
}

function basisContingency(p: PreparedExpiry, params: DerivePm2Params): number {
  const b = params.basisContingency;
  const up = expiryValue(p, p.variable * b.scenarioSpotUp + p.fixed, (o) => o.vol);
  const dn = expiryValue(p, p.variable * b.scenarioSpotDown + p.fixed, (o) => o.vol);
  return Math.min(up - p.mtm, dn - p.mtm, 0) * (b.basisContAddFactor + b.basisContMultFactor * p.tau);
}

interface Contingencies {
  mmPerp: number; imPerp: number; mmOption: number; imOption: number; mmBase: number; imBase: number; oracle: number;
  expiryNaked: number[]; expiryConf: number[];
}

function contingencies(acc: Pm2Account, prepared: readonly PreparedExpiry[], collateralValues: readonly number[], params: DerivePm2Params): Contingencies {
  const o = params.otherContingency;
  const conf = (c: number, notional: number) => confidenceContingency(c, notional, o.confThreshold, o.confMargin);
  const perpAmount = acc.perp?.amount ?? 0;
  const portfolioConf = perpAmount !== 0 && acc.perp ? Math.min(acc.spotConfidence, acc.perp.confidence) : acc.spotConfidence;
  const perpNotional = Math.abs(perpAmount) * acc.spot;
  const c: Contingencies = {
    mmPerp: perpNotional * o.mmPerpPercent, imPerp: perpNotional * o.imPerpPercent, mmOption: 0, imOption: 0, mmBase: 0, imBase: 0,
    oracle: conf(portfolioConf, perpNotional), expiryNaked: [], expiryConf: [],
  };
  for (const p of prepared) {
    const naked = nakedShorts(p.e.options) * acc.spot;
    c.mmOption += naked * o.mmOptionPercent;
    c.imOption += naked * o.imOptionPercent;
    const ec = Math.min(portfolioConf, p.e.confidence);
    const gross = p.e.options.reduce((s, x) => s + Math.abs(x.amount), 0);
    c.oracle += conf(ec, gross * acc.spot);
    c.expiryNaked.push(naked / acc.spot);
    c.expiryConf.push(ec);
  }
  acc.collaterals.forEach((col, i) => {
    const v = collateralValues[i];
    c.mmBase += v * col.MMHaircut;
    c.imBase += v * col.IMHaircut;
    c.oracle += conf(Math.min(col.confidence, acc.spotConfidence), v);
  });
  return c;
}

/** Margin of one subaccount under PMRM_2 (see the module comment). */
export function pm2Margin(acc: Pm2Account, params: DerivePm2Params): Pm2Result {
  const prepared = acc.expiries.map((e) => prepare(e, params));
  const collateralValues = acc.collaterals.map((c) => (c.amount * c.price) / acc.stablePrice);
  const scenarios = params.scenarios.map((sc) => ({ ...sc, pnl: scenarioPnl(acc, prepared, collateralValues, sc, params) }));
  const basis = prepared.map((p) => basisContingency(p, params));
  const B = basis.reduce((s, x) => s + x, 0);
  let W = B;
  let worst: number | null = null;
  scenarios.forEach((s, i) => {
    if (s.pnl < W) { W = s.pnl; worst = i; }
  });
  const c = contingencies(acc, prepared, collateralValues, params);
  const o = params.otherContingency;
  const mmFactor = params.margin.mmFactor;
  const imFactor = pegLossAdjustedFactor(params.margin.imFactor, acc.stablePrice, o.pegLossThreshold, o.pegLossFactor);
  const optionMtm = prepared.reduce((s, p) => s + p.mtm, 0);
  const collateralMtm = collateralValues.reduce((s, x) => s + x, 0);
  const perpValue = acc.perp && acc.perp.amount !== 0 ? acc.perp.value : 0;
  const mtm = optionMtm + collateralMtm + perpValue + acc.cash;
  const mmc = c.mmPerp + c.mmOption + c.mmBase;
  const imc = c.imPerp + c.imOption + c.imBase + c.oracle;
  return {
    MM: mmFactor * W - mmc + mtm,
    IM: imFactor * W - imc - mmc + mtm,
    PortfolioMTM: mtm, OptionMTM: optionMtm, CollateralMTM: collateralMtm, PerpValue: perpValue, Cash: acc.cash,
    scenarios, ForwardContingency: B, worstLoss: W, worstScenario: worst,
    MMLossFactor: mmFactor, IMLossFactor: imFactor,
    MMPerpCont: c.mmPerp, IMPerpCont: c.imPerp, MMOptionCont: c.mmOption, IMOptionCont: c.imOption,
    MMBaseCont: c.mmBase, IMBaseCont: c.imBase, OracleCont: c.oracle,
    expiries: prepared.map((p, i) => ({
      label: p.e.label, mtm: p.mtm, discount: p.df, staticDiscountPos: p.discounts.long, staticDiscountNeg: p.discounts.short,
      volShockUp: p.up, volShockDown: p.down, basisContingency: basis[i], confidence: c.expiryConf[i], nakedShorts: c.expiryNaked[i],
    })),
  };
}
