/**
 * Multi-venue accounts over HTTP (docs/venues.md "In the service", docs/service.md): the example desk loaded with
 * `--book` (examples/venues/desk.json as one JSON line, market examples/venues/market.json) answers
 * GET /v1/accounts/desk/venues equal to `dpm venues --json` on the same book and market (1e-9); after the transfer the
 * allocation proposes and a venue-tagged fill, equal to `dpm venues` on the book updated by hand; a restart replays it
 * to the same figures; hostile requests get 400/409 with their paths, never 500, and every answer matches the
 * OpenAPI document.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBook } from "../../src/adapters/bookLoader.js";
import { runCli } from "../helpers/cli.js";
import { startTestService, type TestService } from "./helpers.js";
import { answerChecker, type AnswerCheck } from "./openapiCheck.js";

const ROOT = join(import.meta.dirname, "../..");
const MARKET_FILE = join(ROOT, "examples/venues/market.json");
const MARKET: unknown = JSON.parse(readFileSync(MARKET_FILE, "utf8"));
const deskJson = (): { account: string; venues: Record<string, { collateral?: Record<string, number> }>; positions: { venue: string; instrument: string; size: number }[] } => JSON.parse(readFileSync(join(ROOT, "examples/venues/desk.json"), "utf8"));

let svc: TestService;
let check: AnswerCheck;
const dir = mkdtempSync(join(tmpdir(), "dpm-svc-venues-"));

async function cli(book: unknown): Promise<any> {
  const f = join(dir, `b${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(book));
  const r = await runCli("venues", f, "--market", MARKET_FILE, "--json");
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Every figure of the service's answer against the CLI's: venue rows, unified profile (charges included), allocation. */
function expectSame(got: any, want: any): void {
  const close = (a: number | null, b: number | null, what: string) => (a === null || b === null ? expect(a, what).toBe(b) : expect(Math.abs(a - b), what).toBeLessThanOrEqual(1e-9));
  expect(got.venues.map((v: any) => [v.venue, v.preset, v.kind, v.status])).toEqual(want.venues.map((v: any) => [v.venue, v.preset, v.kind, v.status]));
  for (const [i, v] of got.venues.entries()) for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "marginRatio"]) close(v[k], want.venues[i][k], `${v.venue}.${k}`);
  for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "marginRatio", "pooledInitialMargin", "standaloneInitialMargin"]) close(got.unified[k], want.unified[k], `unified.${k}`);
  for (const k of ["basis", "transferTime", "venueDefault"]) close(got.unified.charges[k], want.unified.charges[k], `charges.${k}`);
  expect(got.unified.status).toBe(want.unified.status);
  expect(got.allocation.transfers.map((t: any) => [t.asset, t.from, t.to, t.amount, t.fee])).toEqual(want.allocation.transfers.map((t: any) => [t.asset, t.from, t.to, t.amount, t.fee]));
}

beforeAll(async () => {
  svc = await startTestService({ initialMarket: MARKET, db: join(dir, "v.sqlite") });
  check = answerChecker((await svc.call("GET", "/v1/openapi.json")).json);
  const file = join(dir, "desk.jsonl");
  writeFileSync(file, `${JSON.stringify(deskJson())}\n`);
  const r = await loadBook(svc, { file, strict: true });
  expect(r.loaded).toBe(1);
}, 30_000);
afterAll(async () => svc?.stop());

