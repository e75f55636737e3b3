/**
 * The engine-side kernel adapter against `accountMargin`: for random engine states (owners with several
 * accounts, exact balances including debts, positions with entry prices, resting orders) and random tick
 * sequences applied with `applyTick` (index, vol, marks and IVs, oracle stable prices, open interest and book
 * depth), every account's AccountMargin from the adapter equals accountMargin's (contributions off, as the tick
 * path): IM, MM, equity, adjusted equity, status, add-ons, unrealised P&L and Greeks, bit for bit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instrumentNamed } from "../../src/domain/instrument.js";
import { accountMargin, type AccountMargin } from "../../src/engine/accountMargin.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { KernelMargins } from "../../src/engine/kernelMargins.js";
import { applyTick, stableView } from "../../src/engine/marketState.js";
import { toUnits } from "../../src/domain/money.js";
import type { OrderState } from "../../src/engine/orders.js";
import { emptyState, type AccountState, type EngineState } from "../../src/engine/state.js";
import { loadPreset } from "../../src/input/presets.js";
import type { MarginParams } from "../../src/margin/params.js";
import { applyRandomTick, correlated, deribit, specArb, syntheticState, tickArb, type TickSpec } from "../margin/kernelHelpers.js";
import type { KernelAccountSpec } from "../../src/margin/kernel/index.js";

const units = (x: number): bigint => toUnits(Math.round(x * 1e6) / 1e6) ?? 0n;

function accountOf(id: string, owner: string, spec: KernelAccountSpec): AccountState {
  const balances = new Map<string, bigint>();
  for (const [a, v] of Object.entries(spec.collateral)) if (units(v) !== 0n) balances.set(a, units(v));
  const positions = new Map<string, { size: bigint; entryPrice?: number }>();
  for (const p of spec.positions) {
    const inst = instrumentNamed(p.instrument)!;
    if (inst.kind === "spot" || units(p.size) === 0n) continue;
    positions.set(p.instrument, p.entryPrice !== undefined ? { size: units(p.size), entryPrice: p.entryPrice } : { size: units(p.size) });
  }
  const a: AccountState = { id, owner, balances, positions, status: "none" };
  if (spec.openOrders.length > 0) {
    const orders = new Map<string, OrderState>();
    spec.openOrders.forEach((o, i) => { if (units(o.size) !== 0n) orders.set(`o${i}`, { instrument: o.instrument, size: units(o.size), price: 1 }); });
    a.orders = orders;
  }
  return a;
}

/** Extra tick fields: an oracle stable price and liquidity data for some instruments of the asset. */
const extrasArb = fc.record({
  stable: fc.option(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { nil: undefined }),
  liquidity: fc.option(fc.record({ oi: fc.double({ min: 1, max: 500, noNaN: true }), depth: fc.double({ min: 1e4, max: 1e7, noNaN: true }) }), { nil: undefined }),
});

class Harness {
  readonly s: EngineState = emptyState();
  private live: IncrementalRiskContext;
  private im: IncrementalRiskContext | undefined;
  readonly km: KernelMargins;

  constructor(readonly params: MarginParams, specs: KernelAccountSpec[]) {
    this.s.params = params;
    this.s.market = syntheticState();
    specs.forEach((sp, i) => { const id = `a${i}`; this.s.accounts.set(id, accountOf(id, `o${i % 3}`, sp)); });
    this.live = new IncrementalRiskContext(this.s.market, params);
    this.km = new KernelMargins(params);
    this.km.reset(this.s, this.ctx(), this.imCtx());
  }

  ctx() { return this.live.context(); }
  imCtx() { return this.im?.context(); }

  tick(t: TickSpec, x: { stable?: number; liquidity?: { oi: number; depth: number } }): void {
    const m = this.s.market!;
    const e = applyRandomTick(m, t);
    if (x.stable !== undefined) m.oracle[t.asset] = { ...m.oracle[t.asset], stable: e.index * (1 + x.stable) };
    if (x.liquidity) for (const name of Object.keys(m.instruments)) if (instrumentNamed(name)?.underlying === t.asset) m.liquidity[name] = { openInterest: x.liquidity.oi, depthUsd: x.liquidity.depth };
    this.live.invalidate([t.asset], m, this.params);
    const sv = stableView(m);
    if (!sv) this.im = undefined;
    else if (!this.im) this.im = new IncrementalRiskContext(sv, this.params);
    else this.im.invalidate([t.asset], sv, this.params);
    this.km.marketMoved([t.asset], m, this.ctx(), this.imCtx());
    this.km.remargin(this.s, this.s.accounts.keys(), [t.asset], this.ctx(), this.imCtx());
  }

  /** After a tick applied to the market outside `tick`. */
  tickApplied(asset: string): void {
    const m = this.s.market!;
    this.live.invalidate([asset], m, this.params);
    this.km.marketMoved([asset], m, this.ctx(), this.imCtx());
    this.km.remargin(this.s, this.s.accounts.keys(), [asset], this.ctx(), this.imCtx());
  }

