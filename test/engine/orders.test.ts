/**
 * Resting orders in the engine: placed (IM check), margined in IM (not MM), consumed by fills naming them,
 * cancelled, kept exactly in snapshots and replays, and cancelled first when the account is liquidated.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { formatUnits } from "../../src/domain/money.js";
import { deserializeState, serializeState } from "../../src/engine/state.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");
const PERP = "BTC_USDC-PERPETUAL";

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason}`);
  return r.seq;
}

async function account(usdc: string) {
  const store = openSqliteStore(":memory:", { sync: "normal" });
  const e = await Engine.open(store);
  await ok(e, { type: "market", snapshot: MARKET });
  await ok(e, { type: "account", account: "o" });
  await ok(e, { type: "deposit", account: "o", asset: "USDC", amount: usdc });
  await ok(e, { type: "fill", account: "o", instrument: PERP, size: "1", price: 92000 });
  return { e, store };
}

describe("resting orders in the engine", () => {
  it("an order that would raise IM above adjusted equity is refused (409); a smaller one rests and raises IM only", async () => {
    const { e } = await account("20000");
    const m0 = e.margins.get("o")!;
    const big = await e.submit({ type: "order", account: "o", orderId: "b1", instrument: PERP, size: "0.5", price: 91000 });
    expect(!big.ok && big.status).toBe(409);
    expect(!big.ok && big.reason).toMatch(/raise initial margin to [\d.]+, above adjusted equity/);
    await ok(e, { type: "order", account: "o", orderId: "b2", instrument: PERP, size: "0.1", price: 91000 });
    const m1 = e.margins.get("o")!;
    expect(m1.initialMargin).toBeGreaterThan(m0.initialMargin * 1.05);
    expect(m1.maintenanceMargin).toBe(m0.maintenanceMargin);
    expect(m1.adjustedEquity).toBe(m0.adjustedEquity);
    // a sell that would close the position does not raise IM: accepted even near the limit
    await ok(e, { type: "order", account: "o", orderId: "s1", instrument: PERP, size: "-1", price: 93000 });
    expect(e.margins.get("o")!.initialMargin).toBeCloseTo(m1.initialMargin, 9);
    const dup = await e.submit({ type: "order", account: "o", orderId: "b2", instrument: PERP, size: "0.1", price: 91000 });
    expect(!dup.ok && dup.reason).toMatch(/already open/);
  });

  it("fills naming the order consume it exactly (other side / too much refused); cancel removes it and IM returns", async () => {
    const { e, store } = await account("20000");
    const m0 = e.margins.get("o")!;
    await ok(e, { type: "order", account: "o", orderId: "b", instrument: PERP, size: "0.1", price: 91000 });
    await ok(e, { type: "fill", account: "o", instrument: PERP, size: "0.04", price: 91000, orderId: "b" });
    const a = e.state.accounts.get("o")!;
    expect(formatUnits(a.orders!.get("b")!.size)).toBe("0.06");
    expect(formatUnits(a.positions.get(PERP)!.size)).toBe("1.04");
    const wrongSide = await e.submit({ type: "fill", account: "o", instrument: PERP, size: "-0.01", price: 91000, orderId: "b" });
    expect(!wrongSide.ok && wrongSide.reason).toMatch(/other side/);
    const tooMuch = await e.submit({ type: "fill", account: "o", instrument: PERP, size: "0.07", price: 91000, orderId: "b" });
    expect(!tooMuch.ok && tooMuch.reason).toMatch(/more than order b has left/);
    // snapshot round trip and a replay keep the order exactly
    expect(serializeState(deserializeState(serializeState(e.state)))).toBe(serializeState(e.state));
    expect(serializeState((await Engine.open(store)).state)).toBe(serializeState(e.state));
    await ok(e, { type: "cancel", account: "o", orderId: "b" });
    expect(e.state.accounts.get("o")!.orders).toBeUndefined();
    const unknown = await e.submit({ type: "cancel", account: "o", orderId: "b" });
    expect(!unknown.ok && unknown.status).toBe(409);
    // the position grew by 0.04: IM is the position's again, with no order add-on
    const ctxFree = e.margins.get("o")!;
    expect(ctxFree.initialMargin).toBeGreaterThan(m0.initialMargin);
    expect(ctxFree.initialMargin).toBeLessThan(m0.initialMargin * 1.05);
    await ok(e, { type: "order", account: "o", orderId: "full", instrument: PERP, size: "0.02", price: 91000 });
    await ok(e, { type: "fill", account: "o", instrument: PERP, size: "0.02", price: 91000, orderId: "full" });
    expect(e.state.accounts.get("o")!.orders).toBeUndefined();
  });

  it("liquidation cancels the account's resting orders first, in the same logged sequence", async () => {
    const { e } = await account("16000");
    await ok(e, { type: "order", account: "o", orderId: "r", instrument: PERP, size: "-0.1", price: 95000 });
    const seq = await ok(e, { type: "tick", asset: "BTC", ts: T0 + 1000, index: 85000, instruments: { [PERP]: { mark: 85000 } } });
    const log = (await e.store.readEvents(seq + 1, 50)).map((x) => x.event as { type: string; orderId?: string });
    const start = log.findIndex((x) => x.type === "liquidation_start");
    expect(start).toBeGreaterThanOrEqual(0);
    expect(log[start + 1]).toMatchObject({ type: "cancel", orderId: "r" });
    expect(log[start + 2].type).toBe("liquidation_step");
    expect(e.state.accounts.get("o")!.orders).toBeUndefined();
  });
});
