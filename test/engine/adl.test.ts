/**
 * Auto-deleveraging in the engine: a deficit the insurance fund cannot cover is taken from the most
 * profitable × leveraged opposite position, exactly, logged as `adl` events that a replay applies the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits, toUnits } from "../../src/domain/money.js";
import { serializeState } from "../../src/engine/state.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");
const units = (s: string) => toUnits(s)!;

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason}`);
  return r.seq;
}

/** bust: short 1 BTC linear perp on 15,000 USDC; winner (on 20,000) and calm (on 200,000) long it; empty fund. */
async function setup(opts: { adl?: boolean } = {}) {
  const store = openSqliteStore(":memory:", { sync: "normal" });
  const e = await Engine.open(store, { liquidation: { adl: opts.adl } });
  await ok(e, { type: "market", snapshot: MARKET });
  for (const [id, usdc, size] of [["bust", "15000", "-1"], ["winner", "20000", "1"], ["calm", "200000", "1"]] as const) {
    await ok(e, { type: "account", account: id });
    await ok(e, { type: "deposit", account: id, asset: "USDC", amount: usdc });
    await ok(e, { type: "fill", account: id, instrument: "BTC_USDC-PERPETUAL", size, price: 92000 });
  }
  const seq = await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 110000, instruments: { "BTC_USDC-PERPETUAL": { mark: 110000 } } });
  const log = (await e.store.readEvents(seq + 1, 100)).map((x) => x.event as Record<string, any>);
  return { e, store, log };
}

describe("auto-deleveraging in the engine", () => {
  it("the deficit beyond the fund is paid by the highest profit × leverage long, at mark, exactly; the bankrupt ends at 0 owed", async () => {
    const { e, log } = await setup();
    const adl = log.filter((x) => x.type === "adl");
    const end = log.find((x) => x.type === "liquidation_end" && x.account === "bust")!;
    expect(end.outcome).toBe("bankrupt");
    expect(end.deficitUsd, "the fund covered only part of the deficit").toBeGreaterThan(Number(end.fundCover));
    expect(adl.length).toBeGreaterThan(0);
    // winner: profit 18,000 at leverage 110,000 / 38,000 ≈ 2.9 beats calm: the same profit at 110,000 / 218,000 ≈ 0.5
    expect(adl[0]).toMatchObject({ account: "winner", bankrupt: "bust", instrument: "BTC_USDC-PERPETUAL", price: 110000, cashAsset: "USDC" });
    const paid = adl.reduce((t, x) => t + units(x.amount), 0n);
    expect(end.adlCover).toBe(formatUnits(paid));
    expect(end.uncoveredUsd).toBeLessThan(1e-6);
    // each ADL fill realises exactly the profit it pays: size × (110,000 − 92,000) USDC
    for (const x of adl) expect(units(x.amount)).toBe(units((-Number(x.size) * 18000).toFixed(12)));
    // winner's cash is unchanged (profit realised, then paid over); its long shrank by the ADL size
    const w = e.state.accounts.get("winner")!;
    expect(formatUnits(w.balances.get("USDC")!)).toBe("20000");
    expect(formatUnits(w.positions.get("BTC_USDC-PERPETUAL")!.size)).toBe(formatUnits(units("1") + adl.filter((x) => x.account === "winner").reduce((t, x) => t + units(x.size), 0n)));
    // the bankrupt account owes nothing: its USDC is ≥ 0 and below one cent
    const b = e.state.accounts.get("bust")!;
    expect(b.positions.size).toBe(0);
    const usdc = b.balances.get("USDC") ?? 0n;
    expect(usdc >= 0n && usdc < units("0.01"), formatUnits(usdc)).toBe(true);
    expect(e.counters.adlFills).toBe(adl.length);
    // the record keeps the ADL fills
    expect(e.state.liquidations.find((r) => r.account === "bust")?.adl?.map((f) => f.account)).toEqual(adl.map((x) => x.account));
  });

  it("a replay of the log (no snapshot) rebuilds the same state to the last unit", async () => {
    const { e, store } = await setup();
    const fresh = await Engine.open(store);
    expect(serializeState(fresh.state)).toBe(serializeState(e.state));
  });

  it("with ADL off, the deficit stays as the bankrupt account's negative balance and uncoveredUsd says how much", async () => {
    const { e, log } = await setup({ adl: false });
    expect(log.some((x) => x.type === "adl")).toBe(false);
    const end = log.find((x) => x.type === "liquidation_end" && x.account === "bust")!;
    expect(end.uncoveredUsd).toBeGreaterThan(1000);
    expect(Number(formatUnits(e.state.accounts.get("bust")!.balances.get("USDC") ?? 0n))).toBeCloseTo(-end.uncoveredUsd, 6);
  });

  it("clients cannot submit adl events (derived)", async () => {
    const { e } = await setup();
    const r = await e.submit({ type: "adl", account: "winner", bankrupt: "bust", instrument: "BTC_USDC-PERPETUAL", size: "-0.1", price: 110000, cashAsset: "USDC", rates: {}, amount: "1800" });
    expect(!r.ok && r.status).toBe(400);
  });
});
