/**
 * Issue 11: the six defects of the outside review of the running service, each reproduced against a real
 * server (and, for the restart, a real store), plus issue 12's bare book on POST /v1/margin.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { InprocBus } from "../../src/adapters/bus-inproc/inprocBus.js";
import { Engine } from "../../src/engine/engine.js";
import { ADMIN, MARKET, startTestService, type TestService } from "./helpers.js";

let svc: TestService;
const T0 = Date.parse("2024-11-20T08:00:00Z");

beforeAll(async () => {
  svc = await startTestService({ rateLimit: 0 });
  expect((await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "100000" } })).status).toBe(201);
});
afterAll(async () => svc?.stop());

/** Every number in a JSON answer is finite (JSON has no NaN/Infinity: they come out as null where a number belongs). */
function nonFinitePaths(v: unknown, path = "", out: string[] = []): string[] {
  if (typeof v === "number" && !Number.isFinite(v)) out.push(path);
  else if (Array.isArray(v)) v.forEach((x, i) => nonFinitePaths(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) nonFinitePaths(x, path ? `${path}.${k}` : k, out);
  return out;
}

describe("defect 1: a fill at 5e-324 poisoned the state", () => {
  it("the fill is refused (400: below the smallest price; 409 for a price inside the fixed bounds but far from the mark) and the account's figures stay finite", async () => {
    const seq = svc.engine.state.seq;
    const r = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: "1000", price: 5e-324 });
    expect(r.status, r.text).toBe(400);
    expect(r.json.issues).toEqual([{ path: "price", message: expect.stringMatching(/at least 1e-12/), value: 5e-324 }]);
    const far = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: "1000", price: 1 });
    expect(far.status, far.text).toBe(409);
    expect(far.json.issues).toEqual([{ path: "price", message: "must be between 46025 and 184100 (within 2× of the mark 92050)", value: 1 }]);
    const call = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-27DEC24-95000-C", size: "1", price: 92000 });
    expect([call.status, call.json.issues?.[0]?.message]).toEqual([409, "must be between 0.0001 and 1 (a coin-settled call is worth less than 1 coin)"]);
    const put = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-27DEC24-85000-P", size: "1", price: 0.95 });
    expect([put.status, put.json.issues?.[0]?.message]).toEqual([409, "must be between 0.0001 and 0.9239130435 (a coin-settled put is worth less than strike / index = 85000 / 92000 coins)"]);
    const tick = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-27DEC24-95000-C", size: "1", price: 0.00005 });
    expect([tick.status, tick.json.issues?.[0]?.message]).toEqual([400, "must be at least 0.0001 (the tick of coin-settled options)"]);
    expect(svc.engine.state.seq).toBe(seq);
    const m = svc.engine.margins.get("alice")!;
    expect(nonFinitePaths(m)).toEqual([]);
    expect(m.equity).toBe(100000);
  });
  it("an admin tick with index 1e-300 is refused (400: below the smallest price); a 60 % jump needs force: true (409)", async () => {
    const tiny = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 1000, index: 1e-300 });
    expect(tiny.status, tiny.text).toBe(400);
    expect(tiny.json.issues[0]).toMatchObject({ path: "index", value: 1e-300 });
    const jump = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 1000, index: 92000 * 0.4 });
    expect(jump.status, jump.text).toBe(409);
    expect(jump.json.issues[0]).toMatchObject({ path: "index", value: 92000 * 0.4 });
    expect(jump.json.issues[0].message).toMatch(/50 %.*force/);
    expect(svc.engine.state.market!.assets.BTC.index).toBe(92000);
  });
  it("the reducing fill after it can no longer answer 500 after its event was logged, and the log reopens", async () => {
    const store = openSqliteStore(":memory:", { sync: "normal" });
    const e = await Engine.open(store);
    for (const ev of [{ type: "market", snapshot: MARKET }, { type: "account", account: "a" }, { type: "deposit", account: "a", asset: "USDC", amount: "100000" }]) expect((await e.submit(ev)).ok).toBe(true);
    const poison = await e.submit({ type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "1000", price: 5e-324 });
    expect(poison.ok).toBe(false);
    const before = await store.lastSeq();
    const reduce = await e.submit({ type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "-500", price: 92000 });
    expect(reduce.ok).toBe(true);
    expect(await store.lastSeq()).toBe(before + 1);
    const again = await Engine.open(store);
    expect(JSON.stringify(again.margins.get("a"))).toBe(JSON.stringify(e.margins.get("a")));
    await store.close();
  });
  it("a log holding such a fill (written by an older version) still starts: the event is quarantined, not applied", async () => {
    const store = openSqliteStore(":memory:", { sync: "normal" });
    await store.appendEvents([
      { type: "market", snapshot: MARKET }, { type: "account", account: "a" }, { type: "deposit", account: "a", asset: "USDC", amount: "100000" },
      { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "1000", price: 5e-324 },
      { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "-500", price: 92000 },
    ], 0);
    const problems: string[] = [];
    const e = await Engine.open(store, { onProblem: (p) => problems.push(`${p.msg}: ${p.detail}`) });
    // the poisoned fill is skipped; the next one is a valid fill on its own (a short of 500) and applies
    expect(e.quarantined).toEqual([{ seq: 4, type: "fill", reason: expect.stringMatching(/^invalid event: price: must be a price > 0/) }]);
    expect(problems).toEqual([expect.stringMatching(/^event quarantined at replay \(not applied\): seq 4 \(fill\): invalid event/)]);
    expect(nonFinitePaths(e.margins.get("a"))).toEqual([]);
    expect([...e.state.accounts.get("a")!.positions].map(([k, p]) => [k, String(p.size)])).toEqual([["BTC-PERPETUAL", "-500000000000000"]]);
    // deterministic: opened again, the same quarantine; a snapshot keeps it
    expect((await Engine.open(store)).quarantined).toEqual(e.quarantined);
    await e.snapshotNow();
    await store.appendEvents([{ type: "deposit", account: "a", asset: "USDC", amount: "1" }], 0);
    const again = await Engine.open(store);
    expect(again.quarantined).toEqual(e.quarantined);
    expect(again.state.accounts.get("a")!.balances.get("USDC")).toBe(100001n * 10n ** 12n);
    await store.close();
  });
});

