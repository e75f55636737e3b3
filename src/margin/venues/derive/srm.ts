/**
 * Derive's standard manager (SRM), pure float64: per market (underlying), perps at a notional rate,
 * each expiry's options at the better of their summed isolated margins and the bounded max loss, base
 * assets as a fractional credit, oracle-confidence and depeg add-ons for IM. Net margins as Derive
 * reports them (negative = shortfall). Options are priced with Black-76 at D = 1. Money in USD.
 */
import { black76Price } from "../../../pricing/black76.js";
import { confidenceContingency } from "../../../risk/contingency.js";
import type { DeriveSrmMarketParams, DeriveSrmParams } from "./params.js";
import { SECONDS_PER_YEAR } from "./pm2.js";

export interface SrmOption { readonly strike: number; readonly right: "call" | "put"; readonly amount: number; readonly vol: number }
export interface SrmExpiry {
  readonly label: string;
  readonly secToExpiry: number;
  readonly forward: number;
  /** min(forward confidence, the expiry's vol confidence). */
  readonly confidence: number;
  readonly options: readonly SrmOption[];
}
export interface SrmMarket {
  readonly underlying: string;
  readonly spot: number;
  readonly spotConfidence: number;
  readonly perp: { readonly amount: number; readonly price: number; readonly confidence: number; readonly value: number } | null;
  /** Base-asset units held (e.g. wETH). */
  readonly base: number;
  readonly expiries: readonly SrmExpiry[];
}

export interface SrmExpiryResult { readonly label: string; readonly isolated: number; readonly maxLoss: number; readonly margin: number; readonly oracle: number; readonly mtm: number }
export interface SrmMarketResult {
  readonly underlying: string;
  readonly perpMargin: number;
  readonly perpOracle: number;
  readonly optionMargin: number;
  readonly baseMargin: number;
  readonly depeg: number;
  readonly unrealisedPerp: number;
  readonly mtm: number;
  readonly margin: number;
  readonly expiries: readonly SrmExpiryResult[];
}
export interface SrmSide { readonly margin: number; readonly markets: readonly SrmMarketResult[] }
/** SRM result: MM and IM net margins, MtM (cash included). */
export interface SrmResult { readonly MM: number; readonly IM: number; readonly PortfolioMtM: number; readonly mm: SrmSide; readonly im: SrmSide }

function price(o: SrmOption, F: number, sec: number): number {
  return black76Price(o.right, F, o.strike, Math.max(sec, 0) / SECONDS_PER_YEAR, o.vol, 0);
}

function imMultiplier(p: DeriveSrmMarketParams, otm: number): number {
  const o = p.option;
  return o.maxSpotReq > otm && o.maxSpotReq - otm > o.minSpotReq ? o.maxSpotReq - otm : o.minSpotReq;
}

/** Isolated margin of one option (≤ 0); a long option scores 0. */
function isolated(o: SrmOption, mtm: number, S: number, p: DeriveSrmMarketParams, initial: boolean): number {
  if (o.amount >= 0) return 0;
  const q = o.amount;
  if (o.right === "call") {
    if (!initial) return mtm + p.option.mmCallSpotReq * S * q;
    return mtm + imMultiplier(p, Math.max(o.strike - S, 0) / S) * S * q;
  }
  const mm = Math.min(p.option.mmPutSpotReq * S * q, p.option.MMPutMtMReq * mtm) + mtm;
  if (!initial) return mm;
  return Math.min(imMultiplier(p, Math.max(S - o.strike, 0) / S) * S * q + mtm, mm * p.option.mmOffsetScale);
}

function settlement(o: SrmOption, at: number): number {
  const d = at - o.strike;
  if (o.right === "call") return d > 0 ? d * o.amount : 0;
  return d < 0 ? -d * o.amount : 0;
}

/** Max loss of an expiry's options at settlement prices {0} ∪ strikes, minus the unpaired-call charge. */
function maxLoss(e: SrmExpiry, p: DeriveSrmMarketParams, initial: boolean): number {
  let worst = 0;
  for (const at of [0, ...e.options.map((o) => o.strike)]) {
    let payoff = 0;
    for (const o of e.options) payoff += settlement(o, at);
    worst = Math.min(worst, payoff);
  }
  const netCalls = e.options.reduce((s, o) => s + (o.right === "call" ? o.amount : 0), 0);
  if (netCalls < 0) worst += (initial ? p.option.unpairedIMScale : p.option.unpairedMMScale) * e.forward * netCalls;
  return worst;
}

