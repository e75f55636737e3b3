/**
 * SPAN intra-commodity charges of one combined commodity from its net delta per expiry: tiered calendar
 * spreads (then the flat charge on what is left) and the delivery (spot) month charge. Pure; USD in, USD out.
 */
import type { SpanIntraTiers } from "../types.js";

/** Net delta of one expiry of a commodity and its days to expiry (null for a perpetual). */
export interface ExpiryDelta {
  readonly delta: number;
  readonly days: number | null;
}

/** Spreads formed and their charge (USD). */
export interface IntraSpreadCharge {
  readonly charge: number;
  /** Spread count per rule, `i/j` for tier pairs and `flat` for the rest. */
  readonly spreads: Readonly<Record<string, number>>;
}

function tierOf(t: SpanIntraTiers, days: number | null): number {
  if (days === null) return 0;
  const i = t.tierEndDays.findIndex((end) => days <= end);
  return i < 0 ? t.tierEndDays.length - 1 : i;
}

/** Tiered intra-commodity spread charge: tier rules in order, then `flatCharge` per remaining spread. */
export function intraSpreadCharge(expiries: readonly ExpiryDelta[], flatCharge: number, tiers: SpanIntraTiers | undefined): IntraSpreadCharge {
  const n = tiers ? tiers.tierEndDays.length : 1;
  const longs = new Array<number>(n).fill(0), shorts = new Array<number>(n).fill(0);
  for (const e of expiries) {
    const i = tiers ? tierOf(tiers, e.days) : 0;
    if (e.delta > 0) longs[i] += e.delta;
    else shorts[i] -= e.delta;
  }
  const spreads: Record<string, number> = {};
  let charge = 0;
  const take = (a: number, b: number): number => {
    const k = Math.min(longs[a], shorts[b]);
    longs[a] -= k;
    shorts[b] -= k;
    return k;
  };
  for (const rule of tiers?.charges ?? []) {
    const [a, b] = rule.tiers;
    const k = a === b ? take(a, a) : take(a, b) + take(b, a);
    if (k > 0) {
      spreads[`${a}/${b}`] = (spreads[`${a}/${b}`] ?? 0) + k;
      charge += k * rule.charge;
    }
  }
  const rest = Math.min(longs.reduce((x, y) => x + y, 0), shorts.reduce((x, y) => x + y, 0));
  if (rest > 0) {
    spreads.flat = rest;
    charge += rest * flatCharge;
  }
  return { charge, spreads };
}

/** Delivery-month charge: `charge` USD per unit of |net delta| of each expiry within `days` (perpetuals never deliver). */
export function spotMonthCharge(expiries: readonly ExpiryDelta[], spec: { days: number; charge: number } | undefined): number {
  if (!spec) return 0;
  let c = 0;
  for (const e of expiries) if (e.days !== null && e.days <= spec.days) c += Math.abs(e.delta) * spec.charge;
  return c;
}
