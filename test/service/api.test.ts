import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { computeMargin } from "../../src/api.js";
import { ADMIN, MARKET, startTestService, type TestService } from "./helpers.js";
import { keySecret } from "../helpers/shared.js";

let svc: TestService;
let aliceKey: string;
let bobKey: string;

beforeAll(async () => {
  svc = await startTestService({ rateLimit: 0 });
  const a = await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "100000" } });
  expect(a.status, a.text).toBe(201);
  aliceKey = a.json.key;
  const b = await svc.call("POST", "/v1/accounts", { id: "bob", collateral: { BTC: 2 } });
  expect(b.status, b.text).toBe(201);
  bobKey = b.json.key;
});
afterAll(async () => svc?.stop());

describe("auth", () => {
  it("401 without a key, before looking at the body", async () => {
    const r = await svc.call("POST", "/v1/accounts/alice/fills", "{not json", null);
    expect(r.status).toBe(401);
    expect(r.json.error).toMatch(/Bearer/);
    const bad = await svc.call("GET", "/v1/accounts/alice", undefined, "dpm_0123456789abcdef_" + "x".repeat(43));
    expect(bad.status).toBe(401);
    const unknownRoute = await svc.call("GET", "/v1/nothing", undefined, null);
    expect(unknownRoute.status).toBe(401);
  });
  it("account keys read and trade only their own account (403 otherwise)", async () => {
    expect((await svc.call("GET", "/v1/accounts/alice", undefined, aliceKey)).status).toBe(200);
    const cross = await svc.call("GET", "/v1/accounts/bob", undefined, aliceKey);
    expect(cross.status).toBe(403);
    expect((await svc.call("POST", "/v1/accounts/bob/withdrawals", { asset: "BTC", amount: 1 }, aliceKey)).status).toBe(403);
    expect((await svc.call("POST", "/v1/accounts/bob/orders/check", "{garbage", aliceKey)).status).toBe(403);
    expect((await svc.call("GET", "/v1/events", undefined, bobKey)).status).toBe(403);
    expect((await svc.call("POST", "/v1/accounts", { id: "mallory" }, bobKey)).status).toBe(403);
    expect((await svc.call("GET", "/v1/accounts/bob/margin", undefined, bobKey)).status).toBe(200);
  });
  it("keys are stored hashed, never in clear", async () => {
    const keys = await svc.store.listApiKeys("account", "alice");
    expect(keys.length).toBe(1);
    const secret = keySecret(aliceKey);
    expect(JSON.stringify(keys)).not.toContain(secret);
    expect(keys[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("validation and limits", () => {
  it("400 lists every problem with path and value", async () => {
    const r = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-27DEC24-60000-Q", size: "abc", price: -1, extra: 1 });
    expect(r.status).toBe(400);
    const paths = r.json.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(["extra", "instrument", "price", "size"]);
    expect(r.json.issues.find((i: { path: string }) => i.path === "price").value).toBe(-1);
  });
  it("404 for an unknown account", async () => {
    expect((await svc.call("POST", "/v1/accounts/nobody/deposits", { asset: "USDC", amount: 1 })).status).toBe(404);
  });
  it("413 above the body limit", async () => {
    const big = JSON.stringify({ portfolio: { account: "x", positions: [] }, pad: "x".repeat(2 * 1024 * 1024) });
    expect((await svc.call("POST", "/v1/margin", big)).status).toBe(413);
  });
});

describe("POST /v1/margin", () => {
  it("answers exactly the JSON of dpm margin --json", async () => {
    const book = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/books/put-credit-spread.json"), "utf8"));
    const r = await svc.call("POST", "/v1/margin", { portfolio: book, market: MARKET });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe(JSON.stringify(computeMargin(book, MARKET)));
    expect(r.json.initialMargin).toBeCloseTo(22443.70, 2);
  });
  it("400 with prefixed paths for a bad portfolio", async () => {
    const r = await svc.call("POST", "/v1/margin", { portfolio: { account: "x", positions: [{ instrument: "BTC-PERPETUAL", size: "5 BTC" }] } });
    expect(r.status).toBe(400);
    expect(r.json.issues[0].path).toBe("portfolio.positions[0].size");
  });
});

describe("pre-trade and withdrawal checks", () => {
  it("pre-trade check answers ok with the margin after, and refuses an order that breaches IM", async () => {
    const small = await svc.call("POST", "/v1/accounts/alice/orders/check", { instrument: "BTC-PERPETUAL", size: 10000 }, aliceKey);
    expect(small.status, small.text).toBe(200);
    expect(small.json.ok).toBe(true);
    expect(small.json.after.initialMargin).toBeGreaterThan(small.json.before.initialMargin);
    expect(small.json.after.adjustedEquity).toBeGreaterThanOrEqual(small.json.after.initialMargin);
    const big = await svc.call("POST", "/v1/accounts/alice/orders/check", { instrument: "BTC-PERPETUAL", size: 5_000_000 }, aliceKey);
    expect(big.json.ok).toBe(false);
    expect(big.json.after.adjustedEquity).toBeLessThan(big.json.after.initialMargin);
    // independent recomputation: 16 % move of 5,000,000 USD notional inverse perp ≈ 0.16/(1-0.16)·5e6·... > 100k
    expect(big.json.after.initialMargin).toBeGreaterThan(100000);
  });
  it("withdrawal that would breach IM is 409; a small one is accepted and logged", async () => {
    const fill = await svc.call("POST", "/v1/accounts/alice/fills", { instrument: "BTC-PERPETUAL", size: 300000, price: 92050 }); // admin (venue) key: no --trusted-fills
    expect(fill.status, fill.text).toBe(201);
    const m = (await svc.call("GET", "/v1/accounts/alice", undefined, aliceKey)).json.margin;
    expect(m.initialMargin).toBeGreaterThan(40000);
    const tooMuch = await svc.call("POST", "/v1/accounts/alice/withdrawals", { asset: "USDC", amount: 100000 - m.initialMargin + 1000 }, aliceKey);
    expect(tooMuch.status, tooMuch.text).toBe(409);
    const ok = await svc.call("POST", "/v1/accounts/alice/withdrawals", { asset: "USDC", amount: 1000 }, aliceKey);
    expect(ok.status, ok.text).toBe(201);
    const acct = (await svc.call("GET", "/v1/accounts/alice", undefined, aliceKey)).json.account;
    expect(acct.balances.USDC).toBe("99000");
  });
});

describe("misc routes", () => {
  it("healthz, metrics, openapi, events paging, market", async () => {
    expect((await svc.call("GET", "/healthz", undefined, null)).json.status).toBe("ok");
    const met = await svc.call("GET", "/metrics", undefined, null);
    expect(met.text).toMatch(/^# HELP dpm_/m);
    expect(met.text).toMatch(/dpm_http_requests_total\{method="POST",route="\/v1\/accounts",status="201"\} 2/);
    const api = await svc.call("GET", "/v1/openapi.json");
    expect(api.json.openapi).toBe("3.1.0");
    expect(Object.keys(api.json.paths)).toContain("/v1/accounts/{id}/orders/check");
    const p1 = await svc.call("GET", "/v1/events?from=1&limit=2");
    expect(p1.json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(p1.json.next).toBe(3);
    expect(p1.json.events[0].event.type).toBe("market");
    const mk = await svc.call("GET", "/v1/market", undefined, ADMIN);
    expect(mk.json.snapshot.assets.BTC.index).toBe(92000);
  });
});
