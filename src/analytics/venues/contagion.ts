/**
 * Contagion stress on a multi-venue book (docs/venues.md). Each scenario changes the market and/or the venues,
 * re-margins every venue under its own method and the book under the unified profile, lets the allocation move
 * what collateral it can (never out of a defaulted or halted venue), and says what survives:
 *
 * - venueDefault: the venue's positions are frozen out of the desk (their hedges vanish), its equity at default
 *   comes back at `recovery` (a USD claim), then `moves` hit the market;
 * - withdrawalHalt: the venue keeps trading but cannot send collateral for `days`; `moves` hit the market;
 * - depeg: a bridged or wrapped asset trades at `ratio` of its underlying (WBTC at 0.85 BTC);
 * - liquidityCrisis: correlations → 1: every non-stable asset moves together by ±move (the worse sign for the
 *   desk), vols × (1 + volShock), and venues that still liquidate pay the cost of closing their positions under
 *   the liquidation cost model with spreads × costMultiplier and depth ÷ costMultiplier.
 * Futures and perpetuals without an entry price are pinned at today's forward first, so moves show as P&L. Pure.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { VenueBook, VenuePosition } from "../../domain/venueBook.js";
import { DEFAULT_COST_MODEL, execute, liquidityOf, type CostModelParams } from "../../liquidation/costModel.js";
import { resolveInstrument } from "../../market/resolve.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import type { MarginStatus } from "../../margin/result.js";
import { shockMarket, type StressScenario } from "../stress.js";
import type { AllocationResult } from "./allocation.js";
import { allocateBook } from "./bookAllocation.js";
import { venueRows, type VenueEnv, type VenueRow } from "./profile.js";
import type { ContagionScenario } from "./types.js";
import { unifiedProfile, type UnifiedProfile } from "./unified.js";

export interface ContagionVenue {
  readonly venue: string;
  /** Status as the scenario hits, and after the allocation moved what it could. */
  readonly status: MarginStatus | "defaulted";
  readonly statusAfterReallocation: MarginStatus | "defaulted";
  readonly equityBefore: number;
  readonly equity: number;
  readonly marginRatio: number | null;
  readonly marginRatioAfterReallocation: number | null;
  /** Liquidity crisis: cost of closing the venue's positions when it still liquidates (USD). */
  readonly liquidationCost: number;
}

export interface ContagionResult {
  readonly scenario: string;
  readonly kind: ContagionScenario["kind"];
  readonly detail: string;
  readonly venues: readonly ContagionVenue[];
  readonly unified: Pick<UnifiedProfile, "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "marginRatio" | "status">;
  readonly allocation: Pick<AllocationResult, "transfers" | "shortfall" | "feasible">;
  readonly liquidatedAnywhere: boolean;
  readonly liquidated: readonly string[];
}

const bad = (s: MarginStatus | "defaulted"): boolean => s === "liquidation" || s === "bankrupt";

function pin(market: MarketSnapshot, book: VenueBook): VenueBook {
  const positions: VenuePosition[] = book.positions.map((p) => {
    const k = p.instrument.kind;
    if ((k !== "future" && k !== "perpetual") || p.entryPrice !== undefined) return p;
    const r = resolveInstrument(market, p.instrument);
    return r.ok ? { ...p, entryPrice: r.value.forward } : p;
  });
  return { ...book, positions };
}

/** Moves of underlyings carried to the lending reserves that track them (BTC → WBTC) unless named. */
function withReserves(env: VenueEnv, book: VenueBook, moves: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...moves };
  for (const v of book.venues) {
    if (v.kind !== "lending") continue;
    for (const [a, r] of Object.entries(env.lending(v.preset).reserves)) if (out[a] === undefined && moves[r.underlying] !== undefined) out[a] = moves[r.underlying];
  }
  return out;
}

function shocked(env: VenueEnv, book: VenueBook, sc: StressScenario): VenueEnv {
  const isStable = env.ctx(env.params.unifiedPreset).isStable;
  return env.withMarket(shockMarket(env.market, { ...sc, moves: withReserves(env, book, sc.moves) }, isStable));
}

function crisisCosts(env: VenueEnv, book: VenueBook, k: number): Map<string, number> {
  const kinds: CostModelParams["kinds"] = Object.fromEntries(Object.entries(DEFAULT_COST_MODEL.kinds).map(([kind, c]) => [kind, { halfSpread: c.halfSpread * k, depth: c.depth.map((d) => ({ notionalUsd: d.notionalUsd / k, impact: d.impact })) }]));
  const model: CostModelParams = { ...DEFAULT_COST_MODEL, kinds };
  const out = new Map<string, number>();
  for (const p of book.positions) {
    const r = resolveInstrument(env.market, p.instrument);
    if (!r.ok) continue;
    const mark = p.instrument.kind === "option" ? 0 : r.value.forward;
    out.set(p.venue, (out.get(p.venue) ?? 0) + execute(liquidityOf(model, p.instrument), r.value, mark, -p.size).costUsd);
  }
  return out;
}

interface Hit { readonly env: VenueEnv; readonly book: VenueBook; readonly claim: number; readonly frozen: Set<string>; readonly defaulted?: string; readonly detail: string }

