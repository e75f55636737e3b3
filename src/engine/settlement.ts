/**
 * Cash flows of fills, expiry settlement and funding. Prices are float64 (quote per coin; coin per coin
 * for inverse options); each flow is rounded once to the 1e-12 unit and then added exactly.
 * - inverse futures/perpetuals (size N in USD notional): P&L N·(1/entry − 1/exit) in the coin;
 * - linear futures/perpetuals (size q in coins): q·(exit − entry) in the quote currency;
 * - options are paid for at fill: size × price in the coin (inverse) or the quote (linear), and settle
 *   at expiry for their payoff max(±(S − K), 0) (divided by S for inverse options).
 */
import type { Instrument } from "../domain/instrument.js";
import type { PositionState } from "./state.js";
import type { MarketState } from "./marketState.js";
import { roundToUnits, unitsToNumber } from "../domain/money.js";

export interface CashFlow {
  readonly asset: string;
  /** Exact units (1e-12). */
  readonly amount: bigint;
}

/** Currency a derivative settles in: the coin for inverse contracts, the quote for linear ones. */
export function settlementAsset(inst: Instrument): string {
  return inst.settlement === "inverse" ? inst.underlying : inst.quote;
}

/** Realised P&L (settlement currency) of closing `size` (signed, as held) from `entry` at `exit`. */
export function futurePnl(inst: Instrument, size: number, entry: number, exit: number): number {
  return inst.settlement === "inverse" ? size * (1 / entry - 1 / exit) : size * (exit - entry);
}

function averageEntry(inst: Instrument, s0: number, e0: number, d: number, p: number): number {
  const a = Math.abs(s0), b = Math.abs(d);
  if (inst.kind !== "option" && inst.settlement === "inverse") return (a + b) / (a / e0 + b / p);
  return (a * e0 + b * p) / (a + b);
}

/** Position and cash after a fill of `size` units at `price`. */
export function fillCash(inst: Instrument, pos: PositionState, size: bigint, price: number): { next: PositionState; cash: CashFlow[] } {
  const ccy = settlementAsset(inst);
  const s0 = pos.size, s1 = s0 + size;
  const n0 = unitsToNumber(s0), d = unitsToNumber(size);
  const cash: CashFlow[] = [];
  if (inst.kind === "option") cash.push({ asset: ccy, amount: -roundToUnits(d * price) });
  let entry: number | undefined;
  if (s0 === 0n || (s0 > 0n) === (size > 0n)) {
    entry = s0 === 0n || pos.entryPrice === undefined ? price : averageEntry(inst, n0, pos.entryPrice, d, price);
  } else {
    const e0 = pos.entryPrice ?? price;
    const closing = Math.abs(d) >= Math.abs(n0) ? n0 : -d;
    if (inst.kind !== "option") cash.push({ asset: ccy, amount: roundToUnits(futurePnl(inst, closing, e0, price)) });
    entry = s1 === 0n ? undefined : (s1 > 0n) === (s0 > 0n) ? e0 : price;
  }
  return { next: entry === undefined ? { size: s1 } : { size: s1, entryPrice: entry }, cash };
}

/** Cash of settling a position at expiry against the index `price`. */
export function settlementCash(inst: Instrument, pos: PositionState, price: number): CashFlow[] {
  const n = unitsToNumber(pos.size);
  const ccy = settlementAsset(inst);
  if (inst.kind === "option") {
    const k = inst.strike ?? 0;
    const payoff = inst.right === "call" ? Math.max(price - k, 0) : Math.max(k - price, 0);
    return [{ asset: ccy, amount: roundToUnits(n * (inst.settlement === "inverse" ? payoff / price : payoff)) }];
  }
  return [{ asset: ccy, amount: roundToUnits(futurePnl(inst, n, pos.entryPrice ?? price, price)) }];
}

/** Funding of a perpetual position at `rate` (longs pay when rate > 0): inverse N·rate/index coins, linear q·mark·rate. */
export function fundingPayment(inst: Instrument, pos: PositionState, rate: number, m: MarketState): CashFlow[] {
  const n = unitsToNumber(pos.size);
  const index = m.assets[inst.underlying]?.index ?? 0;
  if (!(index > 0)) return [];
  const ccy = settlementAsset(inst);
  if (inst.settlement === "inverse") return [{ asset: ccy, amount: roundToUnits((-n * rate) / index) }];
  const mark = m.instruments[inst.name]?.mark ?? index;
  return [{ asset: ccy, amount: roundToUnits(-n * mark * rate) }];
}
