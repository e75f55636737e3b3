/**
 * API keys. A key is `dpm_<id>_<secret>`: `id` (16 hex) is public and indexes the stored record; the
 * secret (32 random bytes, base64url) is never stored: the record holds a per-key random salt and
 * sha256(salt ‖ secret). A single fast hash suffices because the secret has 256 bits of entropy (a slow
 * KDF protects low-entropy passwords, which these are not); verification is constant-time.
 * The admin key comes from DPM_ADMIN_KEY (any string of 16+ characters, compared by its sha256 in
 * constant time, never stored), or is generated at the first start, stored hashed and printed once.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyRecord, Store } from "../../engine/store.js";

export interface Principal {
  readonly keyId: string;
  readonly role: "admin" | "account";
  readonly account?: string;
}

const KEY = /^dpm_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function sha256(...parts: string[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** A new key and the record to store for it. */
export function newKey(role: "admin" | "account", account: string | undefined, now: number): { key: string; record: ApiKeyRecord } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("hex");
  const record: ApiKeyRecord = { id, salt, hash: sha256(salt, secret).toString("hex"), role, ...(account !== undefined ? { account } : {}), createdAt: now, revoked: false };
  return { key: `dpm_${id}_${secret}`, record };
}

/**
 * Verifies bearer keys against the store. Records are cached in memory by id for `CACHE_MS`: a revocation
 * through this KeyRing drops the entry at once; one made by another process sharing the store (PostgreSQL)
 * takes effect here within `CACHE_MS`.
 */
export const KEY_CACHE_MS = 5000;

/** Compared with when a key id is unknown or revoked, so that every well-formed key costs one hash and one comparison. */
const DUMMY = (() => { const salt = randomBytes(16).toString("hex"); return { salt, hash: sha256(salt, randomBytes(32).toString("base64url")).toString("hex") }; })();

export class KeyRing {
  private readonly cache = new Map<string, { rec: ApiKeyRecord; until: number }>();
  private readonly envAdmin: Buffer | undefined;

  constructor(private readonly store: Store, envAdminKey?: string) {
    this.envAdmin = envAdminKey ? sha256(envAdminKey) : undefined;
  }

  /**
   * The principal of a key, or undefined when it is unknown, malformed or revoked. The secret is hashed and
   * compared in constant time whether or not the key id exists (an unknown or revoked id is compared with a
   * dummy record), so the answer's time does not tell which ids exist beyond the store lookup both pay.
   */
  async verify(key: string): Promise<Principal | undefined> {
    const env = this.envPrincipal(key);
    if (env) return env;
    const m = KEY.exec(key);
    if (!m) return undefined;
    const now = performance.now();
    let rec = this.cached(m[1], now);
    if (rec === undefined) {
      rec = await this.store.getApiKey(m[1]);
      // Only stored keys are cached: caching misses let forged key ids grow the map without bound.
      if (rec) this.cache.set(m[1], { rec, until: now + KEY_CACHE_MS });
    }
    return this.check(rec, m[2]);
  }

  /**
   * Like `verify`, but without a store lookup: only the DPM_ADMIN_KEY key and keys whose record is cached can be
   * verified (used once an address has spent its budget of failed authentications: no store query for it).
   */
  verifyCached(key: string): Principal | undefined {
    const env = this.envPrincipal(key);
    if (env) return env;
    const m = KEY.exec(key);
    const rec = m ? this.cached(m[1], performance.now()) : undefined;
    return m && rec ? this.check(rec, m[2]) : undefined;
  }

  private envPrincipal(key: string): Principal | undefined {
    return this.envAdmin && timingSafeEqual(sha256(key), this.envAdmin) ? { keyId: "env-admin", role: "admin" } : undefined;
  }

  private cached(id: string, now: number): ApiKeyRecord | undefined {
    const c = this.cache.get(id);
    if (c === undefined) return undefined;
    if (c.until >= now) return c.rec;
    this.cache.delete(id);
    return undefined;
  }

