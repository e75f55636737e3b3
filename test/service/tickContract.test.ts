/**
 * The tick contract (issue 10 item 4): POST /v1/market/ticks answers only once every affected account is
 * re-margined, with `{"seq", "event", "remargined": N}`; the answer validates against the OpenAPI document
 * (Ajv), and at the moment of the answer every affected account's published margin is the tick's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/adapters/http/openapi.js";
import { answerChecker } from "./openapiCheck.js";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
const T0 = Date.parse("2024-11-20T08:00:00Z");

beforeAll(async () => {
  svc = await startTestService();
  // Two BTC holders (one through a USDC-quoted perpetual), one ETH-only account, one holding BTC collateral only.
  for (const [id, coll, inst, size, price] of [["b1", "USDC", "BTC-PERPETUAL", "10000", 92000], ["b2", "USDC", "BTC_USDC-PERPETUAL", "1", 92000], ["e1", "USDC", "ETH-PERPETUAL", "1000", 3100]] as const) {
    expect((await svc.call("POST", "/v1/accounts", { id, collateral: { [coll]: "100000" } })).status).toBe(201);
    expect((await svc.call("POST", `/v1/accounts/${id}/fills`, { instrument: inst, size, price })).status).toBe(201);
  }
  expect((await svc.call("POST", "/v1/accounts", { id: "c1", collateral: { BTC: "1" } })).status).toBe(201);
});
afterAll(async () => svc?.stop());

describe("POST /v1/market/ticks", () => {
  it("answers {seq, event, remargined} once every account depending on the asset is re-margined", async () => {
    const check = answerChecker(openApiDocument() as Record<string, unknown>);
    const r = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 1000, index: 93000 });
    expect(r.status, r.text).toBe(201);
    expect(check("/v1/market/ticks", "post", r)).toEqual([]);
    expect(Object.keys(r.json)).toEqual(["seq", "event", "remargined"]);
    expect(r.json.remargined).toBe(3); // b1, b2, c1: not e1
    for (const id of ["b1", "b2", "c1"]) expect(svc.engine.margins.get(id)!.seq, id).toBe(r.json.seq);
    expect(svc.engine.margins.get("e1")!.seq).toBeLessThan(r.json.seq);
    const eth = await svc.call("POST", "/v1/market/ticks", { asset: "ETH", ts: T0 + 2000, index: 3150 });
    expect(eth.json.remargined).toBe(1);
    const sol = await svc.call("POST", "/v1/market/ticks", { asset: "SOL", ts: T0 + 3000, index: 241 });
    expect(sol.json).toMatchObject({ remargined: 0 });
  });

  it("other accepted events keep the plain {seq, event} answer", async () => {
    const r = await svc.call("POST", "/v1/accounts/b1/deposits", { asset: "USDC", amount: "1" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(["seq", "event"]);
  });
});
