/**
 * Why and how far (issue 12): the fleet and account APIs carry each account's binding component and distance to
 * liquidation per underlying, computed lazily (never per tick) and marked with the margin seq they come from.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadBook } from "../../src/adapters/bookLoader.js";
import { reverseStress } from "../../src/analytics/reverseStress.js";
import { snapshotOf } from "../../src/engine/marketState.js";
import { toPortfolio } from "../../src/engine/state.js";
import { ADMIN, startTestService, type TestService } from "./helpers.js";
import { answerChecker, type AnswerCheck } from "./openapiCheck.js";

let svc: TestService;
let check: AnswerCheck;
let now = 1_900_000_000_000;
const T0 = Date.parse("2024-11-20T08:00:00Z");
let ts = T0;
const row = (f: any, id: string) => f.nearestLiquidation.find((r: any) => r.account === id);
const fleet = async (q = "") => {
  const r = await svc.call("GET", `/v1/fleet${q}`);
  expect(check("/v1/fleet", "get", r)).toEqual([]);
  return r;
};
/** The fleet once the account's insight is computed from its current margin (the request's 50 ms may not reach it; the pump does). */
const settled = async (id: string) => {
  for (let i = 0; ; i++) {
    const r = row((await fleet()).json, id);
    if (r.insight?.current || i === 100) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
};
const tick = async (asset: string, ratio: number) => {
  const index = svc.engine.state.market!.assets[asset].index * ratio;
  const r = await svc.call("POST", "/v1/market/ticks", { asset, ts: (ts += 1000), index });
  expect(r.status, r.text).toBe(201);
};

beforeAll(async () => {
  svc = await startTestService({ clock: () => now });
  await loadBook(svc, { file: join(import.meta.dirname, "../../examples/books.jsonl") });
  check = answerChecker((await svc.call("GET", "/v1/openapi.json")).json);
}, 60_000);
afterAll(async () => svc?.stop());

describe("binding component and distance to liquidation in the API", () => {
  it("GET /v1/fleet: every listed account with its binding component and its distance per underlying (real values, documented shape)", async () => {
    // The request computes what its 50 ms allow (a cold process is slow), the pump the rest.
    let f = (await fleet()).json;
    for (let i = 0; i < 100 && f.nearestLiquidation.some((r: any) => r.insight === null); i++) {
      await new Promise((r) => setTimeout(r, 50));
      f = (await fleet()).json;
    }
    expect(f.nearestLiquidation).toHaveLength(7);
    const nsp = row(f, "naked-short-put");
    expect(nsp.binding).toMatchObject({ name: "extendedScenario", underlying: "BTC", label: "extendedScenario BTC −66.0 % vol up ×0.242" });
    expect(nsp.binding.amount).toBeCloseTo(60443.39, 0);
    // dpm stress --reverse on the same account (its engine state as a portfolio, the same market) in the direction {BTC: −1}
    const reverse = (id: string, dir: number) => {
      const r = reverseStress(snapshotOf(svc.engine.state.market!), svc.engine.state.params, "USD", toPortfolio(svc.engine.state.accounts.get(id)!), "portfolio", { BTC: dir });
      if (!r.ok) throw new Error(r.reason);
      return r.value.liquidation?.distance ?? null;
    };
    expect(nsp.distance.BTC.down).toBeCloseTo(-reverse("naked-short-put", -1)!, 3);
    // the account is the example book as it stands (loaded by --book): dpm stress --reverse on the file says liquidation at BTC −15.81 %
    expect(nsp.distance.BTC.down).toBeCloseTo(-0.1581, 3);
    expect(nsp.distance.BTC.up).toBeNull();
    expect(nsp.nearest).toEqual({ underlying: "BTC", move: nsp.distance.BTC.down });
    expect(nsp.insight).toMatchObject({ seq: nsp.seq, current: true, ageMs: 0 });
    expect(row(f, "short-straddle-hedged").distance.BTC.up).toBeCloseTo(reverse("short-straddle-hedged", 1)!, 3);
    expect(row(f, "put-credit-spread").distance.BTC).toMatchObject({ down: null, up: null });
    expect(row(f, "cash-and-carry").binding).toMatchObject({ name: "rollShock", share: 1 });
    expect(Object.keys(row(f, "multi-asset").distance).sort()).toEqual(["BTC", "ETH", "SOL"]);
    expect((await fleet("?top=3")).json.nearestLiquidation).toHaveLength(3);
    const bad = await svc.call("GET", "/v1/fleet?top=0");
    expect(bad.status).toBe(400);
    expect(check("/v1/fleet", "get", bad)).toEqual([]);
  });

  it("freshness: after a tick the insight is behind its margin (current: false) until recomputed, at most once per second per account", async () => {
    const before = row((await fleet()).json, "naked-short-put");
    await tick("BTC", 0.97);
    const behind = row((await fleet()).json, "naked-short-put");
    expect(behind.seq).toBeGreaterThan(before.seq);
    expect(behind.insight).toMatchObject({ seq: before.insight.seq, current: false });
    expect(behind.distance).toEqual(before.distance);
    now += 1500;
    const fresh = await settled("naked-short-put");
    expect(fresh.insight).toMatchObject({ seq: fresh.seq, current: true, ageMs: 0 });
    // 3 % of the way already fallen: the same liquidation price (within the 0.01 % tolerances), nearer now
    const price = (r: any) => r.distance.BTC.index * (1 + r.distance.BTC.down);
    expect(fresh.distance.BTC.index).toBeCloseTo(before.distance.BTC.index * 0.97, 6);
    expect(fresh.distance.BTC.down).toBeGreaterThan(before.distance.BTC.down);
    expect(Math.abs(price(fresh) - price(before))).toBeLessThan(2e-4 * before.distance.BTC.index);
  });

  it("GET /v1/accounts/{id}/margin: the binding component of this result and the account's insight", async () => {
    now += 1500;
    const r = await svc.call("GET", "/v1/accounts/put-credit-spread/margin");
    expect(check("/v1/accounts/{id}/margin", "get", r)).toEqual([]);
    expect(r.json.binding).toMatchObject({ name: "worstScenario", underlying: "BTC" });
    expect(r.json.binding.share).toBeCloseTo(r.json.binding.amount / r.json.summary.initialMargin, 12);
    expect(r.json.insight).toMatchObject({ account: "put-credit-spread", seq: r.json.summary.seq, binding: r.json.binding });
  });

  it("no client, no work: ticks compute no insight once nobody wants the accounts", async () => {
    now += 60_000; // every want has expired
    const c = svc.hub.insights!.cache.counters;
    const n0 = c.computed;
    for (let i = 0; i < 5; i++) await tick("ETH", 1.001);
    await new Promise((r) => setTimeout(r, 700)); // a few pump passes
    expect(c.computed).toBe(n0);
    // a client asking for the fleet makes its page wanted again
    now += 1500;
    await fleet();
    expect(c.computed).toBeGreaterThan(n0);
    const metrics = (await svc.call("GET", "/metrics", undefined, null)).text;
    expect(metrics).toMatch(new RegExp(`dpm_insights_computed_total ${c.computed}\\b`));
  });

  it("WebSocket: the fleet page size follows the subscription's top; an account subscriber gets its insight", async () => {
    const ws = new WebSocket(`${svc.url.replace("http", "ws")}/v1/stream`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const msgs: any[] = [];
    ws.on("message", (d) => msgs.push(JSON.parse(d.toString())));
    await new Promise((res) => ws.once("open", res));
    const wait = async (pred: (m: any) => boolean) => {
      for (let i = 0; i < 100 && !msgs.some(pred); i++) await new Promise((r) => setTimeout(r, 50));
      return msgs.find(pred);
    };
    ws.send(JSON.stringify({ op: "subscribe", fleet: true, top: 0 }));
    expect((await wait((m) => m.type === "error"))?.error).toBe("top must be an integer from 1 to 500");
    ws.send(JSON.stringify({ op: "subscribe", fleet: true, top: 2, accounts: ["multi-asset"] }));
    const f = await wait((m) => m.type === "fleet");
    expect(f.data.nearestLiquidation).toHaveLength(2);
    expect(f.data.nearestLiquidation[0].binding).not.toBeNull();
    const ins = await wait((m) => m.type === "insight");
    expect(ins.data).toMatchObject({ account: "multi-asset" });
    expect(Object.keys(ins.data.distance).sort()).toEqual(["BTC", "ETH", "SOL"]);
    ws.close();
  });
});

describe("insights computed in slices (the pump and GET /v1/fleet never hold the event loop for a whole search)", () => {
  it("refreshSliced gives the insight compute gives, turning the event loop between margin computations", async () => {
    const { InsightCache } = await import("../../src/engine/insights.js");
    const id = "naked-short-put";
    const whole = new InsightCache(svc.engine).compute(id, now)!;
    expect(whole.probes).toBeGreaterThan(20);
    const sliced = new InsightCache(svc.engine);
    sliced.want([id], now);
    let turns = 0;
    const done = await sliced.refreshSliced(now, 1e9, 0, async () => { turns++; }, [id]);
    expect(done).toEqual([id]);
    const got = sliced.get(id)!;
    expect({ ...got, ms: 0 }).toEqual({ ...whole, ms: 0 });
    // sliceMs 0: a turn after every margin computation but the last
    expect(turns).toBe(whole.probes);
  });

  it("a search the market moved under is dropped, not cached, and computed on the new market by the next pass", async () => {
    const { InsightCache } = await import("../../src/engine/insights.js");
    const id = "naked-short-put";
    const cache = new InsightCache(svc.engine);
    cache.want([id], now);
    let ticked = false;
    const turn = async () => { if (!ticked) { ticked = true; await tick("BTC", 1.001); } };
    expect(await cache.refreshSliced(now, 1e9, 0, turn, [id])).toEqual([]);
    expect(cache.counters.abandoned).toBe(1);
    expect(cache.get(id)).toBeUndefined();
    expect(await cache.refreshSliced(now, 1e9, 0, async () => undefined, [id])).toEqual([id]);
    const after = cache.get(id)!;
    expect(after.seq).toBe(svc.engine.margins.get(id)!.seq);
    expect(after.distance.BTC.index).toBe(svc.engine.state.market!.assets.BTC.index);
    expect({ ...after, ms: 0 }).toEqual({ ...new InsightCache(svc.engine).compute(id, now)!, ms: 0 });
  });
});
