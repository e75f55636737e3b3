/**
 * Seeded accounts in the portfolio-file JSON format, mixing positions in the synthetic universe.
 * Sizes are in each instrument's own unit: USD notional for inverse futures and perpetuals, coins for
 * linear contracts and options. Collateral in BTC, ETH and USDC.
 */
import type { UniverseEntry } from "./market.js";
import { mulberry32, type Rng } from "./prng.js";

export interface PositionFile {
  instrument: string;
  size: number;
  entryPrice?: number;
}

export interface OrderFile {
  instrument: string;
  size: number;
}

/** The portfolio file as written to disk. */
export interface PortfolioFile {
  account: string;
  collateral: Record<string, number>;
  positions: PositionFile[];
  openOrders?: OrderFile[];
}

/** Typical coin size scale per underlying (linear contracts and options). */
const COIN_SCALE: Record<UniverseEntry["underlying"], number> = { BTC: 2, ETH: 30, SOL: 400 };
/** Typical USD notional of an inverse contract. */
const USD_SCALE: Record<UniverseEntry["underlying"], number> = { BTC: 200_000, ETH: 50_000, SOL: 20_000 };

const roundTo = (v: number, step: number): number => Number((Math.round(v / step) * step).toFixed(8));

/** Log-uniform magnitude in [scale/20, 5·scale]. */
function magnitude(rng: Rng, scale: number): number {
  return scale * Math.exp(rng.uniform(Math.log(1 / 20), Math.log(5)));
}

export function positionSize(rng: Rng, e: UniverseEntry): number {
  if (e.settlement === "inverse" && e.kind !== "option") {
    // Inverse futures/perpetuals: USD notional in multiples of the contract size (10 USD BTC, 1 USD ETH).
    const step = e.underlying === "BTC" ? 10 : 1;
    return rng.sign() * Math.max(step, roundTo(magnitude(rng, USD_SCALE[e.underlying]), step));
  }
  const step = e.underlying === "BTC" ? 0.01 : e.underlying === "ETH" ? 0.1 : 1;
  return rng.sign() * Math.max(step, roundTo(magnitude(rng, COIN_SCALE[e.underlying]), step));
}

function position(rng: Rng, e: UniverseEntry): PositionFile {
  const p: PositionFile = { instrument: e.name, size: positionSize(rng, e) };
  if (e.kind !== "option" && e.mark !== undefined && rng.chance(0.5)) p.entryPrice = Number((e.mark * (1 + rng.uniform(-0.06, 0.06))).toPrecision(7));
  return p;
}

function collateral(rng: Rng, scale: number): Record<string, number> {
  const c: Record<string, number> = {};
  if (rng.chance(0.8)) c.USDC = roundTo(scale * rng.uniform(50_000, 2_000_000), 0.01);
  if (rng.chance(0.6)) c.BTC = roundTo(scale * rng.uniform(0.5, 25), 0.0001);
  if (rng.chance(0.4)) c.ETH = roundTo(scale * rng.uniform(5, 300), 0.001);
  if (Object.keys(c).length === 0) c.USDC = roundTo(scale * 100_000, 0.01);
  return c;
}

/** `n` distinct instruments: mostly from one or two underlyings, as real accounts are. */
function pickInstruments(rng: Rng, universe: readonly UniverseEntry[], n: number): UniverseEntry[] {
  const unders = ["BTC", "ETH", "SOL"] as const;
  const main = rng.pick(unders);
  const second = rng.pick(unders);
  const chosen = new Set<UniverseEntry>();
  const byUnder = (u: string) => universe.filter((e) => e.underlying === u);
  const pools = { main: byUnder(main), second: byUnder(second) };
  let guard = 0;
  while (chosen.size < n && guard++ < 10_000) {
    const r = rng.next();
    const pool = r < 0.7 ? pools.main : r < 0.9 ? pools.second : universe;
    chosen.add(rng.pick(pool));
  }
  return [...chosen];
}

/** A book of `count` accounts with 1-12 positions each (mean about 5), or exactly `positions`; about 10 % have one open order. */
export function syntheticBook(seed: number, universe: readonly UniverseEntry[], count: number, positions?: number): PortfolioFile[] {
  const rng = mulberry32(seed);
  const out: PortfolioFile[] = [];
  for (let i = 0; i < count; i++) {
    const drawn = 1 + Math.floor(Math.pow(rng.next(), 1.6) * 12), n = positions ?? drawn;
    const insts = pickInstruments(rng, universe, n);
    const pf: PortfolioFile = { account: `acct-${String(i).padStart(6, "0")}`, collateral: collateral(rng, 0.2 + 0.4 * n), positions: insts.map((e) => position(rng, e)) };
    if (rng.chance(0.1)) {
      const e = rng.pick(insts);
      pf.openOrders = [{ instrument: e.name, size: positionSize(rng, e) }];
    }
    out.push(pf);
  }
  return out;
}

/** One large account: `n` distinct instruments across all three underlyings, BTC/ETH/USDC collateral. */
export function largeAccount(seed: number, universe: readonly UniverseEntry[], n: number): PortfolioFile {
  const rng = mulberry32(seed);
  const shuffled = [...universe];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  if (shuffled.length < n) throw new Error(`universe has ${shuffled.length} instruments, need ${n}`);
  return {
    account: `large-${n}`,
    collateral: { USDC: 5_000_000, BTC: 60, ETH: 800 },
    positions: shuffled.slice(0, n).map((e) => position(rng, e)),
  };
}
