/** Security review follow-ups: idempotent fills, key issue/rotation/revocation, operator log, 401 rate limit, trusted fills. */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { ADMIN, startTestService, type TestService } from "./helpers.js";
import { keySecret } from "../helpers/shared.js";

let svc: TestService;
let aliceKey: string;
let aliceKeyId: string;
const lines: string[] = [];

beforeAll(async () => {
  svc = await startTestService({ rateLimit: 0, logSink: (l) => lines.push(l) });
  const a = await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "100000" } });
  expect(a.status, a.text).toBe(201);
  aliceKey = a.json.key;
  aliceKeyId = a.json.keyId;
});
afterAll(async () => svc?.stop());

describe("idempotent fills and transfers over HTTP", () => {
  it("a retried fill (e.g. after a 500) answers 200 with the original seq and duplicate: true; applied once", async () => {
    const body = { instrument: "BTC-PERPETUAL", size: "1000", price: 92000, fillId: "venue-fill-1" };
    const first = await svc.call("POST", "/v1/accounts/alice/fills", body);
    expect(first.status, first.text).toBe(201);
    const last = await svc.store.lastSeq();
    const again = await svc.call("POST", "/v1/accounts/alice/fills", body);
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ seq: first.json.seq, duplicate: true, event: first.json.event });
    expect(await svc.store.lastSeq()).toBe(last);
    const acct = (await svc.call("GET", "/v1/accounts/alice")).json.account;
    expect(acct.positions).toEqual([{ instrument: "BTC-PERPETUAL", size: "1000", entryPrice: 92000 }]);
    const conflict = await svc.call("POST", "/v1/accounts/alice/fills", { ...body, size: "2000" });
    expect(conflict.status, conflict.text).toBe(409);
  });
  it("the fill was logged but the snapshot after it failed: acknowledged anyway (201, the failure goes to the operator log), and a retry does not apply it twice", async () => {
    const realAppend = svc.store.appendEvents.bind(svc.store);
    let calls = 0;
    // the fill's own append succeeds, the snapshot write after it fails
    const realSnap = svc.store.putSnapshot.bind(svc.store);
    (svc.engine as unknown as { opts: { snapshotEvery: number } }).opts.snapshotEvery = 1;
    svc.store.putSnapshot = async () => { calls++; throw new Error("disk full"); };
    const body = { instrument: "BTC-PERPETUAL", size: "500", price: 92000, fillId: "venue-fill-2" };
    const r1 = await svc.call("POST", "/v1/accounts/alice/fills", body);
    svc.store.putSnapshot = realSnap;
    (svc.engine as unknown as { opts: { snapshotEvery: number } }).opts.snapshotEvery = 1000;
    // Issue 11: a request is never answered 500 after its event was written (it used to be: the client saw a
    // failure for an event that was logged and applied).
    expect(r1.status, r1.text).toBe(201);
    expect(calls).toBe(1);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "writing a snapshot");
    expect(logged).toMatchObject([{ level: "error", detail: "disk full" }]);
    const r2 = await svc.call("POST", "/v1/accounts/alice/fills", body);
    expect(r2.status, r2.text).toBe(200);
    expect(r2.json.duplicate).toBe(true);
    expect((await svc.call("GET", "/v1/accounts/alice")).json.account.positions[0].size).toBe("1500");
    expect(realAppend).toBeDefined();
  });
  it("deposits and withdrawals take an optional requestId", async () => {
    const d = { asset: "USDC", amount: "10", requestId: "dep-1" };
    const d1 = await svc.call("POST", "/v1/accounts/alice/deposits", d);
    const d2 = await svc.call("POST", "/v1/accounts/alice/deposits", d);
    expect([d1.status, d2.status]).toEqual([201, 200]);
    const w = { asset: "USDC", amount: "4", requestId: "wd-1" };
    const w1 = await svc.call("POST", "/v1/accounts/alice/withdrawals", w, aliceKey);
    const w2 = await svc.call("POST", "/v1/accounts/alice/withdrawals", w, aliceKey);
    expect([w1.status, w2.status]).toEqual([201, 200]);
    expect(w2.json.seq).toBe(w1.json.seq);
    expect((await svc.call("GET", "/v1/accounts/alice")).json.account.balances.USDC).toBe("100006");
  });
});

