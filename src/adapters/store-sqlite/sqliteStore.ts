/**
 * SQLite implementation of the engine Store (better-sqlite3 12, WAL journal).
 *
 * Durability: WAL with `synchronous=FULL` by default: every commit fsyncs the WAL, so an acknowledged
 * event survives a process kill (SIGKILL) *and* an OS crash or power loss. `synchronous=NORMAL` (option
 * `sync: "normal"`) skips the per-commit fsync: it still survives SIGKILL (the WAL frames are in the OS
 * page cache once write() returns) but may lose the last commits on power loss; use it when throughput
 * matters more than that window. Appends of several events share one transaction (one fsync).
 */
import Database from "better-sqlite3";
import type { AccountRecord, ApiKeyRecord, Store, StoredEvent } from "../../engine/store.js";

export interface SqliteStoreOptions {
  /** `full` (default): fsync every commit. `normal`: no fsync per commit in WAL mode. */
  readonly sync?: "full" | "normal";
}

interface KeyRow { id: string; salt: string; hash: string; role: "admin" | "account"; account: string | null; created_at: number; revoked: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, salt TEXT NOT NULL, hash TEXT NOT NULL, role TEXT NOT NULL, account TEXT, created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS api_keys_account ON api_keys(role, account);
`;

function keyFromRow(r: KeyRow): ApiKeyRecord {
  return { id: r.id, salt: r.salt, hash: r.hash, role: r.role, ...(r.account !== null ? { account: r.account } : {}), createdAt: r.created_at, revoked: r.revoked !== 0 };
}

/** Open (or create) an SQLite store at `file` (`:memory:` for a throwaway one). */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${opts.sync === "normal" ? "NORMAL" : "FULL"}`);
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  const lastSeqStmt = db.prepare<[], { s: number | null }>("SELECT MAX(seq) AS s FROM events");
  const insertEvent = db.prepare("INSERT INTO events (seq, ts, body) VALUES (?, ?, ?)");
  const readStmt = db.prepare<[number, number], { seq: number; ts: number; body: string }>("SELECT seq, ts, body FROM events WHERE seq >= ? ORDER BY seq LIMIT ?");
  const putSnap = db.prepare("INSERT OR REPLACE INTO snapshots (seq, data) VALUES (?, ?)");
  const lastSnap = db.prepare<[], { seq: number; data: string }>("SELECT seq, data FROM snapshots ORDER BY seq DESC LIMIT 1");
  const pruneSnaps = db.prepare("DELETE FROM snapshots WHERE seq < (SELECT MIN(seq) FROM (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 3))");
  const insAccount = db.prepare("INSERT OR IGNORE INTO accounts (id, owner, created_at) VALUES (?, ?, ?)");
  const getAccount = db.prepare<[string], { id: string; owner: string; created_at: number }>("SELECT id, owner, created_at FROM accounts WHERE id = ?");
  const listAccounts = db.prepare<[string, number], { id: string; owner: string; created_at: number }>("SELECT id, owner, created_at FROM accounts WHERE id > ? ORDER BY id LIMIT ?");
  const putKey = db.prepare("INSERT OR REPLACE INTO api_keys (id, salt, hash, role, account, created_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const getKey = db.prepare<[string], KeyRow>("SELECT * FROM api_keys WHERE id = ?");
  const listKeys = db.prepare<[string], KeyRow>("SELECT * FROM api_keys WHERE role = ? ORDER BY created_at, id");
  const listKeysAcct = db.prepare<[string, string], KeyRow>("SELECT * FROM api_keys WHERE role = ? AND account = ? ORDER BY created_at, id");
  let last = lastSeqStmt.get()?.s ?? 0;
  const append = db.transaction((bodies: readonly string[], ts: number): number[] => {
    const seqs: number[] = [];
    let s = last;
    for (const b of bodies) {
      insertEvent.run(++s, ts, b);
      seqs.push(s);
    }
    return seqs;
  });
  let closed = false;
  const account = (r: { id: string; owner: string; created_at: number }): AccountRecord => ({ id: r.id, owner: r.owner, createdAt: r.created_at });
  return {
    async appendEvents(events, ts) {
      if (events.length === 0) return [];
      const seqs = append(events.map((e) => JSON.stringify(e)), ts);
      last = seqs[seqs.length - 1];
      return seqs;
    },
    async readEvents(fromSeq, limit) {
      return readStmt.all(Math.max(1, Math.floor(fromSeq)), Math.max(0, Math.floor(limit))).map((r): StoredEvent => ({ seq: r.seq, ts: r.ts, event: JSON.parse(r.body) as unknown }));
    },
    async lastSeq() { return last; },
    async putSnapshot(seq, data) { putSnap.run(seq, data); pruneSnaps.run(); },
    async latestSnapshot() { return lastSnap.get(); },
    async createAccount(rec) { return insAccount.run(rec.id, rec.owner, rec.createdAt).changes === 1; },
    async getAccount(id) { const r = getAccount.get(id); return r ? account(r) : undefined; },
    async listAccounts(afterId, limit) { return listAccounts.all(afterId, Math.max(0, Math.floor(limit))).map(account); },
    async putApiKey(k) { putKey.run(k.id, k.salt, k.hash, k.role, k.account ?? null, k.createdAt, k.revoked ? 1 : 0); },
    async getApiKey(id) { const r = getKey.get(id); return r ? keyFromRow(r) : undefined; },
    async listApiKeys(role, acct) { return (acct === undefined ? listKeys.all(role) : listKeysAcct.all(role, acct)).map(keyFromRow); },
    async close() { if (!closed) { closed = true; db.close(); } },
  };
}
