/**
 * Stress tests (DESIGN.md section 7): a scenario moves each asset's index (and every forward and future
 * mark of that underlying) by a relative amount, scales every implied vol, shifts futures marks against
 * the index (basis) and sets stablecoin indices; the account is re-margined on the shocked market.
 * Reverse stress finds the smallest joint move that takes the account to liquidation and to bankruptcy.
 */
import type { Parsed } from "../domain/instrument.js";
import { parseInstrument } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { marginWith, prepareContext } from "../margin/computeMargin.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginModel, MarginResult, MarginStatus } from "../margin/result.js";
import type { AssetMarket, InstrumentMarket, MarketSnapshot } from "../market/snapshot.js";
import { resolveInstrument } from "../market/resolve.js";
import { factorAssets } from "./revalue.js";

/** A stress scenario (custom JSON scenarios have the same shape). */
export interface StressScenario {
  readonly name: string;
  /** Former names that still select this scenario (with a note). */
  readonly aliases?: readonly string[];
  readonly date?: string;
  readonly description?: string;
  /** Relative move of an asset's USD index (−0.37 = −37 %). */
  readonly moves: Readonly<Record<string, number>>;
  /** Move of every non-stable asset not in `moves` (absent: those assets do not move). */
  readonly defaultMove?: number;
  /** Relative change of every implied vol (0.5 → ×1.5). */
  readonly volShock?: number;
  /** Per-asset relative vol change, overriding volShock. */
  readonly volShocks?: Readonly<Record<string, number>>;
  /** Relative shift of an underlying's futures and perpetual marks against its index (−0.02 = 2 % lower basis). */
  readonly basis?: Readonly<Record<string, number>>;
  /** New USD index of a stablecoin (0.877). */
  readonly stablecoins?: Readonly<Record<string, number>>;
}

/** Result of one scenario. */
export interface StressResult {
  readonly scenario: string;
  readonly date: string | null;
  /** Move applied per risk factor of the account. */
  readonly moves: Readonly<Record<string, number>>;
  /** Account risk factors the scenario does not move. */
  readonly unshocked: readonly string[];
  readonly pnl: number;
  readonly equityBefore: number;
  readonly equityAfter: number;
  readonly initialMarginAfter: number;
  readonly maintenanceMarginAfter: number;
  readonly availableFundsAfter: number;
  readonly statusBefore: MarginStatus;
  readonly statusAfter: MarginStatus;
}

function scaleSurface(a: AssetMarket, m: number): AssetMarket {
  if (!a.surface) return a;
  const m2 = m * m;
  const surface = Object.fromEntries(Object.entries(a.surface).map(([k, s]) => [k, { ...s, a: s.a * m2, b: s.b * m2 }]));
  return { ...a, surface };
}

/** The market after a scenario: index × (1 + move), marks × (1 + move)(1 + basis), vols × (1 + volShock). */
export function shockMarket(market: MarketSnapshot, sc: StressScenario, stable: (asset: string) => boolean): MarketSnapshot {
  const move = (a: string): number => sc.moves[a] ?? (stable(a) ? 0 : sc.defaultMove ?? 0);
  const vol = (a: string): number => 1 + (sc.volShocks?.[a] ?? sc.volShock ?? 0);
  const assets: Record<string, AssetMarket> = {};
  for (const [a, m] of Object.entries(market.assets)) {
    const st = sc.stablecoins?.[a];
    let next: AssetMarket = { ...m, index: st ?? m.index * (1 + move(a)) };
    if (m.vol !== undefined) next = { ...next, vol: m.vol * vol(a) };
    assets[a] = scaleSurface(next, vol(a));
  }
  const instruments: Record<string, InstrumentMarket> = {};
  for (const [name, im] of Object.entries(market.instruments)) {
    const p = parseInstrument(name);
    const u = p.ok ? p.value.underlying : name;
    instruments[name] = {
      ...(im.mark !== undefined ? { mark: im.mark * (1 + move(u)) * (1 + (sc.basis?.[u] ?? 0)) } : {}),
      ...(im.markIv !== undefined ? { markIv: im.markIv * vol(u) } : {}),
    };
  }
  return { asOf: market.asOf, assets, instruments };
}

/** Futures without an entry price get the current forward as one, so their value after a shock is their P&L. */
export function pinEntryPrices(market: MarketSnapshot, pf: Portfolio): Portfolio {
  return {
    ...pf,
    positions: pf.positions.map((p) => {
      const k = p.instrument.kind;
      if ((k !== "future" && k !== "perpetual") || p.entryPrice !== undefined) return p;
      const r = resolveInstrument(market, p.instrument);
      return r.ok ? { ...p, entryPrice: r.value.forward } : p;
    }),
  };
}

/** Margin of an account on a market (grid models; `var` is not re-run under stress). */
export function marginOn(market: MarketSnapshot, params: MarginParams, currency: string, pf: Portfolio, model: MarginModel): Parsed<MarginResult> {
  const c = prepareContext(market, params, currency);
  if (!c.ok) return c;
  return marginWith(c.value, pf, model);
}

/** Run one scenario against an account. */
export function runStress(market: MarketSnapshot, params: MarginParams, currency: string, pf: Portfolio, model: MarginModel, sc: StressScenario): Parsed<StressResult> {
  const stable = new Set(params.collateral.stablecoins);
  const isStable = (a: string): boolean => a === "USD" || stable.has(a);
  const pinned = pinEntryPrices(market, pf);
  const before = marginOn(market, params, currency, pinned, model);
  if (!before.ok) return before;
  const after = marginOn(shockMarket(market, sc, isStable), params, currency, pinned, model);
  if (!after.ok) return { ok: false, reason: `scenario ${sc.name}: ${after.reason}` };
  const factors = factorAssets(pf, isStable);
  const moves: Record<string, number> = {};
  const unshocked: string[] = [];
  for (const f of factors) {
    const m = sc.moves[f] ?? sc.defaultMove;
    if (m === undefined) unshocked.push(f);
    moves[f] = m ?? 0;
  }
  const b = before.value, a = after.value;
  return {
    ok: true,
    value: {
      scenario: sc.name, date: sc.date ?? null, moves, unshocked, pnl: a.equity - b.equity, equityBefore: b.equity, equityAfter: a.equity,
      initialMarginAfter: a.initialMargin, maintenanceMarginAfter: a.maintenanceMargin, availableFundsAfter: a.availableFunds,
      statusBefore: b.status, statusAfter: a.status,
    },
  };
}
