/**
 * Exact money for everything the liquidation engine moves (fees, insurance fund, deficits, auto-
 * deleveraging): bigint fixed point with 8 decimals of the numeraire (1n = 1e-8 USD when the numeraire is
 * USD). Risk numbers stay float64; every amount that changes hands is converted once, here, and then moved
 * exactly, so the books always sum to zero.
 */

/** An amount of the numeraire in units of 1e-8. */
export type Money = bigint;

/** Units of Money per unit of the numeraire. */
export const MONEY_SCALE = 100_000_000n;
const SCALE = 1e8;

/** Numeraire amount (float) → Money, rounded half away from zero. Non-finite input is a programming error. */
export function toMoney(x: number): Money {
  if (!Number.isFinite(x)) throw new RangeError(`toMoney: non-finite amount ${x}`);
  const scaled = x * SCALE;
  return BigInt(scaled < 0 ? -Math.round(-scaled) : Math.round(scaled));
}

/** Money → numeraire amount (float). */
export function fromMoney(m: Money): number {
  const whole = m / MONEY_SCALE;
  const frac = m - whole * MONEY_SCALE;
  return Number(whole) + Number(frac) / SCALE;
}

export const minMoney = (a: Money, b: Money): Money => (a < b ? a : b);
export const maxMoney = (a: Money, b: Money): Money => (a > b ? a : b);

/** One transfer in the books. */
export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly amount: Money;
  /** fee, slippage, deficitCover, adl, … */
  readonly reason: string;
}

/**
 * A double-entry ledger of balances keyed by holder (`account:<id>`, `fund`, `market`). Every transfer debits
 * one holder and credits another by the same bigint amount, so `total()` is invariant (0 from empty).
 */
export class Ledger {
  private readonly balances = new Map<string, Money>();
  readonly transfers: Transfer[] = [];

  /** Set an opening balance (e.g. the insurance fund); records the counter-entry against `opening`. */
  open(holder: string, amount: Money): void {
    this.move("opening", holder, amount, "opening");
  }

  /** Move `amount` (≥ 0) from one holder to another. */
  move(from: string, to: string, amount: Money, reason: string): void {
    if (amount < 0n) throw new RangeError(`Ledger.move: negative amount ${amount}`);
    if (amount === 0n) return;
    this.balances.set(from, (this.balances.get(from) ?? 0n) - amount);
    this.balances.set(to, (this.balances.get(to) ?? 0n) + amount);
    this.transfers.push({ from, to, amount, reason });
  }

  balance(holder: string): Money {
    return this.balances.get(holder) ?? 0n;
  }

  /** Sum of every balance: always 0n. */
  total(): Money {
    let t = 0n;
    for (const v of this.balances.values()) t += v;
    return t;
  }

  holders(): string[] {
    return [...this.balances.keys()];
  }
}
