/**
 * Distance to liquidation of one account, per underlying: the smallest move of that underlying's index alone
 * (down and up; every other asset, every implied vol and the valuation times fixed) after which the account
 * is in liquidation, i.e. adjusted equity < maintenance margin (+ the engine's concentration MM add-on, held at
 * its current amount) or equity < 0. The same test as `dpm stress --reverse` with the direction {U: −1} or
 * {U: +1} (src/analytics/reverseStress.ts), run on the engine's live market and risk context.
 *
 * A move m re-values the account as a tick would: the index × (1 + m), the marks of the underlying's futures,
 * perpetuals and spot × (1 + m) (their basis ratio kept), options re-priced from their implied vols, the scenario
 * grid re-centred on the moved index (so MM moves too). Only the risk vectors of instruments on (or quoted in) the
 * moved underlying are recomputed; the others are the live context's.
 *
 * Search: moves scanned at 2.5 % steps to 30 %, then 5 % steps, down to −95 % and up to +100 % (at most 25 and 26
 * margin computations), the first crossing bisected to 0.01 % (8 or 9 more). A liquidation window narrower than the
 * scan step between two scanned moves can be missed. null: no liquidation within the range. Pure given its inputs.
 * Cost on the example books: 2-6 ms per underlying (one margin computation is 80-240 µs there).
 */
import type { Instrument, Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { marginWith } from "../margin/computeMargin.js";
import type { RiskContext } from "../margin/riskContext.js";
import { resolveInstrument } from "../market/resolve.js";
import { instrumentRisk, type InstrumentRisk } from "../risk/instrumentRisk.js";
import { factorAssets } from "../analytics/revalue.js";
import { instrumentNamed } from "../domain/instrument.js";
import { snapshotOf, viewFor, type MarketState } from "./marketState.js";

/** How far each way the search looks (fractions of the index). */
export const DISTANCE_RANGE = { down: 0.95, up: 1 } as const;
/** Bisection tolerance of a crossing (fraction of the index). */
export const DISTANCE_TOLERANCE = 1e-4;

/** The moves that take the account to liquidation on one underlying (fractions: down < 0, up > 0; null: none in range). */
export interface UnderlyingDistance {
  readonly down: number | null;
  readonly up: number | null;
  /** The index now (USD). */
  readonly index: number;
}

/** Distances of one account: per underlying, the nearest of all, and what the search cost. */
export interface LiquidationDistance {
  readonly byUnderlying: Readonly<Record<string, UnderlyingDistance>>;
  /** The smallest |move| over underlyings and directions (0 when already in liquidation), or null. */
  readonly nearest: { readonly underlying: string; readonly move: number } | null;
  /** Margin computations the search ran (its cost). */
  readonly probes: number;
}

/** Scan points 0 < t ≤ limit: 2.5 % steps to 30 %, 5 % steps beyond. */
export function scanMoves(limit: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= 12; i++) out.push(i / 40);
  for (let i = 7; i <= 40; i++) out.push(i / 20);
  const cut = out.filter((t) => t < limit - 1e-12);
  cut.push(limit);
  return cut;
}

/** Does an asset's move change this instrument's risk vector (its underlying, or the quote of a linear derivative)? */
function movesWith(inst: Instrument, u: string): boolean {
  return inst.underlying === u || (inst.settlement === "linear" && inst.kind !== "spot" && inst.quote === u);
}

/** The live market with `u`'s index and its futures', perpetuals' and spot marks × k. */
export function shockedMarket(m: MarketState, u: string, k: number, delta1: readonly string[]): MarketState {
  const a = m.assets[u];
  const instruments = { ...m.instruments };
  for (const n of delta1) {
    const x = m.instruments[n];
    if (x?.mark !== undefined) instruments[n] = { ...x, mark: x.mark * k };
  }
  return { ...m, assets: { ...m.assets, [u]: { ...a, index: a.index * k } }, instruments };
}

/** A risk context on the shocked market: vectors of instruments moving with `u` recomputed, the rest the base's. */
function shockedContext(base: RiskContext, market: MarketState, u: string): RiskContext {
  const own = new Map<string, Parsed<InstrumentRisk>>();
  const risk = (inst: Instrument): Parsed<InstrumentRisk> => {
    if (!movesWith(inst, u)) return base.risk(inst);
    let r = own.get(inst.name);
    if (!r) {
      const res = resolveInstrument(viewFor(market, inst.underlying), inst);
      r = res.ok ? { ok: true, value: instrumentRisk(res.value, base.grid(inst.underlying), base.numeraire) } : res;
      own.set(inst.name, r);
    }
    return r;
  };
  return {
    market: snapshotOf(market), params: base.params, numeraire: base.numeraire, grid: (x) => base.grid(x), risk,
    usdIndex: (a) => (a === "USD" ? 1 : market.assets[a]?.index), isStable: (a) => base.isStable(a), computedVectors: base.computedVectors,
  };
}