describe("a quarantined event is reported: operator log, GET /v1/events flag, /healthz count", () => {
  it("the service starts on a log holding a poisoned fill", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-quarantine-"));
    const db = join(dir, "q.sqlite");
    const store = openSqliteStore(db, { sync: "normal" });
    await store.appendEvents([
      { type: "market", snapshot: MARKET }, { type: "account", account: "a" },
      { type: "fill", account: "a", instrument: "BTC-PERPETUAL", size: "1000", price: 5e-324 },
    ], 0);
    await store.close();
    const lines: string[] = [];
    const s = await startTestService({ db, initialMarket: undefined, logSink: (l) => lines.push(l) });
    try {
      expect((await s.call("GET", "/healthz", undefined, null)).json).toMatchObject({ status: "ok", quarantined: 1 });
      const ev = (await s.call("GET", "/v1/events?from=3&limit=1")).json.events[0];
      expect(ev).toMatchObject({ seq: 3, quarantined: true, reason: expect.stringMatching(/^invalid event: price/) });
      expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: "warn", msg: "event quarantined at replay (not applied)", seq: 3 }));
    } finally { await s.stop(); rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("defect 2: deeply nested JSON answered 500", () => {
  it("depth 10,000 on a body route is a 400 naming the depth limit, not a stack overflow", async () => {
    for (const path of ["/v1/accounts/alice/fills", "/v1/margin", "/v1/market/ticks", "/v1/params"]) {
      const body = "[".repeat(10_000) + "]".repeat(10_000);
      const r = await svc.call(path === "/v1/params" ? "PUT" : "POST", path, body);
      expect(r.status, `${path}: ${r.text.slice(0, 200)}`).toBe(400);
      expect(r.text.length).toBeLessThan(2000);
      expect(r.json.issues[0].message).toMatch(/nest/);
    }
    const deepObject = '{"portfolio":' + '{"a":'.repeat(6000) + "1" + "}".repeat(6000) + "}";
    const r = await svc.call("POST", "/v1/margin", deepObject);
    expect(r.status, r.text.slice(0, 200)).toBe(400);
  });
});

describe("HTTP bodies: bounded parse, prototype keys, bounded echo", () => {
  it("keys named __proto__ (also escaped) and constructor.prototype are refused with 400; brackets inside strings do not count as nesting", async () => {
    const fill = '{"instrument":"BTC-PERPETUAL","size":"1","price":92000,';
    for (const tail of ['"__proto__":{"polluted":1}}', '"\\u005f_proto__":{"polluted":1}}', '"constructor":{"prototype":{"polluted":1}}}']) {
      const r = await svc.call("POST", "/v1/accounts/alice/fills", fill + tail);
      expect([r.status, r.json?.issues?.[0]?.path], tail).toEqual([400, "(body)"]);
      expect(r.json.issues[0].message).toMatch(/__proto__|prototype/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const strings = await svc.call("POST", "/v1/accounts/alice/orders/check", { instrument: "[".repeat(500) + "{".repeat(500), size: "1" });
    expect([strings.status, strings.json.issues[0].path]).toEqual([400, "instrument"]);
  });
  it("more than 100,000 values is a 400; a 100,000-character string is echoed cut to 200 characters", async () => {
    const many = await svc.call("POST", "/v1/margin", JSON.stringify({ portfolio: { account: "x", positions: Array(100_001).fill(0) } }));
    expect([many.status, many.json.issues[0].message]).toEqual([400, "more than 100,000 values"]);
    const long = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "A".repeat(100_000), size: "1", price: 92000 });
    expect(long.status).toBe(400);
    expect(long.json.issues[0].value).toBe(`${"A".repeat(200)}…(100000 characters)`);
    expect(long.text.length).toBeLessThan(1000);
    const deep = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: "1", price: 92000, extra: Array.from({ length: 300 }, (_, i) => ({ i })) });
    expect(deep.json.issues).toEqual([{ path: "extra", message: "unknown field", value: "[array of 300 items]" }]);
  });
  it("403 and per-key 429 also answer before the body with Connection: close", async () => {
    const bob = await svc.call("POST", "/v1/accounts", { id: "bob-h" });
    const r = await headersOnly(svc.port, `POST /v1/accounts/alice/withdrawals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bob.json.key}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`);
    expect(r.status).toBe(403);
    expect(r.headers.toLowerCase()).toContain("connection: close");
    expect(r.closedMs).toBeDefined();
  });
});

