/**
 * Market ingest: feed events → the oracle (src/market/oracle) → engine ticks. Price observations go
 * through the oracle, which rejects invalid, stale, duplicate, out-of-order and outlier prices; when an
 * asset's index changes, one tick event carries it (with pending instrument marks, mark IVs and vol)
 * to the engine, with the oracle's stable price and its degraded / circuit-breaker flags (they also send a
 * tick when they change). Wrapped collateral assets bypass the median and are valued by
 * `wrappedCollateralPrice` (min of deep-book market and redemption value, with a floor).
 */
import type { BookTick, FeedEvent, IndexState, MarketFeed, OracleUpdate, PriceTick } from "../market/oracle/types.js";
import { bookMetrics, CHARGE_BAND } from "../analytics/adaptive/microstructure.js";
import { createOracle, type Oracle } from "../market/oracle/oracle.js";
import { wrappedCollateralPrice, type WrappedParams, type WrappedQuote, type WrappedValuation } from "../margin/wrappedCollateral.js";
import { instrumentNamed } from "../domain/instrument.js";
import { instrumentNameProblem, isPrice, MAX_LIQUIDITY, MAX_RATE, MAX_SPREAD, MAX_VOL, MIN_VOL } from "../input/bounds.js";
import { timeSchema } from "../input/boundSchemas.js";
import { sanitizeTick } from "./priceBands.js";
import type { Engine, SubmitResult } from "./engine.js";

/** A wrapped asset: its underlying and valuation parameters. */
export interface WrappedAssetConfig extends WrappedParams {
  readonly underlying: string;
}

interface Pending {
  ts: number;
  vol?: number;
  rate?: number;
  instruments: Record<string, { mark?: number; markIv?: number; depthUsd?: number; spread?: number }>;
  priceMoved: boolean;
}

export interface PriceResult extends OracleUpdate {
  readonly source: string;
  readonly asset: string;
  readonly wrapped?: WrappedValuation;
}

/** Reports feed problems: refusals in a row beyond a threshold, and submit failures (exceptions). */
export interface IngestMonitor {
  /** Consecutive refusals of one asset's observations or ticks before the first report (then at 10×, 100×, ...). */
  readonly threshold: number;
  report(msg: string, fields: Readonly<Record<string, string | number | boolean | null>>): void;
}

export class MarketIngest {
  /** Where feed problems are reported (none by default). */
  monitor: IngestMonitor | undefined;
  /** Per asset: observations or ticks refused since the last accepted one. */
  private readonly refusedInRow = new Map<string, number>();
  readonly oracle: Oracle;
  private readonly pending = new Map<string, Pending>();
  private readonly wrappedQuotes = new Map<string, Map<string, WrappedQuote>>();
  private readonly wrappedValue = new Map<string, WrappedValuation>();
  private scheduled = false;
  private feed: MarketFeed | undefined;
  readonly counters = { accepted: 0, rejected: 0, ticksSubmitted: 0 };
  /** Called with every feed event before it is handled (e.g. the live features of the adaptive scheduler); an observer must not throw. */
  readonly observers = new Set<(e: FeedEvent) => void>();
  /** Where ticks go (default: `engine.submit`); scale-out publishes them to the market stream instead (src/adapters/http/scaleout.ts). */
  submitTick: ((tick: unknown) => Promise<SubmitResult>) | undefined;

  constructor(private readonly engine: Engine, private readonly wrapped: Readonly<Record<string, WrappedAssetConfig>> = {}, oracle?: Oracle) {
    this.oracle = oracle ?? createOracle();
  }

  private slot(asset: string, ts: number): Pending {
    let p = this.pending.get(asset);
    if (!p) this.pending.set(asset, (p = { ts, instruments: {}, priceMoved: false }));
    p.ts = Math.max(p.ts, ts);
    return p;
  }

