/**
 * PostgreSQL implementation of the engine Store (node-postgres 8, one Pool), for running the log on
 * shared infrastructure. Same semantics as the SQLite store (src/adapters/store-sqlite/sqliteStore.ts),
 * checked by the shared conformance suite (test/store/store.conformance.ts).
 *
 * Layout: every table lives in one schema chosen by the caller (default `dpm`), created idempotently
 * (`CREATE SCHEMA/TABLE IF NOT EXISTS`, serialised by a transaction advisory lock so that several
 * processes starting at once do not race on the catalog):
 *   `<schema>.log_head (id=1, seq)`   the last sequence number, one row
 *   `<schema>.events (seq, ts, body)` the log; `body` is TEXT holding exactly `JSON.stringify(event)`,
 *                                     as SQLite stores it (JSONB would reorder keys, drop duplicate keys
 *                                     and renormalise numbers, so bodies would not round-trip byte-for-byte)
 *   `<schema>.snapshots`, `<schema>.accounts`, `<schema>.api_keys`
 * Text keys use `COLLATE "C"` (byte order of UTF-8), the order SQLite's BINARY collation gives, so
 * `listAccounts` pages identically whatever the database's locale.
 *
 * Sequence numbers: `appendEvents` is ONE statement (hence one transaction):
 *   WITH head AS (UPDATE log_head SET seq = seq + n WHERE id = 1 RETURNING seq - n AS base)
 *   INSERT INTO events SELECT base + i, ts, body_i ... RETURNING seq
 * The UPDATE takes the row lock of the single counter row (the same lock `SELECT ... FOR UPDATE` would
 * take, without the extra round trip), so appenders from any number of processes are serialised on it:
 * the second waits until the first commits, then re-reads the committed counter (READ COMMITTED
 * re-evaluation). If anything fails, the counter update rolls back with the inserts, so there is never a
 * gap; a BIGSERIAL would burn values on rollback. Because an appender gets its numbers only after the
 * previous one committed, seq k+1 is never visible before seq k. A counter row rather than an advisory
 * lock: the lock is then scoped to the schema (advisory keys are global to the database and would need
 * a hash of the schema name, with collisions), it needs no MAX(seq) scan, and it is held exactly as long
 * as the transaction.
 *
 * Durability: every connection runs with `synchronous_commit = on` (default option `sync: "full"`): a
 * resolved append has been flushed to the server's WAL on disk (given the server's `fsync = on`, which
 * `durability()` reports). `sync: "normal"` sets `synchronous_commit = off`: the commit returns before
 * the WAL flush, so a crash of the PostgreSQL server or of its machine can lose the last commits (at most
 * about 3 × wal_writer_delay, 600 ms by default), while a crash of dpm loses nothing acknowledged.
 */
import pg from "pg";
import type { AccountRecord, ApiKeyRecord, Store, StoredEvent } from "../../engine/store.js";

export interface PgStoreOptions {
  /** Schema holding the tables (default `dpm`); letters, digits and `_`, at most 63 characters. */
  readonly schema?: string;
  /** `full` (default): synchronous_commit = on. `normal`: synchronous_commit = off. */
  readonly sync?: "full" | "normal";
  /** Largest number of connections of the pool (default 10). */
  readonly maxConnections?: number;
}

/** What the server guarantees for a resolved append, as read from its settings at open. */
export interface PgDurability {
  readonly synchronousCommit: string;
  readonly fsync: string;
}

