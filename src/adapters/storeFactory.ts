/**
 * Opens the engine Store named by one string, as `dpm serve --db TARGET` takes it:
 *   `postgres://…` or `postgresql://…`  → PostgreSQL (src/adapters/store-pg/pgStore.ts); an optional
 *                                          `schema=NAME` query parameter picks the schema (default `dpm`)
 *   anything else                       → the SQLite file at that path (its directory is created), or
 *                                          `:memory:` for a throwaway store
 * `sync` keeps its meaning on both: `full` (default) = durable against power loss once an append
 * resolves (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on); `normal` = durable against a
 * crash of the dpm process only (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Store } from "../engine/store.js";
import { openPgStore } from "./store-pg/pgStore.js";
import { openSqliteStore } from "./store-sqlite/sqliteStore.js";

export interface OpenStoreOptions {
  readonly sync?: "full" | "normal";
}

/** True when `target` names a PostgreSQL database rather than an SQLite file. */
export function isPostgresTarget(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** Splits `schema=NAME` off a PostgreSQL URL (pg would otherwise send it to the server). */
export function pgTarget(target: string): { connectionString: string; schema: string | undefined } {
  const url = new URL(target);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), schema };
}

/** A URL or path safe to print: the password of a PostgreSQL URL replaced by `***`. */
export function describeStoreTarget(target: string): string {
  if (!isPostgresTarget(target)) return target;
  const url = new URL(target);
  if (url.password !== "") url.password = "***";
  return url.toString();
}

/** Open the Store named by `target` (see the file comment). */
export async function openStore(target: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const sync = opts.sync ?? "full";
  if (isPostgresTarget(target)) {
    const { connectionString, schema } = pgTarget(target);
    return openPgStore(connectionString, { sync, ...(schema !== undefined ? { schema } : {}) });
  }
  if (target !== ":memory:") mkdirSync(dirname(resolve(target)), { recursive: true });
  return openSqliteStore(target, { sync });
}