describe("a multi-venue account loaded with --book", () => {
  it("GET /v1/accounts/desk/venues = dpm venues --json on the same book and market; the account's margin is the unified profile", async () => {
    const r = await svc.call("GET", "/v1/accounts/desk/venues");
    expect(r.status, r.text).toBe(200);
    expect(check("/v1/accounts/{id}/venues", "get", r)).toEqual([]);
    expectSame(r.json, await cli(deskJson()));
    const a = await svc.call("GET", "/v1/accounts/desk");
    expect(check("/v1/accounts/{id}", "get", a)).toEqual([]);
    expect(a.json.account.venues.okx).toEqual({ preset: "okx", kind: "derivatives", balances: { USDT: "200000", USDC: "50000" }, positions: { "BTC_USDT-PERPETUAL": { size: "-10", entryPrice: expect.any(Number) }, "ETH_USDT-PERPETUAL": { size: "-300", entryPrice: expect.any(Number) } } });
    expect(a.json.account.venues.aave).toMatchObject({ preset: "aave-v3-ethereum", kind: "lending", balances: { WETH: "300", WBTC: "2" }, debts: { USDC: "600000" } });
    expect(a.json.margin.initialMargin).toBe(r.json.unified.initialMargin);
    expect(a.json.margin.status).toBe("margin_call");
    expect(a.json.margin.statusVenue).toBe("okx");
    expect(a.json.margin.venues.map((v: any) => v.status)).toEqual(["healthy", "margin_call", "healthy"]);
    const m = await svc.call("GET", "/v1/accounts/desk/margin");
    expect(check("/v1/accounts/{id}/margin", "get", m)).toEqual([]);
    expect([m.json.result, m.json.binding]).toEqual([null, null]);
    expect(m.json.insight.error).toMatch(/multi-venue account/);
    const g = await svc.call("GET", "/v1/accounts/desk/greeks");
    expect(g.status).toBe(200);
    // The pooled account's Greeks (dpm greeks of the book): OKX's short ETH perpetual, 300 ETH quoted in USDT, in USD
    // per USD of the ETH index: −300 × mark 3,099.5 USDT × 0.9995 USD/USDT ÷ index 3,100.
    expect(g.json.greeks.find((x: any) => x.underlying === "ETH" && x.expiry === "ALL").delta).toBeCloseTo((-300 * 3099.5 * 0.9995) / 3100, 9);
  });

  it("after the proposed transfer and a venue-tagged fill: equal to dpm venues on the book updated by hand; a restart replays the same figures", async () => {
    const t = (await svc.call("GET", "/v1/accounts/desk/venues")).json.allocation.transfers[0];
    const tr = await svc.call("POST", "/v1/accounts/desk/venue-transfers", { asset: t.asset, from: t.from, to: t.to, amount: t.amount, fee: t.fee, requestId: "alloc-1" });
    expect(tr.status, tr.text).toBe(201);
    expect(check("/v1/accounts/{id}/venue-transfers", "post", tr)).toEqual([]);
    const again = await svc.call("POST", "/v1/accounts/desk/venue-transfers", { asset: t.asset, from: t.from, to: t.to, amount: t.amount, fee: t.fee, requestId: "alloc-1" });
    expect([again.status, again.json.duplicate, again.json.seq]).toEqual([200, true, tr.json.seq]);
    // Buy back 2 of OKX's 10 short BTC at the mark the book was loaded at (no realised P&L).
    const mark = (MARKET as any).instruments["BTC_USDT-PERPETUAL"].mark as number;
    const fill = await svc.call("POST", "/v1/accounts/desk/fills", { venue: "okx", instrument: "BTC_USDT-PERPETUAL", size: "2", price: mark, fillId: "okx-1" });
    expect(fill.status, fill.text).toBe(201);
    const book = deskJson();
    book.venues.deribit.collateral!.USDC = 550000 - Number(t.amount);
    book.venues.okx.collateral!.USDC = 50000 + Number(t.amount) - Number(t.fee);
    book.positions[2].size = -8;
    const r = await svc.call("GET", "/v1/accounts/desk/venues");
    expectSame(r.json, await cli(book));
    expect(r.json.venues.map((v: any) => v.status)).toEqual(["healthy", "healthy", "healthy"]);
    expect(r.json.allocation.transfers).toEqual([]);
    const before = JSON.stringify({ ...r.json, asOf: 0 });
    const db = join(dir, "v.sqlite");
    await svc.stop().catch(() => undefined);
    svc = await startTestService({ initialMarket: MARKET, db });
    const after = await svc.call("GET", "/v1/accounts/desk/venues");
    expect(JSON.stringify({ ...after.json, asOf: 0 })).toBe(before);
  }, 30_000);

  it("the venue pre-trade check answers with the venue's verdict", async () => {
    const big = await svc.call("POST", "/v1/accounts/desk/orders/check", { venue: "okx", instrument: "ETH_USDT-PERPETUAL", size: "-3000" });
    expect(big.status, big.text).toBe(200);
    expect(check("/v1/accounts/{id}/orders/check", "post", big)).toEqual([]);
    expect(big.json).toMatchObject({ ok: false, venue: "okx" });
    expect(big.json.reason).toMatch(/venue okx's adjusted equity .* below its initial margin/);
    const after = big.json.after.venues.find((v: any) => v.venue === "okx"), before = big.json.before.venues.find((v: any) => v.venue === "okx");
    expect(after.initialMargin).toBeGreaterThan(before.initialMargin * 3);
    const small = await svc.call("POST", "/v1/accounts/desk/orders/check", { venue: "deribit", instrument: "BTC-PERPETUAL", size: "-10000" });
    expect([small.status, small.json.ok]).toEqual([200, true]);
  });
});

describe("multi-venue accounts created over HTTP, and hostile requests", () => {
  it("POST /v1/accounts with venues deposits at each venue (lending: supplied)", async () => {
    const r = await svc.call("POST", "/v1/accounts", { id: "desk2", venues: { deribit: { collateral: { USDC: "100000" } }, aave: { supplied: { WETH: "10" } }, binanceusdm: { preset: "okx", collateral: { USDT: "5000" } } } });
    expect(r.status, r.text).toBe(201);
    expect(r.json.account.venues).toEqual({
      deribit: { preset: "deribit", kind: "derivatives", balances: { USDC: "100000" }, positions: {} },
      aave: { preset: "aave-v3-ethereum", kind: "lending", balances: { WETH: "10" }, positions: {} },
      binanceusdm: { preset: "okx", kind: "derivatives", balances: { USDT: "5000" }, positions: {} },
    });
    expect(r.json.margin.venues.map((v: any) => [v.venue, v.equity])).toEqual([["deribit", 100000], ["aave", 10 * 3100], ["binanceusdm", 5000 * (MARKET as any).assets.USDT.index]]);
  });

  const cases: [string, string, string, unknown, number, string, RegExp][] = [
    ["a fill without venue", "POST", "/v1/accounts/desk/fills", { instrument: "BTC-PERPETUAL", size: "1000", price: 92050 }, 400, "venue", /required/],
    ["an unknown venue", "POST", "/v1/accounts/desk/deposits", { venue: "kraken", asset: "USDC", amount: "1" }, 400, "venue", /unknown venue of account desk \(deribit, okx, aave\)/],
    ["a transfer to the same venue", "POST", "/v1/accounts/desk/venue-transfers", { asset: "USDC", from: "okx", to: "okx", amount: "1" }, 400, "to", /must differ/],
    ["a transfer exceeding the balance", "POST", "/v1/accounts/desk/venue-transfers", { asset: "USDT", from: "okx", to: "deribit", amount: "200000.5" }, 409, "amount", /more than venue okx holds/],
    ["a non-finite amount", "POST", "/v1/accounts/desk/venue-transfers", '{"asset":"USDC","from":"deribit","to":"okx","amount":1e999}', 400, "amount", /./],
    ["a NaN-like string amount", "POST", "/v1/accounts/desk/venue-transfers", { asset: "USDC", from: "deribit", to: "okx", amount: "NaN" }, 400, "amount", /./],
    ["a fee not below the amount", "POST", "/v1/accounts/desk/venue-transfers", { asset: "USDC", from: "deribit", to: "okx", amount: "5", fee: "5" }, 400, "fee", /less than amount/],
    ["an unknown venue name form", "POST", "/v1/accounts/desk/venue-transfers", { asset: "USDC", from: "Deribit", to: "okx", amount: "5" }, 400, "from", /venue name/],
    ["a venue on a single-venue account", "POST", "/v1/accounts/solo/deposits", { venue: "okx", asset: "USDC", amount: "1" }, 400, "venue", /single-venue/],
    ["collateral beside venues", "POST", "/v1/accounts", { id: "desk3", collateral: { USDC: "1" }, venues: { okx: {} } }, 400, "collateral", /every balance at a venue/],
    ["a venue without preset", "POST", "/v1/accounts", { id: "desk4", venues: { kraken: {} } }, 400, "venues.kraken.preset", /required/],
    ["supplied on a derivatives venue", "POST", "/v1/accounts", { id: "desk5", venues: { okx: { supplied: { USDC: "1" } } } }, 400, "venues.okx.supplied", /holds collateral/],
    ["a target out of range", "GET", "/v1/accounts/desk/venues?target=1.5", undefined, 400, "target", /\(0, 1\]/],
  ];

  it.each(cases)("%s → %d at its path, documented", async (_n, method, path, body, status, at, msg) => {
    if (!(await svc.call("GET", "/v1/accounts/solo")).json?.account) await svc.call("POST", "/v1/accounts", { id: "solo", collateral: { USDC: "1000" } });
    const before = await svc.call("GET", "/v1/accounts/desk");
    const r = await svc.call(method, path, body);
    expect(r.status, r.text).toBe(status);
    const issue = r.json.issues?.find((i: any) => i.path === at);
    expect(issue, r.text).toBeDefined();
    expect(issue.message).toMatch(msg);
    const doc = path.replace(/\?.*$/, "").replace(/\/v1\/accounts\/[^/]+/, (m) => (m === "/v1/accounts" ? m : "/v1/accounts/{id}"));
    expect(check(doc, method.toLowerCase(), r)).toEqual([]);
    expect((await svc.call("GET", "/v1/accounts/desk")).json.account).toEqual(before.json.account);
  });

  it("venues named like Object properties are plain names (no 500, no prototype lookups)", async () => {
    const r = await svc.call("POST", "/v1/accounts", { id: "protos", venues: { constructor: { preset: "okx", collateral: { USDC: "1000" } }, tostring: { preset: "deribit" } } });
    expect(r.status, r.text).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/protos/venue-transfers", { asset: "USDC", from: "constructor", to: "tostring", amount: "10" })).status).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/protos/deposits", { venue: "hasownproperty", asset: "USDC", amount: "1" })).status).toBe(400);
    const v = await svc.call("GET", "/v1/accounts/protos/venues");
    expect(v.status, v.text).toBe(200);
    expect(v.json.venues.map((x: any) => [x.venue, x.equity])).toEqual([["constructor", 990 * (MARKET as any).assets.USDC.index], ["tostring", 10 * (MARKET as any).assets.USDC.index]]);
    expect((await svc.call("POST", "/v1/accounts", { id: "protos2", venues: { constructor: {} } })).status).toBe(400);
  });

  it("GET /v1/accounts/:id/venues of a single-venue account: 409; re-creating an account with the other kind: 409", async () => {
    const r = await svc.call("GET", "/v1/accounts/solo/venues");
    expect(r.status).toBe(409);
    expect(r.json.error).toMatch(/single-venue/);
    expect(check("/v1/accounts/{id}/venues", "get", r)).toEqual([]);
    const again = await svc.call("POST", "/v1/accounts", { id: "desk", collateral: { USDC: "1" } });
    expect([again.status, again.json.error]).toEqual([409, "account desk already exists as a multi-venue account"]);
    expect(check("/v1/accounts", "post", again)).toEqual([]);
  });
});