function hit(env: VenueEnv, book: VenueBook, before: readonly VenueRow[], sc: ContagionScenario, sign = 1): Hit {
  switch (sc.kind) {
    case "venueDefault": {
      const claim = sc.recovery * Math.max(0, before.find((r) => r.venue === sc.venue)?.equity ?? 0);
      const rest: VenueBook = { ...book, venues: book.venues.filter((v) => v.name !== sc.venue), positions: book.positions.filter((p) => p.venue !== sc.venue), openOrders: book.openOrders.filter((o) => o.venue !== sc.venue) };
      return { env: shocked(env, book, { name: sc.name, moves: sc.moves }), book: rest, claim, frozen: new Set(), defaulted: sc.venue, detail: `${sc.venue} defaults: positions frozen, equity recovered at ${sc.recovery * 100}% (${claim.toFixed(2)} USD claim)` };
    }
    case "withdrawalHalt":
      return { env: shocked(env, book, { name: sc.name, moves: sc.moves }), book, claim: 0, frozen: new Set([sc.venue]), detail: `${sc.venue} halts withdrawals for ${sc.days} days` };
    case "depeg": {
      const res = book.venues.flatMap((v) => (v.kind === "lending" ? [env.lending(v.preset).reserves[sc.asset]] : [])).find((r) => r !== undefined);
      const u = res?.underlying ?? sc.asset;
      const base = env.market.assets[u]?.index ?? env.market.assets[sc.asset]?.index ?? 0;
      const e = shocked(env, book, { name: sc.name, moves: sc.moves });
      const uAfter = e.market.assets[u]?.index ?? base;
      const assets = { ...e.market.assets, [sc.asset]: { ...(e.market.assets[sc.asset] ?? { index: uAfter }), index: uAfter * sc.ratio } };
      return { env: e.withMarket({ ...e.market, assets }), book, claim: 0, frozen: new Set(), detail: `${sc.asset} at ${sc.ratio} × ${u}` };
    }
    case "liquidityCrisis": {
      const isStable = env.ctx(env.params.unifiedPreset).isStable;
      const moves: Record<string, number> = {};
      for (const a of Object.keys(env.market.assets)) if (!isStable(a)) moves[a] = sign * sc.move;
      return { env: env.withMarket(shockMarket(env.market, { name: sc.name, moves, volShock: sc.volShock }, isStable)), book, claim: 0, frozen: new Set(), detail: `all assets ${sign > 0 ? "+" : "-"}${sc.move * 100}% together, vols ×${1 + sc.volShock}, liquidation costs ×${sc.costMultiplier}` };
    }
  }
}

function evaluate(env: VenueEnv, book: VenueBook, before: readonly VenueRow[], sc: ContagionScenario, target: number, sign = 1): Parsed<ContagionResult> {
  const h = hit(env, book, before, sc, sign);
  const rows = venueRows(h.env, h.book, { contributions: false });
  if (!rows.ok) return { ok: false, reason: `${sc.name}: ${rows.reason}` };
  const uni = unifiedProfile(h.env, h.book, rows.value, h.claim > 0 ? { USD: h.claim } : {});
  if (!uni.ok) return { ok: false, reason: `${sc.name}: ${uni.reason}` };
  const { result: alloc, after } = allocateBook(h.env, h.book, target, h.frozen);
  const rowsAfter = venueRows(h.env, after, { contributions: false });
  if (!rowsAfter.ok) return { ok: false, reason: `${sc.name}: ${rowsAfter.reason}` };
  const costs = sc.kind === "liquidityCrisis" ? crisisCosts(h.env, h.book, sc.costMultiplier) : new Map<string, number>();
  const venues: ContagionVenue[] = before.map((b) => {
    if (b.venue === h.defaulted) return { venue: b.venue, status: "defaulted", statusAfterReallocation: "defaulted", equityBefore: b.equity, equity: h.claim, marginRatio: null, marginRatioAfterReallocation: null, liquidationCost: 0 };
    const r = rows.value.find((x) => x.venue === b.venue), a = rowsAfter.value.find((x) => x.venue === b.venue);
    const cost = a && bad(a.status) ? costs.get(b.venue) ?? 0 : 0;
    return {
      venue: b.venue, status: r?.status ?? "bankrupt", statusAfterReallocation: a?.status ?? "bankrupt", equityBefore: b.equity, equity: (r?.equity ?? 0) - cost,
      marginRatio: r?.marginRatio ?? null, marginRatioAfterReallocation: a?.marginRatio ?? null, liquidationCost: cost,
    };
  });
  const liquidated = venues.filter((v) => bad(v.statusAfterReallocation)).map((v) => v.venue);
  const u = uni.value;
  return {
    ok: true,
    value: {
      scenario: sc.name, kind: sc.kind, detail: h.detail, venues,
      unified: { equity: u.equity, adjustedEquity: u.adjustedEquity, initialMargin: u.initialMargin, maintenanceMargin: u.maintenanceMargin, marginRatio: u.marginRatio, status: u.status },
      allocation: { transfers: alloc.transfers, shortfall: alloc.shortfall, feasible: alloc.feasible }, liquidatedAnywhere: liquidated.length > 0, liquidated,
    },
  };
}

/** Run one contagion scenario (the liquidity crisis takes the worse of its two signs for the desk). */
export function runContagion(env: VenueEnv, book: VenueBook, before: readonly VenueRow[], sc: ContagionScenario, target: number): Parsed<ContagionResult> {
  const pinned = pin(env.market, book);
  if (sc.kind !== "liquidityCrisis") return evaluate(env, pinned, before, sc, target);
  const down = evaluate(env, pinned, before, sc, target, -1), up = evaluate(env, pinned, before, sc, target, 1);
  if (!down.ok || !up.ok) return down.ok ? up : down;
  const score = (r: ContagionResult) => r.liquidated.length * 1e15 - r.venues.reduce((a, v) => a + v.equity, 0);
  return score(up.value) > score(down.value) ? up : down;
}