describe("defect 3: unknown presets and prototype-named currencies on POST /v1/margin", () => {
  const book = { account: "x", collateral: { USDC: 1000 }, positions: [] };
  it("an unknown preset is a 400 listing the valid ones", async () => {
    const r = await svc.call("POST", "/v1/margin", { portfolio: book, preset: "nope" });
    expect(r.status, r.text).toBe(400);
    expect(r.json.issues[0]).toMatchObject({ path: "preset", value: "nope" });
    expect(r.json.issues[0].message).toMatch(/deribit/);
  });
  it("currency __proto__, constructor, toString: 400 listing the valid ones", async () => {
    for (const currency of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const r = await svc.call("POST", "/v1/margin", { portfolio: book, currency });
      expect(r.status, `${currency}: ${r.text}`).toBe(400);
      expect(r.json.issues[0]).toMatchObject({ path: "currency", value: currency });
      expect(r.json.issues[0].message).toMatch(/USD.*BTC/);
    }
  });
  it("issue 12: a bare book (no {portfolio: …} wrapper) is a 400 with a one-line hint", async () => {
    const r = await svc.call("POST", "/v1/margin", book);
    expect(r.status, r.text).toBe(400);
    expect(r.json.error).toMatch(/wrap it as \{"portfolio": …\}/);
  });
});

/** Send request headers only (no body byte) and report the status line, headers and whether the server closed. */
function headersOnly(port: number, head: string): Promise<{ status: number; headers: string; closedMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = "";
    const t0 = Date.now();
    const timer = setTimeout(() => { s.destroy(); resolve({ status: Number(buf.slice(9, 12)), headers: buf.split("\r\n\r\n")[0], closedMs: undefined }); }, 1500);
    s.on("data", (d) => { buf += d.toString(); });
    s.on("close", () => { clearTimeout(timer); resolve({ status: Number(buf.slice(9, 12)), headers: buf.split("\r\n\r\n")[0], closedMs: Date.now() - t0 }); });
    s.on("error", reject);
    s.write(head);
  });
}

describe("defect 4: unauthenticated bodies were read to the end", () => {
  it("401 with Connection: close and the socket closed, without waiting for the 10 MB body", async () => {
    const r = await headersOnly(svc.port, "POST /v1/accounts/alice/fills HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n");
    expect(r.status).toBe(401);
    expect(r.headers.toLowerCase()).toContain("connection: close");
    expect(r.closedMs, "the server closed the connection").toBeDefined();
  });
  it("the same for a chunked body", async () => {
    const r = await headersOnly(svc.port, "POST /v1/margin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer nope\r\n\r\n");
    expect(r.status).toBe(401);
    expect(r.headers.toLowerCase()).toContain("connection: close");
    expect(r.closedMs).toBeDefined();
  });
});

