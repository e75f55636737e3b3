/**
 * The storage interface of the engine (DESIGN.md section 9): an append-only event log with paging,
 * state snapshots, the account registry and API keys. One interface, several backends (SQLite by
 * default, PostgreSQL later); every backend runs the shared conformance suite in test/store/.
 * Methods are async so that networked backends fit; a resolved append is durable.
 */

/** One event as stored: its sequence number (1, 2, 3, ... without gaps), append time and JSON body. */
export interface StoredEvent {
  readonly seq: number;
  /** Wall-clock time of the append (epoch ms); informational, never used to compute state. */
  readonly ts: number;
  readonly event: unknown;
}

export interface AccountRecord {
  readonly id: string;
  /** Owner of linked accounts (concentration is summed per owner). */
  readonly owner: string;
  readonly createdAt: number;
}

/** An API key as stored: never the key itself, only a salted hash. */
export interface ApiKeyRecord {
  /** Public key id (the part of the key before the secret). */
  readonly id: string;
  readonly salt: string;
  /** Hex digest of the secret (see adapters/http/keys.ts for the scheme). */
  readonly hash: string;
  readonly role: "admin" | "account";
  /** The account an `account` key may read and trade. */
  readonly account?: string;
  readonly createdAt: number;
  readonly revoked: boolean;
}

export interface Store {
  /** Append events in one transaction; resolves with their sequence numbers once durable. */
  appendEvents(events: readonly unknown[], ts: number): Promise<number[]>;
  /** Events with seq ≥ fromSeq in ascending order, at most `limit`. */
  readEvents(fromSeq: number, limit: number): Promise<StoredEvent[]>;
  /** Sequence number of the last event (0 when empty). */
  lastSeq(): Promise<number>;
  /** Store a state snapshot taken after event `seq` (replaces one at the same seq). */
  putSnapshot(seq: number, data: string): Promise<void>;
  /** The snapshot with the highest seq, if any. */
  latestSnapshot(): Promise<{ seq: number; data: string } | undefined>;
  /** Create an account record; false when the id exists. */
  createAccount(rec: AccountRecord): Promise<boolean>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  /** Accounts ordered by id, after `afterId` (exclusive), at most `limit`. */
  listAccounts(afterId: string, limit: number): Promise<AccountRecord[]>;
  /** Insert or replace a key record. */
  putApiKey(rec: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of one role (and account, when given). */
  listApiKeys(role: "admin" | "account", account?: string): Promise<ApiKeyRecord[]>;
  close(): Promise<void>;
}