function expiryMargin(m: SrmMarket, e: SrmExpiry, p: DeriveSrmMarketParams, initial: boolean): SrmExpiryResult {
  let iso = 0, mtm = 0, shorts = 0;
  for (const o of e.options) {
    const v = o.amount * price(o, e.forward, e.secToExpiry);
    mtm += v;
    iso += isolated(o, v, m.spot, p, initial);
    if (o.amount < 0) shorts -= o.amount;
  }
  const ml = maxLoss(e, p, initial);
  const conf = Math.min(m.spotConfidence, e.confidence);
  const oracle = initial && p.optionThreshold !== 0 ? confidenceContingency(conf, shorts * m.spot, p.optionThreshold, p.OCFactor) : 0;
  return { label: e.label, isolated: iso, maxLoss: ml, margin: Math.max(iso, ml), oracle, mtm };
}

function marketMargin(m: SrmMarket, p: DeriveSrmMarketParams, depegMultiplier: number, stablePrice: number, initial: boolean): SrmMarketResult {
  const N = m.perp?.amount ?? 0;
  const perpMargin = N === 0 || !m.perp ? 0 : -Math.abs(N) * m.perp.price * (initial ? p.imPerpReq : p.mmPerpReq);
  const perpConf = Math.min(m.perp?.confidence ?? 1, m.spotConfidence);
  const perpOracle = initial && N !== 0 && p.perpThreshold !== 0 ? confidenceContingency(perpConf, Math.abs(N) * m.spot, p.perpThreshold, p.OCFactor) : 0;
  const expiries = m.expiries.map((e) => expiryMargin(m, e, p, initial));
  let optionMargin = 0, optionMtm = 0, shorts = 0;
  for (const e of expiries) { optionMargin += e.margin - e.oracle; optionMtm += e.mtm; }
  for (const e of m.expiries) for (const o of e.options) if (o.amount < 0) shorts -= o.amount;
  const notional = m.base * m.spot;
  let baseMargin = notional * p.baseMarginFactor * (initial ? p.baseIMScale : 1);
  if (initial && m.base !== 0 && p.baseThreshold !== 0) baseMargin -= confidenceContingency(m.spotConfidence, notional, p.baseThreshold, p.OCFactor);
  const depeg = depegMultiplier * m.spot * (Math.abs(N) + shorts);
  const unrealisedPerp = N !== 0 && m.perp ? m.perp.value : 0;
  const baseMtm = m.base === 0 ? 0 : notional / stablePrice;
  return {
    underlying: m.underlying, perpMargin, perpOracle, optionMargin, baseMargin, depeg, unrealisedPerp, expiries,
    mtm: optionMtm + unrealisedPerp + baseMtm,
    margin: perpMargin - perpOracle + optionMargin + baseMargin - depeg + unrealisedPerp,
  };
}

function marketParams(p: DeriveSrmParams, u: string): DeriveSrmMarketParams {
  const m = p.markets[u] ?? p.markets["default"];
  if (!m) throw new Error(`deriveSrm.markets has no ${u} and no default`);
  return m;
}

/** SRM net margins of an account: cash plus every market's margin (see the module comment). */
export function srmMargin(markets: readonly SrmMarket[], cash: number, stablePrice: number, p: DeriveSrmParams): SrmResult {
  const side = (initial: boolean): SrmSide => {
    const mult = initial && stablePrice < p.depegThreshold ? (p.depegThreshold - stablePrice) * p.depegFactor : 0;
    const res = markets.map((m) => marketMargin(m, marketParams(p, m.underlying), mult, stablePrice, initial));
    return { margin: cash + res.reduce((s, r) => s + r.margin, 0), markets: res };
  };
  const mm = side(false), im = side(true);
  return { MM: mm.margin, IM: im.margin, PortfolioMtM: cash + mm.markets.reduce((s, r) => s + r.mtm, 0), mm, im };
}
