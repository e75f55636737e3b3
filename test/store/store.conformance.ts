/**
 * Conformance suite of the engine Store interface. Every backend runs it unchanged:
 *   storeConformance("sqlite", async () => ({ store: openSqliteStore(...), reopen: async () => ..., cleanup }))
 * `reopen` (optional) closes and reopens the same database, to check durability across restarts.
 */
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/engine/store.js";

export interface StoreFixture {
  readonly store: Store;
  /** Close this store and open the same database again. */
  readonly reopen?: () => Promise<Store>;
  readonly cleanup?: () => Promise<void>;
}

export function storeConformance(name: string, factory: () => Promise<StoreFixture>): void {
  const withStore = (f: (fx: StoreFixture) => Promise<void>) => async () => {
    const fx = await factory();
    try { await f(fx); } finally { await fx.store.close().catch(() => undefined); await fx.cleanup?.(); }
  };

  describe(`Store conformance: ${name}`, () => {
    it("an empty store has lastSeq 0, no events, no snapshot", withStore(async ({ store }) => {
      expect(await store.lastSeq()).toBe(0);
      expect(await store.readEvents(1, 10)).toEqual([]);
      expect(await store.latestSnapshot()).toBeUndefined();
    }));

    it("appends get consecutive sequence numbers and read back in order with their bodies", withStore(async ({ store }) => {
      expect(await store.appendEvents([{ type: "a", n: 1 }], 1000)).toEqual([1]);
      expect(await store.appendEvents([{ type: "b", x: "0.000000000001" }, { type: "c", nested: { k: [1, 2] } }], 1001)).toEqual([2, 3]);
      expect(await store.appendEvents([], 1002)).toEqual([]);
      expect(await store.lastSeq()).toBe(3);
      const all = await store.readEvents(1, 100);
      expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(all[1]).toEqual({ seq: 2, ts: 1001, event: { type: "b", x: "0.000000000001" } });
      expect(all[2].event).toEqual({ type: "c", nested: { k: [1, 2] } });
    }));

    it("pages by offset and limit", withStore(async ({ store }) => {
      await store.appendEvents(Array.from({ length: 25 }, (_, i) => ({ i })), 5);
      const pages: number[][] = [];
      for (let from = 1; ; ) {
        const p = await store.readEvents(from, 10);
        if (p.length === 0) break;
        pages.push(p.map((e) => e.seq));
        from = p[p.length - 1].seq + 1;
      }
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(await store.readEvents(26, 10)).toEqual([]);
      expect((await store.readEvents(7, 1))[0].event).toEqual({ i: 6 });
      expect(await store.readEvents(1, 0)).toEqual([]);
    }));

    it("keeps the latest snapshot", withStore(async ({ store }) => {
      await store.putSnapshot(10, "s10");
      await store.putSnapshot(30, "s30");
      await store.putSnapshot(20, "s20");
      expect(await store.latestSnapshot()).toEqual({ seq: 30, data: "s30" });
      await store.putSnapshot(30, "s30b");
      expect(await store.latestSnapshot()).toEqual({ seq: 30, data: "s30b" });
    }));

    it("accounts: create once, read, list in id order after a cursor", withStore(async ({ store }) => {
      expect(await store.createAccount({ id: "b", owner: "o1", createdAt: 1 })).toBe(true);
      expect(await store.createAccount({ id: "a", owner: "o1", createdAt: 2 })).toBe(true);
      expect(await store.createAccount({ id: "a", owner: "o2", createdAt: 3 })).toBe(false);
      expect(await store.getAccount("a")).toEqual({ id: "a", owner: "o1", createdAt: 2 });
      expect(await store.getAccount("zz")).toBeUndefined();
      expect((await store.listAccounts("", 10)).map((a) => a.id)).toEqual(["a", "b"]);
      expect((await store.listAccounts("a", 10)).map((a) => a.id)).toEqual(["b"]);
      expect((await store.listAccounts("", 1)).map((a) => a.id)).toEqual(["a"]);
    }));

    it("API keys: put, get, list by role and account, revoke", withStore(async ({ store }) => {
      const k = { id: "k1", salt: "s", hash: "h".repeat(64), role: "account" as const, account: "a", createdAt: 1, revoked: false };
      await store.putApiKey(k);
      await store.putApiKey({ id: "k0", salt: "t", hash: "0".repeat(64), role: "admin", createdAt: 0, revoked: false });
      expect(await store.getApiKey("k1")).toEqual(k);
      expect(await store.getApiKey("nope")).toBeUndefined();
      expect((await store.listApiKeys("admin")).map((x) => x.id)).toEqual(["k0"]);
      expect((await store.listApiKeys("account", "a")).map((x) => x.id)).toEqual(["k1"]);
      expect(await store.listApiKeys("account", "b")).toEqual([]);
      await store.putApiKey({ ...k, revoked: true });
      expect((await store.getApiKey("k1"))?.revoked).toBe(true);
    }));

    it("everything survives closing and reopening", withStore(async (fx) => {
      if (!fx.reopen) return;
      await fx.store.appendEvents([{ e: 1 }, { e: 2 }], 9);
      await fx.store.putSnapshot(2, "snap");
      await fx.store.createAccount({ id: "x", owner: "x", createdAt: 1 });
      const again = await fx.reopen();
      try {
        expect(await again.lastSeq()).toBe(2);
        expect(await again.appendEvents([{ e: 3 }], 10)).toEqual([3]);
        expect((await again.readEvents(1, 10)).map((e) => e.event)).toEqual([{ e: 1 }, { e: 2 }, { e: 3 }]);
        expect(await again.latestSnapshot()).toEqual({ seq: 2, data: "snap" });
        expect(await again.getAccount("x")).toBeDefined();
      } finally { await again.close(); }
    }));
  });
}