describe("defect 5: the failed-authentication limiter ran after the key lookup", () => {
  it("once the address's budget is spent, well-formed unknown key ids cost no store query", async () => {
    const s = await startTestService({ rateLimit: 0, authFailRate: 1, clock: () => 5_000_000 });
    try {
      let lookups = 0;
      const real = s.store.getApiKey.bind(s.store);
      s.store.getApiKey = async (id) => { lookups++; return real(id); };
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await s.call("GET", "/v1/accounts", undefined, `dpm_${i.toString(16).padStart(16, "0")}_${"A".repeat(43)}`)).status);
      expect(statuses.filter((x) => x === 401).length).toBe(20);
      expect(statuses.filter((x) => x === 429).length).toBe(180);
      expect(lookups, "store lookups: only the 20 requests inside the budget").toBe(20);
    } finally { await s.stop(); }
  });
});

describe("defect 6: OpenAPI gaps, the scheme name, the key in the WebSocket URL", () => {
  it("the scheme name is case-insensitive (bearer, BEARER)", async () => {
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const r = await fetch(`${svc.url}/v1/accounts`, { headers: { authorization: `${scheme} ${ADMIN}` } });
      expect(r.status, scheme).toBe(200);
    }
  });
  it("every body route documents 400 and 413, and every request body has an example", async () => {
    const doc = (await svc.call("GET", "/v1/openapi.json")).json;
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> }; responses: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody) continue;
        for (const code of ["400", "413"]) if (!op.responses[code]) missing.push(`${method} ${path} ${code}`);
        const c = op.requestBody.content["application/json"];
        if (c.example === undefined && c.examples === undefined) missing.push(`${method} ${path} example`);
      }
    }
    expect(missing).toEqual([]);
  });
  it("the documented decimal pattern accepts what the server accepts", async () => {
    const doc = (await svc.call("GET", "/v1/openapi.json")).json;
    const pattern = new RegExp(doc.components.schemas.Decimal.oneOf[0].pattern);
    for (const amount of ["1.500000000000000", "10", "0.000000000001"]) {
      const r = await svc.call("POST", "/v1/accounts/alice/deposits", { asset: "USDC", amount });
      expect([pattern.test(amount), r.status], amount).toEqual([true, 201]);
    }
    for (const amount of [" 1", "1e3", "+1", "1.0000000000001"]) {
      const r = await svc.call("POST", "/v1/accounts/alice/deposits", { asset: "USDC", amount });
      expect([pattern.test(amount), r.status], amount).toEqual([false, 400]);
    }
  });
  it("/v1/partition needs a key and is documented", async () => {
    const s = await startTestService({ rateLimit: 0, scaleOut: { partition: { index: 0, count: 1 }, bus: new InprocBus(), publishMarket: true, announceMs: 0 } });
    try {
      expect((await s.call("GET", "/v1/partition", undefined, null)).status).toBe(401);
      expect((await s.call("GET", "/v1/partition")).status).toBe(200);
      expect(Object.keys((await s.call("GET", "/v1/openapi.json")).json.paths)).toContain("/v1/partition");
    } finally { await s.stop(); }
  });
  it("a key in the WebSocket URL (?token=) no longer authenticates; the first message does", async () => {
    const url = `${svc.url.replace("http", "ws")}/v1/stream`;
    const viaUrl = new WebSocket(`${url}?token=${encodeURIComponent(ADMIN)}`);
    const first = await new Promise<unknown>((res) => { viaUrl.on("message", (d) => res(JSON.parse(d.toString()))); viaUrl.on("close", (code) => res({ closed: code })); viaUrl.on("error", () => res({ closed: "error" })); viaUrl.on("open", () => viaUrl.send(JSON.stringify({ op: "subscribe", market: true }))); });
    expect(first).not.toMatchObject({ type: "subscribed" });
    viaUrl.terminate();
    const ws = new WebSocket(url);
    await new Promise((res, rej) => { ws.once("open", res); ws.once("error", rej); });
    ws.send(JSON.stringify({ type: "auth", key: ADMIN }));
    ws.send(JSON.stringify({ op: "subscribe", market: true }));
    const got: { type: string }[] = [];
    await new Promise<void>((res) => ws.on("message", (d) => { got.push(JSON.parse(d.toString())); if (got.some((m) => m.type === "subscribed")) res(); }));
    expect(got.map((m) => m.type)).toEqual(["authenticated", "subscribed"]);
    ws.close();
  });
});
