/** The allocation (allocation.ts) applied to a multi-venue book: balances in exact units, venues measured by their own method. Pure. */
import { formatUnits, unitsToNumber } from "../../domain/money.js";
import type { Venue, VenueBook } from "../../domain/venueBook.js";
import { forAsset } from "../../margin/params.js";
import { allocate, units, type AllocVenue, type AllocationResult, type Measured } from "./allocation.js";
import { venueRow, type VenueEnv } from "./profile.js";
import { routeFor } from "./routes.js";

const toMap = (b: Readonly<Record<string, number>>): Map<string, bigint> => new Map(Object.entries(b).map(([a, x]) => [a, units(x)]));
const toRecord = (m: ReadonlyMap<string, bigint>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [a, u] of m) if (u !== 0n) out[a] = Number(formatUnits(u));
  return out;
};

/** A venue's balances as exact units. */
export function allocVenue(v: Venue): AllocVenue {
  return v.kind === "lending"
    ? { name: v.name, lending: true, balances: toMap(v.supplied), debts: toMap(v.borrowed) }
    : { name: v.name, lending: false, balances: toMap(v.collateral), debts: new Map() };
}

/** The venue with the allocation's balances. */
export function venueWith(v: Venue, a: AllocVenue): Venue {
  return v.kind === "lending" ? { ...v, supplied: toRecord(a.balances), borrowed: toRecord(a.debts) } : { ...v, collateral: toRecord(a.balances) };
}

/** A measure of venues of a book on the env's market (memoised by balances). Unmeasurable venues count as bankrupt. */
export function bookMeasure(env: VenueEnv, book: VenueBook): (a: AllocVenue) => Measured {
  const memo = new Map<string, Measured>();
  return (a) => {
    const key = `${a.name}|${[...a.balances].map(([k, u]) => `${k}:${u}`).join(",")}|${[...a.debts].map(([k, u]) => `${k}:${u}`).join(",")}`;
    let m = memo.get(key);
    if (!m) {
      const v = book.venues.find((x) => x.name === a.name);
      const r = v ? venueRow(env, book, venueWith(v, a), { contributions: false }) : undefined;
      m = r?.ok ? r.value : { adjustedEquity: -Infinity, initialMargin: Infinity, maintenanceMargin: Infinity, marginRatio: null, status: "bankrupt" };
      memo.set(key, m);
    }
    return m;
  };
}

/** Allocate a book's collateral; `frozen` venues cannot send. Returns the result and the book after the transfers. */
export function allocateBook(env: VenueEnv, book: VenueBook, target: number, frozen: ReadonlySet<string> = new Set()): { result: AllocationResult; after: VenueBook } {
  const p = env.params;
  const result = allocate({
    venues: book.venues.map(allocVenue), measure: bookMeasure(env, book), target, frozen,
    route: (asset, from, to) => routeFor(p, asset, from, to),
    price: (asset) => (asset === "USD" ? 1 : env.market.assets[asset]?.index ?? 0),
    timeCostPerDay: p.timeCostPerDay,
    step: (asset) => units(forAsset(p.steps, asset)),
  });
  const after: VenueBook = { ...book, venues: book.venues.map((v, i) => venueWith(v, result.venues[i])) };
  return { result, after };
}

/** Σ balances − Σ debts per asset over venues (exact units), plus fees paid: the allocation keeps it invariant. */
export function netHoldings(venues: readonly AllocVenue[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const v of venues) {
    for (const [a, u] of v.balances) out.set(a, (out.get(a) ?? 0n) + u);
    for (const [a, u] of v.debts) out.set(a, (out.get(a) ?? 0n) - u);
  }
  return out;
}

/** Number form of a units amount (for display). */
export const unitsNumber = unitsToNumber;
