/**
 * The liquidity charges in the engine (src/engine/liquidityAddOn.ts): books from ticks (depth, spread), the
 * add-on and the collateral haircut in every account's margin equal to `dpm margin` (the core API) on the live
 * market written as a market file with the same parameters, the kernel adapter equal to accountMargin, and a
 * replay of the log equal to the live engine.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { createMarginEngine } from "../../src/api.js";
import { accountMargin } from "../../src/engine/accountMargin.js";
import { Engine } from "../../src/engine/engine.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { KernelMargins } from "../../src/engine/kernelMargins.js";
import { marketFileOf, stableView } from "../../src/engine/marketState.js";
import { toPortfolio } from "../../src/engine/state.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");
const PARAMS = { extends: "deribit", name: "deribit-liquidity", source: "test: liquidity charges on", liquidity: { impact: 0.5, maxRate: 0.25, defaultVol: 0.8, positions: true, collateral: true } };

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason} ${JSON.stringify(r.issues ?? r.detail ?? "")}`);
  return r.seq;
}

async function book(store = openSqliteStore(":memory:", { sync: "normal" })): Promise<Engine> {
  const e = await Engine.open(store);
  await ok(e, { type: "market", snapshot: MARKET });
  await ok(e, { type: "params", params: PARAMS });
  for (const [id, coll, fills] of [
    ["whale", { USDC: "1000000" }, [["BTC-PERPETUAL", "3000000", 92050]]],
    ["coins", { BTC: "12" }, [["ETH-PERPETUAL", "-100000", 3101.5]]],
    ["small", { USDC: "50000" }, [["BTC-PERPETUAL", "20000", 92050], ["BTC-27DEC24-92000-C", "-1", 0.05]]],
  ] as const) {
    await ok(e, { type: "account", account: id });
    for (const [asset, amount] of Object.entries(coll)) await ok(e, { type: "deposit", account: id, asset, amount });
    for (const [instrument, size, price] of fills) await ok(e, { type: "fill", account: id, instrument, size, price });
  }
  // One tick per asset, same time: books for the perpetuals and BTC spot.
  await ok(e, { type: "tick", asset: "BTC", ts: T0 + 60_000, index: 91500, instruments: { "BTC-PERPETUAL": { mark: 91540, depthUsd: 6_000_000, spread: 0.0002 }, BTC: { depthUsd: 900_000, spread: 0.0005 } } });
  await ok(e, { type: "tick", asset: "ETH", ts: T0 + 60_000, index: 3090, instruments: { "ETH-PERPETUAL": { mark: 3091, depthUsd: 1_500_000, spread: 0.0004 } } });
  await ok(e, { type: "tick", asset: "SOL", ts: T0 + 60_000, index: 240 });
  return e;
}

describe("liquidity charges in the engine", () => {
  it("each account's IM, MM, equity and adjusted equity equal dpm margin on the live market file with the same parameters", async () => {
    const e = await book();
    const file = marketFileOf(e.state.market!);
    expect(file.instruments["BTC-PERPETUAL"]).toMatchObject({ mark: 91540, depthUsd: 6_000_000, spread: 0.0002 });
    const me = createMarginEngine(file, { params: PARAMS });
    let charged = 0;
    for (const a of e.state.accounts.values()) {
      const live = e.margins.get(a.id)!, cli = me.margin(toPortfolio(a));
      for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds"] as const) expect(live[k], `${a.id} ${k}`).toBe(cli[k]);
      expect(live.status).toBe(cli.status);
      if ((live.liquidityAddOn ?? 0) > 0 || (live.liquidityHaircut ?? 0) !== 0) charged++;
    }
    expect(charged).toBe(3);
    // whale: 3,000,000 USD of BTC-PERPETUAL into 6,000,000 of depth, k 0.5, σ_d = 0.55/√365
    const whale = e.margins.get("whale")!;
    expect(whale.liquidityAddOn).toBeCloseTo(3_000_000 * (0.0001 + 0.5 * (0.55 / Math.sqrt(365)) * Math.sqrt(0.5)), 6);
    // coins: 12 BTC of collateral into a 900,000 spot book replaces the tier haircut
    const coins = e.detail("coins")!;
    expect(coins.liquidity?.collateral.map((c) => c.name)).toEqual(["BTC"]);
    expect(coins.summary.liquidityHaircut).toBeCloseTo(coins.liquidity!.collateral[0].amountUsd - coins.liquidity!.collateral[0].tierHaircutUsd, 9);
  });

  it("the kernel adapter falls back to accountMargin for charged accounts: equal summaries", async () => {
    const e = await book();
    const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params), sv = stableView(s.market!);
    const im = sv ? new IncrementalRiskContext(sv, s.params) : undefined;
    const km = new KernelMargins(s.params);
    km.reset(s, ctx.context(), im?.context());
    for (const a of s.accounts.values()) {
      const want = accountMargin(s, ctx.context(), a, [a.id], im?.context(), undefined, false).summary;
      expect(km.summary(s, a.id), a.id).toEqual(want);
    }
  });

  it("a replay of the log reproduces every margin", async () => {
    const store = openSqliteStore(":memory:", { sync: "normal" });
    const e = await book(store);
    const fresh = await Engine.open(store);
    const strip = (m: unknown) => JSON.stringify({ ...(m as object), seq: 0 });
    expect(e.margins.size).toBe(3);
    for (const [id, m] of e.margins) expect(strip(fresh.margins.get(id))).toBe(strip(m));
  });

  it("a tick's spread is bounded (400 with the path)", async () => {
    const e = await book();
    const r = await e.submit({ type: "tick", asset: "BTC", ts: T0 + 120_000, index: 91500, instruments: { "BTC-PERPETUAL": { spread: 2.5 } } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues?.[0]).toMatchObject({ path: 'instruments["BTC-PERPETUAL"].spread', value: 2.5 });
  });
});
