/**
 * `dpm serve --adaptive propose` (issue 13 item 5) and the service "Must show": a proposal computed from history +
 * live bars is logged with its features, model output, bounds and impact; an admin approves it through the API; then
 * every account's IM, MM, equity and adjusted equity equal `dpm margin --params <the proposal's file>` on that
 * account and the live market; a restart, and a full replay of the log on a fresh store, reproduce it all.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { createMarginEngine } from "../../src/api.js";
import { Engine } from "../../src/engine/engine.js";
import { marketFileOf } from "../../src/engine/marketState.js";
import { type AccountState } from "../../src/engine/state.js";
import { unitsToNumber } from "../../src/domain/money.js";
import { forAsset } from "../../src/margin/params.js";
import { runCli } from "../helpers/cli.js";
import { startAdaptive, T0, testConfig, tick, writeHistory, type AdaptiveService } from "./adaptiveHelpers.js";

let dir: string;
let db: string;
let svc: AdaptiveService;
let history: ReturnType<typeof writeHistory>;

/** An account as a portfolio file (DESIGN.md section 10). */
function portfolioJson(a: AccountState): unknown {
  return {
    account: a.id,
    collateral: Object.fromEntries([...a.balances].map(([k, v]) => [k, unitsToNumber(v)])),
    positions: [...a.positions].map(([instrument, p]) => ({ instrument, size: unitsToNumber(p.size), ...(p.entryPrice !== undefined && !/-[CP]$/.test(instrument) ? { entryPrice: p.entryPrice } : {}) })),
  };
}