  /** Constant-time check of a secret against a record (a dummy one for unknown or revoked ids). */
  private check(rec: ApiKeyRecord | undefined, secret: string): Principal | undefined {
    const live = rec !== undefined && !rec.revoked;
    const got = sha256(live ? rec.salt : DUMMY.salt, secret);
    const want = Buffer.from(live ? rec.hash : DUMMY.hash, "hex");
    const same = got.length === want.length && timingSafeEqual(got, want);
    if (!live || !same) return undefined;
    return { keyId: rec.id, role: rec.role, ...(rec.account !== undefined ? { account: rec.account } : {}) };
  }

  /** Create and store a key; returns the key text (shown once). */
  async create(role: "admin" | "account", account: string | undefined, now: number): Promise<{ id: string; key: string }> {
    const { key, record } = newKey(role, account, now);
    await this.store.putApiKey(record);
    this.cache.set(record.id, { rec: record, until: performance.now() + KEY_CACHE_MS });
    return { id: record.id, key };
  }

  /** Issue a new key for an account; with `revokeExisting`, every other key of the account is revoked first. */
  async issueForAccount(account: string, now: number, revokeExisting: boolean): Promise<{ id: string; key: string; revoked: string[] }> {
    const revoked: string[] = [];
    if (revokeExisting) {
      for (const k of await this.store.listApiKeys("account", account)) {
        if (k.revoked) continue;
        await this.revoke(k);
        revoked.push(k.id);
      }
    }
    return { ...(await this.create("account", account, now)), revoked };
  }

  /** Stored record of a key id (not cached: used by the admin routes). */
  record(id: string): Promise<ApiKeyRecord | undefined> {
    return this.store.getApiKey(id);
  }

  /** Revoke a stored key: the record is marked revoked and the cached copy dropped, so it fails from the next request on. */
  async revoke(rec: ApiKeyRecord): Promise<void> {
    this.cache.delete(rec.id);
    await this.store.putApiKey({ ...rec, revoked: true });
    this.cache.delete(rec.id);
  }

  /** Does an account have a key that is not revoked? */
  async hasActiveKey(account: string): Promise<boolean> {
    return (await this.store.listApiKeys("account", account)).some((k) => !k.revoked);
  }

  /** Is there an admin key besides `exceptId` (the DPM_ADMIN_KEY one counts)? */
  async otherAdminExists(exceptId: string): Promise<boolean> {
    if (this.envAdmin) return true;
    return (await this.store.listApiKeys("admin")).some((k) => !k.revoked && k.id !== exceptId);
  }

  /**
   * Make sure an admin key exists: with DPM_ADMIN_KEY nothing is stored; otherwise, when the store has no
   * admin key, one is generated and returned (to be printed once). Returns undefined when nothing new.
   */
  async ensureAdmin(now: number): Promise<string | undefined> {
    if (this.envAdmin) return undefined;
    const existing = await this.store.listApiKeys("admin");
    if (existing.some((k) => !k.revoked)) return undefined;
    return (await this.create("admin", undefined, now)).key;
  }
}

/**
 * Token bucket per name (API key id, or remote address for failed authentications): `burst` tokens,
 * refilled at `perSecond`. At most `maxEntries` buckets are kept: the least recently used one is evicted
 * (a forgotten bucket starts full again, so eviction only ever errs towards letting a request through).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perSecond: number, private readonly burst: number, private readonly maxEntries = 100_000) {}

  private refill(key: string, now: number): { tokens: number; at: number } {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxEntries) this.buckets.delete(this.buckets.keys().next().value as string);
    return b;
  }

  /** Take one token; false when the bucket is empty. `now` in ms. */
  take(key: string, now: number): boolean {
    if (!(this.perSecond > 0)) return true;
    const b = this.refill(key, now);
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    return ok;
  }

  /** Is the bucket empty now (no token taken)? */
  empty(key: string, now: number): boolean {
    if (!(this.perSecond > 0) || !this.buckets.has(key)) return false;
    return this.refill(key, now).tokens < 1;
  }

  /** Seconds until the next token for a key. */
  retryAfter(key: string): number {
    const b = this.buckets.get(key);
    return b ? Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) : 1;
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
