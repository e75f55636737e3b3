/**
 * Margin of a multi-venue account (docs/venues.md "In the service"): exactly `dpm venues` on the account as it
 * stands (src/analytics/venues/): each venue under its own preset with only its own collateral (`venueRows`), the
 * unified profile over everything with its cross-venue charges (`unifiedProfile`), on the engine's live market
 * (each underlying at its own valuation time, as every engine margin).
 *
 * The account's figures (equity, adjusted equity, IM, MM, available funds, margin ratio) are the unified profile's;
 * its status is the worst of its venues' own statuses and the unified status, because each venue liquidates what it
 * sees whatever the desk holds elsewhere (`statusVenue` names the venue that sets it). dpm does not liquidate these
 * accounts: it is not the venue (MULTI_VENUE_HOLD). Multi-venue accounts are few (desks): they are margined on this
 * explanation path, never by the kernel (kernelMargins.ts falls back for them).
 */
import type { Parsed } from "../domain/instrument.js";
import type { VenueBook, VenueOrder, VenuePosition, Venue } from "../domain/venueBook.js";
import { unitsToNumber } from "../domain/money.js";
import { venueRows, type VenueEnv, type VenueFigures, type VenueRow } from "../analytics/venues/profile.js";
import { unifiedProfile, type UnifiedProfile } from "../analytics/venues/unified.js";
import { venueEnv } from "../analytics/venues/profile.js";
import type { MarginStatus } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import { loadPreset } from "../input/presets.js";
import { defaultVenuesParams, loadLendingPreset } from "../input/venuePresets.js";
import { addCollateralGreeks, errorSummary, type AccountMargin, type AccountMarginDetail, type GreeksByUnderlying } from "./accountMargin.js";
import { IncrementalRiskContext } from "./incrementalContext.js";
import { latestAsOf, snapshotOf, type MarketState } from "./marketState.js";
import { allocateBook } from "../analytics/venues/bookAllocation.js";
import type { AccountState, EngineState } from "./state.js";
import { corePosition, pooledVenuePortfolio, type VenueLedger } from "./venueLedger.js";
import { openOrdersOf } from "./orders.js";

/** Why the engine does not liquidate a multi-venue account in liquidation (its `liquidationHold`). */
export const MULTI_VENUE_HOLD = "monitored, not liquidated by dpm: each venue liquidates its own positions (see the per-venue status)";

/** One venue's headline in an account's margin summary (`venues[]`; the rows of `dpm venues --json` without the detail). */
export interface VenueHeadline extends VenueFigures {
  /** Derivatives venues: unrealised P&L of its positions (USD; what a withdrawal from it may not take out). */
  readonly unrealisedPnl?: number;
}

/** The unified profile's extra figures in an account's margin summary (its headline is the summary's own). */
export interface UnifiedHeadline {
  readonly preset: string;
  readonly status: MarginStatus;
  readonly pooledInitialMargin: number;
  readonly pooledMaintenanceMargin: number;
  readonly charges: UnifiedProfile["charges"];
  readonly sumOfVenues: UnifiedProfile["sumOfVenues"];
}

const RANK: Readonly<Record<MarginStatus, number>> = { healthy: 0, margin_call: 1, liquidation: 2, bankrupt: 3 };

/** A ledger as the venue of a `dpm venues` book (amounts as float64, as `toPortfolio` converts them). */
function bookVenue(l: VenueLedger): Venue {
  const rec = (m: ReadonlyMap<string, bigint>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, u] of m) if (u !== 0n) out[k] = unitsToNumber(u);
    return out;
  };
  return l.kind === "lending"
    ? { kind: "lending", name: l.name, preset: l.preset, supplied: rec(l.balances), borrowed: rec(l.debts) }
    : { kind: "derivatives", name: l.name, preset: l.preset, collateral: rec(l.balances) };
}

/** The account as the multi-venue book `dpm venues` reads (venues in their order, positions venue by venue, resting orders). */
export function venueBookOf(a: AccountState): VenueBook {
  const venues: Venue[] = [], positions: VenuePosition[] = [], openOrders: VenueOrder[] = [];
  for (const l of a.venues?.values() ?? []) {
    venues.push(bookVenue(l));
    for (const [n, p] of l.positions) positions.push(corePosition(n, p, l.name) as VenuePosition);
  }
  for (const o of openOrdersOf(a)) if (o.venue !== undefined) openOrders.push(o as VenueOrder);
  return { account: a.id, venues, positions, openOrders };
}

