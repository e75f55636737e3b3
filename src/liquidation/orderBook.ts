/**
 * Liquidity from an order-book snapshot: levels `[price, size]` in the instrument's quote unit and size
 * unit (USD notional for inverse futures/perpetuals, coins otherwise), best first. The half-spread is
 * half the touch spread; the depth curve of each side has one point per level: the cumulative USD
 * reference notional before the level and the level's distance beyond the touch (fraction of the
 * reference price). Beyond the last level the curve continues along its last segment (one level: the
 * distance doubles per level notional), so a trade larger than the book still has a finite, growing cost.
 */
import type { Parsed } from "../domain/instrument.js";
import type { ResolvedInstrument } from "../market/resolve.js";
import { referenceUsdPerUnit, type DepthPoint, type Liquidity } from "./costModel.js";

/** One side of a book: [price, size] levels, best first. */
export type BookSide = readonly (readonly [number, number])[];

/** Fraction of the reference price that a price distance `d` (quote unit) represents. */
function fractionOf(r: ResolvedInstrument, d: number, mid: number): number {
  const inst = r.instrument;
  if (inst.kind !== "option") return d / mid;
  return inst.settlement === "inverse" ? d : d / r.index;
}

function sideCurve(r: ResolvedInstrument, levels: BookSide, touch: number, mid: number, sign: 1 | -1): DepthPoint[] {
  const ref = referenceUsdPerUnit(r);
  const pts: DepthPoint[] = [];
  let cum = 0;
  for (const [price, size] of levels) {
    pts.push({ notionalUsd: cum, impact: Math.max(0, fractionOf(r, sign * (price - touch), mid)) });
    cum += size * ref;
  }
  const last = pts[pts.length - 1];
  const prev = pts.length > 1 ? pts[pts.length - 2] : { notionalUsd: 0, impact: 0 };
  const slope = last.notionalUsd > prev.notionalUsd ? (last.impact - prev.impact) / (last.notionalUsd - prev.notionalUsd) : 0;
  // Close the curve at the book's total depth; with a flat book, impact doubles the spread-fraction per book depth.
  const fallback = Math.max(last.impact, fractionOf(r, Math.abs(touch - mid), mid)) / Math.max(cum, 1);
  pts.push({ notionalUsd: cum, impact: last.impact + Math.max(slope, fallback) * (cum - last.notionalUsd) });
  return pts;
}

function sorted(levels: BookSide, descending: boolean): BookSide {
  return [...levels].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
}

/** Liquidity of an instrument from its book snapshot, or why the book cannot be used. */
export function liquidityFromBook(r: ResolvedInstrument, bids: BookSide, asks: BookSide): Parsed<Liquidity> {
  if (bids.length === 0 || asks.length === 0) return { ok: false, reason: `${r.instrument.name}: the book needs at least one bid and one ask` };
  const b = sorted(bids, true), a = sorted(asks, false);
  const bid = b[0][0], ask = a[0][0];
  if (!(ask > bid)) return { ok: false, reason: `${r.instrument.name}: crossed or locked book (best bid ${bid} ≥ best ask ${ask})` };
  const mid = (bid + ask) / 2;
  return {
    ok: true,
    value: {
      halfSpread: fractionOf(r, (ask - bid) / 2, mid),
      buy: sideCurve(r, a, ask, mid, 1),
      sell: sideCurve(r, b, bid, mid, -1),
    },
  };
}
