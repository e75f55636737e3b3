/**
 * Concentration add-on (abuse of the model: Mango 2022, dYdX YFI 2023, Hyperliquid JELLY 2025). A
 * position that is large against the instrument's open interest or against the depth of its book
 * cannot be liquidated at the mark: the add-on charges for that, and it is measured on the sum over all
 * accounts linked to one owner, so splitting a position across sub-accounts does not escape it.
 *
 * For an owner with gross size G (Σ |size| over linked accounts) in an instrument with open interest OI
 * (same unit) and book depth D (USD notional that can be traded within the venue's depth band):
 *   excess = max(0, G/OI − threshold, G·price/D − 1),  rate = min(cap, slope × excess),
 * and each linked account is charged rate × its own |notional| (USD). Pure; no data → no add-on.
 */

export interface ConcentrationParams {
  /** Share of open interest above which the add-on starts (e.g. 0.1 = 10 %). */
  readonly threshold: number;
  /** Add-on rate per unit of excess. */
  readonly slope: number;
  /** Largest add-on rate (fraction of notional). */
  readonly cap: number;
}

/** Liquidity of one instrument as reported by the market. */
export interface InstrumentLiquidity {
  /** Open interest in the instrument's size unit (one side). */
  readonly openInterest?: number;
  /** Book depth in USD notional within the venue's depth band. */
  readonly depthUsd?: number;
  /** Relative quoted spread (ask − bid) / mid (liquidity charges, margin/liquidityCharge.ts). */
  readonly spread?: number;
}

/** One account's position in one instrument. */
export interface OwnedPosition {
  readonly account: string;
  readonly instrument: string;
  readonly size: number;
  /** USD notional of |size| (inverse futures: |size|; coins × index otherwise). */
  readonly notionalUsd: number;
}

export interface ConcentrationCharge {
  readonly instrument: string;
  readonly ownerGrossSize: number;
  readonly shareOfOpenInterest: number | null;
  readonly depthMultiple: number | null;
  readonly rate: number;
  /** USD charged to the account in question. */
  readonly amount: number;
}

/** Rate for an owner's gross size in one instrument. */
export function concentrationRate(gross: number, grossNotionalUsd: number, liq: InstrumentLiquidity, p: ConcentrationParams): { rate: number; share: number | null; depth: number | null } {
  const share = liq.openInterest && liq.openInterest > 0 ? gross / liq.openInterest : null;
  const depth = liq.depthUsd && liq.depthUsd > 0 ? grossNotionalUsd / liq.depthUsd : null;
  const excess = Math.max(0, share === null ? 0 : share - p.threshold, depth === null ? 0 : depth - 1);
  return { rate: Math.min(p.cap, p.slope * excess), share, depth };
}

/**
 * Charges of one account given the positions of every account linked to its owner (including its own).
 * Returns only instruments with a positive charge.
 */
export function concentrationCharges(account: string, ownerPositions: readonly OwnedPosition[], liquidity: (instrument: string) => InstrumentLiquidity | undefined, p: ConcentrationParams): ConcentrationCharge[] {
  const byInst = new Map<string, { gross: number; notional: number; mine: number }>();
  for (const x of ownerPositions) {
    const e = byInst.get(x.instrument) ?? { gross: 0, notional: 0, mine: 0 };
    e.gross += Math.abs(x.size);
    e.notional += Math.abs(x.notionalUsd);
    if (x.account === account) e.mine += Math.abs(x.notionalUsd);
    byInst.set(x.instrument, e);
  }
  const out: ConcentrationCharge[] = [];
  for (const [instrument, e] of byInst) {
    const liq = liquidity(instrument);
    if (!liq || e.mine === 0) continue;
    const r = concentrationRate(e.gross, e.notional, liq, p);
    if (r.rate > 0) out.push({ instrument, ownerGrossSize: e.gross, shareOfOpenInterest: r.share, depthMultiple: r.depth, rate: r.rate, amount: r.rate * e.mine });
  }
  return out;
}
