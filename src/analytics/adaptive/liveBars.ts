/**
 * Live bars: price observations (the oracle's index ticks) aggregated into the same OHLCV bars the offline
 * models read from `<SYM>-USD_1d.csv`, so `featureMatrix` (features.ts) runs unchanged on both and a live model
 * is the offline model on a longer series. A bar's period is ⌊ts / periodMs⌋ (daily: days since 1970-01-01 UTC,
 * as `parseDay` numbers CSV dates); open = first observation of the period, high/low = extremes, close = last,
 * volume = Σ traded volume. Live measurements (spread, depth, flow, funding, basis, implied vol, realised vol)
 * ride along per bar as the last value seen in the period (`Bars.live`, NaN where none was seen).
 *
 * Also: realised volatility over a window of ticks, sampled on a grid. Pure (no clock: times are arguments).
 */
import { sliceBars, type Bars } from "./bars.js";

/** Milliseconds per daily bar. */
export const DAY_MS = 86_400_000;
/** Milliseconds per year (ACT/365, DESIGN.md section 3). */
export const YEAR_MS = 365 * DAY_MS;

interface OpenBar { period: number; open: number; high: number; low: number; close: number; volume: number; live: Map<string, number> }

/** Aggregates observations of one asset into bars of `periodMs` (default one UTC day). */
export class BarBuilder {
  private readonly done: OpenBar[] = [];
  private cur: OpenBar | undefined;
  private lastTs = -Infinity;

  constructor(readonly asset: string, readonly periodMs = DAY_MS) {}

  /** Bars started so far (the current one included). */
  get length(): number {
    return this.done.length + (this.cur ? 1 : 0);
  }

  /** Period of the current bar, or undefined before the first observation. */
  get currentPeriod(): number | undefined {
    return this.cur?.period;
  }

  private barAt(ts: number): OpenBar | undefined {
    if (!(ts >= this.lastTs)) return undefined;
    const period = Math.floor(ts / this.periodMs);
    if (this.cur && period < this.cur.period) return undefined;
    if (!this.cur || period > this.cur.period) {
      if (this.cur) this.done.push(this.cur);
      this.cur = undefined;
      return { period, open: NaN, high: -Infinity, low: Infinity, close: NaN, volume: 0, live: new Map() };
    }
    return this.cur;
  }

  /**
   * One price observation at `ts` (epoch ms) with `volume` traded (≥ 0, any unit). Returns false (ignored) for a
   * price that is not finite and > 0, or a time before the last observation.
   */
  add(ts: number, price: number, volume = 0): boolean {
    if (!(Number.isFinite(price) && price > 0) || !(volume >= 0)) return false;
    const b = this.barAt(ts);
    if (!b) return false;
    if (Number.isNaN(b.open)) b.open = price;
    b.high = Math.max(b.high, price);
    b.low = Math.min(b.low, price);
    b.close = price;
    b.volume += volume;
    this.cur = b;
    this.lastTs = ts;
    return true;
  }

  /** Traded volume at `ts` without a price (into the bar of `ts`, once it has a price). */
  addVolume(ts: number, volume: number): boolean {
    if (!this.cur || !(volume >= 0) || Math.floor(ts / this.periodMs) !== this.cur.period) return false;
    this.cur.volume += volume;
    return true;
  }

  /** A live measurement `name` at `ts` (kept as the current bar's last value); false when there is no current bar for `ts`. */
  addLive(ts: number, name: string, value: number): boolean {
    if (!this.cur || !Number.isFinite(value) || Math.floor(ts / this.periodMs) !== this.cur.period) return false;
    this.cur.live.set(name, value);
    return true;
  }

  /** The bars (the current, still open bar last when `includeOpen`), with every live name seen as a column. */
  bars(includeOpen = true): Bars {
    const rows = includeOpen && this.cur ? [...this.done, this.cur] : this.done;
    const names = new Set<string>();
    for (const r of rows) for (const k of r.live.keys()) names.add(k);
    const col = (f: (r: OpenBar) => number) => Float64Array.from(rows, f);
    const live = Object.fromEntries([...names].sort().map((k) => [k, col((r) => r.live.get(k) ?? NaN)]));
    return {
      asset: this.asset, periods: Int32Array.from(rows, (r) => r.period), open: col((r) => r.open), high: col((r) => r.high), low: col((r) => r.low),
      close: col((r) => r.close), volume: col((r) => r.volume), ...(names.size > 0 ? { live } : {}),
    };
  }
}

/**
 * History bars followed by live bars: the history's bars before the first live period, then every live bar
 * (live wins on a period both have). Live columns are NaN on history rows.
 */
export function appendBars(history: Bars | undefined, live: Bars): Bars {
  if (!history || history.periods.length === 0) return live;
  if (live.periods.length === 0) return history;
  let n = 0;
  while (n < history.periods.length && history.periods[n] < live.periods[0]) n++;
  const h = sliceBars(history, 0, n);
  const cat = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
    const out = new (a.constructor as { new (n: number): T })(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  const names = Object.keys(live.live ?? {});
  const liveCols = Object.fromEntries(names.map((k) => [k, cat(new Float64Array(n).fill(NaN), (live.live as Record<string, Float64Array>)[k])]));
  return {
    asset: live.asset, periods: cat(h.periods, live.periods), open: cat(h.open, live.open), high: cat(h.high, live.high), low: cat(h.low, live.low),
    close: cat(h.close, live.close), volume: cat(h.volume, live.volume), ...(names.length > 0 ? { live: liveCols } : {}),
  };
}

/**
 * Realised volatility (annualised) over (to − windowMs, to]: the price is sampled on the grid t_k = to − k·sampleMs,
 * k = n..0 with n = ⌊windowMs / sampleMs⌋ (the last observation at or before each grid time: the prevailing price),
 * and σ = √(Σ r_k² · YEAR_MS / (n · sampleMs)) over the log returns between consecutive grid prices. NaN when no
 * grid time before `to` has a price. `ts` increasing, prices > 0.
 */
export function realisedVol(ts: ArrayLike<number>, price: ArrayLike<number>, to: number, windowMs: number, sampleMs: number): number {
  const n = Math.floor(windowMs / sampleMs);
  let i = 0, prev = NaN, sum = 0, count = 0;
  for (let k = n; k >= 0; k--) {
    const t = to - k * sampleMs;
    while (i < ts.length && ts[i] <= t) i++;
    const p = i > 0 ? price[i - 1] : NaN;
    if (Number.isFinite(prev) && Number.isFinite(p)) { const r = Math.log(p / prev); sum += r * r; count++; }
    prev = p;
  }
  return count === 0 || n === 0 ? NaN : Math.sqrt((sum * YEAR_MS) / (n * sampleMs));
}
