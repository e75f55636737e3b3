/**
 * Append throughput of the event log: PostgreSQL (synchronous_commit=on) against SQLite (WAL,
 * synchronous=FULL, the baseline) in the same run, batches of 1 and of 100 events, one appender at a
 * time as the engine appends; plus PostgreSQL with 8 concurrent appenders (what several writers on one
 * server get from group commit). PostgreSQL from DPM_TEST_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/test), in a fresh schema dropped at the end; when unreachable the
 * section says so instead of failing the whole bench run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Store } from "../src/engine/store.js";
import { openPgStore } from "../src/adapters/store-pg/pgStore.js";
import { openSqliteStore } from "../src/adapters/store-sqlite/sqliteStore.js";
import { Report, met } from "./report.js";
import { fmtInt, fmtRatio, now, since } from "./stats.js";

/** A fill event as the engine logs it (about 110 bytes of JSON). */
const fill = (i: number): unknown => ({ type: "fill", account: `acct-${i % 1000}`, instrument: "BTC-27DEC24-90000-C", size: "1.5", price: 0.0425, fillId: `f-${i}` });

/** Events per second appending `batch` events at a time with `lanes` appenders, for ~`ms` (at least 5 appends). */
async function throughput(store: Store, batch: number, lanes: number, ms: number): Promise<number> {
  let next = 0;
  const t0 = now();
  const deadline = ms * 1e6;
  await Promise.all(Array.from({ length: lanes }, async () => {
    for (let k = 0; k < 5 || since(t0) < deadline; k++) {
      const events = Array.from({ length: batch }, () => fill(next++));
      await store.appendEvents(events, 1_732_089_600_000);
    }
  }));
  return next / (since(t0) / 1e9);
}

async function reachable(url: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try { await c.connect(); return undefined; } catch (e) { return e instanceof Error ? e.message : String(e); } finally { await c.end().catch(() => undefined); }
}

/** Markdown section: PostgreSQL vs SQLite append throughput. */
export async function storePgBench(): Promise<string> {
  const url = process.env.DPM_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/test";
  const r = new Report().h2("Event log on PostgreSQL vs SQLite (append throughput)");
  const down = await reachable(url);
  if (down !== undefined) return r.p(`PostgreSQL unreachable at ${url} (${down}): not measured.`).toString();
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-store-"));
  const schema = `dpm_bench_${process.pid}`;
  const sqlite = openSqliteStore(join(dir, "bench.sqlite"));
  const pgStore = await openPgStore(url, { schema, maxConnections: 8 });
  const ms = 2000;
  try {
    await throughput(sqlite, 1, 1, 200);
    await throughput(pgStore, 1, 1, 200);
    const s1 = await throughput(sqlite, 1, 1, ms);
    const p1 = await throughput(pgStore, 1, 1, ms);
    const s100 = await throughput(sqlite, 100, 1, ms);
    const p100 = await throughput(pgStore, 100, 1, ms);
    const p1x8 = await throughput(pgStore, 1, 8, ms);
    const d = await pgStore.durability();
    r.p(`Same machine, same run, ~${ms / 1000} s per figure. SQLite: a file in ${tmpdir()}, WAL, synchronous=FULL. ` +
      `PostgreSQL at ${new URL(url).host} (loopback), schema ${schema}, synchronous_commit=${d.synchronousCommit}, fsync=${d.fsync}. ` +
      "Events are fill events of ~110 bytes; one appender awaits each append before the next (as the engine does). " +
      "Target: the log must not limit the engine, whose measured tick rate with 10,000 accounts is ~4 ticks/s (serviceBench): ≥ 200 events/s at batch 1.");
    r.table(["figure", "value", "target", "met?"], [
      ["SQLite, batch 1 (events/s), baseline", fmtInt(s1), "baseline", "—"],
      ["PostgreSQL, batch 1 (events/s)", fmtInt(p1), "≥ 200", met(p1 >= 200)],
      ["PostgreSQL / SQLite, batch 1", fmtRatio(p1 / s1), "—", "—"],
      ["SQLite, batch 100 (events/s), baseline", fmtInt(s100), "baseline", "—"],
      ["PostgreSQL, batch 100 (events/s)", fmtInt(p100), "≥ 200", met(p100 >= 200)],
      ["PostgreSQL / SQLite, batch 100", fmtRatio(p100 / s100), "—", "—"],
      ["PostgreSQL, batch 1, 8 concurrent appenders (events/s)", fmtInt(p1x8), "—", "—"],
      ["PostgreSQL 8 appenders / 1 appender, batch 1", fmtRatio(p1x8 / p1), "—", "—"],
    ]);
    return r.toString();
  } finally {
    await sqlite.close();
    await pgStore.close();
    rmSync(dir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
  }
}
