/**
 * The margin kernel against the explanation path: for random books and random tick streams the kernel's IM,
 * MM, equity, adjusted equity and status equal `portfolioMargin`'s (asserted bit for bit, which implies the
 * documented 1e-9 relative), under every preset the kernel serves (deribit; a correlation variant). Plus slot
 * assignment, cache invalidation and what the kernel does not serve.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { loadPreset, presetNames } from "../../src/input/presets.js";
import { kernelServes, MarginKernel, STATUS_NAMES, type KernelAccountSpec } from "../../src/margin/kernel/index.js";
import { A_USTART, A_UCOUNT, U_ASSET, U_SCOUNT, U_TOTAL, U_UPCOUNT, U_UPSTART, U_Q, X_SLOT } from "../../src/margin/kernel/positionStore.js";
import type { MarginParams } from "../../src/margin/params.js";
import { haircutUsd } from "../../src/margin/haircut.js";
import { UnitKernel } from "../../src/margin/kernel/unitKernel.js";
import { portfolioMargin } from "../../src/margin/portfolioModel.js";
import type { RiskContext } from "../../src/margin/riskContext.js";
import { applyRandomTick, correlated, deribit, portfolioOf, specArb, syntheticState, tickArb } from "./kernelHelpers.js";

function expectSame(k: MarginKernel, a: number, ctx: RiskContext, spec: KernelAccountSpec, msg: string): void {
  const r = portfolioMargin(ctx, portfolioOf(`a${a}`, spec), false);
  const res = k.results;
  if (!r.ok) {
    expect(STATUS_NAMES[res.status[a]], `${msg}: ${r.reason}`).toBe("error");
    return;
  }
  const v = r.value;
  const got = { equity: res.equity[a], adjustedEquity: res.adjusted[a], initialMargin: res.im[a], maintenanceMargin: res.mm[a], status: STATUS_NAMES[res.status[a]] };
  const want = { equity: v.equity, adjustedEquity: v.adjustedEquity, initialMargin: v.initialMargin, maintenanceMargin: v.maintenanceMargin, status: v.status };
  expect(got, `${msg} account ${a}: ${JSON.stringify(spec)}`).toEqual(want);
}

const PARAMS: Record<string, MarginParams> = { deribit, correlated };

describe("kernel = portfolioMargin (fast-check)", () => {
  for (const [name, params] of Object.entries(PARAMS)) {
    it(`random books, random tick streams (${name})`, () => {
      fc.assert(fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(tickArb, fc.option(fc.tuple(fc.nat(), specArb), { nil: undefined })), { maxLength: 8 }), (specs, stream) => {
        const market = syntheticState();
        const inc = new IncrementalRiskContext(market, params);
        const k = new MarginKernel(params);
        const live = specs.slice();
        live.forEach((s, a) => k.setAccount(a, s));
        k.refresh(inc.context(), null);
        k.remarginDirty();
        live.forEach((s, a) => expectSame(k, a, inc.context(), s, "initial"));
        stream.forEach(([t, change], step) => {
          if (change) { const a = change[0] % live.length; live[a] = change[1]; k.setAccount(a, change[1]); }
          applyRandomTick(market, t);
          inc.invalidate([t.asset], market, params);
          k.refresh(inc.context(), [t.asset]);
          k.remarginAssets([t.asset]);
          // Accounts not depending on the asset keep their results; all must still equal a fresh evaluation.
          const fresh = new IncrementalRiskContext(market, params).context();
          live.forEach((s, a) => expectSame(k, a, fresh, s, `after tick ${step} on ${t.asset}`));
        });
      }), { numRuns: 120 });
    });
  }
});

const spec = (positions: [string, number][], collateral: Record<string, number> = { USDC: 1e6 }, openOrders: [string, number][] = []): KernelAccountSpec => ({
  collateral, positions: positions.map(([instrument, size]) => ({ instrument, size })), openOrders: openOrders.map(([instrument, size]) => ({ instrument, size })),
});

function kernelOn(params: MarginParams, specs: KernelAccountSpec[]): { k: MarginKernel; inc: IncrementalRiskContext; market: ReturnType<typeof syntheticState> } {
  const market = syntheticState();
  const inc = new IncrementalRiskContext(market, params);
  const k = new MarginKernel(params);
  specs.forEach((s, a) => k.setAccount(a, s));
  k.refresh(inc.context(), null);
  k.remarginDirty();
  return { k, inc, market };
}

describe("slots", () => {
  it("one expiry slot per dated expiry and one per perpetual quote; options share their expiry's slot", () => {
    const { k } = kernelOn(deribit, [spec([
      ["BTC-PERPETUAL", 10_000], ["BTC-27DEC24", -5000], ["BTC_USDC-PERPETUAL", 1], ["BTC-27DEC24-92000-C", -1], ["BTC-27DEC24-101000-C", 2], ["BTC", 1], ["BTC-28MAR25", 1000],
    ])]);
    const st = k.store, us = st.A.i[A_USTART][0];
    expect(st.A.i[A_UCOUNT][0]).toBe(1);
    expect(st.U.i[U_SCOUNT][us]).toBe(4); // PERPETUAL, 27DEC24, USDC:PERPETUAL, 28MAR25
    const ups = st.U.i[U_UPSTART][us], n = st.U.i[U_UPCOUNT][us];
    expect(Array.from(st.UP.i[X_SLOT].subarray(ups, ups + n))).toEqual([0, 1, 2, 1, 1, -1, 3]);
    expect(st.U.f[U_Q][us]).toBe(1); // one net short option contract
  });

  it("units in the model's order: positions' underlyings, then collateral, then orders", () => {
    const { k } = kernelOn(deribit, [spec([["ETH-PERPETUAL", 1000], ["USDC", 5], ["BTC-PERPETUAL", 1000]], { SOL: 10, USDC: 100, BTC: 1 }, [["SOL_USDC-PERPETUAL", 3]])]);
    const st = k.store, us = st.A.i[A_USTART][0], un = st.A.i[A_UCOUNT][0];
    expect(Array.from(st.U.i[U_ASSET].subarray(us, us + un)).map((a) => k.reg.assetLog[a])).toEqual(["ETH", "BTC", "SOL"]);
  });
});

describe("cache invalidation", () => {
  it("a BTC tick recomputes BTC units only: ETH unit totals are untouched, results still exact", () => {
    const specs = [spec([["BTC-PERPETUAL", 20_000], ["ETH-27DEC24-3100-C", -3]], { BTC: 1, ETH: 2 }), spec([["ETH-PERPETUAL", 5000]], { USDC: 1e5 }), spec([["BTC-27DEC24-92000-P", 1]])];
    const { k, inc, market } = kernelOn(deribit, specs);
    const st = k.store, totals = () => Array.from(st.U.f[U_TOTAL].subarray(0, st.U.used));
    const assets = Array.from(st.U.i[U_ASSET].subarray(0, st.U.used)).map((a) => k.reg.assetLog[a]);
    const before = totals();
    applyRandomTick(market, { asset: "BTC", move: -0.05, vol: 0.7, ivShift: undefined, markShift: undefined });
    inc.invalidate(["BTC"], market, deribit);
    k.refresh(inc.context(), ["BTC"]);
    expect(k.remarginAssets(["BTC"])).toBe(2); // accounts 0 and 2 depend on BTC
    const after = totals();
    assets.forEach((u, i) => {
      if (u === "ETH") expect(Object.is(after[i], before[i]), `ETH unit ${i}`).toBe(true);
      else expect(after[i], `BTC unit ${i}`).not.toBe(before[i]);
    });
    specs.forEach((s, a) => expectSame(k, a, inc.context(), s, "after BTC tick"));
  });

  it("an account set again is re-margined in full before a partial tick", () => {
    const specs = [spec([["BTC-PERPETUAL", 20_000]], { ETH: 2 })];
    const { k, inc, market } = kernelOn(deribit, specs);
    const next = spec([["ETH-PERPETUAL", -4000], ["BTC-PERPETUAL", 1000]], { ETH: 2 });
    k.setAccount(0, next);
    applyRandomTick(market, { asset: "BTC", move: 0.02, vol: undefined, ivShift: undefined, markShift: undefined });
    inc.invalidate(["BTC"], market, deribit);
    k.refresh(inc.context(), ["BTC"]);
    k.remarginAssets(["BTC"]);
    expectSame(k, 0, inc.context(), next, "rebuilt");
  });

  it("refresh is required after new instruments are registered", () => {
    const { k } = kernelOn(deribit, [spec([["BTC-PERPETUAL", 1]])]);
    k.setAccount(1, spec([["SOL_USDC-PERPETUAL", 3]]));
    expect(() => k.remarginDirty()).toThrow(/refresh/);
  });
});

describe("what the kernel serves", () => {
  it("the grid presets in USD; venue methods and other numeraires fall back to the explanation path", () => {
    const served = presetNames().filter((n) => kernelServes(loadPreset(n), "USD"));
    expect(served).toEqual(["deribit"]);
    expect(kernelServes(deribit, "BTC")).toBe(false);
    expect(kernelServes(deribit, "USDC")).toBe(false);
  });
});

describe("accounts the kernel cannot margin", () => {
  it("an instrument without a market value or a balance without an index is an error, as portfolioMargin fails", () => {
    const specs = [spec([["XRP-PERPETUAL", 1000]]), spec([["BTC-PERPETUAL", 1000]], { DOGE: 5 }), spec([["not an instrument", 1]]), spec([["BTC-PERPETUAL", 1000]])];
    const { k, inc } = kernelOn(deribit, specs);
    expect(Array.from(k.results.status.subarray(0, 4)).map((s) => STATUS_NAMES[s])).toEqual(["error", "error", "error", "healthy"]);
    for (const a of [0, 1, 3]) expectSame(k, a, inc.context(), specs[a], "error case");
  });
});

describe("field-based haircut", () => {
  it("equals haircutUsd bit for bit on every preset's schedules (fast-check)", () => {
    const schedules = presetNames().flatMap((n) => Object.values(loadPreset(n).collateral.haircuts));
    const u = new UnitKernel(new MarginKernel(deribit).store);
    fc.assert(fc.property(fc.constantFrom(...schedules), fc.oneof(fc.double({ min: -1e3, max: 1e9, noNaN: true }), fc.constantFrom(0, 1e7, 5e7, NaN)), (sched, v) => {
      u.hValue = v;
      u.haircutOf(sched);
      expect(Object.is(u.hOut, haircutUsd(v, sched))).toBe(true);
    }), { numRuns: 2000 });
  });
});