  /** One price observation; `depthUsd` is used for wrapped assets only. */
  price(tick: PriceTick, depthUsd?: number): PriceResult {
    // Own names only: a feed's asset named "constructor" or "__proto__" is not a wrapped asset.
    const w = Object.hasOwn(this.wrapped, tick.asset) ? this.wrapped[tick.asset] : undefined;
    if (w) {
      const ok = typeof tick.price === "number" && Number.isFinite(tick.price) && tick.price > 0;
      const book = this.wrappedQuotes.get(tick.asset) ?? new Map<string, WrappedQuote>();
      this.wrappedQuotes.set(tick.asset, book);
      if (ok) book.set(tick.source, { source: tick.source, price: tick.price, depthUsd: depthUsd ?? 0 });
      const u = this.engine.state.market?.assets[w.underlying]?.index ?? 0;
      const v = wrappedCollateralPrice([...book.values()], u, w);
      this.wrappedValue.set(tick.asset, v);
      this.slot(tick.asset, tick.ts).priceMoved = true;
      this.schedule();
      if (!ok) this.counters.rejected++;
      else this.counters.accepted++;
      return { source: tick.source, asset: tick.asset, accepted: ok, ...(ok ? {} : { reason: "invalid: price is not a positive number" }), wrapped: v };
    }
    const before = this.oracle.state(tick.asset)?.index;
    const r = this.oracle.update(tick, tick.ts);
    if (r.accepted) this.counters.accepted++;
    else this.counters.rejected++;
    this.track(tick.asset, r.accepted, r.reason);
    const flagsChanged = r.state !== undefined && (r.state.degraded !== (this.engine.state.market?.oracle[tick.asset]?.degraded ?? false) || r.state.circuitBreaker !== (this.engine.state.market?.oracle[tick.asset]?.circuitBreaker ?? false));
    if ((r.accepted && r.state && r.state.index !== before) || flagsChanged) {
      this.slot(tick.asset, r.state.ts).priceMoved = true;
      this.schedule();
    }
    return { source: tick.source, asset: tick.asset, ...r };
  }

  /**
   * Any feed event (prices, instrument marks, asset vol). Values outside the fixed bounds of src/input/bounds.ts
   * (an unknown instrument, a mark of 1e-300, a vol of 0) are dropped here and counted as refused, whatever the
   * feed (simulated, replay, Deribit); index prices go to the oracle, which has its own checks.
   */
  onFeed(e: FeedEvent): void {
    for (const o of this.observers) o(e);
    if (e.kind === "price") { this.price(e.tick); return; }
    if (e.kind === "trade") return;
    if (e.kind === "book") { this.book(e.tick); return; }
    if (e.kind === "instrument") {
      const inst = instrumentNamed(e.tick.instrument);
      if (!inst || instrumentNameProblem(e.tick.instrument) || !timeSchema.safeParse(e.tick.ts).success) {
        this.refuseFeed(inst?.underlying ?? "(unknown)", `instrument tick with an unknown instrument or an invalid time: ${JSON.stringify(e.tick).slice(0, 200)}`);
        return;
      }
      const mark = e.tick.mark !== undefined && isPrice(e.tick.mark) ? e.tick.mark : undefined;
      const markIv = e.tick.markIv !== undefined && e.tick.markIv >= MIN_VOL && e.tick.markIv <= MAX_VOL ? e.tick.markIv : undefined;
      if (mark !== e.tick.mark || markIv !== e.tick.markIv) this.refuseFeed(inst.underlying, `${e.tick.instrument}: mark or mark IV outside the fixed bounds (${String(e.tick.mark)}, ${String(e.tick.markIv)})`);
      if (mark === undefined && markIv === undefined) return;
      const p = this.slot(inst.underlying, e.tick.ts);
      p.instruments[e.tick.instrument] = { ...p.instruments[e.tick.instrument], ...(mark !== undefined ? { mark } : {}), ...(markIv !== undefined ? { markIv } : {}) };
    } else {
      if (!timeSchema.safeParse(e.tick.ts).success || !/^[A-Z][A-Z0-9]{0,11}$/.test(e.tick.asset)) { this.refuseFeed(e.tick.asset.slice(0, 12), "asset tick: invalid asset or time"); return; }
      const p = this.slot(e.tick.asset, e.tick.ts);
      if (e.tick.vol !== undefined) { if (e.tick.vol >= MIN_VOL && e.tick.vol <= MAX_VOL) p.vol = e.tick.vol; else this.refuseFeed(e.tick.asset, `vol ${e.tick.vol} out of [${MIN_VOL}, ${MAX_VOL}]`); }
      if (e.tick.rate !== undefined) { if (Math.abs(e.tick.rate) <= MAX_RATE) p.rate = e.tick.rate; else this.refuseFeed(e.tick.asset, `rate ${e.tick.rate} out of [-${MAX_RATE}, ${MAX_RATE}]`); }
    }
    this.schedule();
  }

