/**
 * Idempotency keys of an account (`fillId` of fills, `requestId` of deposits and withdrawals), part of the
 * engine state so that replay and snapshot + replay agree.
 *
 * Retention: the most recent `REQUEST_ID_WINDOW` keys of each account are kept exactly with the sequence
 * number of their event (a retry gets the original acknowledgement). Older keys are kept as a 32-bit
 * fingerprint (FNV-1a of the key), 4 bytes each in a sorted Uint32Array (plus a small unsorted batch merged
 * every `MERGE_EVERY` keys): a retry of such a key is refused with a clear error instead of being applied
 * twice. A fresh key that happens to share the fingerprint of an old one (probability n / 2^32 with n old
 * keys in the account) is refused the same way; the client retries with a new key.
 */

import type { EngineEvent } from "./events.js";
import type { EngineState } from "./state.js";
import type { Store } from "./store.js";

/** Keys per account remembered exactly with their event's sequence number. */
export const REQUEST_ID_WINDOW = 256;
const MERGE_EVERY = 1024;

/** The idempotency namespace of an event: fills and transfers do not share keys. */
export type RequestKind = "fill" | "deposit" | "withdrawal" | "venue_transfer";

export interface RequestIds {
  /** `kind:id` → seq of the event, oldest first (at most REQUEST_ID_WINDOW). */
  readonly recent: Map<string, number>;
  /** Fingerprints of older keys, sorted ascending. */
  old: Uint32Array;
  /** Fingerprints of older keys not merged into `old` yet. */
  readonly batch: Set<number>;
}

export function emptyRequestIds(): RequestIds {
  return { recent: new Map(), old: new Uint32Array(0), batch: new Set() };
}

/** The stored key of an id: its kind and the client's id. */
export function requestKey(kind: RequestKind, id: string): string {
  return `${kind}:${id}`;
}

/** FNV-1a 32-bit of a string's UTF-16 code units (deterministic; unsigned). */
export function fingerprint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function inOld(old: Uint32Array, f: number): boolean {
  let lo = 0, hi = old.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (old[mid] === f) return true;
    if (old[mid] < f) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function merge(r: RequestIds): void {
  const all = new Uint32Array(r.old.length + r.batch.size);
  all.set(r.old);
  let i = r.old.length;
  for (const f of r.batch) all[i++] = f;
  all.sort();
  r.old = all;
  r.batch.clear();
}

/** What an account knows of a key: the seq of its event (recent), `"old"` (fingerprint match), or undefined (new). */
export function lookupRequest(r: RequestIds | undefined, key: string): number | "old" | undefined {
  if (!r) return undefined;
  const seq = r.recent.get(key);
  if (seq !== undefined) return seq;
  const f = fingerprint(key);
  return r.batch.has(f) || inOld(r.old, f) ? "old" : undefined;
}

/** Record a key applied at `seq`; the oldest recent key moves to the fingerprints beyond the window. */
export function recordRequest(r: RequestIds, key: string, seq: number): void {
  r.recent.set(key, seq);
  while (r.recent.size > REQUEST_ID_WINDOW) {
    const oldest = r.recent.keys().next().value as string;
    r.recent.delete(oldest);
    r.batch.add(fingerprint(oldest));
    if (r.batch.size >= MERGE_EVERY) merge(r);
  }
}

/** JSON form for snapshots: recent pairs in order, all fingerprints sorted as base64 of little-endian uint32. */
export interface RequestIdsJson {
  readonly recent: [string, number][];
  readonly old: string;
}

export function requestIdsToJson(r: RequestIds): RequestIdsJson {
  if (r.batch.size > 0) merge(r);
  const bytes = Buffer.alloc(r.old.length * 4);
  r.old.forEach((f, i) => bytes.writeUInt32LE(f, i * 4));
  return { recent: [...r.recent], old: bytes.toString("base64") };
}

export function requestIdsFromJson(j: RequestIdsJson): RequestIds {
  const bytes = Buffer.from(j.old, "base64");
  const old = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < old.length; i++) old[i] = bytes.readUInt32LE(i * 4);
  return { recent: new Map(j.recent), old, batch: new Set() };
}

/** JSON with object keys sorted (to compare a logged event with a resubmitted one). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/**
 * A fill / deposit / withdrawal whose idempotency key (`fillId`, `requestId`) the account has seen: the
 * original sequence number when it is the same event (the engine answers the original acknowledgement,
 * nothing appended), a refusal (409) when the key was used for a different event or is older than the exact
 * window. Undefined for a fresh key or an event without one.
 */
export async function duplicateAnswer(s: EngineState, store: Store, e: EngineEvent): Promise<{ ok: true; seq: number } | { ok: false; reason: string } | undefined> {
  const id = e.type === "fill" ? e.fillId : e.type === "deposit" || e.type === "withdrawal" || e.type === "venue_transfer" ? e.requestId : undefined;
  if (id === undefined || (e.type !== "fill" && e.type !== "deposit" && e.type !== "withdrawal" && e.type !== "venue_transfer")) return undefined;
  const field = e.type === "fill" ? "fillId" : "requestId";
  const seen = lookupRequest(s.accounts.get(e.account)?.requests, requestKey(e.type, id));
  if (seen === undefined) return undefined;
  if (seen === "old") return { ok: false, reason: `${field} ${id} was already used by account ${e.account} (older than its last ${REQUEST_ID_WINDOW} ${field}s, so the original acknowledgement is no longer kept); not applied again, use a new ${field}` };
  const [orig] = await store.readEvents(seen, 1);
  if (!orig || orig.seq !== seen || canonical(orig.event) !== canonical(e)) return { ok: false, reason: `${field} ${id} was already used by account ${e.account} for a different ${e.type} (seq ${seen})` };
  return { ok: true, seq: seen };
}
