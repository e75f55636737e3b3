/**
 * Abuse of the model itself, each replaying the pattern of a real incident:
 * - Mango Markets (Oct 2022): pump the index of a thin perp, withdraw the paper profit → capped.
 * - dYdX YFI (Nov 2023) / Hyperliquid JELLY (Mar 2025): a position huge against open interest, split
 *   across linked accounts → concentration add-on summed per owner; pre-trade check refuses more.
 * - Binance USDe (10 Oct 2025): wrapped collateral marked off one venue's own thin book at 0.65 →
 *   valued at min(deep-book median, redemption) with a floor, so no cascade.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { preTradeCheck } from "../../src/engine/checks.js";
import { Engine } from "../../src/engine/engine.js";
import { MarketIngest } from "../../src/engine/ingest.js";
import { concentrationRate } from "../../src/margin/concentration.js";
import { wrappedCollateralPrice } from "../../src/margin/wrappedCollateral.js";
import { withdrawalCheck } from "../../src/margin/withdrawalCap.js";

const BASE = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");

async function engine(extraAssets: Record<string, unknown>, extraInstruments: Record<string, unknown> = {}, adl = true): Promise<Engine> {
  const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }), { liquidation: { adl } });
  const m = { ...BASE, assets: { ...BASE.assets, ...extraAssets }, instruments: { ...BASE.instruments, ...extraInstruments } };
  const r = await e.submit({ type: "market", snapshot: m });
  if (!r.ok) throw new Error(r.reason);
  return e;
}
async function ok(e: Engine, ev: unknown): Promise<void> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)}: ${r.reason}`);
}

/** Linked long and short of 10 M MNGO on 100k USDC each, then the index pumped 0.03 → 0.09 in three ticks. */
async function mangoPump(adl: boolean): Promise<Engine> {
  const e = await engine({ MNGO: { index: 0.03, vol: 1.5 } }, { "MNGO_USDC-PERPETUAL": { mark: 0.03 } }, adl);
    for (const id of ["attacker-long", "attacker-short"]) {
      await ok(e, { type: "account", account: id, owner: "eisenberg" });
      await ok(e, { type: "deposit", account: id, asset: "USDC", amount: "100000" });
    }
    await ok(e, { type: "fill", account: "attacker-long", instrument: "MNGO_USDC-PERPETUAL", size: "10000000", price: 0.03 });
    await ok(e, { type: "fill", account: "attacker-short", instrument: "MNGO_USDC-PERPETUAL", size: "-10000000", price: 0.03 });
    // A +67 % move in one tick is refused unless the admin forces it (the pump under test is an oracle being pushed).
    const unforced = await e.submit({ type: "tick", asset: "MNGO", ts: T0 + 60_000, index: 0.05, instruments: { "MNGO_USDC-PERPETUAL": { mark: 0.05 } } });
    expect(unforced.ok ? 201 : [unforced.status, unforced.issues?.[0]?.path]).toEqual([409, "index"]);
    for (const [i, px] of [0.05, 0.07, 0.09].entries()) await ok(e, { type: "tick", asset: "MNGO", ts: T0 + (i + 1) * 60_000, index: px, instruments: { "MNGO_USDC-PERPETUAL": { mark: px } }, force: true });
  return e;
}

