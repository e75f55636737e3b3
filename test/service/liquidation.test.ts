/**
 * Liquidation in the service (issue 5 item 7) and the oracle's hold (issue 4 item 1), through the real
 * server: a price tick puts accounts into liquidation, the engine liquidates them, the steps are in the
 * log, the insurance fund is exact; a degraded index holds liquidations and refuses risk-adding orders.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits, toUnits } from "../../src/domain/money.js";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
const T0 = Date.parse("2024-11-20T08:00:00Z");
const units = (s: string) => toUnits(s)!;

interface Ev { seq: number; event: Record<string, any> }
async function eventsFrom(from: number): Promise<Ev[]> {
  const r = await svc.call("GET", `/v1/events?from=${from}&limit=1000`);
  expect(r.status, r.text).toBe(200);
  return r.json.events;
}

beforeAll(async () => {
  svc = await startTestService();
  expect((await svc.call("POST", "/v1/insurance-fund/deposits", { asset: "USDC", amount: "50000" })).status).toBe(201);
  // demo-like directional books: 100,000 USD of BTC perpetual on 20,000 USDC (lev) and on 10,000 USDC (bust)
  for (const [id, usdc] of [["lev", "30000"], ["bust", "14000"]]) {
    expect((await svc.call("POST", "/v1/accounts", { id, collateral: { USDC: usdc } })).status).toBe(201);
    expect((await svc.call("POST", `/v1/accounts/${id}/fills`, { instrument: "BTC-PERPETUAL", size: "100000", price: 92000 })).status).toBe(201);
  }
});
afterAll(async () => svc?.stop());

describe("liquidation by the engine", () => {
  it("a tick to 75,000 liquidates both: steps logged, lev ends healthy, bust closed with its deficit covered by the fund", async () => {
    const tick = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 1000, index: 75000, instruments: { "BTC-PERPETUAL": { mark: 75000 } } });
    expect(tick.status, tick.text).toBe(201);
    const log = await eventsFrom(tick.json.seq + 1);
    const types = log.map((e) => e.event.kind ?? e.event.type);
    expect(types.slice(0, 2).sort(), types.join(",")).toEqual(["bankrupt", "liquidation_trigger"]);

    const of = (id: string, type: string) => log.filter((e) => e.event.account === id && e.event.type === type).map((e) => e.event);
    // lev: reduced step by step (each step lowers MM usage), ends with MM usage ≤ 90 % and positions left
    const levSteps = of("lev", "liquidation_step");
    expect(levSteps.length).toBeGreaterThan(0);
    expect(of("lev", "liquidation_start")[0].steps).toBe(levSteps.length);
    let prev = of("lev", "liquidation_start")[0].marginRatio as number;
    for (const s of levSteps) {
      expect(s.action).toBe("reduce");
      expect(s.instrument).toBe("BTC-PERPETUAL");
      expect(s.price).toBeLessThan(75000); // a sell walks the bids
      expect(s.marginRatioAfter, JSON.stringify(s)).toBeLessThan(prev);
      prev = s.marginRatioAfter;
      expect(units(s.fee)).toBe(units((0.0015 * -Number(s.size)).toFixed(12))); // fee = 0.15 % of the USD notional, in USDC
    }
    const levEnd = of("lev", "liquidation_end")[0];
    expect(levEnd.outcome).toBe("restored");
    const lev = (await svc.call("GET", "/v1/accounts/lev")).json;
    const sold = levSteps.reduce((t, s) => t + units(s.size), 0n);
    expect(lev.account.positions[0].size).toBe(formatUnits(units("100000") + sold));
    expect(lev.margin.status).not.toBe("liquidation");
    expect(lev.margin.marginRatio).toBeLessThanOrEqual(0.9);

    // bust: equity < 0 at 75,000 → everything closed at once, the deficit covered by the fund
    const bustSteps = of("bust", "liquidation_step");
    expect(bustSteps.map((s) => [s.action, s.size])).toEqual([["close_all", "-100000"]]);
    const bustEnd = of("bust", "liquidation_end")[0];
    expect(bustEnd.outcome).toBe("bankrupt");
    expect(bustEnd.deficitUsd).toBeGreaterThan(4000);
    expect(bustEnd.uncoveredUsd).toBe(0);
    expect(Number(bustEnd.fundCover)).toBeCloseTo(bustEnd.deficitUsd, 9);
    const bust = (await svc.call("GET", "/v1/accounts/bust")).json;
    expect(bust.account.positions).toEqual([]);
    expect(bust.margin.equity).toBeGreaterThanOrEqual(0);
    expect(bust.margin.equity).toBeLessThan(1e-6);

    // the fund, exactly: opening deposit + every fee − the cover
    const fees = [...levSteps, ...bustSteps].reduce((t, s) => t + units(s.fee), 0n);
    const fund = formatUnits(units("50000") + fees - units(bustEnd.fundCover));
    const q = (await svc.call("GET", "/v1/liquidations")).json;
    expect(q.insuranceFund.balances).toEqual({ USDC: fund });
    expect(q.queue).toEqual([]);
    expect(q.recent.map((r: any) => [r.account, r.progress.executed, r.progress.planned, r.end.outcome])).toEqual([["lev", levSteps.length, levSteps.length, "restored"], ["bust", 1, 1, "bankrupt"]]);
    const fleet = (await svc.call("GET", "/v1/fleet")).json;
    expect(fleet.liquidation.insuranceFund.balances.USDC).toBe(fund);
    expect(fleet.byStatus.liquidation + fleet.byStatus.bankrupt).toBe(0);

    // state = replay of the log, to the last digit
    const mem = openSqliteStore(":memory:", { sync: "normal" });
    await mem.appendEvents((await eventsFrom(1)).map((e) => e.event), 0);
    const replay = await Engine.open(mem);
    for (const id of ["lev", "bust"]) {
      const live = (await svc.call("GET", `/v1/accounts/${id}/margin`)).json.summary;
      const full = { ...replay.margins.get(id) } as Record<string, unknown>;
      delete full.seq; delete live.seq;
      expect(JSON.stringify(live), id).toBe(JSON.stringify(full));
    }
    expect(formatUnits(replay.state.insuranceFund.get("USDC")!)).toBe(fund);
    await mem.close();
  });

  it("only admins see the queue", async () => {
    const a = await svc.call("POST", "/v1/accounts", { id: "viewer", collateral: { USDC: "1" } });
    expect((await svc.call("GET", "/v1/liquidations", undefined, a.json.key)).status).toBe(403);
    expect((await svc.call("GET", "/v1/liquidations", undefined, null)).status).toBe(401);
  });
});

describe("oracle hold (degraded index, circuit breaker)", () => {
  it("holds the liquidation of an account on a degraded index, refuses risk-adding orders with 409, resumes when it clears", async () => {
    expect((await svc.call("POST", "/v1/accounts", { id: "held", collateral: { USDC: "20000" } })).status).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/held/fills", { instrument: "BTC-PERPETUAL", size: "100000", price: 75000 })).status).toBe(201);
    // three sources agree, then only one keeps quoting: the other two go stale → the oracle flags BTC degraded
    const px = (ts: number, sources: string[], price: number) => svc.call("POST", "/v1/oracle/prices", { ticks: sources.map((source) => ({ source, asset: "BTC", price, ts })) });
    expect((await px(T0 + 2000, ["a", "b", "c"], 75000)).status).toBe(200);
    const r = await px(T0 + 62_000, ["a"], 75000);
    expect(r.json.ticks.length, r.text).toBe(1); // the flag change alone sends a tick
    expect((await svc.call("GET", "/v1/market")).json.oracle.BTC.degraded).toBe(true);
    const logged = (await eventsFrom(r.json.ticks[0].seq)).find((e) => e.event.type === "tick")!.event;
    expect(logged).toMatchObject({ asset: "BTC", index: 75000, degraded: true });

    // pre-trade: adding BTC risk is refused with the reason, reducing it or trading ETH is not
    const add = await svc.call("POST", "/v1/accounts/held/orders/check", { instrument: "BTC-PERPETUAL", size: "1000" });
    expect(add.status, add.text).toBe(409);
    expect(add.json.error).toMatch(/BTC index is degraded.*orders that add risk on BTC are refused/);
    const flip = await svc.call("POST", "/v1/accounts/held/orders/check", { instrument: "BTC-PERPETUAL", size: "-150000" });
    expect(flip.status, flip.text).toBe(409);
    const reduce = await svc.call("POST", "/v1/accounts/held/orders/check", { instrument: "BTC-PERPETUAL", size: "-1000" });
    expect(reduce.status, reduce.text).toBe(200);
    expect((await svc.call("POST", "/v1/accounts/held/orders/check", { instrument: "ETH-PERPETUAL", size: "1000" })).status).toBe(200);

    // the perpetual drops (a tick without flags keeps them): in liquidation, but held and flagged
    expect((await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 62_500, index: 64000, instruments: { "BTC-PERPETUAL": { mark: 64000 } } })).status).toBe(201);
    const held = (await svc.call("GET", "/v1/accounts/held")).json.margin;
    expect(held.status).toBe("liquidation");
    expect(held.liquidationHold).toMatch(/^held: the BTC index is degraded/);
    const q = (await svc.call("GET", "/v1/liquidations")).json;
    // lev (what was left of it) holds BTC too: both are held
    expect(q.queue.map((x: any) => [x.account, x.state]).sort()).toEqual([["held", "held"], ["lev", "held"]]);
    for (const x of q.queue) {
      expect(x.reason).toMatch(/degraded/);
      expect(x.plan.steps.length).toBeGreaterThan(0); // the plan it would run
    }
    expect(q.recent.some((x: any) => x.account === "held")).toBe(false);

    // the sources come back at 64,000: not degraded, but 75,000 → 64,000 within the breaker window trips it
    expect((await px(T0 + 63_000, ["a", "b", "c"], 64000)).status).toBe(200);
    const o = (await svc.call("GET", "/v1/market")).json.oracle.BTC;
    expect([o.degraded, o.circuitBreaker]).toEqual([false, true]);
    expect((await svc.call("GET", "/v1/liquidations")).json.queue[0].reason).toMatch(/circuit breaker is tripped/);
    // a minute later the window holds only 64,000: the breaker clears and both accounts are liquidated
    expect((await px(T0 + 124_000, ["a", "b", "c"], 64000)).status).toBe(200);
    expect((await svc.call("GET", "/v1/market")).json.oracle.BTC.circuitBreaker).toBe(false);
    const after = (await svc.call("GET", "/v1/liquidations")).json;
    expect(after.queue).toEqual([]);
    expect(after.recent.slice(0, 2).map((x: any) => x.account).sort()).toEqual(["held", "lev"]);
    expect((await svc.call("GET", "/v1/accounts/held")).json.margin.status).not.toBe("liquidation");
  });

  it("a tripped circuit breaker holds liquidations too", async () => {
    expect((await svc.call("POST", "/v1/accounts", { id: "cb", collateral: { USDC: "20000" } })).status).toBe(201);
    expect((await svc.call("POST", "/v1/accounts/cb/fills", { instrument: "BTC-PERPETUAL", size: "100000", price: 64000 })).status).toBe(201);
    const t = await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 130_000, index: 55000, circuitBreaker: true, instruments: { "BTC-PERPETUAL": { mark: 55000 } } });
    expect(t.status, t.text).toBe(201);
    const m = (await svc.call("GET", "/v1/accounts/cb")).json.margin;
    expect(m.status).toBe("liquidation");
    expect(m.liquidationHold).toMatch(/circuit breaker/);
    expect((await svc.call("POST", "/v1/accounts/cb/orders/check", { instrument: "BTC-PERPETUAL", size: "500" })).status).toBe(409);
    await svc.call("POST", "/v1/market/ticks", { asset: "BTC", ts: T0 + 131_000, index: 55000, circuitBreaker: false });
    expect((await svc.call("GET", "/v1/accounts/cb")).json.margin.status).not.toBe("liquidation");
    const recent = (await svc.call("GET", "/v1/liquidations")).json.recent;
    expect(recent.find((x: any) => x.account === "cb")?.startSeq).toBeGreaterThan(t.json.seq);
  });
});
