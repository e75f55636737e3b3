/**
 * Live features of each asset for the adaptive scheduler (issue 13 item 1, the live part):
 *
 * - Daily bars from the oracle index: every applied tick's index (the engine's, so bars rebuilt from the log's
 *   ticks after a restart are the same) goes into a BarBuilder (src/analytics/adaptive/liveBars.ts); the bar
 *   features are then computed by the offline code on history + live bars. Live bars carry no volume (the CSV's
 *   volume is an aggregate over venues a feed does not see): `relVolume` scores 0 on live days.
 * - Realised vol of the index over several windows (`live.rv1h`, `live.rv4h`, `live.rv24h`, 1-minute sampling),
 *   and the regime test: rv over the short window above `ratio` × rv over the long one.
 * - From the feed (books and trades, not logged): the asset's perpetual book's spread and thinner-side depth within
 *   ±0.5/1/2 % of the mid, the spot book's spread and ±1 % depth, traded volume and signed flow (taker buys − sells,
 *   USD, since the bar opened), the perpetual's funding; from the market: basis (perpetual mark / index − 1) and
 *   the smile's ATM level and moneyness skew nearest 30 days (option mark IVs).
 * Each measurement is also kept per bar as a `live.*` column (last value of the day).
 */
import { BarBuilder, DAY_MS, realisedVol } from "../../analytics/adaptive/liveBars.js";
import { basis, bookMetrics, DEPTH_BANDS, smileLevelSkew, tradeFlow, type SmilePoint } from "../../analytics/adaptive/microstructure.js";
import type { Bars } from "../../analytics/adaptive/bars.js";
import { instrumentNamed } from "../../domain/instrument.js";
import type { FeedEvent } from "../../market/oracle/types.js";
import type { MarketState } from "../../engine/marketState.js";
import { MS_PER_YEAR } from "../../market/snapshot.js";

/** Realised-vol windows (ms) reported as `live.rv<name>`. */
export const RV_WINDOWS: readonly (readonly [string, number])[] = [["1h", 3_600_000], ["4h", 4 * 3_600_000], ["24h", DAY_MS]];
/** Sampling interval of the realised vols. */
export const RV_SAMPLE_MS = 60_000;

/** The regime test: rv(short) > ratio × rv(long). */
export interface RegimeRule {
  readonly ratio: number;
  readonly shortMs: number;
  readonly longMs: number;
}

export const DEFAULT_REGIME: RegimeRule = { ratio: 2, shortMs: 3_600_000, longMs: DAY_MS };

interface AssetLive {
  readonly bars: BarBuilder;
  ts: number[];
  px: number[];
  /** Latest measurements by name (without the `live.` prefix). */
  readonly now: Map<string, number>;
  trades: { usd: number; side: "buy" | "sell"; period: number }[];
}

/** Tracks bars and live measurements for a set of assets; fed with applied ticks and feed events. */
export class LiveFeatures {
  private readonly assets = new Map<string, AssetLive>();
  /** Index ticks kept per asset for the realised vols: the longest window and an hour. */
  private readonly keepMs: number;

  constructor(assets: readonly string[], readonly regime: RegimeRule = DEFAULT_REGIME) {
    for (const a of assets) this.assets.set(a, { bars: new BarBuilder(a), ts: [], px: [], now: new Map(), trades: [] });
    this.keepMs = Math.max(DAY_MS, regime.longMs) + 3_600_000;
  }

  /** Assets tracked. */
  get names(): string[] {
    return [...this.assets.keys()];
  }

  /** An applied index of `asset` at `ts` (epoch ms): bar and realised-vol input. */
  onIndex(asset: string, ts: number, index: number): void {
    const a = this.assets.get(asset);
    if (!a || !a.bars.add(ts, index)) return;
    a.ts.push(ts); a.px.push(index);
    if (a.ts[0] < ts - this.keepMs) {
      const cut = a.ts.findIndex((t) => t >= ts - this.keepMs);
      a.ts = a.ts.slice(cut); a.px = a.px.slice(cut);
    }
    for (const [name, ms] of RV_WINDOWS) this.set(a, ts, `rv${name}`, realisedVol(a.ts, a.px, ts, ms, RV_SAMPLE_MS));
  }

  private set(a: AssetLive, ts: number, name: string, v: number): void {
    if (!Number.isFinite(v)) return;
    a.now.set(name, v);
    a.bars.addLive(ts, name, v);
  }