describe("Mango 2022: unrealised profit cannot be withdrawn", () => {
  it("a 3× pump of MNGO gives the long 600k of paper profit; withdrawing all 100k of real collateral against it is refused (409), allowed only with the cap off", async () => {
    // ADL off: the long keeps all its paper profit, so the withdrawal cap alone is under test (ADL below).
    const e = await mangoPump(false);
    const m = e.margins.get("attacker-long")!;
    expect(m.unrealisedPnl).toBeCloseTo(10_000_000 * 0.06, 4);
    expect(m.adjustedEquity).toBeCloseTo(700_000, 4);
    const w = await e.submit({ type: "withdrawal", account: "attacker-long", asset: "USDC", amount: "100000" });
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.status).toBe(409);
    // The IM check alone would have let it through: 700k − 100k = 600k ≥ IM (the position then backed by paper profit only).
    expect(700_000 - 100_000).toBeGreaterThan(m.initialMargin);
    await ok(e, { type: "params", service: { withdrawalUpnlHaircut: 0 } });
    const w2 = await e.submit({ type: "withdrawal", account: "attacker-long", asset: "USDC", amount: "100000" });
    expect(w2.ok, JSON.stringify(w2)).toBe(true);
  });
  it("with ADL on (the default), the short's bad debt is paid out of the long's paper profit: nothing left to socialise", async () => {
    const e = await mangoPump(true);
    const ends = e.state.liquidations.filter((r) => r.account === "attacker-short" && r.end?.outcome === "bankrupt");
    expect(ends.length).toBeGreaterThan(0);
    const adl = ends.flatMap((r) => r.adl ?? []);
    expect(adl.length).toBeGreaterThan(0);
    expect(new Set(adl.map((f) => f.account))).toEqual(new Set(["attacker-long"]));
    for (const r of ends) expect(r.end!.uncoveredUsd).toBeLessThan(1e-6);
    const short = e.state.accounts.get("attacker-short")!;
    expect((short.balances.get("USDC") ?? 0n) >= 0n).toBe(true);
    // the long's paper profit shrank by what it paid
    expect(e.margins.get("attacker-long")!.unrealisedPnl).toBeLessThan(10_000_000 * 0.06 - 1000);
  });
  it("withdrawalCheck: headroom = adjusted equity − haircut·max(0, uPnL) − IM", () => {
    expect(withdrawalCheck({ adjustedEquityAfter: 300, initialMarginAfter: 100, unrealisedPnl: 150, haircut: 1 })).toEqual({ ok: true, headroom: 50, excludedProfit: 150 });
    expect(withdrawalCheck({ adjustedEquityAfter: 300, initialMarginAfter: 100, unrealisedPnl: 250, haircut: 1 }).ok).toBe(false);
    expect(withdrawalCheck({ adjustedEquityAfter: 300, initialMarginAfter: 100, unrealisedPnl: -500, haircut: 1 }).headroom).toBe(200);
  });
});

describe("dYdX YFI 2023 / Hyperliquid JELLY 2025: concentration summed over linked accounts", () => {
  async function jelly() {
    const e = await engine({ JELLY: { index: 0.05, vol: 2 } }, { "JELLY_USDC-PERPETUAL": { mark: 0.05 } });
    await ok(e, { type: "tick", asset: "JELLY", ts: T0 + 1, index: 0.05, instruments: { "JELLY_USDC-PERPETUAL": { openInterest: 100_000_000, depthUsd: 10_000_000 } } });
    for (const id of ["w1", "w2", "w3", "solo"]) {
      await ok(e, { type: "account", account: id, owner: id === "solo" ? "solo" : "whale" });
      await ok(e, { type: "deposit", account: id, asset: "USDC", amount: "350000" });
      await ok(e, { type: "fill", account: id, instrument: "JELLY_USDC-PERPETUAL", size: "-15000000", price: 0.05 });
    }
    return e;
  }
  it("three linked accounts at 15 % of OI each pay the 45 % rate; an unlinked one the 15 % rate", async () => {
    const e = await jelly();
    const p = e.state.service.concentration;
    const linkedRate = Math.min(p.cap, p.slope * (0.45 - p.threshold));
    const soloRate = Math.min(p.cap, p.slope * (0.15 - p.threshold));
    expect(e.margins.get("w1")!.concentrationAddOn).toBeCloseTo(linkedRate * 15_000_000 * 0.05, 6);
    expect(e.margins.get("w3")!.concentrationAddOn).toBeCloseTo(linkedRate * 750_000, 6);
    expect(e.margins.get("solo")!.concentrationAddOn).toBeCloseTo(soloRate * 750_000, 6);
    expect(linkedRate).toBeCloseTo(0.175, 12);
    const d = e.detail("w1")!;
    expect(e.margins.get("w1")!.initialMargin).toBeCloseTo(d.result!.initialMargin + linkedRate * 750_000, 6);
  });
  it("the pre-trade check refuses the whale adding 5M more, but not the unlinked account", async () => {
    const e = await jelly();
    const whale = preTradeCheck(e, "w1", "JELLY_USDC-PERPETUAL", "-5000000");
    const solo = preTradeCheck(e, "solo", "JELLY_USDC-PERPETUAL", "-5000000");
    expect(whale.ok && solo.ok).toBe(true);
    if (!whale.ok || !solo.ok) return;
    expect(whale.value.ok, JSON.stringify(whale.value.after)).toBe(false);
    expect(solo.value.ok, JSON.stringify(solo.value.after)).toBe(true);
    expect(whale.value.after.concentrationAddOn).toBeCloseTo(Math.min(0.5, 0.5 * (0.5 - 0.1)) * 1_000_000, 6);
  });
  it("concentrationRate: beyond the book depth counts too", () => {
    expect(concentrationRate(1, 3_000_000, { depthUsd: 1_000_000 }, { threshold: 0.1, slope: 0.5, cap: 0.5 }).rate).toBe(0.5);
    expect(concentrationRate(1, 1_200_000, { depthUsd: 1_000_000 }, { threshold: 0.1, slope: 0.5, cap: 0.5 }).rate).toBeCloseTo(0.1, 12);
    expect(concentrationRate(5, 100, {}, { threshold: 0.1, slope: 0.5, cap: 0.5 }).rate).toBe(0);
  });
});

