/**
 * The OpenAPI document against the running server (issue 11): every /v1 route is documented; every documented
 * route is called with its example (admin key), with a bad key and with no key, and each answer's status must be
 * documented for that route and its body must validate (Ajv, JSON Schema 2020-12) against the documented schema;
 * every request example validates against its own schema and the server does not answer it 400.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { InprocBus } from "../../src/adapters/bus-inproc/inprocBus.js";
import { ADMIN, startTestService, type TestService } from "./helpers.js";
import { answerChecker, type AnswerCheck } from "./openapiCheck.js";

type Json = Record<string, any>;
let svc: TestService;
let doc: Json;
let check: AnswerCheck;
const BAD_KEY = `dpm_0123456789abcdef_${"A".repeat(43)}`;
let revokable = "";

beforeAll(async () => {
  // A scale-out worker (partition 0/1 on an in-process bus) has every route, /v1/partition included.
  svc = await startTestService({ rateLimit: 0, authFailRate: 0, scaleOut: { partition: { index: 0, count: 1 }, bus: new InprocBus(), publishMarket: true, announceMs: 0 } });
  doc = (await svc.call("GET", "/v1/openapi.json")).json;
  check = answerChecker(doc);
  expect((await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "100000", BTC: "2" } })).status).toBe(201);
  revokable = (await svc.call("POST", "/v1/accounts/alice/keys", {})).json.keyId;
  // A multi-venue account for the venue routes (their examples name its venues).
  const desk = await svc.call("POST", "/v1/accounts", { id: "desk", venues: { deribit: { collateral: { USDC: "300000" } }, okx: { collateral: { USDC: "50000" } } } });
  expect(desk.status, desk.text).toBe(201);
});
afterAll(async () => svc?.stop());

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function concrete(path: string): string {
  return path.replace("{id}", path.includes("/venue") ? "desk" : "alice").replace("{orderId}", "o-1").replace("{keyId}", revokable).replace("{proposalId}", "p-1");
}

describe("OpenAPI document vs the running server", () => {
  it("every /v1 route the server registers is documented, and every documented route exists", () => {
    const registered = svc.routes.filter((x) => x.url.startsWith("/v1") || x.url === "/healthz" || x.url === "/metrics").map((x) => `${x.method} ${x.url.replace(/:(\w+)/g, "{$1}")}`).sort();
    const documented = Object.entries(doc.paths as Json).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(registered);
  });

  it("every request example validates against its schema", () => {
    const bad: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        const c = (op as Json).requestBody?.content["application/json"];
        if (!c) continue;
        const v = check.ajv.compile({ $ref: `doc#/${pointer("paths", path, method, "requestBody", "content", "application/json", "schema")}` });
        if (!v(c.example)) bad.push(`${method} ${path}: ${check.ajv.errorsText(v.errors)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("every documented route, called with its example, answers a documented status with a body matching the document (never 400 for an example)", async () => {
    const problems: string[] = [];
    let calls = 0;
    for (const [path, ops] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        if (path === "/v1/stream") continue;
        const example = (op as Json).requestBody?.content["application/json"].example;
        const r = await svc.call(method.toUpperCase(), concrete(path), example, (op as Json)["x-access"] ? ADMIN : null);
        calls++;
        if (example !== undefined && r.status === 400) problems.push(`${method} ${path}: its example was refused: ${r.text.slice(0, 300)}`);
        if (path !== "/metrics") problems.push(...check(path, method, r));
      }
    }
    expect(problems).toEqual([]);
    expect(calls).toBeGreaterThan(25);
  });

  it("every route with a key answers a bad key and a missing key with a documented 401 (Error schema), before the body", async () => {
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        if (!(op as Json)["x-access"]) continue;
        for (const key of [BAD_KEY, "not-a-key", null]) {
          const r = await svc.call(method.toUpperCase(), concrete(path), method === "get" ? undefined : "{this body is never read", key);
          if (r.status !== 401) problems.push(`${method} ${path} with key ${String(key)}: ${r.status}`);
          problems.push(...check(path, method, r));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("GET /v1/fleet?all=1 on a scale-out worker (every partition's summary) matches the document too", async () => {
    const r = await svc.call("GET", "/v1/fleet?all=1");
    expect(r.status).toBe(200);
    expect(r.json.partitions).toHaveLength(1);
    expect(check("/v1/fleet", "get", r)).toEqual([]);
    expect(check("/v1/fleet", "get", { ...r, json: { ...r.json, partitions: [{ ...r.json.partitions[0], summary: { seq: 1 } }] } })).not.toEqual([]);
  });

  it("the checker can fail: a margin with a non-finite figure (JSON null) or an undocumented status is reported", () => {
    const m = { account: "a", owner: "a", seq: 1, status: "healthy", marginRatio: null, equity: null, adjustedEquity: 0, initialMargin: 0, maintenanceMargin: 0, availableFunds: 0, concentrationAddOn: 0, stableAddOn: 0, unrealisedPnl: 0, greeks: {} };
    expect(check("/v1/accounts/{id}", "get", { status: 200, json: { account: { id: "a", owner: "a", balances: {}, positions: [], orders: [] }, margin: m }, text: "" })[0]).toMatch(/equity must be number/);
    expect(check("/v1/accounts/{id}", "get", { status: 418, json: {}, text: "" })[0]).toMatch(/status 418 is not documented/);
  });

  it("the WebSocket route: 101 with a key, 401 with a bad one", async () => {
    const url = `${svc.url.replace("http", "ws")}/v1/stream`;
    const open = (key: string) => new Promise<number>((res) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
      ws.on("open", () => { ws.close(); res(101); });
      ws.on("unexpected-response", (_q, r) => res(r.statusCode ?? 0));
      ws.on("error", () => undefined);
    });
    const documented = Object.keys(doc.paths["/v1/stream"].get.responses);
    for (const [key, want] of [[ADMIN, 101], [BAD_KEY, 401]] as const) {
      const got = await open(key);
      expect(got).toBe(want);
      expect(documented).toContain(String(got));
    }
  });
});
