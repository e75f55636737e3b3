/**
 * The oracle: per asset, the latest price of each source → a robust index (median of the valid sources), a
 * spike-resistant stable price, degraded and circuit-breaker flags. Pure and deterministic: no clock, no I/O;
 * every call takes `now` (epoch ms), so replaying the same ticks with the same `now` values gives the same states.
 *
 * Per tick: invalid numbers (NaN, ±∞, ≤ 0, above `maxPrice`), bad or future timestamps, stale, duplicate
 * (same source and ts) and out-of-order ticks are rejected and change nothing. A valid tick replaces its
 * source's latest price; then the asset is re-evaluated: sources older than `maxAgeMs` are stale; the
 * reference is the median of the fresh sources; a source further than `maxDeviation` from it is an outlier
 * (the tick is reported as not accepted); the index is the median of the rest (for an even count, the middle
 * value nearer the reference). Fewer than `minSources` valid sources → `degraded`; none → the previous index
 * is kept (degraded).
 */
import { assetParams, DEFAULT_ORACLE_CONFIG, type OracleAssetParams, type OracleConfig } from "./config.js";
import { MoveWindow } from "./breaker.js";
import { anchoredMedianSorted, medianSorted, sortPrefix } from "./median.js";
import type { IndexState, OracleUpdate, PriceTick, SourceStatus } from "./types.js";

type SourceRow = IndexState["sources"][number];

/** Rejection counts by reason, per asset. */
export type RejectionCounts = Readonly<Record<string, number>>;

class AssetBook {
  readonly names: string[] = [];
  readonly slot = new Map<string, number>();
  readonly prices: number[] = [];
  readonly times: number[] = [];
  readonly status: SourceStatus[] = [];
  readonly scratch: { fresh: Float64Array; kept: Float64Array } = { fresh: new Float64Array(8), kept: new Float64Array(8) };
  readonly rejections = new Map<string, number>();
  readonly window: MoveWindow;
  index = NaN;
  ema = NaN;
  stable = NaN;
  lastEval = -Infinity;
  state: IndexState | undefined;
  private lastRows: SourceRow[] = [];

  constructor(readonly asset: string, readonly params: OracleAssetParams) {
    this.window = new MoveWindow(params.breakerWindowMs);
  }

  sourceSlot(source: string): number {
    let i = this.slot.get(source);
    if (i === undefined) {
      i = this.names.length;
      this.slot.set(source, i);
      this.names.push(source);
      this.prices.push(NaN);
      this.times.push(-Infinity);
      this.status.push("stale");
      if (this.names.length > this.scratch.fresh.length) {
        this.scratch.fresh = new Float64Array(this.names.length * 2);
        this.scratch.kept = new Float64Array(this.names.length * 2);
      }
    }
    return i;
  }

  /** Source rows for the state; a row whose values did not change is reused (states share immutable rows). */
  rows(): SourceRow[] {
    const out: SourceRow[] = new Array<SourceRow>(this.names.length);
    for (let i = 0; i < this.names.length; i++) {
      const r = this.lastRows[i];
      out[i] = r !== undefined && r.price === this.prices[i] && r.ts === this.times[i] && r.status === this.status[i]
        ? r
        : { source: this.names[i], price: this.prices[i], ts: this.times[i], status: this.status[i] };
    }
    this.lastRows = out;
    return out;
  }

  reject(reason: string): OracleUpdate {
    const key = reason.split(":")[0];
    this.rejections.set(key, (this.rejections.get(key) ?? 0) + 1);
    return { accepted: false, reason, state: this.state };
  }
}

/** Why a tick is unusable before looking at other sources, or undefined when it passes. */
function tickProblem(tick: PriceTick, now: number, p: OracleAssetParams, lastTs: number): string | undefined {
  const { price, ts } = tick;
  if (typeof price !== "number" || Number.isNaN(price)) return "invalid: price is not a number";
  if (!Number.isFinite(price)) return "invalid: price is not finite";
  if (price <= 0) return `invalid: price ${price} is not positive`;
  if (price > p.maxPrice) return `invalid: price ${price} is above the ${p.maxPrice} ceiling (scale error?)`;
  if (typeof ts !== "number" || !Number.isFinite(ts) || ts < 0) return `invalid: timestamp ${String(ts)} is not a time`;
  if (ts > now + p.maxFutureMs) return `future: timestamp ${ts} is ${ts - now} ms after now`;
  if (now - ts > p.maxAgeMs) return `stale: ${now - ts} ms old (max ${p.maxAgeMs})`;
  if (ts === lastTs) return `duplicate: source already gave a price at ${ts}`;
  if (ts < lastTs) return `out of order: ${ts} is before the source's last ${lastTs}`;
  return undefined;
}

/** The oracle over any number of assets and sources. See the module comment for the rules. */
export class Oracle {
  private readonly books = new Map<string, AssetBook>();

  constructor(private readonly config: OracleConfig = DEFAULT_ORACLE_CONFIG) {}