describe("Binance USDe 2025-10-10: wrapped collateral off a single thin book", () => {
  const P = { redemption: 1, floor: 0.95, minDepthUsd: 1_000_000, minSources: 2 };
  it("the 0.6567 print on one thin book is ignored; a 1.30 pump is capped at redemption; a deep depeg floors", () => {
    const usdt = 0.9995;
    const crash = wrappedCollateralPrice([{ source: "binance", price: 0.6567, depthUsd: 300_000 }, { source: "curve", price: 0.9985, depthUsd: 40_000_000 }, { source: "bybit", price: 0.998, depthUsd: 5_000_000 }], usdt, P);
    expect(crash.price).toBeCloseTo(0.99825, 12);
    expect(crash.ignored.map((i) => i.source)).toEqual(["binance"]);
    const pump = wrappedCollateralPrice([{ source: "a", price: 1.3, depthUsd: 2e6 }, { source: "b", price: 1.01, depthUsd: 2e6 }, { source: "c", price: 1.0, depthUsd: 2e6 }], usdt, P);
    expect(pump).toMatchObject({ price: usdt, basis: "redemption" });
    const one = wrappedCollateralPrice([{ source: "binance", price: 0.6567, depthUsd: 5e7 }], usdt, P);
    expect(one).toMatchObject({ price: usdt, basis: "redemption", market: null });
    const depeg = wrappedCollateralPrice([{ source: "a", price: 0.8, depthUsd: 2e6 }, { source: "b", price: 0.82, depthUsd: 2e6 }], usdt, P);
    expect(depeg).toMatchObject({ basis: "floor" });
    expect(depeg.price).toBeCloseTo(0.95 * usdt, 12);
  });
  it("through the ingest: the account backed by USDE stays healthy; marked at the thin book it would not", async () => {
    const mk = async () => {
      const e = await engine({ USDE: { index: 1 } });
      await ok(e, { type: "account", account: "basis-trader" });
      await ok(e, { type: "deposit", account: "basis-trader", asset: "USDE", amount: "100000" });
      await ok(e, { type: "fill", account: "basis-trader", instrument: "BTC-PERPETUAL", size: "400000", price: 92050 });
      return e;
    };
    const e = await mk();
    expect(e.margins.get("basis-trader")!.status).toBe("healthy");
    const ingest = new MarketIngest(e, { USDE: { underlying: "USDT", ...P } });
    ingest.price({ source: "binance", asset: "USDE", price: 0.6567, ts: T0 + 1000 }, 300_000);
    ingest.price({ source: "curve", asset: "USDE", price: 0.9985, ts: T0 + 1000 }, 40_000_000);
    ingest.price({ source: "bybit", asset: "USDE", price: 0.998, ts: T0 + 1000 }, 5_000_000);
    await ingest.flush();
    expect(e.state.market!.assets.USDE.index).toBeCloseTo(0.99825, 12);
    expect(e.margins.get("basis-trader")!.status).toBe("healthy");
    const naive = await mk();
    await ok(naive, { type: "tick", asset: "USDE", ts: T0 + 1000, index: 0.6567 });
    expect(naive.margins.get("basis-trader")!.status).not.toBe("healthy");
  });
});
