/**
 * A multi-venue book: one desk's positions and collateral spread over several venues (exchanges that margin
 * what they see, lending protocols that lend against what is supplied). Types and pure helpers only.
 *
 * Units: collateral, supplied and borrowed balances are amounts of the asset (coins, or stablecoin units);
 * position sizes follow the instrument's own unit (DESIGN.md section 3).
 */
import type { OpenOrder, Portfolio, Position } from "./portfolio.js";

/** Presets a venue named like a known venue gets when the book names none. */
export const DEFAULT_VENUE_PRESETS: Readonly<Record<string, string>> = {
  deribit: "deribit",
  okx: "okx",
  derive: "derive",
  aave: "aave-v3-ethereum",
};

/** A venue that margins derivatives under a margin preset (`presets/NAME.json`), with its own collateral. */
export interface DerivativesVenue {
  readonly kind: "derivatives";
  readonly name: string;
  readonly preset: string;
  /** Asset → amount held at this venue. */
  readonly collateral: Readonly<Record<string, number>>;
}

/** A lending venue (Aave-v3 style) under a lending preset (`presets/lending/NAME.json`). */
export interface LendingVenue {
  readonly kind: "lending";
  readonly name: string;
  readonly preset: string;
  /** Reserve → amount supplied (counts as collateral at the reserve's liquidation threshold). */
  readonly supplied: Readonly<Record<string, number>>;
  /** Reserve → amount borrowed (debt). */
  readonly borrowed: Readonly<Record<string, number>>;
}

export type Venue = DerivativesVenue | LendingVenue;

/** A position or resting order tagged with the venue it is held on. */
export type VenuePosition = Position & { readonly venue: string };
export type VenueOrder = OpenOrder & { readonly venue: string };

/** A validated multi-venue book: every position's venue is one of `venues` and a derivatives venue. */
export interface VenueBook {
  readonly account: string;
  readonly venues: readonly Venue[];
  readonly positions: readonly VenuePosition[];
  readonly openOrders: readonly VenueOrder[];
}

/** The account a derivatives venue sees: its own positions, orders and collateral (nothing else). */
export function venuePortfolio(book: VenueBook, venue: DerivativesVenue, positions: readonly VenuePosition[] = book.positions): Portfolio {
  const strip = <T extends { venue: string }>(x: T): Omit<T, "venue"> => {
    const { venue: _v, ...rest } = x;
    return rest;
  };
  return {
    account: `${book.account}/${venue.name}`,
    collateral: venue.collateral,
    positions: positions.filter((p) => p.venue === venue.name).map(strip),
    openOrders: book.openOrders.filter((o) => o.venue === venue.name).map(strip),
  };
}

/** Sum of balances per asset (a + b). */
export function addBalances(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, sign = 1): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + sign * v;
  return out;
}

/**
 * The pooled account: every position and order of the book, every venue's collateral and every lending venue's
 * supplied assets as one collateral pool, and each borrowed asset netted against the pool. What is still owed
 * after netting is returned in `debts` (asset → amount > 0) for the caller to represent (the unified profile
 * makes it a short spot position; `dpm margin` refuses it).
 */
export function pooledPortfolio(book: VenueBook, extraCollateral: Readonly<Record<string, number>> = {}): { portfolio: Portfolio; debts: Record<string, number> } {
  let pool: Record<string, number> = { ...extraCollateral };
  for (const v of book.venues) pool = addBalances(pool, v.kind === "derivatives" ? v.collateral : v.supplied);
  for (const v of book.venues) if (v.kind === "lending") pool = addBalances(pool, v.borrowed, -1);
  const collateral: Record<string, number> = {};
  const debts: Record<string, number> = {};
  for (const [a, x] of Object.entries(pool)) {
    if (x > 0) collateral[a] = x;
    else if (x < 0) debts[a] = -x;
  }
  const positions = book.positions.map(({ venue: _v, ...p }) => p);
  const openOrders = book.openOrders.map(({ venue: _v, ...o }) => o);
  return { portfolio: { account: book.account, collateral, positions, openOrders }, debts };
}