/** The `dpm venues` environment on the engine's live market: each preset's risk context built on it (per-underlying times). */
export function engineVenueEnv(m: MarketState): VenueEnv {
  const base = venueEnv(snapshotOf(m), defaultVenuesParams(), loadPreset, loadLendingPreset);
  const ctxs = new Map<string, RiskContext>();
  return {
    ...base,
    ctx(preset) {
      let c = ctxs.get(preset);
      if (!c) ctxs.set(preset, (c = new IncrementalRiskContext(m, loadPreset(preset)).context()));
      return c;
    },
  };
}

/** `dpm venues` on the account now: its book, the environment, every venue's row and the unified profile. */
export interface VenueReport {
  readonly book: VenueBook;
  readonly env: VenueEnv;
  readonly rows: readonly VenueRow[];
  readonly unified: UnifiedProfile;
}

/** The venue rows and unified profile of a multi-venue account on the live market (`contributions`: per-position contributions, as the CLI). */
export function venueReport(s: EngineState, a: AccountState, contributions = false): Parsed<VenueReport> {
  if (!s.market) return { ok: false, reason: "no market" };
  const book = venueBookOf(a), env = engineVenueEnv(s.market);
  const rows = venueRows(env, book, { contributions });
  if (!rows.ok) return rows;
  const unified = unifiedProfile(env, book, rows.value);
  if (!unified.ok) return unified;
  return { ok: true, value: { book, env, rows: rows.value, unified: unified.value } };
}

/** Per underlying: the positions' Greeks over every derivatives venue, then the pooled balances (`dpm greeks` of the pooled account). */
function greeksOf(r: VenueReport, m: MarketState, a: AccountState): Record<string, GreeksByUnderlying> {
  const g: Record<string, GreeksByUnderlying> = {};
  for (const row of r.rows) {
    if (!row.result) continue;
    const held = r.book.positions.filter((p) => p.venue === row.venue);
    row.result.positions.forEach((rep, i) => {
      const inst = held[i].instrument, u = inst.underlying, idx = m.assets[u]?.index ?? 0;
      const e = (g[u] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0, collateralDelta: 0 });
      e.delta += rep.delta; e.gamma += rep.gamma; e.vega += rep.vega; e.theta += rep.theta;
      e.grossNotionalUsd += inst.settlement === "inverse" && inst.kind !== "option" && inst.kind !== "spot" ? Math.abs(rep.size) : Math.abs(rep.size) * idx;
      e.netDeltaUsd += rep.delta * idx;
    });
  }
  addCollateralGreeks(g, pooledVenuePortfolio(a, []).collateral, m, r.env.ctx(r.env.params.unifiedPreset).params);
  return g;
}

/** Unrealised P&L of one venue's positions: futures against their entry, options against the premium paid (as accountMargin counts it). */
function venueUnrealised(r: VenueReport, a: AccountState, row: VenueRow): number {
  const l = a.venues?.get(row.venue), res = row.result;
  if (!res || !l) return 0;
  const ctx = r.env.ctx(row.preset), held = r.book.positions.filter((x) => x.venue === row.venue);
  let u = 0, i = 0;
  for (const p of l.positions.values()) {
    const rep = res.positions[i], inst = held[i].instrument;
    i++;
    if (inst.kind === "future" || inst.kind === "perpetual") u += rep.value;
    else if (inst.kind === "option" && p.entryPrice !== undefined) u += rep.value - rep.size * p.entryPrice * ((inst.settlement === "inverse" ? ctx.usdIndex(inst.underlying) : ctx.usdIndex(inst.quote)) ?? 0);
  }
  return u;
}

