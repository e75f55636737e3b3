/** The oracle (src/market/oracle) rejecting manipulation and bad data through the service path (POST /v1/oracle/prices). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
const T0 = Date.parse("2024-11-20T08:00:00Z");
const SOURCES = ["a", "b", "c", "d", "e"];
let t = T0;

async function prices(ticks: { source: string; asset: string; price: unknown; ts: number }[]) {
  const r = await svc.call("POST", "/v1/oracle/prices", { ticks });
  expect(r.status, r.text).toBe(200);
  return r.json;
}
async function consensus(asset: string, px: number) {
  t += 1000;
  return prices(SOURCES.map((source, i) => ({ source, asset, price: px * (1 + (i - 2) * 1e-4), ts: t })));
}

beforeAll(async () => {
  svc = await startTestService();
  expect((await svc.call("POST", "/v1/accounts", { id: "hodl", collateral: { USDC: "100000" } })).status).toBe(201);
  expect((await svc.call("POST", "/v1/accounts/hodl/fills", { instrument: "SOL_USDC-PERPETUAL", size: 1000, price: 240 })).status).toBe(201);
  expect((await svc.call("POST", "/v1/accounts/hodl/deposits", { asset: "SOL", amount: 10 })).status).toBe(201);
  await consensus("BTC", 92000);
  await consensus("SOL", 240);
  await consensus("USDC", 1);
});
afterAll(async () => svc?.stop());

async function unchanged(asset: string, f: () => Promise<{ results: { accepted: boolean; reason?: string }[] }>, reason: RegExp) {
  const before = (await svc.call("GET", "/v1/market")).json.snapshot.assets[asset].index;
  const im = (await svc.call("GET", "/v1/accounts/hodl")).json.margin.initialMargin;
  const r = await f();
  const bad = r.results.filter((x) => !x.accepted);
  expect(bad.length, JSON.stringify(r.results)).toBeGreaterThan(0);
  for (const b of bad) expect(b.reason).toMatch(reason);
  expect((await svc.call("GET", "/v1/market")).json.snapshot.assets[asset].index).toBe(before);
  expect((await svc.call("GET", "/v1/accounts/hodl")).json.margin.initialMargin).toBe(im);
}

describe("oracle manipulation cases through the service", () => {
  it("the consensus moved the engine's index", async () => {
    const m = (await svc.call("GET", "/v1/market")).json;
    expect(m.snapshot.assets.BTC.index).toBeCloseTo(92000, 6);
    expect(m.oracle.BTC.degraded).toBe(false);
  });
  it("single-venue spike: a stablecoin at 1.30 on one source", async () => {
    t += 1000;
    await unchanged("USDC", () => prices([{ source: "a", asset: "USDC", price: 1.3, ts: t }]), /^outlier/);
  });
  it("20× pump of a thin source", async () => {
    t += 1000;
    await unchanged("SOL", () => prices([{ source: "e", asset: "SOL", price: 240 * 20, ts: t }]), /^outlier/);
  });
  it("decimal-scale error (×10^10)", async () => {
    t += 1000;
    await unchanged("BTC", () => prices([{ source: "b", asset: "BTC", price: 92000 * 1e10, ts: t }]), /^invalid/);
  });
  it("NaN, negative and zero prices", async () => {
    t += 1000;
    await unchanged("BTC", () => prices([
      { source: "a", asset: "BTC", price: "NaN", ts: t }, { source: "b", asset: "BTC", price: -92000, ts: t }, { source: "c", asset: "BTC", price: 0, ts: t },
    ]), /^invalid/);
  });
  it("out-of-order and duplicate timestamps", async () => {
    await consensus("BTC", 92000);
    await unchanged("BTC", () => prices([{ source: "d", asset: "BTC", price: 92010, ts: t - 500 }]), /^out of order/);
    await unchanged("BTC", () => prices([{ source: "d", asset: "BTC", price: 92020, ts: t }]), /^duplicate/);
  });
  it("a genuine move of all sources is accepted and reaches the margins", async () => {
    const before = (await svc.call("GET", "/v1/accounts/hodl")).json.margin;
    const mark0 = (await svc.call("GET", "/v1/market")).json.snapshot.instruments["SOL_USDC-PERPETUAL"].mark;
    await consensus("SOL", 250);
    const snap = (await svc.call("GET", "/v1/market")).json.snapshot;
    expect(snap.assets.SOL.index).toBe(250);
    // the index tick carries the perpetual's mark along at the same ratio (its basis to the index kept)
    expect(snap.instruments["SOL_USDC-PERPETUAL"].mark).toBeCloseTo(mark0 * (250 / 240), 9);
    const after = (await svc.call("GET", "/v1/accounts/hodl")).json.margin;
    // the 10 SOL of collateral and the 1,000 SOL long perpetual
    expect(after.equity - before.equity).toBeCloseTo(10 * (250 - 240) + 1000 * mark0 * (250 / 240 - 1), 6);
    expect(after.initialMargin).not.toBe(before.initialMargin);
  });
});
