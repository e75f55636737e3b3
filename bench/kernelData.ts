/**
 * Data of the kernel benchmarks (bench/kernel.ts): the synthetic market as an engine MarketState, books of
 * accounts with 20 positions each as kernel specs, and the floor loop the issue defines (80 instruments × 35
 * scenarios in one Float64Array; per account Σ size × instrument vector over its 20 positions, then the minimum).
 */
import { applyTick, completeTick, marketStateFrom, type MarketState } from "../src/engine/marketState.js";
import { parseMarket } from "../src/input/marketSchema.js";
import type { KernelAccountSpec } from "../src/margin/kernel/index.js";
import type { RiskContext } from "../src/margin/riskContext.js";
import { instrumentNamed } from "../src/domain/instrument.js";
import { syntheticMarket, type UniverseEntry } from "./market.js";
import { mulberry32 } from "./prng.js";
import { must } from "./stats.js";

export const SEED_MARKET = 20241120;
export const POSITIONS = 20;
export const FLOOR_INSTRUMENTS = 80;

export interface KernelData {
  readonly market: MarketState;
  readonly universe: readonly UniverseEntry[];
  /** The 80 instruments of the floor matrix (every BTC and ETH instrument, then SOL's). */
  readonly floorInstruments: readonly string[];
}

export function kernelData(): KernelData {
  const { file, universe } = syntheticMarket(SEED_MARKET);
  const market = marketStateFrom(must(parseMarket(file)));
  const floorInstruments = universe.map((e) => e.name).slice(0, FLOOR_INSTRUMENTS);
  return { market, universe, floorInstruments };
}

/** Size of one position: USD notional for inverse futures/perpetuals, coins otherwise. */
function sizeOf(e: UniverseEntry, u: number): number {
  const s = (u * 2 - 1) || 0.5;
  if (e.kind === "option") return Math.round(s * 400) / 100;
  return e.settlement === "inverse" ? Math.round(s * 20_000) * 10 : Math.round(s * 400) / 100;
}

/**
 * Account `a` of a BTC book: 20 distinct BTC instruments (futures, perpetuals, options; half the futures with
 * an entry price), USDC and BTC collateral. Deterministic in (seed, a): a book of any size can be made one
 * account at a time.
 */
export function btcAccount(universe: readonly UniverseEntry[], seed: number, a: number): KernelAccountSpec {
  const btc = universe.filter((e) => e.underlying === "BTC");
  const rng = mulberry32(seed * 1_000_003 + a);
  const picks = new Set<UniverseEntry>();
  while (picks.size < POSITIONS) picks.add(btc[Math.floor(rng.next() * btc.length)]);
  const positions = [...picks].map((e) => {
    const size = sizeOf(e, rng.next());
    return e.kind !== "option" && e.mark !== undefined && rng.chance(0.5) ? { instrument: e.name, size, entryPrice: Number((e.mark * (1 + rng.uniform(-0.05, 0.05))).toPrecision(7)) } : { instrument: e.name, size };
  });
  return { collateral: { USDC: Math.round(rng.uniform(2e5, 2e6)), BTC: Math.round(rng.uniform(1, 20) * 100) / 100 }, positions, openOrders: [] };
}

/** A BTC tick moving the index by a seeded ±0.2 % (futures' marks follow, as the engine completes ticks). */
export function btcTick(m: MarketState, r: () => number): void {
  const prev = m.assets.BTC.index;
  const ts = Math.max(...Object.values(m.asOf)) + 1000;
  const e = completeTick(m, { type: "tick", asset: "BTC", ts, index: prev * (1 + (r() - 0.5) * 0.004) });
  applyTick(m, e);
}

/** The floor of the issue: a plain single-threaded loop over Float64Arrays. */
export class Floor {
  readonly matrix = new Float64Array(FLOOR_INSTRUMENTS * 35);
  readonly rows: Int32Array;
  readonly sizes: Float64Array;
  readonly out: Float64Array;
  private readonly acc = new Float64Array(35);

  constructor(readonly instruments: readonly string[], specs: readonly KernelAccountSpec[]) {
    const at = new Map(instruments.map((n, i) => [n, i]));
    this.rows = new Int32Array(specs.length * POSITIONS);
    this.sizes = new Float64Array(specs.length * POSITIONS);
    this.out = new Float64Array(specs.length);
    specs.forEach((s, a) => s.positions.forEach((p, j) => { this.rows[a * POSITIONS + j] = 35 * (at.get(p.instrument) ?? 0); this.sizes[a * POSITIONS + j] = p.size; }));
  }

  /** Copy the 80 instruments' 27 grid + 8 extended cells from a context (what a tick would have priced). */
  fill(ctx: RiskContext): void {
    this.instruments.forEach((n, i) => {
      const r = must(ctx.risk(instrumentNamed(n)!));
      this.matrix.set(r.grid.subarray(0, 27), 35 * i);
      this.matrix.set(r.extended.subarray(0, 8), 35 * i + 27);
    });
  }

  /** Every account: Σ size × row over its 20 positions, then the minimum over the 35 scenarios. */
  run(): number {
    const m = this.matrix, rows = this.rows, sizes = this.sizes, out = this.out, acc = this.acc;
    const n = out.length;
    let check = 0;
    for (let a = 0; a < n; a++) {
      for (let i = 0; i < 35; i++) acc[i] = 0;
      for (let j = a * POSITIONS; j < (a + 1) * POSITIONS; j++) {
        const o = rows[j], s = sizes[j];
        for (let i = 0; i < 35; i++) acc[i] += s * m[o + i];
      }
      let min = Infinity;
      for (let i = 0; i < 35; i++) if (acc[i] < min) min = acc[i];
      out[a] = min;
      check += min;
    }
    return check;
  }
}
