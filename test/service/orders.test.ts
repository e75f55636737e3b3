/** Resting orders over HTTP: place (201 / 409), list, fill against, cancel; the account key may, another may not. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
let key: string;
const PERP = "BTC_USDC-PERPETUAL";
beforeAll(async () => {
  svc = await startTestService();
  const r = await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "20000" } });
  expect(r.status, r.text).toBe(201);
  key = r.json.key;
  for (const id of ["bob"]) expect((await svc.call("POST", "/v1/accounts", { id, collateral: { USDC: "1000" } })).status).toBe(201);
  expect((await svc.call("POST", "/v1/accounts/alice/fills", { instrument: PERP, size: "1", price: 92000 })).status).toBe(201);
});
afterAll(async () => svc?.stop());

describe("orders over HTTP", () => {
  it("POST /orders rests an order (its IM counts), GET lists it, a fill with orderId consumes it, DELETE cancels", async () => {
    const im0 = (await svc.call("GET", "/v1/accounts/alice", undefined, key)).json.margin.initialMargin;
    const placed = await svc.call("POST", "/v1/accounts/alice/orders", { orderId: "o1", instrument: PERP, size: "0.1", price: 91000 }, key);
    expect(placed.status, placed.text).toBe(201);
    const view = (await svc.call("GET", "/v1/accounts/alice", undefined, key)).json;
    expect(view.account.orders).toEqual([{ orderId: "o1", instrument: PERP, size: "0.1", price: 91000 }]);
    expect(view.margin.initialMargin).toBeGreaterThan(im0);
    expect((await svc.call("GET", "/v1/accounts/alice/orders", undefined, key)).json.orders).toHaveLength(1);
    const refused = await svc.call("POST", "/v1/accounts/alice/orders", { instrument: PERP, size: "2", price: 91000 }, key);
    expect(refused.status).toBe(409);
    expect((await svc.call("POST", "/v1/accounts/alice/fills", { instrument: PERP, size: "0.1", price: 91000, orderId: "o1" })).status).toBe(201);
    expect((await svc.call("GET", "/v1/accounts/alice/orders", undefined, key)).json.orders).toEqual([]);
    const generated = await svc.call("POST", "/v1/accounts/alice/orders", { instrument: PERP, size: "-0.5", price: 95000 }, key);
    expect(generated.status, generated.text).toBe(201);
    const id = generated.json.event.orderId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await svc.call("DELETE", `/v1/accounts/alice/orders/${id}`, undefined, key)).status).toBe(201);
    expect((await svc.call("DELETE", `/v1/accounts/alice/orders/${id}`, undefined, key)).status).toBe(409);
  });
  it("another account's key cannot place or cancel alice's orders (403); bad bodies name the field (400)", async () => {
    const bob = (await svc.call("POST", "/v1/accounts/bob/keys", {})).json.key;
    expect((await svc.call("POST", "/v1/accounts/alice/orders", { instrument: PERP, size: "0.1", price: 91000 }, bob)).status).toBe(403);
    const bad = await svc.call("POST", "/v1/accounts/alice/orders", { instrument: PERP, size: "0", price: -1 }, key);
    expect(bad.status).toBe(400);
    expect(bad.json.issues.map((i: { path: string }) => i.path).sort()).toEqual(["price", "size"]);
  });
});