  /** Feed one source's price observation at time `now` (epoch ms). */
  update(tick: PriceTick, now: number): OracleUpdate {
    if (!Number.isFinite(now)) return { accepted: false, reason: `invalid: now ${now} is not a time` };
    if (typeof tick.asset !== "string" || tick.asset === "" || typeof tick.source !== "string" || tick.source === "") {
      return { accepted: false, reason: "invalid: asset and source must be non-empty strings" };
    }
    const book = this.book(tick.asset);
    const known = book.slot.get(tick.source);
    const problem = tickProblem(tick, now, book.params, known === undefined ? -Infinity : book.times[known]);
    if (problem !== undefined) return book.reject(problem);
    const i = book.sourceSlot(tick.source);
    book.prices[i] = tick.price;
    book.times[i] = tick.ts;
    const state = this.evaluate(book, now);
    if (book.status[i] === "outlier") {
      if (state === undefined) return book.reject(`outlier: ${tick.price} has no consensus among the sources`);
      const pct = ((tick.price / state.index - 1) * 100).toFixed(2);
      return book.reject(`outlier: ${tick.price} deviates ${pct} % from the index ${state.index}`);
    }
    return { accepted: true, state };
  }

  /** Re-evaluate an asset at `now` (sources age into staleness without new ticks); undefined if it never had an index. */
  refresh(asset: string, now: number): IndexState | undefined {
    const book = this.books.get(asset);
    if (!book || !Number.isFinite(now)) return book?.state;
    return this.evaluate(book, now);
  }

  /** The state at the last update or refresh of `asset`. */
  state(asset: string): IndexState | undefined {
    return this.books.get(asset)?.state;
  }

  /** Assets seen so far, in first-seen order. */
  assets(): string[] {
    return [...this.books.keys()];
  }

  /** Rejected ticks of an asset by reason (`invalid`, `stale`, `future`, `duplicate`, `out of order`, `outlier`). */
  rejections(asset: string): RejectionCounts {
    return Object.fromEntries(this.books.get(asset)?.rejections ?? []);
  }

  private book(asset: string): AssetBook {
    let b = this.books.get(asset);
    if (!b) {
      b = new AssetBook(asset, assetParams(this.config, asset));
      this.books.set(asset, b);
    }
    return b;
  }

  private evaluate(book: AssetBook, now: number): IndexState | undefined {
    const p = book.params;
    const { fresh, kept } = book.scratch;
    let nFresh = 0;
    for (let i = 0; i < book.names.length; i++) {
      const ok = now - book.times[i] <= p.maxAgeMs;
      book.status[i] = ok ? "ok" : "stale";
      if (ok) fresh[nFresh++] = book.prices[i];
    }
    sortPrefix(fresh, nFresh);
    const reference = medianSorted(fresh, nFresh);
    let nKept = 0;
    let newest = -Infinity;
    for (let i = 0; i < book.names.length; i++) {
      if (book.status[i] !== "ok") continue;
      if (Math.abs(book.prices[i] / reference - 1) > p.maxDeviation) {
        book.status[i] = "outlier";
      } else {
        kept[nKept++] = book.prices[i];
        if (book.times[i] > newest) newest = book.times[i];
      }
    }
    const previous = book.index;
    if (nKept > 0) {
      sortPrefix(kept, nKept);
      book.index = anchoredMedianSorted(kept, nKept, reference);
    }
    if (Number.isNaN(book.index)) return undefined;
    this.smooth(book, now, previous);
    const move = book.window.push(Math.max(now, book.lastEval), book.index);
    book.lastEval = Math.max(now, book.lastEval);
    book.state = {
      asset: book.asset,
      index: book.index,
      stable: book.stable,
      ts: nKept > 0 ? newest : book.state?.ts ?? now,
      sources: book.rows(),
      degraded: nKept < p.minSources,
      circuitBreaker: move > p.breakerMove,
    };
    return book.state;
  }

  /**
   * Time-weighted EMA of the index, sample-and-hold: over the `dt` since the last evaluation the index was
   * `previous`, so EMA ← previous + (EMA − previous)·2^(−dt/halfLife); a new print only gains weight as time
   * passes, and a spike corrected at the next update weighs only its duration. The stable price then follows
   * the EMA, moving at most `stableMaxMovePerSecond` × dt (relative).
   */
  private smooth(book: AssetBook, now: number, previous: number): void {
    const p = book.params;
    if (Number.isNaN(book.ema) || Number.isNaN(previous)) {
      book.ema = book.index;
      book.stable = book.index;
      return;
    }
    const dt = Math.max(0, now - book.lastEval);
    const decay = p.emaHalfLifeMs > 0 ? Math.pow(0.5, dt / p.emaHalfLifeMs) : 0;
    book.ema = previous + (book.ema - previous) * decay;
    const step = book.stable * p.stableMaxMovePerSecond * (dt / 1000);
    book.stable = Math.min(book.stable + step, Math.max(book.stable - step, book.ema));
  }
}

/** A new oracle with `config` (validated; see `parseOracleConfig`) or the defaults. */
export function createOracle(config: OracleConfig = DEFAULT_ORACLE_CONFIG): Oracle {
  return new Oracle(config);
}
