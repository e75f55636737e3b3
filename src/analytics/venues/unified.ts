/**
 * The unified profile: one portfolio margin over every position and every balance of the book (the pooled
 * account, margined under `unifiedPreset`), plus explicit charges for what netting across venues carries:
 *
 *   hedged_u   = min(Σ long deltas, Σ |short deltas|) of underlying u across venues (coins): the delta that
 *                offsets only because positions on different venues are counted together;
 *   basis      = Σ_u hedged_u × index_u × basisShock_u              (venues' marks can part);
 *   transfer   = Σ_u hedged_u × index_u × priceRange_u × √(t_u / horizonDays)
 *                (until collateral moved from the winning venue arrives, t_u days, the losing leg stands alone);
 *   default    = venueDefaultAddOn × max(0, Σ_v IM_unified(venue v alone) − IM_pooled)
 *                (the margin netting saves depends on the other venues staying solvent).
 *
 * IM = pooled IM + charges; MM = pooled MM + mmFactor × charges. USD. Pure.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { Position } from "../../domain/portfolio.js";
import { pooledPortfolio, venuePortfolio, type VenueBook } from "../../domain/venueBook.js";
import { marginWith } from "../../margin/computeMargin.js";
import { forAsset } from "../../margin/params.js";
import { marginRatio, marginStatus, type MarginHeadline, type MarginResult } from "../../margin/result.js";
import { spotInstrument } from "../../margin/riskContext.js";
import type { VenueEnv, VenueRow } from "./profile.js";
import { routeBetween } from "./routes.js";

/** Cross-venue offset of one underlying. */
export interface HedgedExposure {
  readonly underlying: string;
  /** Coins of delta that offset across venues. */
  readonly hedged: number;
  readonly hedgedUsd: number;
  /** Days for collateral to move between the offsetting venues (slowest pair, fastest route). */
  readonly transferDays: number;
  readonly basis: number;
  readonly transferTime: number;
}

export interface UnifiedProfile extends MarginHeadline {
  readonly preset: string;
  /** The pooled account's own margin, before the cross-venue charges. */
  readonly pooledInitialMargin: number;
  readonly pooledMaintenanceMargin: number;
  readonly charges: { readonly basis: number; readonly transferTime: number; readonly venueDefault: number };
  readonly hedged: readonly HedgedExposure[];
  /** Σ of the venues' own margins, for comparison. */
  readonly sumOfVenues: { readonly initialMargin: number; readonly maintenanceMargin: number };
  /** Σ_v IM of each derivatives venue alone under the unified preset (what netting is measured against). */
  readonly standaloneInitialMargin: number;
}

/** Net delta (coins) per underlying of each venue: positions' deltas plus non-stable balances (wrapped reserves count as their underlying). */
export function venueDeltas(env: VenueEnv, book: VenueBook, rows: readonly VenueRow[]): Map<string, Map<string, number>> {
  const isStable = env.ctx(env.params.unifiedPreset).isStable;
  const out = new Map<string, Map<string, number>>();
  const add = (venue: string, u: string, d: number) => {
    if (d === 0 || isStable(u)) return;
    let m = out.get(venue);
    if (!m) out.set(venue, (m = new Map()));
    m.set(u, (m.get(u) ?? 0) + d);
  };
  for (const row of rows) {
    const v = book.venues.find((x) => x.name === row.venue);
    if (!v) continue;
    if (v.kind === "lending") {
      const res = env.lending(v.preset).reserves;
      for (const [a, x] of Object.entries(v.supplied)) add(v.name, res[a]?.underlying ?? a, x);
      for (const [a, x] of Object.entries(v.borrowed)) add(v.name, res[a]?.underlying ?? a, -x);
      continue;
    }
    const pf = venuePortfolio(book, v);
    row.result?.positions.forEach((p, i) => add(v.name, pf.positions[i].instrument.underlying, p.delta));
    for (const [a, x] of Object.entries(v.collateral)) add(v.name, a, x);
  }
  return out;
}