/** Names of the market's futures, perpetuals and spot instruments on `u` (the marks a move carries along). */
function deltaOneOn(m: MarketState, u: string): string[] {
  const out: string[] = [];
  for (const [name, x] of Object.entries(m.instruments)) {
    if (x.mark === undefined) continue;
    const i = instrumentNamed(name);
    if (i && i.underlying === u && i.kind !== "option") out.push(name);
  }
  return out;
}

/** The first t in the scan where `liquidated(sign × t)`, bisected; null when none; 0 when already liquidated. Yields after each probe. */
function* searchSide(liquidated: (m: number) => Parsed<boolean>, sign: 1 | -1, limit: number): Steps<Parsed<number | null>> {
  let prev = 0;
  for (const t of scanMoves(limit)) {
    const p = liquidated(sign * t);
    yield;
    if (!p.ok) return p;
    if (p.value) {
      let lo = prev, hi = t;
      while (hi - lo > DISTANCE_TOLERANCE) {
        const mid = (lo + hi) / 2;
        const q = liquidated(sign * mid);
        yield;
        if (!q.ok) return q;
        if (q.value) hi = mid; else lo = mid;
      }
      return { ok: true, value: sign * hi };
    }
    prev = t;
  }
  return { ok: true, value: null };
}

/** A computation in steps: it yields after each unit of work (one margin computation) and returns its result. */
export type Steps<T> = Generator<void, T, void>;

/** Run a stepped computation to its end, at once. */
export function runSteps<T>(g: Steps<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/**
 * Distance to liquidation of an account (definition above). `base` is the live risk context of `market`;
 * `mmAddOn` is MM outside the core result (the engine's concentration add-on × mmFactor), held fixed;
 * `underlyings` restricts the search (default: every non-stable asset the account holds or trades).
 */
export function liquidationDistance(market: MarketState, base: RiskContext, pf: Portfolio, mmAddOn = 0, underlyings?: readonly string[]): Parsed<LiquidationDistance> {
  return runSteps(liquidationDistanceSteps(market, base, pf, mmAddOn, underlyings));
}

/**
 * `liquidationDistance` in steps: it yields after every margin computation (80-240 µs each), so a caller can spread
 * the search over several turns of the event loop. The inputs must not change while it runs (the caller stops
 * driving it when the market or the account moved).
 */
export function* liquidationDistanceSteps(market: MarketState, base: RiskContext, pf: Portfolio, mmAddOn = 0, underlyings?: readonly string[]): Steps<Parsed<LiquidationDistance>> {
  let probes = 0;
  const isIn = (ctx: RiskContext): Parsed<boolean> => {
    probes++;
    const r = marginWith(ctx, pf, "portfolio", { contributions: false });
    if (!r.ok) return r;
    return { ok: true, value: r.value.adjustedEquity < r.value.maintenanceMargin + mmAddOn || r.value.equity < 0 };
  };
  const now = isIn(base);
  yield;
  if (!now.ok) return now;
  const factors = (underlyings ?? factorAssets(pf, (a) => base.isStable(a))).filter((u) => market.assets[u] !== undefined);
  const byUnderlying: Record<string, UnderlyingDistance> = {};
  let nearest: LiquidationDistance["nearest"] = null;
  for (const u of factors) {
    const index = market.assets[u].index;
    let d: UnderlyingDistance;
    if (now.value) d = { down: 0, up: 0, index };
    else {
      const delta1 = deltaOneOn(market, u);
      const liquidated = (m: number): Parsed<boolean> => isIn(shockedContext(base, shockedMarket(market, u, 1 + m, delta1), u));
      const down = yield* searchSide(liquidated, -1, DISTANCE_RANGE.down);
      if (!down.ok) return { ok: false, reason: `${u} down: ${down.reason}` };
      const up = yield* searchSide(liquidated, 1, DISTANCE_RANGE.up);
      if (!up.ok) return { ok: false, reason: `${u} up: ${up.reason}` };
      d = { down: down.value, up: up.value, index };
    }
    byUnderlying[u] = d;
    for (const m of [d.down, d.up]) if (m !== null && (nearest === null || Math.abs(m) < Math.abs(nearest.move))) nearest = { underlying: u, move: m };
  }
  return { ok: true, value: { byUnderlying, nearest, probes } };
}
