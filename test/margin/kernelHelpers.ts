/**
 * Random books and tick streams for the kernel tests: accounts as kernel specs on the synthetic universe
 * (bench/market.ts: inverse and linear futures, perpetuals, options with mark IVs, an SVI surface and flat vols),
 * stable-coin and coin spot positions, collateral in risky assets and stablecoins (negative and zero balances
 * included), open orders; ticks moving an asset's index, vol, its futures' marks and options' IVs.
 */
import fc from "fast-check";
import { syntheticMarket } from "../../bench/market.js";
import { instrumentNamed } from "../../src/domain/instrument.js";
import type { Portfolio, Position } from "../../src/domain/portfolio.js";
import type { TickEvent } from "../../src/engine/events.js";
import { applyTick, completeTick, latestAsOf, marketStateFrom, type MarketState } from "../../src/engine/marketState.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import type { KernelAccountSpec } from "../../src/margin/kernel/index.js";
import type { MarginParams } from "../../src/margin/params.js";

export const synthetic = syntheticMarket(20241120);

export function syntheticState(): MarketState {
  const m = parseMarket(synthetic.file);
  if (!m.ok) throw new Error("synthetic market does not parse");
  return marketStateFrom(m.value);
}

export const deribit = loadPreset("deribit");
export const correlated: MarginParams = { ...deribit, portfolio: { ...deribit.portfolio, crossAsset: { mode: "correlation", correlations: { "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 }, maxCredit: 0.5 } } };

const NAMES = [...synthetic.universe.map((e) => e.name), "BTC", "ETH", "SOL", "USDC", "USDT"];
const SCALE: Record<string, number> = { BTC: 2, ETH: 30, SOL: 400 };
const MARKS = synthetic.file.instruments;

function scaled(name: string, size: number): number {
  const i = instrumentNamed(name)!;
  const coin = SCALE[i.underlying] ?? 1000;
  return i.settlement === "inverse" && i.kind !== "option" && i.kind !== "spot" ? size * 50_000 : size * coin;
}

const positionArb = fc.record({
  name: fc.constantFrom(...NAMES),
  size: fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }).filter((x) => Math.abs(x) > 1e-3),
  entry: fc.option(fc.double({ min: 0.9, max: 1.1, noNaN: true }), { nil: undefined }),
});

/** One random account spec. Option entries are premiums (coin or quote per coin), futures' entries prices. */
export const specArb: fc.Arbitrary<KernelAccountSpec> = fc.record({
  positions: fc.array(positionArb, { maxLength: 20 }),
  orders: fc.array(positionArb, { maxLength: 3 }),
  collateral: fc.dictionary(fc.constantFrom("USDC", "USDT", "BTC", "ETH", "SOL"), fc.oneof(fc.double({ min: -50, max: 500, noNaN: true }), fc.constant(0)), { maxKeys: 5 }),
}).map((b) => {
  const collateral: Record<string, number> = {};
  for (const [a, v] of Object.entries(b.collateral)) collateral[a] = a === "USDC" || a === "USDT" ? v * 10_000 : (v * (SCALE[a] ?? 1)) / 2;
  // Distinct instruments per account (as the engine keeps them); orders may repeat a held one.
  const seen = new Set<string>();
  const positions = b.positions.filter((p) => !seen.has(p.name) && seen.add(p.name)).map((p) => {
    const inst = instrumentNamed(p.name)!;
    const mark = MARKS[p.name]?.mark;
    const entry = p.entry === undefined ? undefined : inst.kind === "option" ? 0.05 * p.entry : mark !== undefined ? mark * p.entry : undefined;
    return entry !== undefined && inst.kind !== "spot" ? { instrument: p.name, size: scaled(p.name, p.size), entryPrice: entry } : { instrument: p.name, size: scaled(p.name, p.size) };
  });
  return { collateral, positions, openOrders: b.orders.map((o) => ({ instrument: o.name, size: scaled(o.name, o.size) })) };
});

/** The Portfolio `portfolioMargin` sees for a spec (entry prices on futures and perpetuals only, as `toPortfolio`). */
export function portfolioOf(account: string, spec: KernelAccountSpec): Portfolio {
  return {
    account, collateral: spec.collateral,
    positions: spec.positions.map((p): Position => {
      const instrument = instrumentNamed(p.instrument)!;
      const dated = instrument.kind === "future" || instrument.kind === "perpetual";
      return dated && p.entryPrice !== undefined ? { instrument, size: p.size, entryPrice: p.entryPrice } : { instrument, size: p.size };
    }),
    openOrders: spec.openOrders.map((o) => ({ instrument: instrumentNamed(o.instrument)!, size: o.size })),
  };
}

/** A tick: asset, relative index move, optional vol, mark and IV moves of some of its instruments. */
export const tickArb = fc.record({
  asset: fc.constantFrom("BTC", "ETH", "SOL", "USDC"),
  move: fc.double({ min: -0.08, max: 0.08, noNaN: true }),
  vol: fc.option(fc.double({ min: 0.3, max: 1.2, noNaN: true }), { nil: undefined }),
  ivShift: fc.option(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { nil: undefined }),
  markShift: fc.option(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { nil: undefined }),
});
export type TickSpec = typeof tickArb extends fc.Arbitrary<infer T> ? T : never;

/** Apply a random tick to the market state (as the engine does: completed, then applied); returns the event. */
export function applyRandomTick(m: MarketState, t: TickSpec): TickEvent {
  const prev = m.assets[t.asset].index;
  const instruments: NonNullable<TickEvent["instruments"]> = {};
  for (const [name, x] of Object.entries(m.instruments)) {
    const i = instrumentNamed(name);
    if (!i || i.underlying !== t.asset) continue;
    if (t.ivShift !== undefined && x.markIv !== undefined) instruments[name] = { markIv: Math.max(0.05, x.markIv + t.ivShift) };
    if (t.markShift !== undefined && x.mark !== undefined && i.kind === "future") instruments[name] = { mark: x.mark * (1 + t.move + t.markShift) };
  }
  const raw: TickEvent = { type: "tick", asset: t.asset, ts: latestAsOf(m) + 60_000, index: prev * (1 + t.move), ...(t.vol !== undefined && t.asset !== "USDC" ? { vol: t.vol } : {}), instruments };
  const e = completeTick(m, raw);
  applyTick(m, e);
  return e;
}
