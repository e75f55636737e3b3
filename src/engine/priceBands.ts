/**
 * Price bands that depend on the current market (issue 11): a value inside the fixed bounds of
 * src/input/bounds.ts can still be absurd for the market it meets. Refused with 409 and issues naming the band:
 * - futures and perpetuals: a fill, order or mark within a factor (default 2×) of the instrument's mark (else
 *   the forward source's mark, else the index in the quote currency); spot within the factor of the index;
 * - options inside their no-arbitrage bounds: a coin-settled call below 1 coin, a coin-settled put below
 *   strike / index coins, a linear call below the underlying's price in the quote, a linear put below its strike;
 * - a tick may move an asset's index by at most a fraction (default 50 %) of the last index unless it says
 *   `"force": true`; its marks and stable price are banded against its own new index.
 * Pure functions of the state; the engine calls them before logging, the ingest to drop bad feed items.
 */
import { forwardSourceNames, instrumentNamed, type Instrument } from "../domain/instrument.js";
import { DEFAULT_MAX_INDEX_MOVE, DEFAULT_PRICE_BAND, FILE_MARK_BAND, fmtBound as fmt, priceIssue, type PriceRef } from "../input/bounds.js";
import type { InputIssue } from "../input/issues.js";
import type { BookEvent, EngineEvent, TickEvent } from "./events.js";
import type { MarketState } from "./marketState.js";

/** The state-dependent limits (configurable per engine: `startService({ bands })`, `dpm serve --price-band --max-index-move`). */
export interface BandOptions {
  /** Futures, perpetuals and spot: prices within [ref / factor, ref × factor]. */
  readonly priceBand: number;
  /** A tick may move the index by at most this fraction of the last one without `force`. */
  readonly maxIndexMove: number;
}

/** 2× around the mark or index, index moves of at most 50 % per tick. */
export const DEFAULT_BANDS: BandOptions = { priceBand: DEFAULT_PRICE_BAND, maxIndexMove: DEFAULT_MAX_INDEX_MOVE };

/** The reference of an instrument on the live market, or undefined when its underlying (or quote) has no index. */
export function refOf(m: MarketState, inst: Instrument): PriceRef | undefined {
  const index = m.assets[inst.underlying]?.index;
  const quoteIndex = inst.settlement === "inverse" || inst.kind === "spot" || inst.quote === "USD" ? 1 : m.assets[inst.quote]?.index;
  if (index === undefined || quoteIndex === undefined) return undefined;
  let mark: number | undefined;
  for (const n of inst.kind === "option" || inst.kind === "spot" ? [] : [inst.name, ...forwardSourceNames(inst)]) {
    mark = m.instruments[n]?.mark;
    if (mark !== undefined) break;
  }
  return mark === undefined ? { index, quoteIndex } : { index, quoteIndex, mark };
}

/** Band issues of a tick: the index move (unless forced), its marks and its stable price against its own index. */
export function tickIssues(m: MarketState, t: TickEvent, o: BandOptions): InputIssue[] {
  const out: InputIssue[] = [];
  const prev = m.assets[t.asset]?.index;
  if (prev !== undefined && t.force !== true && Math.abs(t.index / prev - 1) > o.maxIndexMove) {
    out.push({ path: "index", message: `moves the ${t.asset} index by ${fmt(100 * (t.index / prev - 1))} % from ${fmt(prev)}, more than the ${fmt(100 * o.maxIndexMove)} % a tick may move it; send "force": true to apply it`, value: t.index });
  }
  for (const [name, x] of Object.entries(t.instruments ?? {})) {
    const inst = instrumentNamed(name);
    if (!inst || x.mark === undefined) continue;
    const quoteIndex = inst.settlement === "inverse" || inst.quote === "USD" ? 1 : m.assets[inst.quote]?.index;
    if (quoteIndex === undefined) continue;
    const issue = priceIssue(`instruments.${name}.mark`, inst, x.mark, { index: t.index, quoteIndex }, o.priceBand);
    if (issue) out.push(issue);
  }
  if (t.stable !== undefined && (t.stable < t.index / o.priceBand || t.stable > t.index * o.priceBand)) {
    out.push({ path: "stable", message: `must be between ${fmt(t.index / o.priceBand)} and ${fmt(t.index * o.priceBand)} (within ${o.priceBand}× of the tick's index ${fmt(t.index)})`, value: t.stable });
  }
  return out;
}

