import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeStoreTarget, isPostgresTarget, openStore, pgTarget } from "../../src/adapters/storeFactory.js";

describe("openStore target routing", () => {
  it("recognises postgres:// and postgresql:// URLs only", () => {
    expect(["postgres://h/db", "postgresql://u@h:5432/db", "POSTGRES://h/db"].map(isPostgresTarget)).toEqual([true, true, true]);
    expect(["./.dpm/dpm.sqlite", ":memory:", "postgres.sqlite", "/tmp/postgres://x"].map(isPostgresTarget)).toEqual([false, false, false, false]);
  });

  it("splits ?schema= off the URL and keeps the other parameters", () => {
    expect(pgTarget("postgres://u:p@h:5432/db?schema=dpm_a&sslmode=disable")).toEqual({ connectionString: "postgres://u:p@h:5432/db?sslmode=disable", schema: "dpm_a" });
    expect(pgTarget("postgresql://h/db")).toEqual({ connectionString: "postgresql://h/db", schema: undefined });
  });

  it("hides the password when printing a URL, leaves file paths alone", () => {
    expect(describeStoreTarget("postgres://u:secret@h:5432/db?schema=s")).toBe("postgres://u:***@h:5432/db?schema=s");
    expect(describeStoreTarget("postgres://u@h/db")).toBe("postgres://u@h/db");
    expect(describeStoreTarget("./a/b.sqlite")).toBe("./a/b.sqlite");
  });

  it("opens SQLite on a file path, creating its directory, as serve.ts does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-factory-"));
    try {
      const file = join(dir, "nested", "deeper", "dpm.sqlite");
      const s = await openStore(file, { sync: "normal" });
      expect(await s.appendEvents([{ a: 1 }], 1)).toEqual([1]);
      await s.close();
      expect(existsSync(file)).toBe(true);
      const again = await openStore(file);
      expect(await again.lastSeq()).toBe(1);
      await again.close();
      const mem = await openStore(":memory:");
      expect(await mem.lastSeq()).toBe(0);
      await mem.close();
      expect(existsSync(":memory:")).toBe(false);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
