/**
 * A simulated order book and trades beside the simulated market (simulated.ts): after each step, for every
 * future and perpetual it marks and for the spot of every asset that moves (not the stablecoins), a book of
 * `levels` price levels per side around the mark (spot: the true index) and a few trades.
 *
 * Book of an instrument on asset A at vol σ (A's simulated flat vol now) with reference vol σ̄ (A's configured vol):
 *   spread s = baseSpread · (σ/σ̄) · e^{0.1 Z}, level i = 1..L at mid·(1 ∓ (s/2 + (i−1)·levelStep)),
 *   USD per level = levelUsd · (σ̄/σ) · e^{0.3 Zᵢ}
 * so the spread widens and the book thins as vol rises. Amounts are in the venue's unit (USD for inverse futures
 * and perpetuals, coins otherwise, Deribit's convention). Trades: Poisson(`tradesPerStep`) per instrument, the
 * taker buying with probability ½ + ¼·sign(last move), USD size lognormal around `tradeUsd`, at the best quote.
 * Randomness from its own seeded PRNG (seed derived from the market's), so the price path is unchanged.
 */
import { parseInstrument, type Instrument } from "../../domain/instrument.js";
import type { FeedEvent } from "../../market/oracle/types.js";
import { SeededRng } from "./prng.js";
import type { SimulatedStep } from "./simulated.js";
import type { SimulatedConfig } from "./simulatedConfig.js";

/** Book and trade settings (defaults: 10 levels, 1 bp spread at the reference vol, 0.1 % between levels, 1 M USD a level). */
export interface SimulatedBookOptions {
  readonly levels: number;
  /** Relative spread at the reference vol. */
  readonly baseSpread: number;
  /** Relative distance between consecutive levels. */
  readonly levelStep: number;
  /** USD per level at the reference vol. */
  readonly levelUsd: number;
  /** Mean trades per step and instrument. */
  readonly tradesPerStep: number;
  /** Median trade size, USD. */
  readonly tradeUsd: number;
}

export const DEFAULT_BOOK: SimulatedBookOptions = { levels: 10, baseSpread: 0.0001, levelStep: 0.001, levelUsd: 1_000_000, tradesPerStep: 2, tradeUsd: 20_000 };

const SOURCE = "sim-book";

interface Book { readonly inst: Instrument; readonly asset: string; readonly usdUnit: boolean }

/** Generates the books and trades of each step (see the module comment). */
export class SimulatedMicrostructure {
  private readonly rng: SeededRng;
  private readonly books: Book[];
  private readonly refVol = new Map<string, number>();
  private readonly lastIndex = new Map<string, number>();

  constructor(config: SimulatedConfig, readonly options: SimulatedBookOptions = DEFAULT_BOOK) {
    this.rng = new SeededRng((config.seed ^ 0x5bd1e995) >>> 0);
    const moving = config.assets.filter((a) => !(a.jumpsPerYear === 0 && a.volOfVol === 0));
    for (const a of config.assets) this.refVol.set(a.asset, a.vol);
    const delta1 = config.instruments.flatMap((n) => {
      const p = parseInstrument(n);
      return p.ok && (p.value.kind === "future" || p.value.kind === "perpetual") ? [p.value] : [];
    });
    const spot = moving.flatMap((a) => { const p = parseInstrument(a.asset); return p.ok ? [p.value] : []; });
    this.books = [...delta1, ...spot].map((inst) => ({ inst, asset: inst.underlying, usdUnit: inst.settlement === "inverse" && inst.kind !== "spot" }));
  }

  /** The book and trade events of a step (stamped with its time). */
  events(step: SimulatedStep): FeedEvent[] {
    const marks = new Map<string, number>();
    for (const e of step.events) if (e.kind === "instrument" && e.tick.mark !== undefined) marks.set(e.tick.instrument, e.tick.mark);
    const out: FeedEvent[] = [];
    for (const b of this.books) {
      const t = step.truth[b.asset];
      if (!t) continue;
      const mid = b.inst.kind === "spot" ? t.index : marks.get(b.inst.name);
      if (mid === undefined) continue;
      out.push(...this.bookAndTrades(b, mid, t.vol / (this.refVol.get(b.asset) ?? t.vol), Math.sign(t.index - (this.lastIndex.get(b.asset) ?? t.index)), step.ts));
    }
    for (const [a, t] of Object.entries(step.truth)) this.lastIndex.set(a, t.index);
    return out;
  }

  private bookAndTrades(b: Book, mid: number, volRatio: number, move: number, ts: number): FeedEvent[] {
    const o = this.options, rng = this.rng;
    const spread = Math.min(0.5, o.baseSpread * volRatio * Math.exp(0.1 * rng.normal()));
    const amount = (price: number, usd: number) => (b.usdUnit ? Math.round(usd / 10) * 10 : usd / price);
    const side = (sign: -1 | 1): [number, number][] => Array.from({ length: o.levels }, (_, i) => {
      const price = mid * (1 + sign * (spread / 2 + i * o.levelStep));
      return [price, amount(price, (o.levelUsd / volRatio) * Math.exp(0.3 * rng.normal()))];
    });
    const bids = side(-1), asks = side(1);
    const unit = b.usdUnit ? "usd" : "coin";
    const out: FeedEvent[] = [{ kind: "book", tick: { source: SOURCE, instrument: b.inst.name, bids, asks, unit, ts } }];
    for (let n = rng.poisson(o.tradesPerStep); n > 0; n--) {
      const buy = rng.next() < 0.5 + 0.25 * move;
      const price = buy ? asks[0][0] : bids[0][0];
      out.push({ kind: "trade", tick: { source: SOURCE, instrument: b.inst.name, price, amount: amount(price, o.tradeUsd * Math.exp(0.8 * rng.normal())), unit, side: buy ? "buy" : "sell", ts } });
    }
    return out;
  }
}
