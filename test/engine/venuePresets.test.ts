/**
 * The service under a venue's method: a `params` event naming a preset re-margins every account with that
 * venue's method, and the engine's figures equal the library's for the same book and market.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { loadPreset } from "../../src/input/presets.js";
import { Engine } from "../../src/engine/engine.js";
import { snapshotOf } from "../../src/engine/marketState.js";
import { toPortfolio } from "../../src/engine/state.js";
import { marginWith, prepareContext } from "../../src/margin/computeMargin.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");

async function ok(e: Engine, ev: unknown): Promise<void> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason}`);
}

describe.each(["okx", "span", "deribit-cross"])("engine under the %s preset", (preset) => {
  it("every account's IM and MM equal marginWith on the same book and market, before and after a tick", async () => {
    const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }), { liquidation: { enabled: false } });
    await ok(e, { type: "market", snapshot: MARKET });
    await ok(e, { type: "params", preset });
    const books: Record<string, [string, string][]> = {
      spread: [["BTC-27DEC24-85000-P", "-10"], ["BTC-27DEC24-80000-P", "10"]],
      carry: [["BTC_USDC-PERPETUAL", "2"], ["BTC-27DEC24", "-184000"]],
      multi: [["ETH_USDC-PERPETUAL", "-20"], ["BTC_USDC-PERPETUAL", "1"], ["SOL_USDC-27DEC24-200-P", "-50"]],
    };
    for (const [id, legs] of Object.entries(books)) {
      await ok(e, { type: "account", account: id });
      await ok(e, { type: "deposit", account: id, asset: "USDC", amount: "500000" });
      for (const [inst, size] of legs) await ok(e, { type: "fill", account: id, instrument: inst, size, price: inst.endsWith("-P") || inst.endsWith("-C") ? (inst.includes("_USDC") ? 5 : 0.02) : inst.startsWith("ETH") ? 3100 : inst.startsWith("SOL") ? 240 : 92000 });
    }
    const check = (tol: number) => {
      const ctx = prepareContext(snapshotOf(e.state.market!), loadPreset(preset));
      if (!ctx.ok) throw new Error(ctx.reason);
      for (const id of Object.keys(books)) {
        const want = marginWith(ctx.value, toPortfolio(e.state.accounts.get(id)!), "portfolio");
        if (!want.ok) throw new Error(want.reason);
        const got = e.margins.get(id)!;
        expect(got.error, id).toBeUndefined();
        // After a BTC tick the engine values each underlying at its own latest time (marketState.ts), the
        // snapshot at one asOf (60 s more decay for the ETH/SOL legs): 1e-6 relative then, exact before.
        expect(Math.abs(got.maintenanceMargin / want.value.maintenanceMargin - 1), `${preset} ${id} MM ${got.maintenanceMargin} vs ${want.value.maintenanceMargin}`).toBeLessThan(tol);
        // no liquidity data and no stable price here, so the engine adds no concentration or stable-price add-on
        expect(got.concentrationAddOn + got.stableAddOn).toBe(0);
        expect(Math.abs(got.initialMargin / want.value.initialMargin - 1), `${preset} ${id} IM`).toBeLessThan(tol);
      }
    };
    check(1e-12);
    await ok(e, { type: "tick", asset: "BTC", ts: T0 + 60_000, index: 88000, instruments: { "BTC_USDC-PERPETUAL": { mark: 88000 }, "BTC-27DEC24": { mark: 88500 } } });
    check(1e-6);
  });
});
