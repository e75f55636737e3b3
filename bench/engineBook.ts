/**
 * A book of N accounts × 20 BTC positions (bench/kernelData.ts `btcAccount`) on the synthetic market, two ways:
 * - `writeBookFile`: portfolio JSON lines (the `dpm margin` format) for `dpm serve --book` / `loadBook`, the way
 *   the service benchmark loads it (bench/service.ts);
 * - `writeBook`: an engine store holding the market as the first logged event, then a snapshot at that sequence
 *   number holding the whole state (every account's balances and positions), so `Engine.open` starts from it
 *   without replaying a load. The engine tick benchmark (bench/engineTicks.ts) opens 100,000 accounts this way on
 *   worker threads: shards are balanced over the accounts present at the start, so a book loaded into a running
 *   engine would sit on the last shard, and loading 100,000 accounts through the loader before each run would
 *   add minutes to the benchmark.
 * Also the engine-side ticks of the benchmarks.
 */
import { writeFileSync } from "node:fs";
import { openSqliteStore } from "../src/adapters/store-sqlite/sqliteStore.js";
import { toUnits } from "../src/domain/money.js";
import type { Store } from "../src/engine/store.js";
import { emptyState, serializeState, type AccountState } from "../src/engine/state.js";
import { marketStateFrom } from "../src/engine/marketState.js";
import { parseMarket } from "../src/input/marketSchema.js";
import type { KernelAccountSpec } from "../src/margin/kernel/index.js";
import { btcAccount, SEED_MARKET } from "./kernelData.js";
import { syntheticMarket, type UniverseEntry } from "./market.js";
import { must } from "./stats.js";

/** A size or amount as an exact decimal string of at most 12 places (the ledger's resolution). */
const decimal12 = (x: number): string => x.toFixed(12).replace(/\.?0+$/, "");

/** An engine account holding a kernel spec's balances and positions (sizes and amounts rounded to 1e-12). */
export function accountState(id: string, spec: KernelAccountSpec): AccountState {
  const units = (x: number): bigint => {
    const u = toUnits(decimal12(x));
    if (u === undefined) throw new Error(`amount ${x} is not a decimal of at most 12 places`);
    return u;
  };
  const balances = new Map<string, bigint>();
  for (const [asset, v] of Object.entries(spec.collateral)) balances.set(asset, units(v));
  const positions = new Map<string, { size: bigint; entryPrice?: number }>();
  for (const p of spec.positions) positions.set(p.instrument, p.entryPrice !== undefined ? { size: units(p.size), entryPrice: p.entryPrice } : { size: units(p.size) });
  return { id, owner: id, balances, positions, status: "none" };
}

export interface EngineBook {
  readonly store: Store;
  readonly specs: readonly KernelAccountSpec[];
  readonly universe: readonly UniverseEntry[];
  readonly marketFile: unknown;
}

/** The account ids of the book. */
export const bookId = (a: number): string => `acct-${String(a).padStart(6, "0")}`;

/** Write the book into a SQLite store at `path` (synchronous=FULL unless `sync` says otherwise). */
export async function writeBook(path: string, n: number, seed: number, sync: "full" | "normal" = "full"): Promise<EngineBook> {
  const { file, universe } = syntheticMarket(SEED_MARKET);
  const store = openSqliteStore(path, { sync });
  await store.appendEvents([{ type: "market", snapshot: file }], 0);
  const s = emptyState();
  s.seq = 1;
  s.market = marketStateFrom(must(parseMarket(file)));
  const specs: KernelAccountSpec[] = [];
  for (let a = 0; a < n; a++) {
    const spec = btcAccount(universe, seed, a);
    specs.push(spec);
    s.accounts.set(bookId(a), accountState(bookId(a), spec));
  }
  await store.putSnapshot(1, serializeState(s));
  return { store, specs, universe, marketFile: file };
}

/** The book as portfolio JSON lines at `path` (sizes and amounts rounded to 1e-12, as `accountState`; sizes that round to 0 left out), with its market file. */
export function writeBookFile(path: string, n: number, seed: number): Omit<EngineBook, "store"> {
  const { file, universe } = syntheticMarket(SEED_MARKET);
  const specs: KernelAccountSpec[] = [], lines: string[] = [];
  for (let a = 0; a < n; a++) {
    const spec = btcAccount(universe, seed, a);
    specs.push(spec);
    const collateral = Object.fromEntries(Object.entries(spec.collateral).map(([k, v]) => [k, decimal12(v)]));
    // A size below the ledger's resolution is no position (a book refuses size 0).
    const positions = spec.positions.filter((p) => Number(decimal12(p.size)) !== 0).map((p) => ({ instrument: p.instrument, size: decimal12(p.size), ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) }));
    lines.push(JSON.stringify({ account: bookId(a), collateral, positions }));
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return { specs, universe, marketFile: file };
}

/** The next BTC tick of a seeded walk (±0.2 % per tick), one second after the last. */
export function nextBtcTick(index: number, ts: number, r: () => number): { type: "tick"; asset: "BTC"; ts: number; index: number } {
  return { type: "tick", asset: "BTC", ts: ts + 1000, index: index * (1 + (r() - 0.5) * 0.004) };
}
