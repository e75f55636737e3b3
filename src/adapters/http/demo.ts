/**
 * Demo mode of `dpm serve --demo`: the example market, one account per examples/books/*.json (collateral
 * deposited, positions filled at the mark or their entry price), and the seeded simulated feed starting
 * at the market's time and advancing with the wall clock.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SimulatedFeed } from "../feeds/simulated.js";
import type { Engine } from "../../engine/engine.js";
import { latestAsOf } from "../../engine/marketState.js";
import { instrumentOf } from "../../engine/state.js";
import type { Service } from "./service.js";
import { packageDir } from "./routes/static.js";

/** The package's examples/ directory. */
export function examplesDir(): string | undefined {
  return packageDir("examples", "market.json");
}

interface Book { account: string; collateral?: Record<string, number>; positions?: { instrument: string; size: number; entryPrice?: number }[] }

/** Create the demo accounts (only those that do not exist yet). Returns their ids. */
export async function createDemoAccounts(svc: Service, booksDir: string): Promise<string[]> {
  const engine: Engine = svc.engine;
  const ids: string[] = [];
  // A book's fills arrive one at a time and one leg alone (or an option premium paid in coin) may breach MM:
  // liquidation is paused while the books are seeded, so the engine does not liquidate half-built books.
  engine.liquidationPaused = true;
  try {
    await seedBooks(svc, booksDir, ids);
  } finally {
    engine.liquidationPaused = false;
  }
  return ids;
}

async function seedBooks(svc: Service, booksDir: string, ids: string[]): Promise<void> {
  const engine: Engine = svc.engine;
  for (const f of readdirSync(booksDir).filter((x) => x.endsWith(".json")).sort()) {
    const book = JSON.parse(readFileSync(join(booksDir, f), "utf8")) as Book;
    ids.push(book.account);
    if (engine.state.accounts.has(book.account)) continue;
    const must = async (e: unknown) => {
      const r = await engine.submit(e);
      if (!r.ok) throw new Error(`demo account ${book.account}: ${r.reason} ${JSON.stringify(r.issues ?? [])}`);
    };
    await must({ type: "account", account: book.account });
    await svc.store.createAccount({ id: book.account, owner: book.account, createdAt: Date.now() });
    for (const [asset, amount] of Object.entries(book.collateral ?? {})) await must({ type: "deposit", account: book.account, asset, amount });
    const ctx = engine.riskContext()?.context();
    for (const p of book.positions ?? []) {
      const risk = ctx?.risk(instrumentOf(p.instrument));
      const price = p.entryPrice ?? (risk?.ok ? risk.value.markPrice : undefined);
      if (price === undefined) throw new Error(`demo account ${book.account}: no price for ${p.instrument}`);
      await must({ type: "fill", account: book.account, instrument: p.instrument, size: p.size, price });
    }
  }
}

/** The simulated feed for the live market: its assets and instruments, starting at the market's latest time. */
export function demoFeed(engine: Engine, seed: number, intervalMs: number): SimulatedFeed {
  const m = engine.state.market;
  if (!m) throw new Error("demo feed needs a market");
  const stable = new Set(engine.state.params.collateral.stablecoins);
  const assets = Object.entries(m.assets).map(([asset, a]) =>
    stable.has(asset) || asset.startsWith("USD")
      ? { asset, spot: a.index, vol: 0.005, jumpsPerYear: 0, volOfVol: 0 }
      : { asset, spot: a.index, vol: a.vol ?? 0.6 });
  const start = latestAsOf(m);
  const wall0 = Date.now();
  return new SimulatedFeed(
    { seed, assets, instruments: Object.keys(m.instruments), intervalMs, stepSeconds: intervalMs / 1000, startTs: start },
    { clock: () => start + (Date.now() - wall0) },
  );
}
