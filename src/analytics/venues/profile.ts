/**
 * Per-venue margins of a multi-venue book (each venue under its own method with only its own collateral) and
 * the shared environment the unified profile, the allocation and the contagion scenarios use. Pure.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { Venue, VenueBook } from "../../domain/venueBook.js";
import { venuePortfolio } from "../../domain/venueBook.js";
import { marginWith, prepareContext } from "../../margin/computeMargin.js";
import { lendingMargin, type AaveParams, type LendingMargin } from "../../margin/lending/aave.js";
import type { MarginParams } from "../../margin/params.js";
import type { MarginHeadline, MarginResult } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { VenuesParams } from "./types.js";

/** What the analytics need besides the book: the market, presets by name and the venue parameters. */
export interface VenueEnv {
  readonly market: MarketSnapshot;
  readonly params: VenuesParams;
  /** Risk context (USD) of a margin preset on this market, memoised. */
  ctx(preset: string): RiskContext;
  lending(preset: string): AaveParams;
  /** The same presets and parameters on another market (a stress scenario). */
  withMarket(market: MarketSnapshot): VenueEnv;
}

/** Build an environment; `margin`/`lending` look presets up (already validated). */
export function venueEnv(market: MarketSnapshot, params: VenuesParams, margin: (name: string) => MarginParams, lending: (name: string) => AaveParams): VenueEnv {
  const ctxs = new Map<string, RiskContext>();
  return {
    market, params, lending,
    withMarket: (m) => venueEnv(m, params, margin, lending),
    ctx(preset) {
      let c = ctxs.get(preset);
      if (!c) {
        const p = prepareContext(market, margin(preset), "USD");
        if (!p.ok) throw new Error(`venue env: ${p.reason}`);
        ctxs.set(preset, (c = p.value));
      }
      return c;
    },
  };
}

/** A venue's headline figures (USD): `marginRatio` is MM / adjusted equity (1 / health factor for a lending venue); null when adjusted equity ≤ 0. */
export interface VenueFigures extends MarginHeadline {
  readonly venue: string;
  readonly preset: string;
  readonly kind: Venue["kind"];
  /** Lending venues: Aave's health factor (null without debt). */
  readonly healthFactor?: number | null;
}

/** One venue's margin under its own method (USD): the `venues[]` entry of `dpm venues --json`. */
export interface VenueRow extends VenueFigures {
  /** Derivatives venues: the full margin result (same as `dpm margin --preset P --json` on the venue alone). */
  readonly result?: MarginResult;
  readonly lending?: LendingMargin;
}

/** Options of a venue margin computation. */
export interface RowOptions {
  /** Compute each position's marginal contribution (slower; the allocation does not need it). */
  readonly contributions?: boolean;
}

/** Margin of one venue of the book (the venue object may carry changed balances). */
export function venueRow(env: VenueEnv, book: VenueBook, v: Venue, o: RowOptions = {}): Parsed<VenueRow> {
  if (v.kind === "lending") {
    const r = lendingMargin(env.market, env.lending(v.preset), v);
    if (!r.ok) return { ok: false, reason: `venues.${v.name}.${r.reason}` };
    const m = r.value;
    return {
      ok: true,
      value: {
        venue: v.name, preset: v.preset, kind: v.kind, initialMargin: m.initialMargin, maintenanceMargin: m.maintenanceMargin, equity: m.equity,
        adjustedEquity: m.adjustedEquity, availableFunds: m.availableFunds, marginRatio: m.marginRatio, status: m.status, healthFactor: m.healthFactor, lending: m,
      },
    };
  }
  const r = marginWith(env.ctx(v.preset), venuePortfolio(book, v), "portfolio", { contributions: o.contributions ?? true });
  if (!r.ok) return { ok: false, reason: `venue ${v.name} (${v.preset}): ${r.reason}` };
  const m = r.value;
  return {
    ok: true,
    value: {
      venue: v.name, preset: v.preset, kind: v.kind, initialMargin: m.initialMargin, maintenanceMargin: m.maintenanceMargin, equity: m.equity,
      adjustedEquity: m.adjustedEquity, availableFunds: m.availableFunds, marginRatio: m.marginRatio, status: m.status, result: m,
    },
  };
}

/** Every venue's row, in book order; the first failure is the reason. */
export function venueRows(env: VenueEnv, book: VenueBook, o: RowOptions = {}): Parsed<VenueRow[]> {
  const out: VenueRow[] = [];
  for (const v of book.venues) {
    const r = venueRow(env, book, v, o);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return { ok: true, value: out };
}