/**
 * Band issues of a book event: its resting orders as `order` events (the price band of the current market), the
 * entry prices of its futures and perpetuals within `FILE_MARK_BAND` (100×) of the mark (an entry price is
 * historical: a position may be old, but a price 100× from today's is a unit error). Options' entry premiums are
 * held to the fixed bounds only (the engine sets them from the mark when the book gives none).
 */
export function bookBandIssues(m: MarketState, e: BookEvent, o: BandOptions): InputIssue[] {
  const out: InputIssue[] = [];
  e.positions.forEach((p, i) => {
    const inst = instrumentNamed(p.instrument);
    const ref = inst && inst.kind !== "option" && p.entryPrice !== undefined ? refOf(m, inst) : undefined;
    const issue = inst && ref && p.entryPrice !== undefined ? priceIssue(`positions[${i}].entryPrice`, inst, p.entryPrice, ref, FILE_MARK_BAND) : undefined;
    if (issue) out.push(issue);
  });
  (e.orders ?? []).forEach((x, i) => {
    const inst = instrumentNamed(x.instrument);
    const ref = inst && refOf(m, inst);
    const issue = inst && ref && x.price !== undefined ? priceIssue(`orders[${i}].price`, inst, x.price, ref, o.priceBand) : undefined;
    if (issue) out.push(issue);
  });
  return out;
}

/** State-dependent issues of a client event (fills, orders, ticks, books); [] when none apply or the market is missing. */
export function bandIssues(m: MarketState | undefined, e: EngineEvent, o: BandOptions): InputIssue[] {
  if (!m) return [];
  if (e.type === "tick") return tickIssues(m, e, o);
  if (e.type === "book") return bookBandIssues(m, e, o);
  if (e.type !== "fill" && e.type !== "order") return [];
  const inst = instrumentNamed(e.instrument);
  const ref = inst && refOf(m, inst);
  const issue = inst && ref ? priceIssue("price", inst, e.price, ref, o.priceBand) : undefined;
  return issue ? [issue] : [];
}

/** The parts of a tick a feed sends (before validation). */
export interface FeedTick {
  readonly asset: string;
  readonly index: number;
  readonly stable?: number;
  readonly instruments?: Readonly<Record<string, { readonly mark?: number; readonly markIv?: number }>>;
}

/**
 * A feed's tick made acceptable where that is safe, so one bad quote does not hold back the index: marks outside
 * their band are dropped (the instrument keeps its mark IV), the stable price is clamped into the band. The index
 * itself is left as it is (the engine refuses a move beyond the limit). Returns the issues of what was dropped.
 */
export function sanitizeTick<T extends FeedTick>(m: MarketState, t: T, o: BandOptions): { tick: T; dropped: InputIssue[] } {
  const issues = tickIssues(m, { type: "tick", ts: 0, ...t, force: true } as TickEvent, o);
  if (issues.length === 0) return { tick: t, dropped: [] };
  const instruments: Record<string, { mark?: number; markIv?: number }> = { ...t.instruments };
  let stable = t.stable;
  for (const i of issues) {
    const name = /^instruments\.(.+)\.mark$/.exec(i.path)?.[1];
    if (name !== undefined) {
      const { mark: _drop, ...rest } = instruments[name] ?? {};
      if (Object.keys(rest).length > 0) instruments[name] = rest;
      else delete instruments[name];
    } else if (i.path === "stable" && stable !== undefined) stable = Math.min(t.index * o.priceBand, Math.max(t.index / o.priceBand, stable));
  }
  const { instruments: _i, stable: _s, ...base } = t;
  const tick = { ...base, ...(Object.keys(instruments).length > 0 ? { instruments } : {}), ...(stable !== undefined ? { stable } : {}) } as unknown as T;
  return { tick, dropped: issues };
}
