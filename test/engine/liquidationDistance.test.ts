/** Distance to liquidation per underlying (src/engine/liquidationDistance.ts) against reverse stress and the margin itself. */
import { describe, expect, it } from "vitest";
import { toMarket } from "../../src/api.js";
import { reverseStress } from "../../src/analytics/reverseStress.js";
import { pinEntryPrices } from "../../src/analytics/stress.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { liquidationDistance, scanMoves, shockedMarket } from "../../src/engine/liquidationDistance.js";
import { marketStateFrom } from "../../src/engine/marketState.js";
import { loadPreset } from "../../src/input/presets.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { marginWith } from "../../src/margin/computeMargin.js";
import { repoJson } from "../helpers/shared.js";

const snapshot = toMarket(repoJson("examples/market.json"));
const params = loadPreset("deribit");
const market = marketStateFrom(snapshot);
const ctx = new IncrementalRiskContext(market, params).context();
function book(name: string, edit: (b: any) => void = () => undefined): Portfolio {
  const raw = repoJson<any>(`examples/books/${name}.json`);
  edit(raw);
  const p = parsePortfolio(raw);
  if (!p.ok) throw new Error(JSON.stringify(p.issues));
  return pinEntryPrices(snapshot, p.value);
}
const liquidatedAt = (pf: Portfolio, u: string, m: number): boolean => {
  const shocked = marketStateFrom({ ...snapshot, assets: shockedMarket(market, u, 1 + m, Object.keys(snapshot.instruments).filter((n) => n.startsWith(`${u}-`) && !/-[CP]$/.test(n))).assets, instruments: shockedMarket(market, u, 1 + m, Object.keys(snapshot.instruments).filter((n) => n.startsWith(`${u}-`) && !/-[CP]$/.test(n))).instruments });
  const r = marginWith(new IncrementalRiskContext(shocked, params).context(), pf, "portfolio");
  if (!r.ok) throw new Error(r.reason);
  return r.value.adjustedEquity < r.value.maintenanceMargin || r.value.equity < 0;
};

describe("liquidationDistance", () => {
  it("scans 2.5 % steps to 30 %, 5 % beyond, ending at the limit", () => {
    const s = scanMoves(0.95);
    expect(s.slice(0, 3)).toEqual([0.025, 0.05, 0.075]);
    expect(s).toContain(0.3);
    expect(s).toContain(0.35);
    expect(s).not.toContain(0.325);
    expect(s[s.length - 1]).toBe(0.95);
    expect(s.length).toBe(12 + 13);
    expect(scanMoves(1).length).toBe(12 + 14);
  });

  it("equals dpm stress --reverse in the directions {BTC: −1} (naked short put, −15.81 %) and {BTC: +1} (hedged straddle, +11.81 %)", () => {
    for (const [name, side, want] of [["naked-short-put", "down", -0.1581], ["short-straddle-hedged", "up", 0.1181]] as const) {
      const pf = book(name);
      const d = liquidationDistance(market, ctx, pf);
      if (!d.ok) throw new Error(d.reason);
      const rs = reverseStress(snapshot, params, "USD", pf, "portfolio", { BTC: side === "down" ? -1 : 1 });
      if (!rs.ok) throw new Error(rs.reason);
      const m = d.value.byUnderlying.BTC[side];
      expect(m, name).not.toBeNull();
      expect(m!).toBeCloseTo(want, 3);
      expect(Math.abs(m!)).toBeCloseTo(rs.value.liquidation!.distance, 3);
      // the crossing is real: liquidated at the move, not 0.02 % before it
      expect(liquidatedAt(pf, "BTC", m!)).toBe(true);
      expect(liquidatedAt(pf, "BTC", m! - Math.sign(m!) * 2e-4)).toBe(false);
      expect(d.value.byUnderlying.BTC.index).toBe(snapshot.assets.BTC.index);
    }
    // a put credit spread's loss is capped below its equity: no move liquidates it (reverse stress: not reached)
    const pcs = liquidationDistance(market, ctx, book("put-credit-spread"));
    expect(pcs.ok && pcs.value.byUnderlying.BTC).toMatchObject({ down: null, up: null });
  });

  it("both directions and the nearest one; a move the other way that never liquidates is null", () => {
    // a naked long perpetual with little collateral: liquidated by a fall, never by a rise
    const pf = book("naked-short-put", (b) => { b.collateral = { USDC: 20000 }; b.positions = [{ instrument: "BTC-PERPETUAL", size: 100000 }]; });
    const d = liquidationDistance(market, ctx, pf);
    if (!d.ok) throw new Error(d.reason);
    const btc = d.value.byUnderlying.BTC;
    expect(btc.up).toBeNull();
    expect(btc.down!).toBeLessThan(-0.05);
    expect(btc.down!).toBeGreaterThan(-0.2);
    expect(d.value.nearest).toEqual({ underlying: "BTC", move: btc.down });
    expect(liquidatedAt(pf, "BTC", btc.down!)).toBe(true);
    expect(liquidatedAt(pf, "BTC", btc.down! + 2e-4)).toBe(false);
    expect(d.value.probes).toBeGreaterThan(26); // the whole way up, the way down to the crossing, the bisection
  });

  it("one underlying at a time on a multi-asset book; the MM add-on moves the distance closer; an account in liquidation is at 0", () => {
    const pf = book("multi-asset");
    const d = liquidationDistance(market, ctx, pf);
    if (!d.ok) throw new Error(d.reason);
    expect(Object.keys(d.value.byUnderlying).sort()).toEqual(["BTC", "ETH", "SOL"]);
    const withAddOn = liquidationDistance(market, ctx, pf, 150_000);
    if (!withAddOn.ok) throw new Error(withAddOn.reason);
    const n0 = Math.abs(d.value.nearest?.move ?? 1), n1 = Math.abs(withAddOn.value.nearest?.move ?? 1);
    expect(n1).toBeLessThan(n0);
    const broke = liquidationDistance(market, ctx, pf, 1e9);
    if (!broke.ok) throw new Error(broke.reason);
    expect(broke.value.nearest?.move).toBe(0);
    expect(broke.value.probes).toBe(1);
  });
});
