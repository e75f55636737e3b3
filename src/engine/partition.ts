/**
 * Account partitioning for scale-out (docs/scale-out.md): worker `index` of `count` owns the accounts whose
 * id hashes to it, `fnv1a32(utf8(id)) mod count`. FNV-1a 32-bit (offset basis 2166136261, prime 16777619)
 * over the UTF-8 bytes of the account id: stable across processes, versions and machines, no seed.
 */

/** A worker's slice of the accounts: `index` in [0, count). */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** Name of the hash, as `GET /v1/partition` reports it. */
export const PARTITION_HASH = "fnv1a32(utf8(accountId)) mod count";

/** FNV-1a 32-bit hash of the UTF-8 bytes of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Index of the worker owning `accountId` among `count` workers. */
export function ownerOf(accountId: string, count: number): number {
  return fnv1a32(accountId) % count;
}

/** Parse `I/N` (0 ≤ I < N ≤ 1024); undefined when malformed. */
export function parsePartition(text: string): Partition | undefined {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]), count = Number(m[2]);
  return count >= 1 && count <= 1024 && index < count ? { index, count } : undefined;
}
