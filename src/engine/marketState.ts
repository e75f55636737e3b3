/**
 * The live market of the engine: the snapshot fields plus a valuation time per underlying (the time of
 * its last tick). An instrument is valued against its own underlying's time, so a tick on BTC changes
 * only BTC-dependent values and a fresh risk context built after a restart reproduces exactly the values
 * the incremental one had (see incrementalContext.ts).
 */
import type { AssetMarket, InstrumentMarket, MarketSnapshot } from "../market/snapshot.js";
import { instrumentNamed } from "../domain/instrument.js";
import type { InstrumentLiquidity } from "../margin/concentration.js";
import type { TickEvent } from "./events.js";

export interface MarketState {
  readonly assets: Record<string, AssetMarket>;
  readonly instruments: Record<string, InstrumentMarket>;
  /** Valuation time (epoch ms) per asset: the initial snapshot's asOf, then the time of the asset's last tick. */
  readonly asOf: Record<string, number>;
  /** asOf of the initial snapshot. */
  readonly start: number;
  /** Open interest and book depth per instrument, from ticks (drives the concentration add-on). */
  readonly liquidity: Record<string, InstrumentLiquidity>;
  /** Oracle state per asset, from ticks: the stable price of the last tick (if it carried one) and the flags. */
  readonly oracle: Record<string, OracleFlags>;
}

/** What the oracle said about an asset's index with its last tick. */
export interface OracleFlags {
  /** Stable (smoothed) price of the last tick; absent when that tick carried none (IM then uses the index). */
  readonly stable?: number;
  /** Too few valid sources (kept until a tick says otherwise). */
  readonly degraded?: boolean;
  /** Circuit breaker tripped (kept until a tick says otherwise). */
  readonly circuitBreaker?: boolean;
}

/** Why liquidations and risk-adding orders on `asset` are held now (degraded index or circuit breaker), or undefined. */
export function oracleHold(m: MarketState, asset: string): string | undefined {
  const o = m.oracle[asset];
  if (!o) return undefined;
  if (o.degraded) return `the ${asset} index is degraded (too few valid oracle sources)`;
  if (o.circuitBreaker) return `the ${asset} circuit breaker is tripped (index moved beyond the breaker limit)`;
  return undefined;
}

/** Market state from a validated snapshot. */
export function marketStateFrom(s: MarketSnapshot): MarketState {
  const asOf: Record<string, number> = {};
  for (const a of Object.keys(s.assets)) asOf[a] = s.asOf;
  // A snapshot's book depth and spread are liquidity, kept apart from marks (as ticks keep them).
  const instruments: Record<string, InstrumentMarket> = {}, liquidity: Record<string, InstrumentLiquidity> = {};
  for (const [name, x] of Object.entries(s.instruments)) {
    const { depthUsd, spread, ...marks } = x;
    instruments[name] = depthUsd === undefined && spread === undefined ? x : marks;
    if (depthUsd !== undefined || spread !== undefined) liquidity[name] = { ...(depthUsd !== undefined ? { depthUsd } : {}), ...(spread !== undefined ? { spread } : {}) };
  }
  return { assets: { ...s.assets }, instruments, asOf, start: s.asOf, liquidity, oracle: {} };
}

/** Latest valuation time over all assets. */
export function latestAsOf(m: MarketState): number {
  let t = m.start;
  for (const v of Object.values(m.asOf)) if (v > t) t = v;
  return t;
}

/** Valuation time of an underlying. */
export function asOfOf(m: MarketState, asset: string): number {
  return m.asOf[asset] ?? m.start;
}

/** The snapshot view used to value instruments on `underlying` (its own asOf). */
export function viewFor(m: MarketState, underlying: string): MarketSnapshot {
  return { asOf: asOfOf(m, underlying), assets: m.assets, instruments: m.instruments };
}

/** The whole snapshot with asOf = the latest tick (for reports and stateless requests). */
export function snapshotOf(m: MarketState): MarketSnapshot {
  return { asOf: latestAsOf(m), assets: m.assets, instruments: m.instruments };
}

/** Why a tick cannot be applied (unknown instrument underlying, out of order), or undefined. */
export function tickProblem(m: MarketState, t: TickEvent): string | undefined {
  const last = m.asOf[t.asset];
  if (last !== undefined && t.ts < last) return `tick for ${t.asset} at ${t.ts} is older than the last one (${last})`;
  for (const name of Object.keys(t.instruments ?? {})) {
    const i = instrumentNamed(name);
    if (i && i.underlying !== t.asset) return `instrument ${name} is not on ${t.asset}`;
  }
  return undefined;
}

/**
 * An instrument's record after a tick: the tick's mark and mark IV where given, else the record's. Written out as
 * `{ mark, markIv }` rather than spread: V8 (Node 20) keeps objects made by a spread plus a new property alive through
 * young-generation collections, and a tick writes one per moved instrument.
 */
function instrumentMarket(cur: InstrumentMarket | undefined, mark: number | undefined, markIv: number | undefined): InstrumentMarket {
  const mk = mark ?? cur?.mark, iv = markIv ?? cur?.markIv;
  if (mk === undefined) return iv === undefined ? {} : { markIv: iv };
  return iv === undefined ? { mark: mk } : { mark: mk, markIv: iv };
}