function hedgedExposures(env: VenueEnv, deltas: Map<string, Map<string, number>>): HedgedExposure[] {
  const unis = new Set<string>();
  for (const m of deltas.values()) for (const u of m.keys()) unis.add(u);
  const p = env.params, grid = env.ctx(p.unifiedPreset).params.portfolio.underlyings;
  const out: HedgedExposure[] = [];
  for (const u of [...unis].sort()) {
    const longs: string[] = [], shorts: string[] = [];
    let L = 0, S = 0;
    for (const [v, m] of deltas) {
      const d = m.get(u) ?? 0;
      if (d > 0) { L += d; longs.push(v); } else if (d < 0) { S -= d; shorts.push(v); }
    }
    const hedged = Math.min(L, S);
    if (!(hedged > 0)) continue;
    let hours = 0;
    for (const a of longs) for (const b of shorts) hours = Math.max(hours, Math.min(routeBetween(p, a, b)?.hours ?? p.noRouteHours, routeBetween(p, b, a)?.hours ?? p.noRouteHours));
    const idx = env.market.assets[u]?.index ?? 0;
    const hedgedUsd = hedged * idx, days = hours / 24;
    out.push({
      underlying: u, hedged, hedgedUsd, transferDays: days, basis: hedgedUsd * forAsset(p.basisShock, u),
      transferTime: hedgedUsd * forAsset(grid, u).priceRange * Math.sqrt(days / p.horizonDays),
    });
  }
  return out;
}

/** Lending reserves as their underlying (WETH → ETH, WBTC → BTC; amount × own index / underlying index): one risk unit per underlying. */
function asUnderlying(env: VenueEnv, book: VenueBook): VenueBook {
  const rename = (preset: string, b: Readonly<Record<string, number>>) => {
    const res = env.lending(preset).reserves, out: Record<string, number> = {}, idx = (a: string) => env.market.assets[a]?.index;
    for (const [a, x] of Object.entries(b)) {
      const u = res[a]?.underlying ?? a, pa = idx(a), pu = idx(u);
      out[u] = (out[u] ?? 0) + (pa !== undefined && pu !== undefined && pu > 0 ? (x * pa) / pu : x);
    }
    return out;
  };
  return { ...book, venues: book.venues.map((v) => (v.kind === "lending" ? { ...v, supplied: rename(v.preset, v.supplied), borrowed: rename(v.preset, v.borrowed) } : v)) };
}

/**
 * The pooled account: every balance in one pool (lending reserves counted as their underlying, in the amount of it
 * their own index is worth, so a depeg shows),
 * what is still owed after netting as short spot positions.
 */
export function unifiedPortfolio(env: VenueEnv, book: VenueBook, extraCollateral: Readonly<Record<string, number>> = {}) {
  const { portfolio, debts } = pooledPortfolio(asUnderlying(env, book), extraCollateral);
  const shorts: Position[] = Object.entries(debts).map(([a, x]) => ({ instrument: spotInstrument(a), size: -x }));
  return { ...portfolio, positions: [...portfolio.positions, ...shorts] };
}

/** The unified profile of a book given its venues' own rows. */
export function unifiedProfile(env: VenueEnv, book: VenueBook, rows: readonly VenueRow[], extraCollateral: Readonly<Record<string, number>> = {}): Parsed<UnifiedProfile> {
  const p = env.params, ctx = env.ctx(p.unifiedPreset);
  const pooled = marginWith(ctx, unifiedPortfolio(env, book, extraCollateral), "portfolio", { contributions: false });
  if (!pooled.ok) return { ok: false, reason: `unified profile (${p.unifiedPreset}): ${pooled.reason}` };
  const r: MarginResult = pooled.value;
  let standalone = 0;
  for (const v of book.venues) {
    if (v.kind !== "derivatives") continue;
    const s = marginWith(ctx, venuePortfolio(book, v), "portfolio", { contributions: false });
    if (!s.ok) return { ok: false, reason: `unified profile, venue ${v.name} alone: ${s.reason}` };
    standalone += s.value.initialMargin;
  }
  const hedged = hedgedExposures(env, venueDeltas(env, book, rows));
  const basis = hedged.reduce((a, h) => a + h.basis, 0), transferTime = hedged.reduce((a, h) => a + h.transferTime, 0);
  const venueDefault = p.venueDefaultAddOn * Math.max(0, standalone - r.initialMargin);
  const charges = basis + transferTime + venueDefault;
  const im = r.initialMargin + charges, mm = r.maintenanceMargin + ctx.params.portfolio.mmFactor * charges;
  return {
    ok: true,
    value: {
      preset: p.unifiedPreset, initialMargin: im, maintenanceMargin: mm, equity: r.equity, adjustedEquity: r.adjustedEquity,
      availableFunds: r.adjustedEquity - im, marginRatio: marginRatio(mm, r.adjustedEquity), status: marginStatus(r.equity, r.adjustedEquity, im, mm),
      pooledInitialMargin: r.initialMargin, pooledMaintenanceMargin: r.maintenanceMargin, charges: { basis, transferTime, venueDefault }, hedged,
      sumOfVenues: { initialMargin: rows.reduce((a, x) => a + x.initialMargin, 0), maintenanceMargin: rows.reduce((a, x) => a + x.maintenanceMargin, 0) },
      standaloneInitialMargin: standalone,
    },
  };
}