  /** A feed event: books (perpetual and spot), trades and funding of the tracked assets. */
  onFeed(e: FeedEvent): void {
    if (e.kind !== "book" && e.kind !== "trade" && e.kind !== "instrument") return;
    const inst = instrumentNamed(e.tick.instrument);
    const a = inst && this.assets.get(inst.underlying);
    if (!inst || !a) return;
    const perp = inst.kind === "perpetual", spot = inst.kind === "spot";
    if (e.kind === "instrument") { if (perp && e.tick.funding !== undefined) this.set(a, e.tick.ts, "funding", e.tick.funding); return; }
    if (e.kind === "trade") {
      if (!perp) return;
      const period = Math.floor(e.tick.ts / DAY_MS);
      a.trades = a.trades.filter((t) => t.period === period);
      a.trades.push({ usd: e.tick.unit === "usd" ? e.tick.amount : e.tick.amount * e.tick.price, side: e.tick.side, period });
      const f = tradeFlow(a.trades);
      this.set(a, e.tick.ts, "volumeUsd", f.volumeUsd);
      this.set(a, e.tick.ts, "flowUsd", f.flowUsd);
      return;
    }
    if (!perp && !spot) return;
    const m = bookMetrics(e.tick.bids, e.tick.asks, e.tick.unit === "usd" ? (_p, x) => x : (p, x) => p * x);
    if (!m) return;
    if (spot) { this.set(a, e.tick.ts, "spotSpread", m.spread); this.set(a, e.tick.ts, "spotDepth1", m.depth[1].minUsd); return; }
    this.set(a, e.tick.ts, "spread", m.spread);
    DEPTH_BANDS.forEach((b, i) => this.set(a, e.tick.ts, `depth${String(b * 100).replace(".", "_")}`, m.depth[i].minUsd));
  }

  /** Basis and smile features from the live market (called with each applied tick of the asset). */
  onMarket(asset: string, m: MarketState): void {
    const a = this.assets.get(asset), index = m.assets[asset]?.index, ts = m.asOf[asset];
    if (!a || index === undefined || ts === undefined) return;
    const points: SmilePoint[] = [];
    let perp: { mark: number; inverse: boolean } | undefined;
    for (const [name, x] of Object.entries(m.instruments)) {
      const inst = instrumentNamed(name);
      if (!inst || inst.underlying !== asset) continue;
      // The basis of the inverse perpetual when there is one, else of a linear one.
      if (inst.kind === "perpetual" && x.mark !== undefined && !perp?.inverse) perp = { mark: x.mark, inverse: inst.settlement === "inverse" };
      if (inst.kind === "option" && x.markIv !== undefined && inst.strike !== undefined && inst.expiry !== undefined) points.push({ strike: inst.strike, forward: index, years: (inst.expiry - ts) / MS_PER_YEAR, iv: x.markIv });
    }
    if (perp) this.set(a, ts, "basis", basis(perp.mark, index));
    const s = smileLevelSkew(points);
    if (s) { this.set(a, ts, "atmIv", s.atmIv); this.set(a, ts, "skew", s.skew); }
  }

  /** The live bars of an asset (the current day's bar last, still open). */
  bars(asset: string): Bars | undefined {
    return this.assets.get(asset)?.bars.bars(true);
  }

  /** The latest live measurements of an asset, as `live.<name>` → value. */
  snapshot(asset: string): Record<string, number> {
    const a = this.assets.get(asset);
    return a ? Object.fromEntries([...a.now].sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [`live.${k}`, v])) : {};
  }

  /** The regime test of an asset now: short and long realised vols, their ratio, stressed when above the rule's ratio. */
  regimeOf(asset: string): { short: number; long: number; ratio: number; stressed: boolean } | undefined {
    const a = this.assets.get(asset);
    if (!a || a.ts.length < 2) return undefined;
    const to = a.ts[a.ts.length - 1];
    // Not before the ticks span the long window (its vol would be understated).
    if (to - a.ts[0] < this.regime.longMs) return undefined;
    const short = realisedVol(a.ts, a.px, to, this.regime.shortMs, RV_SAMPLE_MS), long = realisedVol(a.ts, a.px, to, this.regime.longMs, RV_SAMPLE_MS);
    const ratio = long > 0 ? short / long : NaN;
    return { short, long, ratio, stressed: Number.isFinite(ratio) && ratio > this.regime.ratio };
  }
}
