/**
 * Reverse stress: the smallest joint move that takes an account to liquidation (adjusted equity < MM)
 * and to bankruptcy (equity < 0). A direction d gives each risk factor a weight (max |dᵢ| = 1); the move
 * at distance t is t·dᵢ for asset i, so t is the largest single-asset move of the scenario. Without a
 * direction, every direction in {−1, 0, +1}ⁿ (n ≤ 5 factors; else each factor alone, all together and
 * against the net delta) is tried and the one with the smallest distance to liquidation wins.
 * Each search scans t in steps of 1 % up to 99 % down (500 % up), then bisects the first crossing to 1e-5.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginModel, MarginResult } from "../margin/result.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import { factorAssets } from "./revalue.js";
import { marginOn, pinEntryPrices, shockMarket } from "./stress.js";

/** A point where the account crosses a threshold. */
export interface Crossing {
  /** Distance t (the largest single-asset move, as a fraction). */
  readonly distance: number;
  readonly moves: Readonly<Record<string, number>>;
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly adjustedEquity: number;
}

export interface ReverseStressResult {
  readonly account: string;
  readonly model: MarginModel;
  readonly currency: string;
  readonly factors: readonly string[];
  /** The direction used (the worst one when none was given). */
  readonly direction: Readonly<Record<string, number>>;
  readonly directionsTried: number;
  /** null: not reached within the search range. */
  readonly liquidation: Crossing | null;
  readonly bankruptcy: Crossing | null;
}

interface Probe { readonly liq: boolean; readonly bank: boolean; readonly r: MarginResult }

function candidateDirections(factors: readonly string[], deltaSign: Readonly<Record<string, number>>): number[][] {
  const n = factors.length;
  if (n <= 5) {
    const out: number[][] = [];
    const total = 3 ** n;
    for (let c = 0; c < total; c++) {
      const d: number[] = [];
      let x = c;
      for (let i = 0; i < n; i++) { d.push((x % 3) - 1); x = Math.floor(x / 3); }
      if (d.some((v) => v !== 0)) out.push(d);
    }
    return out;
  }
  const out: number[][] = [factors.map(() => -1), factors.map(() => 1), factors.map((f) => -(Math.sign(deltaSign[f] ?? 0) || 1))];
  for (let i = 0; i < n; i++) for (const s of [-1, 1]) out.push(factors.map((_, j) => (i === j ? s : 0)));
  return out;
}

function searchDirection(probe: (t: number) => Parsed<Probe>, limit: number, which: "liq" | "bank"): Parsed<{ t: number; r: MarginResult } | null> {
  const step = 0.01;
  let prev = 0;
  const p0 = probe(0);
  if (!p0.ok) return p0;
  if (p0.value[which]) return { ok: true, value: { t: 0, r: p0.value.r } };
  for (let t = step; t <= limit + 1e-12; t += step) {
    const tt = Math.min(t, limit);
    const p = probe(tt);
    if (!p.ok) return p;
    if (p.value[which]) {
      let lo = prev, hi = tt, best = p.value.r;
      while (hi - lo > 1e-5) {
        const mid = (lo + hi) / 2;
        const q = probe(mid);
        if (!q.ok) return q;
        if (q.value[which]) { hi = mid; best = q.value.r; } else lo = mid;
      }
      return { ok: true, value: { t: hi, r: best } };
    }
    prev = tt;
  }
  return { ok: true, value: null };
}

/** Reverse stress of one account; `direction` (per factor) is optional. */
export function reverseStress(
  market: MarketSnapshot, params: MarginParams, currency: string, pf: Portfolio, model: MarginModel,
  direction?: Readonly<Record<string, number>>, volShock = 0,
): Parsed<ReverseStressResult> {
  const stable = new Set(params.collateral.stablecoins);
  const isStable = (a: string): boolean => a === "USD" || stable.has(a);
  const factors = factorAssets(pf, isStable);
  if (factors.length === 0) return { ok: false, reason: "the account has no risk factor to move (only stablecoins)" };
  const pinned = pinEntryPrices(market, pf);
  const base = marginOn(market, params, currency, pinned, model);
  if (!base.ok) return base;
  const deltas: Record<string, number> = {};
  for (const p of base.value.positions) { const u = p.instrument.split(/[-_]/)[0]; deltas[u] = (deltas[u] ?? 0) + p.delta; }
  for (const [a, amt] of Object.entries(pf.collateral)) if (!isStable(a)) deltas[a] = (deltas[a] ?? 0) + amt;
  let dirs: number[][];
  if (direction) {
    const unknown = Object.keys(direction).filter((k) => !factors.includes(k));
    if (unknown.length > 0) return { ok: false, reason: `direction names assets the account has no exposure to: ${unknown.join(", ")} (factors: ${factors.join(", ")})` };
    const d = factors.map((f) => direction[f] ?? 0);
    const m = Math.max(...d.map(Math.abs));
    if (!(m > 0) || !d.every(Number.isFinite)) return { ok: false, reason: "direction must give at least one factor a non-zero finite weight" };
    dirs = [d.map((v) => v / m)];
  } else dirs = candidateDirections(factors, deltas);
  const movesAt = (d: readonly number[], t: number): Record<string, number> => Object.fromEntries(factors.map((f, i) => [f, d[i] * t]));
  let best: ReverseStressResult | null = null;
  for (const d of dirs) {
    const down = Math.max(0, ...d.map((v) => (v < 0 ? -v : 0)));
    const limit = down > 0 ? 0.99 / down : 5;
    const probe = (t: number): Parsed<Probe> => {
      const r = marginOn(shockMarket(market, { name: "reverse", moves: movesAt(d, t), volShock }, isStable), params, currency, pinned, model);
      if (!r.ok) return r;
      return { ok: true, value: { liq: r.value.adjustedEquity < r.value.maintenanceMargin || r.value.equity < 0, bank: r.value.equity < 0, r: r.value } };
    };
    const liq = searchDirection(probe, limit, "liq");
    if (!liq.ok) return liq;
    if (!direction && best?.liquidation && (!liq.value || liq.value.t >= best.liquidation.distance)) continue;
    const bank = searchDirection(probe, limit, "bank");
    if (!bank.ok) return bank;
    const crossing = (x: { t: number; r: MarginResult } | null): Crossing | null => x && {
      distance: x.t, moves: movesAt(d, x.t), equity: x.r.equity, maintenanceMargin: x.r.maintenanceMargin, adjustedEquity: x.r.adjustedEquity,
    };
    const cand: ReverseStressResult = {
      account: pf.account, model, currency, factors, direction: Object.fromEntries(factors.map((f, i) => [f, d[i]])), directionsTried: dirs.length,
      liquidation: crossing(liq.value), bankruptcy: crossing(bank.value),
    };
    if (best === null || (cand.liquidation && (!best.liquidation || cand.liquidation.distance < best.liquidation.distance))) best = cand;
  }
  if (best === null) return { ok: false, reason: "no direction to search" };
  return { ok: true, value: best };
}
