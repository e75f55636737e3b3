/**
 * Market cost model (DESIGN.md section 8): what it costs to trade a size in an instrument now. Per
 * instrument a half-spread and a depth curve: the marginal price impact (a fraction of the reference
 * price) after `notionalUsd` has been traded on one side, linear between points and extrapolated along
 * the last segment. Cost of a trade of notional q = halfSpread·q + ∫₀^q impact(x) dx, in USD.
 *
 * Reference notional of one unit: 1 USD for inverse futures/perpetuals (size is USD notional), forward ×
 * quote index for linear ones, the index for spot, and the underlying's index (× quote index for linear)
 * for options — option spreads and depth are quoted against the underlying notional, not the premium.
 */
import type { Instrument, InstrumentKind } from "../domain/instrument.js";
import type { ResolvedInstrument } from "../market/resolve.js";

/** One point of a depth curve: marginal impact (fraction) once `notionalUsd` has traded. */
export interface DepthPoint {
  readonly notionalUsd: number;
  readonly impact: number;
}

/** Liquidity of one instrument: buys walk `buy` (the asks), sells walk `sell` (the bids). */
export interface Liquidity {
  /** Half the bid-ask spread, fraction of the reference price. */
  readonly halfSpread: number;
  readonly buy: readonly DepthPoint[];
  readonly sell: readonly DepthPoint[];
}

/** Parameters of the cost model (validated in input/liquiditySchema.ts). */
export interface CostModelParams {
  /** Per instrument kind; `default` for kinds not listed. */
  readonly kinds: Readonly<Partial<Record<InstrumentKind | "default", { readonly halfSpread: number; readonly depth: readonly DepthPoint[] }>>>;
  /** Depth multiplier per underlying (`default` for the rest): the curve's notionals are multiplied by it (0.5 = half as deep). */
  readonly depthScale: Readonly<Record<string, number>>;
  /** Per-instrument liquidity (e.g. from an order-book snapshot); overrides the kind's curve. */
  readonly instruments: Readonly<Record<string, Liquidity>>;
}

/**
 * Default cost model: an assumption, of the order of Deribit's books in late 2024 (BTC perpetual ~1 bp
 * half-spread, ~5 bp marginal impact at 1 M USD, convex beyond); ETH half as deep, other underlyings a fifth.
 */
export const DEFAULT_COST_MODEL: CostModelParams = {
  kinds: {
    perpetual: { halfSpread: 0.0001, depth: [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.0005 }, { notionalUsd: 1e7, impact: 0.01 }] },
    future: { halfSpread: 0.0003, depth: [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.001 }, { notionalUsd: 1e7, impact: 0.02 }] },
    spot: { halfSpread: 0.0002, depth: [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.0008 }, { notionalUsd: 1e7, impact: 0.015 }] },
    option: { halfSpread: 0.002, depth: [{ notionalUsd: 0, impact: 0 }, { notionalUsd: 1e6, impact: 0.004 }, { notionalUsd: 1e7, impact: 0.06 }] },
  },
  depthScale: { BTC: 1, ETH: 0.5, default: 0.2 },
  instruments: {},
};

/** USD reference notional of one unit of an instrument. */
export function referenceUsdPerUnit(r: ResolvedInstrument): number {
  const inst = r.instrument;
  switch (inst.kind) {
    case "spot":
      return r.index;
    case "perpetual":
    case "future":
      return inst.settlement === "inverse" ? 1 : r.forward * r.quoteIndex;
    case "option":
      return inst.settlement === "inverse" ? r.index : r.index * r.quoteIndex;
  }
}

const memo = new WeakMap<CostModelParams, Map<string, Liquidity>>();

/** The liquidity of an instrument under the model (memoised per model object and instrument name). */
export function liquidityOf(m: CostModelParams, inst: Instrument): Liquidity {
  let cache = memo.get(m);
  if (!cache) memo.set(m, (cache = new Map()));
  let l = cache.get(inst.name);
  if (!l) cache.set(inst.name, (l = computeLiquidity(m, inst)));
  return l;
}

function computeLiquidity(m: CostModelParams, inst: Instrument): Liquidity {
  const own = m.instruments[inst.name];
  if (own) return own;
  const k = m.kinds[inst.kind] ?? m.kinds.default ?? DEFAULT_COST_MODEL.kinds[inst.kind];
  if (!k) throw new Error(`cost model: no liquidity for kind ${inst.kind}`);
  const scale = m.depthScale[inst.underlying] ?? m.depthScale.default ?? 1;
  const depth = k.depth.map((p) => ({ notionalUsd: p.notionalUsd * scale, impact: p.impact }));
  return { halfSpread: k.halfSpread, buy: depth, sell: depth };
}

/** Marginal impact at notional q on a curve (linear between points, last segment extrapolated). */
export function impactAt(curve: readonly DepthPoint[], q: number): number {
  if (curve.length === 0) return 0;
  if (curve.length === 1 || q <= curve[0].notionalUsd) return curve[0].impact;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1], b = curve[i];
    if (q <= b.notionalUsd || i === curve.length - 1) {
      const span = b.notionalUsd - a.notionalUsd;
      return span > 0 ? a.impact + ((b.impact - a.impact) * (q - a.notionalUsd)) / span : b.impact;
    }
  }
  return curve[curve.length - 1].impact;
}

/** ∫₀^q impact(x) dx (USD) on a curve. */
export function impactIntegral(curve: readonly DepthPoint[], q: number): number {
  if (q <= 0 || curve.length === 0) return 0;
  let total = 0, x = 0;
  for (let i = 0; i <= curve.length; i++) {
    const k = i < curve.length ? curve[i].notionalUsd : q;
    if (i < curve.length && !(k > 0 && k < q)) continue;
    total += ((impactAt(curve, x) + impactAt(curve, k)) / 2) * (k - x);
    x = k;
  }
  return total;
}

/** A trade priced by the cost model. */
export interface Execution {
  /** USD reference notional traded (≥ 0). */
  readonly notionalUsd: number;
  /** Cost against mark in USD (≥ 0): spread + impact. */
  readonly costUsd: number;
  /** Average price in the instrument's quote unit (mark moved against the trade). */
  readonly price: number;
  /** Average slippage, fraction of the reference price. */
  readonly slippage: number;
}

/**
 * Price a trade of `size` units (signed: > 0 buy) against mark `markPrice` (quote unit). For options the
 * price moves by the slippage of the underlying notional expressed in the option's quote unit.
 */
export function execute(liq: Liquidity, r: ResolvedInstrument, markPrice: number, size: number): Execution {
  const notionalUsd = Math.abs(size) * referenceUsdPerUnit(r);
  if (notionalUsd === 0) return { notionalUsd: 0, costUsd: 0, price: markPrice, slippage: 0 };
  const curve = size > 0 ? liq.buy : liq.sell;
  const costUsd = liq.halfSpread * notionalUsd + impactIntegral(curve, notionalUsd);
  const slippage = costUsd / notionalUsd;
  const sign = size > 0 ? 1 : -1;
  const inst = r.instrument;
  let price: number;
  if (inst.kind === "option") {
    const perQuote = inst.settlement === "inverse" ? 1 : r.index; // coin price (inverse) or quote price per coin
    price = Math.max(0, markPrice + sign * slippage * perQuote);
  } else price = markPrice * (1 + sign * slippage);
  return { notionalUsd, costUsd, price, slippage };
}