  /**
   * A book snapshot: its spread and thinner-side depth within ±1 % of the mid (USD; coin amounts × price) join the
   * asset's next tick as the instrument's `spread` and `depthUsd` (the liquidity charges' inputs). A book that is
   * empty, crossed or has a level outside the fixed bounds is refused.
   */
  private book(b: BookTick): void {
    const inst = instrumentNamed(b.instrument);
    if (!inst || instrumentNameProblem(b.instrument) || !timeSchema.safeParse(b.ts).success) {
      this.refuseFeed(inst?.underlying ?? "(unknown)", `book with an unknown instrument or an invalid time: ${b.instrument.slice(0, 64)}`);
      return;
    }
    const inBounds = (l: readonly [number, number]) => isPrice(l[0]) && l[1] >= 0 && l[1] <= MAX_LIQUIDITY;
    const m = b.bids.every(inBounds) && b.asks.every(inBounds) ? bookMetrics(b.bids, b.asks, b.unit === "usd" ? (_p, a) => a : (p, a) => p * a, [CHARGE_BAND]) : undefined;
    if (!m || m.spread > MAX_SPREAD) { this.refuseFeed(inst.underlying, `${b.instrument}: book empty, crossed or outside the fixed bounds`); return; }
    const p = this.slot(inst.underlying, b.ts);
    p.instruments[b.instrument] = { ...p.instruments[b.instrument], depthUsd: m.depth[0].minUsd, spread: m.spread };
    this.schedule();
  }

  private refuseFeed(asset: string, reason: string): void {
    this.counters.rejected++;
    this.track(asset, false, reason);
  }

  /** Count refusals in a row per asset; report at threshold × 10^k. */
  private track(asset: string, accepted: boolean, reason: string | undefined): void {
    if (accepted) { this.refusedInRow.delete(asset); return; }
    const n = (this.refusedInRow.get(asset) ?? 0) + 1;
    this.refusedInRow.set(asset, n);
    const t = this.monitor?.threshold ?? 0;
    if (!this.monitor || t <= 0 || n < t) return;
    let at = t;
    while (at < n) at *= 10;
    if (at === n) this.monitor.report("feed: prices refused in a row", { asset, refusedInRow: n, lastReason: reason ?? null });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush().catch((e: unknown) => this.monitor?.report("feed: submitting ticks failed", { error: e instanceof Error ? e.name : "Error", detail: e instanceof Error ? e.message : String(e) }));
    });
  }

  /** Oracle state of an asset (undefined for wrapped assets and unknown ones). */
  indexState(asset: string): IndexState | undefined {
    return this.oracle.state(asset);
  }

  wrappedState(asset: string): WrappedValuation | undefined {
    return this.wrappedValue.get(asset);
  }

  /** Submit one tick per asset with pending data; returns the engine's answers. */
  async flush(): Promise<SubmitResult[]> {
    const out: SubmitResult[] = [];
    const items = [...this.pending];
    this.pending.clear();
    for (const [asset, p] of items) {
      const m = this.engine.state.market;
      if (!m || !Object.hasOwn(m.assets, asset)) continue;
      const wrapped = Object.hasOwn(this.wrapped, asset);
      const index = wrapped ? this.wrappedValue.get(asset)?.price : this.oracle.state(asset)?.index;
      const px = index !== undefined && index > 0 ? index : m.assets[asset].index;
      const ts = Math.max(p.ts, m.asOf[asset] ?? m.start);
      const instruments = Object.keys(p.instruments).length > 0 ? { instruments: p.instruments } : {};
      const st = wrapped ? undefined : this.oracle.state(asset);
      const flags = st ? { stable: st.stable > 0 && st.stable <= 1e12 ? st.stable : px, degraded: st.degraded, circuitBreaker: st.circuitBreaker } : {};
      const raw = { type: "tick", asset, ts, index: px, ...(p.vol !== undefined ? { vol: p.vol } : {}), ...(p.rate !== undefined ? { rate: p.rate } : {}), ...instruments, ...flags };
      // Marks outside their band are dropped and the stable price clamped (one bad quote must not hold back the index).
      const { tick, dropped } = sanitizeTick(m, raw, this.engine.bands);
      for (const d of dropped) this.refuseFeed(asset, `${d.path} ${d.message}`);
      const r = await (this.submitTick ? this.submitTick(tick) : this.engine.submit(tick));
      this.counters.ticksSubmitted++;
      this.track(asset, r.ok, r.ok ? undefined : `engine: ${r.reason}`);
      out.push(r);
    }
    return out;
  }

  /** Start a feed into this ingest. */
  async start(feed: MarketFeed): Promise<void> {
    this.feed = feed;
    await feed.start((e) => this.onFeed(e));
  }

  async stop(): Promise<void> {
    await this.feed?.stop();
    this.feed = undefined;
  }
}
