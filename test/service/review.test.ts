/** Regression tests from the pre-go-live review of the HTTP/WebSocket service. */
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyRing } from "../../src/adapters/http/keys.js";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
beforeAll(async () => { svc = await startTestService({ rateLimit: 0 }); });
afterAll(async () => svc?.stop());

describe("POST /v1/accounts is all or nothing", () => {
  it("collateral in an asset without an index: 409 and no account is created (it used to exist without a key)", async () => {
    const r = await svc.call("POST", "/v1/accounts", { id: "half", collateral: { USDC: "10", ZZZ: "1" } });
    expect(r.status, r.text).toBe(409);
    expect(r.json.error).toMatch(/ZZZ/);
    expect(svc.engine.state.accounts.has("half")).toBe(false);
    const again = await svc.call("POST", "/v1/accounts", { id: "half", collateral: { USDC: "10" } });
    expect(again.status, again.text).toBe(201);
    expect(again.json.key).toMatch(/^dpm_/);
    expect(again.json.account.balances).toEqual({ USDC: "10" });
  });
});

describe("memory bounded under unauthenticated traffic", () => {
  it("unknown key ids are not cached (the cache grew by one entry per forged key)", async () => {
    const keys = new KeyRing(svc.store);
    const hex = (i: number) => i.toString(16).padStart(16, "0");
    for (let i = 0; i < 2000; i++) expect(await keys.verify(`dpm_${hex(i)}_${"A".repeat(43)}`)).toBeUndefined();
    const { key } = await keys.create("account", "someone", 0);
    expect(await keys.verify(key)).toMatchObject({ role: "account", account: "someone" });
    const cache = (keys as unknown as { cache: Map<string, unknown> }).cache;
    expect(cache.size).toBeLessThanOrEqual(1);
  });
  it("a WebSocket client that never reads gets no replies queued beyond the high-water mark", () => {
    const sent: string[] = [];
    const socket = Object.assign(new EventEmitter(), { readyState: 1, bufferedAmount: 10 * 1024 * 1024, send: (m: string) => sent.push(m), terminate: () => undefined });
    svc.hub.attach(socket as never, { keyId: "x", role: "admin" });
    for (let i = 0; i < 1000; i++) socket.emit("message", Buffer.from(i % 2 ? "not json" : '{"op":"subscribe","market":true}'));
    expect(sent.length).toBe(0);
    socket.bufferedAmount = 0;
    socket.emit("message", Buffer.from('{"op":"subscribe","market":true}'));
    expect(sent.map((m) => JSON.parse(m).type)).toEqual(["subscribed"]);
    socket.emit("close");
  });
});