const BOOKS: [string, Record<string, string>, [string, string, number][]][] = [
  ["btc-long", { USDC: "400000" }, [["BTC-PERPETUAL", "1000000", 92050]]],
  ["tight", { USDC: "33000" }, [["BTC-PERPETUAL", "150000", 92050]]],
  ["eth-short", { USDC: "120000" }, [["ETH-PERPETUAL", "-300000", 3101.5]]],
  ["puts", { USDC: "60000" }, [["BTC-27DEC24-85000-P", "-3", 0.012], ["BTC-PERPETUAL", "50000", 92050]]],
  ["coins", { BTC: "4" }, [["ETH-PERPETUAL", "-100000", 3101.5]]],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dpm-adaptive-"));
  db = join(dir, "a.sqlite");
  history = writeHistory(join(dir, "history"), 520, { BTC: 92000, ETH: 3100 });
  svc = await startAdaptive(db, testConfig(history));
  for (const [id, collateral, fills] of BOOKS) {
    expect((await svc.call("POST", "/v1/accounts", { id, collateral })).status).toBe(201);
    for (const [instrument, size, price] of fills) expect((await svc.call("POST", `/v1/accounts/${id}/fills`, { instrument, size, price })).status).toBe(201);
  }
  // Every asset ticked at the same time: the engine values each underlying at its own time, a market file at one.
  for (const [a, px] of [["BTC", 91800], ["ETH", 3095], ["SOL", 241]] as const) await tick(svc, a, 30_000, px);
}, 60_000);
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("adaptive parameters in the service (propose)", () => {
  let proposal: any;

  it("POST /v1/params/proposals logs a proposal with its features, model output, bounds and impact; nothing is applied yet", async () => {
    const r = await svc.call("POST", "/v1/params/proposals", {});
    expect(r.status, r.text).toBe(201);
    proposal = r.json.proposal;
    expect(proposal).toMatchObject({ id: "p-1", status: "pending", mode: "propose", trigger: "manual", effectiveAt: null, feedTime: T0 + 30_000 });
    const btc = proposal.adaptive.assets.BTC;
    // today's bar (two observations so far) would lower the move: the completed days are used, and both are logged
    expect(btc.model).toMatchObject({ name: "adaptive", bars: 520, lastBar: "2024-11-19", today: { day: "2024-11-20", used: "completed days" } });
    expect(btc.model.today.apcMoveWithToday).toBeLessThan(btc.model.today.apcMoveCompletedDays);
    expect(btc.model.apcMove).toBeGreaterThanOrEqual(btc.model.rawMove);
    expect(Number.isFinite(btc.features.ewmaVol) && Number.isFinite(btc.features.gkVol30)).toBe(true);
    expect(btc.bounds).toMatchObject({ priceRange: { min: 0.001, max: 0.95 }, clampedBy: null, static: 0.16 });
    const range = proposal.params.portfolio.underlyings.BTC.priceRange;
    expect(btc.bounds.value).toBe(range);
    expect(range).toBeCloseTo(Math.ceil(Math.expm1(btc.model.apcMove) * 1000 - 1e-9) / 1000, 12);
    expect(range).toBeGreaterThan(0.16);
    expect(proposal.params).toMatchObject({ extends: "deribit" });
    // the impact: the impact report over the live accounts, checked account by account with the core
    const snap = marketFileOf(svc.engine.state.market!);
    const from = createMarginEngine(snap, { preset: "deribit" }), to = createMarginEngine(snap, { params: proposal.params });
    const rank = { healthy: 0, margin_call: 1, liquidation: 2, bankrupt: 3 } as const;
    let intoCall = 0, intoLiq = 0;
    for (const a of svc.engine.state.accounts.values()) {
      const x = from.margin(portfolioJson(a)).status, y = to.margin(portfolioJson(a)).status;
      if (rank[y] > rank[x]) { if (y === "margin_call") intoCall++; else intoLiq++; }
    }
    expect(proposal.adaptive.impact).toMatchObject({ accounts: 5, intoMarginCall: intoCall, intoLiquidation: intoLiq });
    expect(intoCall + intoLiq).toBeGreaterThanOrEqual(1);
    expect(proposal.adaptive.impact.crossing.map((c: { account: string }) => c.account)).toContain("tight");
    expect(forAsset(svc.engine.state.params.portfolio.underlyings, "BTC").priceRange).toBe(0.16);
    const ev = await svc.call("GET", `/v1/events?from=1&limit=1000`);
    const logged = ev.json.events.filter((e: any) => e.event.type === "params_proposal");
    expect(logged.map((e: any) => e.event.id)).toEqual(["p-1"]);
    expect(logged[0].event.adaptive.assets.BTC.model.rawMove).toBe(btc.model.rawMove);
  });

  it("a second run with nothing new logs nothing (200, the pending proposal)", async () => {
    const r = await svc.call("POST", "/v1/params/proposals", {});
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ run: { outcome: "unchanged" }, proposal: { id: "p-1" } });
  });

  it("approve applies it as a params event carrying the metadata; every account then equals dpm margin --params <proposal file> on the live market", async () => {
    const before = Object.fromEntries([...svc.engine.margins].map(([k, v]) => [k, v.initialMargin]));
    const r = await svc.call("POST", "/v1/params/proposals/p-1/approve", {});
    expect(r.status, r.text).toBe(201);
    expect(r.json.event).toMatchObject({ type: "params", adaptive: { proposalId: "p-1", decidedBy: "admin", decidedAt: T0 + 30_000 } });
    expect(r.json.event.adaptive.assets).toEqual(proposal.adaptive.assets);
    expect(r.json.event.adaptive.impactAtDecision).toMatchObject({ intoMarginCall: proposal.adaptive.impact.intoMarginCall });
    expect(forAsset(svc.engine.state.params.portfolio.underlyings, "BTC").priceRange).toBe(proposal.params.portfolio.underlyings.BTC.priceRange);
    expect((await svc.call("GET", "/v1/params/proposals")).json.proposals[0]).toMatchObject({ id: "p-1", status: "applied", decidedBy: "admin" });
    // the Must show: dpm margin --params <proposal file> --market <live market> on each account
    writeFileSync(join(dir, "proposal.json"), JSON.stringify(proposal.params));
    writeFileSync(join(dir, "market.json"), JSON.stringify(marketFileOf(svc.engine.state.market!)));
    const accounts = [...svc.engine.state.accounts.values()];
    writeFileSync(join(dir, "book.jsonl"), accounts.map((a) => JSON.stringify(portfolioJson(a))).join("\n"));
    const cli = await runCli("margin", join(dir, "book.jsonl"), "--market", join(dir, "market.json"), "--params", join(dir, "proposal.json"), "--json");
    expect(cli.code, cli.stderr).toBe(0);
    const results = cli.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(results.map((x) => x.account)).toEqual(accounts.map((a) => a.id));
    let changed = 0;
    for (const want of results) {
      const got = (await svc.call("GET", `/v1/accounts/${want.account}`)).json.margin;
      for (const k of ["initialMargin", "maintenanceMargin", "equity", "adjustedEquity"]) expect(Math.abs(got[k] - want[k]), `${want.account} ${k}: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[k])));
      expect(got.status).toBe(want.status);
      if (got.initialMargin !== before[want.account]) changed++;
    }
    expect(changed).toBeGreaterThanOrEqual(4);
    expect(svc.engine.margins.get("tight")!.status).not.toBe("healthy");
  }, 60_000);

  it("a restart reproduces the parameters, every margin and the proposal book; so does a full replay of the log", async () => {
    const margins = JSON.stringify([...svc.engine.margins.values()].map((m) => ({ ...m, seq: 0 })));
    const params = JSON.stringify(svc.engine.state.params);
    await svc.close();
    svc = await startAdaptive(db, testConfig(history));
    expect(JSON.stringify(svc.engine.state.params)).toBe(params);
    expect(JSON.stringify([...svc.engine.margins.values()].map((m) => ({ ...m, seq: 0 })))).toBe(margins);
    const st = (await svc.call("GET", "/v1/params/adaptive")).json;
    expect(st.applied).toMatchObject({ proposalId: "p-1", decidedBy: "admin" });
    expect(st.assets.BTC).toMatchObject({ current: proposal.params.portfolio.underlyings.BTC.priceRange, static: 0.16, bars: 521 });
    expect((await svc.call("GET", "/v1/params/proposals")).json.proposals.map((p: any) => [p.id, p.status])).toEqual([["p-1", "applied"]]);
    // the log alone, replayed into a fresh store without any snapshot
    const copy = openSqliteStore(":memory:", { sync: "normal" });
    for (let from = 1; ;) {
      const page = await svc.store.readEvents(from, 1000);
      for (const e of page) await copy.appendEvents([e.event], e.ts);
      if (page.length < 1000) break;
      from = page[page.length - 1].seq + 1;
    }
    const fresh = await Engine.open(copy, { liquidation: { enabled: false } });
    expect(JSON.stringify(fresh.state.params)).toBe(params);
    expect(JSON.stringify([...fresh.margins.values()].map((m) => ({ ...m, seq: 0 })))).toBe(margins);
  }, 60_000);

  it("a crash today raises the move at once (today's bar used); reject, approve a closed or unknown proposal, bad ids", async () => {
    await tick(svc, "BTC", 3_600_000, 70000);
    await tick(svc, "BTC", 3_660_000, 85000);
    const r = await svc.call("POST", "/v1/params/proposals", {});
    expect(r.status, r.text).toBe(201);
    const id = r.json.proposal.id;
    expect(id).toBe("p-2");
    expect(r.json.proposal.adaptive.assets.BTC.model).toMatchObject({ bars: 521, lastBar: "2024-11-20", today: { used: "with today so far" } });
    expect(r.json.proposal.params.portfolio.underlyings.BTC.priceRange).toBeGreaterThan(proposal.params.portfolio.underlyings.BTC.priceRange);
    expect((await svc.call("POST", `/v1/params/proposals/${id}/reject`, { reason: "desk review" })).status).toBe(201);
    expect((await svc.call("GET", "/v1/params/proposals")).json.proposals[0]).toMatchObject({ id, status: "rejected", reason: "desk review" });
    expect((await svc.call("POST", `/v1/params/proposals/${id}/approve`, {})).status).toBe(409);
    expect((await svc.call("POST", "/v1/params/proposals/p-99/approve", {})).status).toBe(404);
    const bad = await svc.call("POST", "/v1/params/proposals/x1/approve", {});
    expect(bad.status).toBe(400);
    expect(bad.json.issues[0]).toMatchObject({ path: "proposalId", value: "x1" });
    expect((await svc.call("POST", "/v1/params/proposals/p-2/reject", { reason: 5 })).status).toBe(400);
    expect((await svc.call("POST", "/v1/params/proposals/p-2/approve", {}, "dpm_0123456789abcdef_" + "A".repeat(43))).status).toBe(401);
  }, 60_000);
});
