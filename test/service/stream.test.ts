/** WebSocket /v1/stream: updates after a tick, per-account authorization, conflation for slow clients. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ADMIN, startTestService, type TestService } from "./helpers.js";

let svc: TestService;
let aliceKey: string;
const T0 = Date.parse("2024-11-20T08:00:00Z");

beforeAll(async () => {
  svc = await startTestService();
  const a = await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "100000" } });
  aliceKey = a.json.key;
  await svc.call("POST", "/v1/accounts", { id: "bob", collateral: { USDC: "1000" } });
  expect((await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: 100000, price: 92050 })).status).toBe(201);
});
afterAll(async () => svc?.stop());

function connect(key: string | null): Promise<{ ws: WebSocket; messages: any[]; next: (pred: (m: any) => boolean) => Promise<any> }> {
  const ws = new WebSocket(`${svc.url.replace("http", "ws")}/v1/stream`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; res: (m: any) => void }[] = [];
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.res(m); }
  });
  const next = (pred: (m: any) => boolean) => {
    const found = messages.find(pred);
    return found ? Promise.resolve(found) : new Promise((res, rej) => { waiters.push({ pred, res }); setTimeout(() => rej(new Error(`timeout; got ${JSON.stringify(messages).slice(0, 500)}`)), 5000); });
  };
  return new Promise((res, rej) => { ws.on("open", () => res({ ws, messages, next })); ws.on("unexpected-response", (_q, r) => rej(new Error(`HTTP ${r.statusCode}`))); ws.on("error", rej); });
}

describe("WebSocket stream", () => {
  it("without an Authorization header the socket must authenticate with its first message: anything else, a wrong key or silence closes it (1008)", async () => {
    // Issue 11: the key moved out of the URL (?token=, kept by proxies' logs) into the first message.
    const closeOf = (ws: WebSocket) => new Promise<[number, string]>((res) => ws.once("close", (code, why) => res([code, why.toString()])));
    const a = await connect(null);
    const ca = closeOf(a.ws);
    a.ws.send(JSON.stringify({ op: "subscribe", market: true }));
    expect(await ca).toEqual([1008, 'the first message must be {"type":"auth","key":"<API key>"}']);
    const b = await connect(null);
    const cb = closeOf(b.ws);
    b.ws.send(JSON.stringify({ type: "auth", key: `dpm_0123456789abcdef_${"A".repeat(43)}` }));
    expect(await cb).toEqual([1008, "invalid API key"]);
    const quick = await startTestService({ wsAuthMs: 100 });
    try {
      const silent = new WebSocket(`${quick.url.replace("http", "ws")}/v1/stream`);
      const cs = closeOf(silent);
      expect(await cs).toEqual([1008, "no auth message within 100 ms"]);
    } finally { await quick.stop(); }
    const good = await connect(null);
    good.ws.send(JSON.stringify({ type: "auth", key: aliceKey }));
    expect(await good.next((m) => m.type === "authenticated")).toEqual({ type: "authenticated", role: "account", account: "alice" });
    good.ws.close();
    // a bad key in the header is still refused at the upgrade
    await expect(connect(`dpm_0123456789abcdef_${"A".repeat(43)}`)).rejects.toThrow(/401/);
  });
  it("an account subscriber receives its margin after a tick, and the fleet subscriber the summary", async () => {
    const c = await connect(aliceKey);
    c.ws.send(JSON.stringify({ op: "subscribe", accounts: ["alice"] }));
    const first = await c.next((m) => m.type === "account");
    const admin = await connect(ADMIN);
    admin.ws.send(JSON.stringify({ op: "subscribe", fleet: true }));
    await admin.next((m) => m.type === "fleet");
    const tick = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 60_000, index: 85000, instruments: { "BTC-PERPETUAL": { mark: 85000 } } });
    expect(tick.status).toBe(201);
    const upd = await c.next((m) => m.type === "account" && m.data.seq >= tick.json.seq);
    expect(upd.data.account).toBe("alice");
    expect(upd.data.equity).toBeLessThan(first.data.equity);
    // independent: inverse P&L of 100,000 USD long from 92,050 to 85,000, valued at the index
    expect(upd.data.equity - 100000).toBeCloseTo(100000 * (1 / 92050 - 1 / 85000) * 85000, 4);
    const fleet = await admin.next((m) => m.type === "fleet" && m.data.seq >= tick.json.seq);
    expect(fleet.data.accounts).toBe(2);
    expect(fleet.data.byUnderlying.BTC.accounts).toBe(1);
    c.ws.close(); admin.ws.close();
  });
  it("an account key cannot subscribe to another account or the fleet", async () => {
    const c = await connect(aliceKey);
    c.ws.send(JSON.stringify({ op: "subscribe", accounts: ["bob"] }));
    const e = await c.next((m) => m.type === "error");
    expect(e.status).toBe(403);
    c.ws.send(JSON.stringify({ op: "subscribe", fleet: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.messages.filter((m) => m.type === "error").length).toBe(2);
    c.ws.close();
  });
  it("a slow client is conflated: one pending message per topic, the newest, nothing unbounded", async () => {
    const sent: string[] = [];
    const fake = { readyState: 1, bufferedAmount: 10 * 1024 * 1024, send: (m: string) => sent.push(m), on: () => undefined, terminate: () => undefined };
    svc.hub.attach(fake as never, { keyId: "x", role: "admin" });
    const client = [...svc.hub.clients].find((c) => c.socket === (fake as never))!;
    client.accounts.add("alice");
    const conflatedBefore = svc.hub.conflated;
    for (let i = 0; i < 50; i++) await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 120_000 + i * 1000, index: 85000 + i });
    expect(sent.length).toBe(0);
    // One pending message per topic: alice's account updates, and her insight (binding component, distance to
    // liquidation) when the insight pump found a gap between the ticks to compute it (timing: 0 or 1 of them).
    const topics = [...client.pending.keys()].sort();
    expect(topics.filter((t) => t !== "insight:alice")).toEqual(["account:alice"]);
    expect(svc.hub.conflated - conflatedBefore).toBeGreaterThanOrEqual(49); // 49 account updates replaced, insights too
    fake.bufferedAmount = 0;
    client.flush();
    expect(sent.length).toBe(topics.length);
    const last = sent.map((m) => JSON.parse(m) as { type: string; data: { seq: number } }).find((m) => m.type === "account")!;
    expect(last.data.seq).toBe(svc.engine.state.seq);
    client.close();
    svc.hub.clients.delete(client);
  });
});