  change(id: string, spec: KernelAccountSpec): void {
    const old = this.s.accounts.get(id)!;
    this.s.accounts.set(id, accountOf(id, old.owner, spec));
    this.km.accountChanged(this.s.accounts.get(id)!);
    // The engine re-margins the touched account and its owner's linked accounts.
    const ids = [...this.s.accounts.values()].filter((a) => a.owner === old.owner).map((a) => a.id);
    this.km.remargin(this.s, ids, [], this.ctx(), this.imCtx());
  }

  check(msg: string): void {
    for (const a of this.s.accounts.values()) {
      const linked = [...this.s.accounts.values()].filter((x) => x.owner === a.owner).map((x) => x.id);
      const want = accountMargin(this.s, this.ctx(), a, linked, this.imCtx(), undefined, false).summary;
      const got = this.km.summary(this.s, a.id);
      expect(got, `${msg} ${a.id}`).toEqual(want);
      if (want.stableAddOn > 0) seen.stableAddOn++;
      if (want.concentrationAddOn > 0) seen.concentrationAddOn++;
      if (want.error) seen.error++;
      if (want.liquidationHold) seen.hold++;
      if (a.orders && a.orders.size > 0) seen.orders++;
      seen.statuses.add(want.status);
      expect(this.km.statusOf(a.id)).toBe(want.status);
      const n = this.km.numbers(a.id)!;
      expect([n.status, n.initialMargin, n.maintenanceMargin, n.adjustedEquity, n.error]).toEqual([want.status, want.initialMargin, want.maintenanceMargin, want.adjustedEquity, want.error]);
      expect(this.km.inLiquidation(a.id)).toBe(!want.error && (want.status === "liquidation" || want.status === "bankrupt"));
    }
  }
}

const strip = (m: AccountMargin | undefined) => m && JSON.stringify(m);
/** What the random runs exercised (asserted at the end, so the property cannot pass vacuously). */
const seen = { stableAddOn: 0, concentrationAddOn: 0, error: 0, hold: 0, orders: 0, statuses: new Set<string>() };

describe("KernelMargins = accountMargin (fast-check)", () => {
  for (const [name, params] of [["deribit", deribit], ["correlated", correlated]] as const) {
    it(`random engine states and tick sequences (${name})`, () => {
      const step = fc.tuple(tickArb, extrasArb, fc.option(fc.tuple(fc.nat(), specArb), { nil: undefined }));
      fc.assert(fc.property(fc.array(specArb, { minLength: 1, maxLength: 7 }), fc.array(step, { maxLength: 8 }), (specs, steps) => {
        const h = new Harness(params, specs);
        h.check("initial");
        steps.forEach(([t, x, change], i) => {
          if (change) h.change(`a${change[0] % specs.length}`, change[1]);
          h.tick(t, x);
          h.check(`after step ${i} (${t.asset})`);
        });
      }), { numRuns: 80 });
    });
  }

  it("the random runs exercised both add-ons, orders, holds and every status", () => {
    expect(seen.stableAddOn).toBeGreaterThan(0);
    expect(seen.concentrationAddOn).toBeGreaterThan(0);
    expect(seen.orders).toBeGreaterThan(0);
    expect([...seen.statuses].sort()).toEqual(["bankrupt", "healthy", "liquidation", "margin_call"]);
  });

  it("the summary is JSON-identical (key order included)", () => {
    const h = new Harness(deribit, [
      { collateral: { USDC: 1e5, BTC: 2 }, positions: [{ instrument: "BTC-PERPETUAL", size: 50_000, entryPrice: 90_000 }, { instrument: "ETH-28MAR25-3100-C", size: -2, entryPrice: 0.05 }], openOrders: [] },
    ]);
    const a = h.s.accounts.get("a0")!;
    expect(strip(h.km.summary(h.s, "a0"))).toBe(strip(accountMargin(h.s, h.ctx(), a, ["a0"], h.imCtx(), undefined, false).summary));
  });

  it("an account the kernel cannot margin (an expired option before its expiry event) carries accountMargin's error", () => {
    const h = new Harness(deribit, [
      { collateral: { USDC: 1e5 }, positions: [{ instrument: "BTC-29NOV24-92000-C", size: -1 }], openOrders: [] },
      { collateral: { USDC: 1e5 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1000 }], openOrders: [] },
    ]);
    const m = h.s.market!;
    applyTick(m, { type: "tick", asset: "BTC", ts: Date.parse("2024-11-29T09:00:00Z"), index: 95_000 });
    h.tickApplied("BTC");
    const got = h.km.summary(h.s, "a0");
    expect(got?.error).toMatch(/expired/);
    h.check("expired");
  });

  it("presets the kernel does not serve go through accountMargin for every account", () => {
    const okx = loadPreset("okx");
    const h = new Harness(okx, [{ collateral: { USDC: 1e5 }, positions: [{ instrument: "BTC-PERPETUAL", size: 10_000 }], openOrders: [] }]);
    expect(h.km.served).toBe(false);
    h.check("okx");
  });
});
