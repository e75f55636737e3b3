import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { storeConformance } from "./store.conformance.js";

storeConformance("sqlite (file, WAL, synchronous=FULL)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dpm-store-"));
  const file = join(dir, "s.sqlite");
  const store = openSqliteStore(file);
  return { store, reopen: async () => { await store.close(); return openSqliteStore(file); }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

storeConformance("sqlite (:memory:)", async () => ({ store: openSqliteStore(":memory:", { sync: "normal" }) }));