const headline = (r: VenueReport, a: AccountState, row: VenueRow): VenueHeadline => ({
  venue: row.venue, preset: row.preset, kind: row.kind, equity: row.equity, adjustedEquity: row.adjustedEquity, initialMargin: row.initialMargin,
  maintenanceMargin: row.maintenanceMargin, availableFunds: row.availableFunds, marginRatio: row.marginRatio, status: row.status,
  ...(row.kind === "lending" ? { healthFactor: row.healthFactor ?? null } : { unrealisedPnl: venueUnrealised(r, a, row) }),
});

/** The margin summary of a multi-venue account (see the file comment); an error summary when a venue cannot be margined. */
export function venueAccountMargin(s: EngineState, a: AccountState): AccountMarginDetail {
  const r = s.market ? venueReport(s, a) : { ok: false as const, reason: "no market" };
  if (!r.ok || !s.market) return { summary: errorSummary(a, s.seq, r.ok ? "no market" : r.reason), result: undefined, concentration: [] };
  const u = r.value.unified, venues = r.value.rows.map((row) => headline(r.value, a, row));
  let status = u.status, statusVenue: string | undefined;
  for (const v of venues) if (RANK[v.status] > RANK[status]) { status = v.status; statusVenue = v.venue; }
  const summary: { -readonly [K in keyof AccountMargin]: AccountMargin[K] } = {
    account: a.id, owner: a.owner, seq: s.seq, equity: u.equity, adjustedEquity: u.adjustedEquity, initialMargin: u.initialMargin, maintenanceMargin: u.maintenanceMargin,
    availableFunds: u.availableFunds, marginRatio: u.marginRatio, status, concentrationAddOn: 0, stableAddOn: 0,
    unrealisedPnl: venues.reduce((x, v) => x + (v.unrealisedPnl ?? 0), 0), greeks: greeksOf(r.value, s.market, a), venues,
    unified: { preset: u.preset, status: u.status, pooledInitialMargin: u.pooledInitialMargin, pooledMaintenanceMargin: u.pooledMaintenanceMargin, charges: u.charges, sumOfVenues: u.sumOfVenues },
  };
  if (statusVenue !== undefined) summary.statusVenue = statusVenue;
  if (status === "liquidation" || status === "bankrupt") summary.liquidationHold = MULTI_VENUE_HOLD;
  return { summary, result: undefined, concentration: [] };
}

/**
 * The account as a `dpm venues` book file (docs/venues.md "The book"): what `dpm venues BOOK --market M` reads to
 * reproduce the service's figures on the same market (amounts as float64, as the engine margins them; futures
 * and perpetuals with their entry price).
 */
export function venueBookJson(a: AccountState): unknown {
  const b = venueBookOf(a);
  const venues = Object.fromEntries(b.venues.map((v) => [v.name, v.kind === "lending" ? { preset: v.preset, supplied: v.supplied, borrowed: v.borrowed } : { preset: v.preset, collateral: v.collateral }]));
  const positions = b.positions.map((p) => ({ venue: p.venue, instrument: p.instrument.name, size: p.size, ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) }));
  const openOrders = b.openOrders.map((o) => ({ venue: o.venue, instrument: o.instrument.name, size: o.size, ...(o.price !== undefined ? { price: o.price } : {}) }));
  return { account: a.id, venues, positions, ...(openOrders.length > 0 ? { openOrders } : {}) };
}

/**
 * `dpm venues --json` on the live account (GET /v1/accounts/:id/venues): the venue rows, the unified profile and the
 * allocation to MM usage ≤ `target` (default: the venue parameters' 0.75), plus the book it was computed on
 * (`book`, a file `dpm venues` reads) and the state's sequence number.
 */
export function venuesView(s: EngineState, a: AccountState, target?: number): Parsed<Record<string, unknown>> {
  const r = venueReport(s, a, true);
  if (!r.ok || !s.market) return r.ok ? { ok: false, reason: "no market" } : r;
  const { env, book, rows, unified } = r.value;
  const { venues: _v, ...allocation } = allocateBook(env, book, target ?? env.params.defaultTarget).result;
  const venues = rows.map(({ result: _r, lending, ...x }) => ({ ...x, ...(lending ? { lending } : {}) }));
  return { ok: true, value: { account: a.id, currency: "USD", asOf: new Date(latestAsOf(s.market)).toISOString(), seq: s.seq, venues, unified, allocation, book: venueBookJson(a) } };
}
