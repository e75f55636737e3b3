/**
 * Demo mode of `dpm serve --demo`: the example market, the example books loaded as `--book
 * examples/books.jsonl` does (each line an account as it stands: src/adapters/bookLoader.ts), and the seeded
 * simulated feed starting at the market's time and advancing with the wall clock, anchored to the market so that
 * its first tick keeps every future's basis and every option's vol (src/adapters/feeds/simulatedAnchors.ts).
 */
import { join } from "node:path";
import { SimulatedFeed } from "../feeds/simulated.js";
import { simulatedAnchors } from "../feeds/simulatedAnchors.js";
import type { Engine } from "../../engine/engine.js";
import { latestAsOf, snapshotOf } from "../../engine/marketState.js";
import { packageDir } from "./routes/static.js";

/** The package's examples/ directory. */
export function examplesDir(): string | undefined {
  return packageDir("examples", "market.json");
}

/** The demo's book: examples/books.jsonl (one line per example book), or undefined outside a package. */
export function demoBookFile(): string | undefined {
  const dir = examplesDir();
  return dir ? join(dir, "books.jsonl") : undefined;
}

/**
 * The simulated feed for the live market: its assets (each at its index, vol and rate), the instruments the market
 * quotes and those the accounts hold, anchored to the live market (basis of futures, vol offsets of options),
 * starting at the market's latest time.
 */
export function demoFeed(engine: Engine, seed: number, intervalMs: number): SimulatedFeed {
  const m = engine.state.market;
  if (!m) throw new Error("demo feed needs a market");
  const stable = new Set(engine.state.params.collateral.stablecoins);
  const assets = Object.entries(m.assets).map(([asset, a]) =>
    stable.has(asset) || asset.startsWith("USD")
      ? { asset, spot: a.index, vol: 0.005, rate: a.rate ?? 0, jumpsPerYear: 0, volOfVol: 0 }
      : { asset, spot: a.index, vol: a.vol ?? 0.6, rate: a.rate ?? 0 });
  const start = latestAsOf(m);
  const instruments = [...new Set([...Object.keys(m.instruments), ...engine.heldInstruments()])].filter((n) => !/^[A-Z][A-Z0-9]{0,11}$/.test(n)).sort();
  const anchors = simulatedAnchors({ ...snapshotOf(m), asOf: start }, assets, instruments, start);
  const wall0 = Date.now();
  return new SimulatedFeed(
    { seed, assets, instruments, intervalMs, stepSeconds: intervalMs / 1000, startTs: start, ...anchors },
    { clock: () => start + (Date.now() - wall0) },
  );
}