/** Apply a tick in place. */
export function applyTick(m: MarketState, t: TickEvent): void {
  const prev = m.assets[t.asset] ?? { index: t.index };
  const next: AssetMarket = { ...prev, index: t.index, ...(t.vol !== undefined ? { vol: t.vol } : {}), ...(t.rate !== undefined ? { rate: t.rate } : {}) };
  m.assets[t.asset] = next;
  for (const [name, x] of Object.entries(t.instruments ?? {})) {
    if (x.mark !== undefined || x.markIv !== undefined) m.instruments[name] = instrumentMarket(m.instruments[name], x.mark, x.markIv);
    if (x.openInterest !== undefined || x.depthUsd !== undefined || x.spread !== undefined) {
      m.liquidity[name] = { ...m.liquidity[name], ...(x.openInterest !== undefined ? { openInterest: x.openInterest } : {}), ...(x.depthUsd !== undefined ? { depthUsd: x.depthUsd } : {}), ...(x.spread !== undefined ? { spread: x.spread } : {}) };
    }
  }
  m.asOf[t.asset] = t.ts;
  const prevFlags = m.oracle[t.asset] ?? {};
  const degraded = t.degraded ?? prevFlags.degraded, circuitBreaker = t.circuitBreaker ?? prevFlags.circuitBreaker;
  const flags: OracleFlags = { ...(t.stable !== undefined ? { stable: t.stable } : {}), ...(degraded ? { degraded } : {}), ...(circuitBreaker ? { circuitBreaker } : {}) };
  if (Object.keys(flags).length > 0) m.oracle[t.asset] = flags;
  else delete m.oracle[t.asset];
}

/**
 * A tick that moves an asset's index without quoting some of its futures and perpetuals: their marks move by
 * the same ratio (each basis keeps its ratio to the index). The marks are written into the tick, so the log
 * holds exactly what was applied and a replay needs no rule. Options are revalued from their implied vols.
 */
export function completeTick(m: MarketState, t: TickEvent): TickEvent {
  const prev = m.assets[t.asset]?.index;
  if (prev === undefined || !(prev > 0) || prev === t.index) return t;
  const ratio = t.index / prev;
  let out: Record<string, NonNullable<TickEvent["instruments"]>[string]> | undefined;
  for (const [name, x] of Object.entries(m.instruments)) {
    if (x.mark === undefined || t.instruments?.[name]?.mark !== undefined) continue;
    const i = instrumentNamed(name);
    if (!i || i.underlying !== t.asset || (i.kind !== "future" && i.kind !== "perpetual")) continue;
    out ??= { ...t.instruments };
    const given = t.instruments?.[name];
    out[name] = given === undefined ? { mark: x.mark * ratio } : { ...given, mark: x.mark * ratio };
  }
  return out ? { ...t, instruments: out } : t;
}

/** Serialisable form (plain JSON; float64 values round-trip exactly through JSON). */
export function marketToJson(m: MarketState): unknown {
  return { assets: m.assets, instruments: m.instruments, asOf: m.asOf, start: m.start, liquidity: m.liquidity, oracle: m.oracle };
}

export function marketFromJson(j: unknown): MarketState {
  const o = j as MarketState;
  return { assets: { ...o.assets }, instruments: { ...o.instruments }, asOf: { ...o.asOf }, start: o.start, liquidity: { ...(o.liquidity ?? {}) }, oracle: { ...(o.oracle ?? {}) } };
}

/** A market whose records can be written without touching `m` (what `applyTick` writes). */
export function copyMarket(m: MarketState): MarketState {
  return { assets: { ...m.assets }, instruments: { ...m.instruments }, asOf: { ...m.asOf }, start: m.start, liquidity: { ...m.liquidity }, oracle: { ...m.oracle } };
}

/**
 * The market valued at the oracle's stable prices: each asset with a stable price gets it as its index, and
 * the marks of its futures, perpetuals and spot instruments move by the same ratio (option marks stay
 * implied vols). Undefined when no asset has a stable price different from its index.
 */
export function stableView(m: MarketState): MarketState | undefined {
  const ratio = new Map<string, number>();
  for (const [asset, o] of Object.entries(m.oracle)) {
    const idx = m.assets[asset]?.index;
    if (o.stable !== undefined && idx !== undefined && o.stable !== idx) ratio.set(asset, o.stable / idx);
  }
  if (ratio.size === 0) return undefined;
  const assets: Record<string, AssetMarket> = { ...m.assets };
  for (const [asset, k] of ratio) assets[asset] = { ...m.assets[asset], index: m.assets[asset].index * k };
  const instruments: Record<string, InstrumentMarket> = { ...m.instruments };
  for (const [name, x] of Object.entries(m.instruments)) {
    if (x.mark === undefined) continue;
    const i = instrumentNamed(name);
    if (!i || i.kind === "option") continue;
    const k = ratio.get(i.underlying);
    if (k !== undefined) instruments[name] = { ...x, mark: x.mark * k };
  }
  return { ...m, assets, instruments };
}

/**
 * The live market as a market file (DESIGN.md section 10): every asset at the latest valuation time, the marks,
 * and each instrument's book depth and spread from `liquidity` (`instruments[name].depthUsd`/`spread`), so that
 * `dpm margin --market` on it reproduces the engine's figures (for accounts whose underlyings share that time).
 */
export function marketFileOf(m: MarketState): { asOf: string; assets: Record<string, AssetMarket>; instruments: Record<string, Record<string, number>> } {
  const instruments: Record<string, Record<string, number>> = {};
  for (const [name, x] of Object.entries(m.instruments)) instruments[name] = { ...x };
  for (const [name, l] of Object.entries(m.liquidity)) {
    if (l.depthUsd === undefined && l.spread === undefined) continue;
    instruments[name] = { ...instruments[name], ...(l.depthUsd !== undefined ? { depthUsd: l.depthUsd } : {}), ...(l.spread !== undefined ? { spread: l.spread } : {}) };
  }
  return { asOf: new Date(latestAsOf(m)).toISOString(), assets: { ...m.assets }, instruments };
}