/** A Store on PostgreSQL, with the server's durability settings. */
export interface PgStore extends Store {
  readonly schema: string;
  durability(): Promise<PgDurability>;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

interface KeyRow { id: string; salt: string; hash: string; role: "admin" | "account"; account: string | null; created_at: string; revoked: boolean }
interface AccountRow { id: string; owner: string; created_at: string }

function keyFromRow(r: KeyRow): ApiKeyRecord {
  return { id: r.id, salt: r.salt, hash: r.hash, role: r.role, ...(r.account !== null ? { account: r.account } : {}), createdAt: Number(r.created_at), revoked: r.revoked };
}

const accountFromRow = (r: AccountRow): AccountRecord => ({ id: r.id, owner: r.owner, createdAt: Number(r.created_at) });

/** DDL of the schema `q` (already quoted). BIGINT columns are read back as decimal strings by pg. */
function ddl(q: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q}`,
    `CREATE TABLE IF NOT EXISTS ${q}.events (seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, body TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q}.log_head (id SMALLINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL)`,
    `INSERT INTO ${q}.log_head (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM ${q}.events ON CONFLICT (id) DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS ${q}.snapshots (seq BIGINT PRIMARY KEY, data TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q}.accounts (id TEXT COLLATE "C" PRIMARY KEY, owner TEXT NOT NULL, created_at BIGINT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q}.api_keys (id TEXT COLLATE "C" PRIMARY KEY, salt TEXT NOT NULL, hash TEXT NOT NULL, role TEXT NOT NULL, account TEXT, created_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT false)`,
    `CREATE INDEX IF NOT EXISTS api_keys_account ON ${q}.api_keys (role, account)`,
  ];
}

/** Run `f` in a transaction on one pooled connection; rolls back on any error. */
async function inTransaction<T>(pool: pg.Pool, f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const r = await f(c);
    await c.query("COMMIT");
    return r;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** The integer epoch-ms or count `v` for a BIGINT column; refuses what the column would reject anyway. */
function int(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`pg store: ${name} must be a safe integer, got ${v}`);
  return v;
}

/** Create the schema and tables (idempotent; concurrent openers serialise on an advisory lock). */
async function ensureSchema(pool: pg.Pool, schema: string, q: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`dpm-store-schema:${schema}`]);
    for (const s of ddl(q)) await c.query(s);
  });
}

/**
 * Open (or create) a PostgreSQL store. `connectionString` is a `postgres://` URL as pg takes it.
 * Rejects when the server is unreachable or the schema cannot be created.
 */
export async function openPgStore(connectionString: string, opts: PgStoreOptions = {}): Promise<PgStore> {
  const schema = opts.schema ?? "dpm";
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`pg store: invalid schema name ${JSON.stringify(schema)}`);
  const q = `"${schema}"`;
  const sync = opts.sync === "normal" ? "off" : "on";
  const pool = new pg.Pool({ connectionString, max: opts.maxConnections ?? 10, options: `-c synchronous_commit=${sync}` });
  // An idle connection dropped by the server emits 'error' on the pool; the next query reconnects.
  pool.on("error", () => undefined);
  try {
    await ensureSchema(pool, schema, q);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  const appendSql = `WITH head AS (UPDATE ${q}.log_head SET seq = seq + $1::bigint WHERE id = 1 RETURNING seq - $1::bigint AS base)
    INSERT INTO ${q}.events (seq, ts, body) SELECT head.base + t.i, $2::bigint, t.body FROM head, unnest($3::text[]) WITH ORDINALITY AS t(body, i) RETURNING seq`;
  let closed = false;
  const rows = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => (await pool.query<R>(sql, params)).rows;
  return {
    schema,
    async appendEvents(events, ts) {
      if (events.length === 0) return [];
      const bodies = events.map((e) => JSON.stringify(e));
      const r = await rows<{ seq: string }>(appendSql, [bodies.length, int("ts", ts), bodies]);
      const seqs = r.map((x) => Number(x.seq)).sort((a, b) => a - b);
      if (seqs.length !== bodies.length) throw new Error(`pg store: appended ${seqs.length} of ${bodies.length} events (log_head row missing?)`);
      return seqs;
    },
    async readEvents(fromSeq, limit) {
      const r = await rows<{ seq: string; ts: string; body: string }>(`SELECT seq, ts, body FROM ${q}.events WHERE seq >= $1 ORDER BY seq LIMIT $2`, [Math.max(1, Math.floor(fromSeq)), Math.max(0, Math.floor(limit))]);
      return r.map((x): StoredEvent => ({ seq: Number(x.seq), ts: Number(x.ts), event: JSON.parse(x.body) as unknown }));
    },
    async lastSeq() {
      return Number((await rows<{ seq: string }>(`SELECT seq FROM ${q}.log_head WHERE id = 1`))[0]?.seq ?? 0);
    },
    async putSnapshot(seq, data) {
      await inTransaction(pool, async (c) => {
        await c.query(`INSERT INTO ${q}.snapshots (seq, data) VALUES ($1, $2) ON CONFLICT (seq) DO UPDATE SET data = EXCLUDED.data`, [int("seq", seq), data]);
        await c.query(`DELETE FROM ${q}.snapshots WHERE seq < (SELECT MIN(seq) FROM (SELECT seq FROM ${q}.snapshots ORDER BY seq DESC LIMIT 3) AS kept)`);
      });
    },
    async latestSnapshot() {
      const r = (await rows<{ seq: string; data: string }>(`SELECT seq, data FROM ${q}.snapshots ORDER BY seq DESC LIMIT 1`))[0];
      return r ? { seq: Number(r.seq), data: r.data } : undefined;
    },
    async createAccount(rec) {
      const r = await pool.query(`INSERT INTO ${q}.accounts (id, owner, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [rec.id, rec.owner, int("createdAt", rec.createdAt)]);
      return r.rowCount === 1;
    },
    async getAccount(id) {
      const r = (await rows<AccountRow>(`SELECT id, owner, created_at FROM ${q}.accounts WHERE id = $1`, [id]))[0];
      return r ? accountFromRow(r) : undefined;
    },
    async listAccounts(afterId, limit) {
      return (await rows<AccountRow>(`SELECT id, owner, created_at FROM ${q}.accounts WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, Math.max(0, Math.floor(limit))])).map(accountFromRow);
    },
    async putApiKey(k) {
      await pool.query(
        `INSERT INTO ${q}.api_keys (id, salt, hash, role, account, created_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET salt = EXCLUDED.salt, hash = EXCLUDED.hash, role = EXCLUDED.role, account = EXCLUDED.account, created_at = EXCLUDED.created_at, revoked = EXCLUDED.revoked`,
        [k.id, k.salt, k.hash, k.role, k.account ?? null, int("createdAt", k.createdAt), k.revoked]);
    },
    async getApiKey(id) {
      const r = (await rows<KeyRow>(`SELECT * FROM ${q}.api_keys WHERE id = $1`, [id]))[0];
      return r ? keyFromRow(r) : undefined;
    },
    async listApiKeys(role, acct) {
      const r = acct === undefined
        ? await rows<KeyRow>(`SELECT * FROM ${q}.api_keys WHERE role = $1 ORDER BY created_at, id`, [role])
        : await rows<KeyRow>(`SELECT * FROM ${q}.api_keys WHERE role = $1 AND account = $2 ORDER BY created_at, id`, [role, acct]);
      return r.map(keyFromRow);
    },
    async durability() {
      const [s] = await rows<{ sc: string; fs: string }>("SELECT current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fs");
      return { synchronousCommit: s.sc, fsync: s.fs };
    },
    async close() { if (!closed) { closed = true; await pool.end(); } },
  };
}
