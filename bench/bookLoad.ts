/**
 * `dpm serve --book` load time (issue 12: 10,000 accounts × 20 positions in ≤ 30 s): a generated book
 * (bench/bookFile.ts, 30 % of the accounts with resting orders) written to a temp file, loaded into a fresh
 * service (SQLite WAL, synchronous=FULL; PostgreSQL when reachable, in a schema dropped at the end), then the
 * restart: replay of the log and the loader finding every account (nothing written again).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { loadBook } from "../src/adapters/bookLoader.js";
import { startService } from "../src/adapters/http/service.js";
import { bookText, generatedBook } from "./bookFile.js";
import { Report } from "./report.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..").replace(/\/dist$/, "");
const marketJson = (): unknown => JSON.parse(readFileSync(join(ROOT, "examples", "market.json"), "utf8"));
const PG = process.env.DPM_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/test";

interface LoadRun {
  readonly store: string;
  readonly loadS: number;
  readonly loaded: number;
  readonly refused: number;
  readonly events: number;
  readonly liquidations: number;
  readonly restartS: number;
  readonly reloaded: number;
  readonly sameMargins: boolean;
}

async function run(label: string, db: string, file: string): Promise<LoadRun> {
  const opts = { db, port: 0, adminKey: "bench-admin-key-0123456789", rateLimit: 0, sync: "full" as const, book: true, quiet: true, snapshotEvery: 1000 };
  const svc = await startService({ ...opts, initialMarket: marketJson() });
  const t0 = performance.now();
  const r = await loadBook(svc, { file });
  const loadS = (performance.now() - t0) / 1000;
  const margins = new Map([...svc.engine.margins].map(([k, m]) => [k, m.initialMargin]));
  const events = svc.engine.state.seq, liquidations = svc.engine.counters.liquidations;
  await svc.close();
  const t1 = performance.now();
  const again = await startService(opts);
  const r2 = await loadBook(again, { file });
  const restartS = (performance.now() - t1) / 1000;
  const sameMargins = [...margins].every(([k, im]) => again.engine.margins.get(k)?.initialMargin === im);
  await again.close();
  return { store: label, loadS, loaded: r.loaded, refused: r.refused, events, liquidations, restartS, reloaded: r2.loaded, sameMargins };
}

/** The load benchmark as a Markdown section. */
export async function bookLoadBench(n = 10_000, p = 20): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bookload-"));
  const r = new Report();
  try {
    const file = join(dir, "book.jsonl");
    const lines = generatedBook(n, p, 7, { orderShare: 0.3 });
    writeFileSync(file, bookText(lines));
    const positions = lines.reduce((s, l) => s + l.positions.length, 0), orders = lines.reduce((s, l) => s + (l.openOrders?.length ?? 0), 0);
    const load0 = loadavg()[0];
    const runs = [await run("SQLite (WAL, synchronous=FULL)", join(dir, "b.sqlite"), file)];
    const schema = `dpm_bookload_${process.pid}`;
    try {
      runs.push(await run("PostgreSQL (synchronous_commit=on)", `${PG}?schema=${schema}`, file));
    } catch (e) {
      r.p(`PostgreSQL not measured: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      const c = new pg.Client({ connectionString: PG });
      await c.connect().then(() => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => undefined).finally(() => c.end());
    }
    r.h2(`dpm serve --book: ${n.toLocaleString("en-US")} accounts × ${p} positions`);
    r.p(`Book: ${n.toLocaleString("en-US")} lines, ${positions.toLocaleString("en-US")} positions, ${orders.toLocaleString("en-US")} resting orders (bench/bookFile.ts, seed 7), batches of 500 book events per append; load average at start ${load0.toFixed(2)}.`);
    r.table(["store", "load (s)", "accounts loaded", "lines refused", "events in the log", "liquidations at load", "restart: replay + loader (s)", "accounts written again", "margins after restart = before"],
      runs.map((x) => [x.store, x.loadS.toFixed(1), x.loaded, x.refused, x.events, x.liquidations, x.restartS.toFixed(1), x.reloaded, x.sameMargins ? "yes" : "no"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return r.toString();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  bookLoadBench(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 20)).then((s) => process.stdout.write(s), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