describe("account keys: creation is recoverable, keys can be issued, rotated and revoked", () => {
  it("an account created without a key (crash before the key) can be completed by retrying the creation, or given a key", async () => {
    // the crash: the account event (and one deposit) are logged, the key never created
    expect((await svc.engine.submit({ type: "account", account: "orphan" })).ok).toBe(true);
    expect((await svc.engine.submit({ type: "deposit", account: "orphan", asset: "USDC", amount: "50", requestId: "account-create:USDC" })).ok).toBe(true);
    expect(await svc.keys.hasActiveKey("orphan")).toBe(false);
    const retry = await svc.call("POST", "/v1/accounts", { id: "orphan", collateral: { USDC: "50" } });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json).toMatchObject({ recovered: true, account: { balances: { USDC: "50" } } });
    expect((await svc.call("GET", "/v1/accounts/orphan", undefined, retry.json.key)).status).toBe(200);
    // now it has a key: a second creation is a 409 pointing at the key route, with nothing written
    const last = await svc.store.lastSeq();
    const dup = await svc.call("POST", "/v1/accounts", { id: "orphan", collateral: { USDC: "50" } });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toMatch(/POST \/v1\/accounts\/orphan\/keys/);
    expect(await svc.store.lastSeq()).toBe(last);
    // an account with no key at all gets one from the admin route
    expect((await svc.engine.submit({ type: "account", account: "keyless" })).ok).toBe(true);
    const k = await svc.call("POST", "/v1/accounts/keyless/keys", {});
    expect(k.status, k.text).toBe(201);
    expect(k.json.key).toMatch(/^dpm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await svc.call("GET", "/v1/accounts/keyless", undefined, k.json.key)).status).toBe(200);
    const stored = await svc.store.getApiKey(k.json.keyId);
    expect(JSON.stringify(stored)).not.toContain(keySecret(k.json.key));
    expect((await svc.call("POST", "/v1/accounts/nobody/keys", {})).status).toBe(404);
    expect((await svc.call("POST", "/v1/accounts/keyless/keys", {}, k.json.key)).status).toBe(403);
  });
  it("rotation: revokeExisting revokes the old keys; both old and new keys answer at once", async () => {
    const a = await svc.call("POST", "/v1/accounts", { id: "rot" });
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, a.json.key)).status).toBe(200); // cached now
    const extra = await svc.call("POST", "/v1/accounts/rot/keys", {});
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, extra.json.key)).status).toBe(200);
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, a.json.key)).status).toBe(200);
    const rot = await svc.call("POST", "/v1/accounts/rot/keys", { revokeExisting: true });
    expect(rot.status, rot.text).toBe(201);
    expect(rot.json.revoked.sort()).toEqual([a.json.keyId, extra.json.keyId].sort());
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, a.json.key)).status).toBe(401);
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, extra.json.key)).status).toBe(401);
    expect((await svc.call("GET", "/v1/accounts/rot", undefined, rot.json.key)).status).toBe(200);
    expect((await svc.call("POST", "/v1/accounts/rot/keys", { revokeExisting: "yes" })).status).toBe(400);
  });
  it("DELETE /v1/keys/:keyId revokes at once (cached key included) and closes its streams", async () => {
    const b = await svc.call("POST", "/v1/accounts", { id: "bob" });
    expect((await svc.call("GET", "/v1/accounts/bob", undefined, b.json.key)).status).toBe(200);
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/v1/stream`, { headers: { authorization: `Bearer ${b.json.key}` } });
    await new Promise((res, rej) => { ws.once("open", res); ws.once("error", rej); });
    const closed = new Promise<number>((res) => ws.once("close", (code) => res(code)));
    const del = await svc.call("DELETE", `/v1/keys/${b.json.keyId}`);
    expect(del.status, del.text).toBe(200);
    expect(del.json).toMatchObject({ keyId: b.json.keyId, revoked: true, account: "bob", streamsClosed: 1 });
    expect(await closed).toBe(1008);
    expect((await svc.call("GET", "/v1/accounts/bob", undefined, b.json.key)).status).toBe(401);
    expect((await svc.call("DELETE", `/v1/keys/${b.json.keyId}`)).status).toBe(200); // idempotent
    expect((await svc.call("DELETE", "/v1/keys/0123456789abcdef")).status).toBe(404);
    expect((await svc.call("DELETE", "/v1/keys/nothex")).status).toBe(400);
    expect((await svc.call("DELETE", `/v1/keys/${aliceKeyId}`, undefined, aliceKey)).status).toBe(403);
  });
});

describe("operator log", () => {
  afterEach(() => { lines.length = 0; });
  it("a forced 500 writes exactly one JSON line, without the key or the body", async () => {
    const real = svc.store.appendEvents.bind(svc.store);
    svc.store.appendEvents = async () => { throw new Error(`append failed for Bearer ${aliceKey} and ${ADMIN}`); };
    lines.length = 0;
    const r = await svc.call("POST", "/v1/accounts/alice/withdrawals", { asset: "USDC", amount: "1", requestId: "secret-body-marker" }, aliceKey);
    svc.store.appendEvents = real;
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "internal error" });
    expect(lines.length, lines.join("\n")).toBe(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: "error", status: 500, method: "POST", route: "/v1/accounts/:id/withdrawals", path: "/v1/accounts/alice/withdrawals" });
    expect(lines[0]).not.toContain(keySecret(aliceKey));
    expect(lines[0]).not.toContain(aliceKeyId + "_");
    expect(lines[0]).not.toContain(ADMIN);
    expect(lines[0]).not.toContain("secret-body-marker");
    expect(line.detail).toContain("[redacted]");
  });
  it("writes to stderr by default and nothing when quiet", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const loud = await startTestService({ rateLimit: 0 });
    const quiet = await startTestService({ rateLimit: 0, quiet: true });
    try {
      for (const s of [loud, quiet]) {
        const real = s.store.appendEvents.bind(s.store);
        s.store.appendEvents = async () => { throw new Error("boom"); };
        expect((await s.call("POST", "/v1/insurance-fund/deposits", { asset: "USDC", amount: "1" })).status).toBe(500);
        s.store.appendEvents = real;
      }
      const written = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('"level"'));
      expect(written.length, written.join("")).toBe(1);
      expect(written[0].endsWith("\n")).toBe(true);
      expect(JSON.parse(written[0])).toMatchObject({ level: "error", route: "/v1/insurance-fund/deposits", detail: "boom" });
    } finally {
      spy.mockRestore();
      await loud.stop();
      await quiet.stop();
    }
  });
  it("feed prices refused in a row are reported at the threshold, then at 10×", async () => {
    const s = await startTestService({ rateLimit: 0, logSink: (l) => lines.push(l), feedRejectThreshold: 3 });
    try {
      lines.length = 0;
      for (let i = 0; i < 31; i++) s.ingest.price({ source: "a", asset: "BTC", price: Number.NaN, ts: 1732089601000 + i });
      const reports = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "feed: prices refused in a row");
      expect(reports.map((r) => r.refusedInRow)).toEqual([3, 30]);
      expect(reports[0]).toMatchObject({ level: "warn", asset: "BTC" });
    } finally { await s.stop(); }
  });
});

describe("failed authentications are rate limited per remote address", () => {
  it("429 once the address's 401 budget is spent; valid keys still work; the map of addresses is bounded", async () => {
    const s = await startTestService({ rateLimit: 0, authFailRate: 1, clock: () => 1_000_000 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) statuses.push((await s.call("GET", "/v1/accounts", undefined, `dpm_0123456789abcdef_${"A".repeat(43)}`)).status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401)); // burst max(20, 4 × rate)
      expect(statuses.slice(20)).toEqual(Array(5).fill(429));
      const r = await s.call("GET", "/v1/accounts/x", undefined, null);
      expect(r.status).toBe(429);
      expect((await s.call("GET", "/v1/accounts")).status).toBe(200); // a valid key from the same address
    } finally { await s.stop(); }
    const { RateLimiter } = await import("../../src/adapters/http/keys.js");
    const l = new RateLimiter(1, 2, 100);
    for (let i = 0; i < 1000; i++) l.take(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(l.size).toBe(100);
    expect(l.take("10.0.3.231", 0)).toBe(true); // most recent kept: its second token
    expect(l.take("10.0.3.231", 0)).toBe(false);
  });
});

describe("--trusted-fills", () => {
  it("off (default): account keys may not post fills or deposits (403); withdrawals, checks and reads are allowed", async () => {
    const fillR = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: "1000", price: 1 }, aliceKey);
    expect(fillR.status).toBe(403);
    expect(fillR.json.error).toMatch(/admin \(venue\) key.*--trusted-fills/);
    expect((await svc.call("POST", "/v1/accounts/alice/deposits", { asset: "USDC", amount: "1000000" }, aliceKey)).status).toBe(403);
    expect((await svc.call("POST", "/v1/funding", { instrument: "BTC-PERPETUAL", rate: 0.01 }, aliceKey)).status).toBe(403);
    expect((await svc.call("POST", "/v1/accounts/alice/orders/check", { instrument: "BTC-PERPETUAL", size: 10 }, aliceKey)).status).toBe(200);
    expect((await svc.call("POST", "/v1/accounts/alice/withdrawals", { asset: "USDC", amount: "1" }, aliceKey)).status).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: "10", price: 92000 })).status).toBe(201);
  });
  it("on: account keys post their own fills and deposits (not another account's)", async () => {
    const s = await startTestService({ rateLimit: 0, trustedFills: true });
    try {
      const a = await s.call("POST", "/v1/accounts", { id: "t", collateral: { USDC: "1000" } });
      await s.call("POST", "/v1/accounts", { id: "u" });
      expect((await s.call("POST", "/v1/accounts/t/fills", { instrument: "BTC-PERPETUAL", size: "100", price: 92000 }, a.json.key)).status).toBe(201);
      expect((await s.call("POST", "/v1/accounts/t/deposits", { asset: "USDC", amount: "5" }, a.json.key)).status).toBe(201);
      expect((await s.call("POST", "/v1/accounts/u/fills", { instrument: "BTC-PERPETUAL", size: "100", price: 92000 }, a.json.key)).status).toBe(403);
      expect((await s.call("POST", "/v1/funding", { instrument: "BTC-PERPETUAL", rate: 0.01 }, a.json.key)).status).toBe(403);
    } finally { await s.stop(); }
  });
});
