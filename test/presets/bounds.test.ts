import { describe, expect, it } from "vitest";
import { parseParams } from "../../src/input/paramsSchema.js";
import { OKX_BOUNDS, SPAN_BOUNDS } from "../../src/input/venueParamsSchema.js";
import { rawPreset } from "../../src/input/presets.js";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const base = (n: string) => clone(rawPreset(n)) as Doc;
const check = (doc: Doc, path: string, ok: boolean) => {
  const r = parseParams(doc, rawPreset);
  if (ok) expect(r.ok, `${path} should be accepted: ${JSON.stringify(!r.ok && r.issues)}`).toBe(true);
  else {
    expect(r.ok, `${path} should be rejected`).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  }
};
const eps = (v: number) => Math.max(1e-9, Math.abs(v) * 1e-9);

/** Where each bound lives in a preset document. */
const OKX_AT: Record<keyof typeof OKX_BOUNDS, [string[], string]> = {
  extremeMove: [["okx", "underlyings", "BTC", "extremeMove"], "okx.underlyings.BTC.extremeMove"],
  extremeWeight: [["okx", "underlyings", "BTC", "extremeWeight"], "okx.underlyings.BTC.extremeWeight"],
  termShock: [["okx", "underlyings", "BTC", "termShock"], "okx.underlyings.BTC.termShock"],
  termPower: [["okx", "underlyings", "BTC", "termPower"], "okx.underlyings.BTC.termPower"],
  termPivotDays: [["okx", "underlyings", "BTC", "termPivotDays"], "okx.underlyings.BTC.termPivotDays"],
  rateShock: [["okx", "underlyings", "BTC", "rateShock"], "okx.underlyings.BTC.rateShock"],
  minChargeDeltaOne: [["okx", "underlyings", "BTC", "minChargeDeltaOne"], "okx.underlyings.BTC.minChargeDeltaOne"],
  minChargeShortOption: [["okx", "underlyings", "BTC", "minChargeShortOption"], "okx.underlyings.BTC.minChargeShortOption"],
  minChargeLongOption: [["okx", "underlyings", "BTC", "minChargeLongOption"], "okx.underlyings.BTC.minChargeLongOption"],
  thetaDays: [["okx", "thetaDays"], "okx.thetaDays"],
  imFactor: [["okx", "imFactor"], "okx.imFactor"],
  minChargeMultiplier: [["okx", "underlyings", "BTC", "minChargeTiers", "0", "value"], "okx.underlyings.BTC.minChargeTiers[0].value"],
  depegRate: [["okx", "depegTiers", "0", "value"], "okx.depegTiers[0].value"],
};
const SPAN_AT: Record<keyof typeof SPAN_BOUNDS, [string[], string]> = {
  extremeMultiple: [["span", "extremeMultiple"], "span.extremeMultiple"],
  extremeCover: [["span", "extremeCover"], "span.extremeCover"],
  shortOptionMinimum: [["span", "shortOptionMinimum", "default"], "span.shortOptionMinimum.default"],
  intraSpreadCharge: [["span", "intraSpreadCharge", "default"], "span.intraSpreadCharge.default"],
  deltaRatio: [["span", "interSpreads", "0", "deltaRatio", "0"], "span.interSpreads[0].deltaRatio[0]"],
  credit: [["span", "interSpreads", "0", "credit"], "span.interSpreads[0].credit"],
  riskArray: [["span", "riskArrays", "BTC-PERPETUAL", "0"], "span.riskArrays[\"BTC-PERPETUAL\"][0]"],
  delta: [["span", "deltas", "BTC-PERPETUAL"], "span.deltas[\"BTC-PERPETUAL\"]"],
  tierEndDays: [["span", "intraTiers", "BTC", "tierEndDays", "0"], "span.intraTiers.BTC.tierEndDays[0]"],
  spotMonthDays: [["span", "spotMonth", "BTC", "days"], "span.spotMonth.BTC.days"],
};
function set(doc: Doc, keys: string[], v: number) {
  let o = doc;
  for (const k of keys.slice(0, -1)) o = o[k];
  o[keys[keys.length - 1]] = v;
}
function spanDoc(): Doc {
  const d = base("span");
  d.span.interSpreads = [{ legs: ["BTC", "ETH"], deltaRatio: [1, 30], credit: 0.5 }];
  d.span.riskArrays = { "BTC-PERPETUAL": new Array(16).fill(0) };
  d.span.deltas = { "BTC-PERPETUAL": 1 };
  d.span.intraTiers = { BTC: { tierEndDays: [30], charges: [{ tiers: [0, 0], charge: 100 }] } };
  d.span.spotMonth = { BTC: { days: 7, charge: 50 } };
  return d;
}

describe.each([
  ["okx", OKX_BOUNDS, OKX_AT, () => base("okx")],
  ["span", SPAN_BOUNDS, SPAN_AT, spanDoc],
] as const)("%s parameter bounds: accepted at both ends, rejected just outside", (_n, bounds, at, make) => {
  for (const [k, [lo, hi]] of Object.entries(bounds)) {
    const [keys, path] = (at as Record<string, [string[], string]>)[k];
    it(`${k} in [${lo}, ${hi}]`, () => {
      for (const [v, ok] of [[lo, true], [hi, true], [lo - eps(lo), false], [hi + eps(hi), false]] as const) {
        const d = make();
        set(d, keys, v);
        check(d, path, ok);
      }
    });
  }
});

describe("deribit-cross pnlOffset in [0, 1]; method blocks required", () => {
  it("pnlOffset ends", () => {
    for (const [v, ok] of [[0, true], [1, true], [-1e-9, false], [1 + 1e-9, false]] as const) {
      const d = base("deribit-cross");
      d.crossCollateral.pnlOffset = v;
      check(d, "crossCollateral.pnlOffset", ok);
    }
  });
  it("a method without its block is rejected with the block's path; a SPAN risk array needs 16 scenarios", () => {
    const d = base("okx");
    delete d.okx;
    check(d, "okx", false);
    const s = spanDoc();
    s.span.riskArrays["BTC-PERPETUAL"] = [1, 2, 3];
    check(s, "span.riskArrays[\"BTC-PERPETUAL\"]", false);
  });
  it("every shipped preset validates", () => {
    for (const n of ["deribit", "deribit-cross", "okx", "span"]) check(base(n), n, true);
  });
});

describe("explicit grid price moves (priceMoves): one per bucket, strictly increasing, ending at priceRange", () => {
  const at = "portfolio.underlyings.default.priceMoves";
  const withMoves = (moves: number[], buckets = moves.length, range = moves[moves.length - 1]) => {
    const d = base("okx");
    Object.assign(d.portfolio.underlyings.default, { priceMoves: moves, buckets, priceRange: range });
    return d;
  };
  it("each move in [0.0001, 0.95]: accepted at both ends, rejected just outside", () => {
    check(withMoves([0.0001, 0.95]), at, true);
    check(withMoves([0.0001 - 1e-12, 0.95]), `${at}[0]`, false);
    check(withMoves([0.5, 0.95 + 1e-9]), `${at}[1]`, false);
  });
  it("a count other than buckets, a non-increasing list or a last move other than priceRange is rejected", () => {
    check(withMoves([0.08, 0.16, 0.25], 2), at, false);
    check(withMoves([0.08, 0.08, 0.25]), `${at}[1]`, false);
    check(withMoves([0.08, 0.16, 0.25], 3, 0.3), `${at}[2]`, false);
  });
});

describe("okx MR9 tier curves (byIndex): index in [0.01, 1], decreasing; rates within the depeg bounds, not falling", () => {
  const withCurve = (byIndex: { index: number; value: number }[]) => {
    const d = base("okx");
    d.okx.depegTiers[0].byIndex = byIndex;
    return d;
  };
  const at = "okx.depegTiers[0].byIndex";
  it("index accepted at 1 and 0.01, rejected just outside", () => {
    check(withCurve([{ index: 1, value: 0.005 }, { index: 0.01, value: 0.5 }]), at, true);
    check(withCurve([{ index: 1 + 1e-9, value: 0.005 }]), `${at}[0].index`, false);
    check(withCurve([{ index: 0.01 - 1e-12, value: 0.005 }]), `${at}[0].index`, false);
    check(withCurve([{ index: 0.9, value: 0.5 + 1e-9 }]), `${at}[0].value`, false);
  });
  it("points out of order or rates that fall away from the peg are rejected", () => {
    check(withCurve([{ index: 0.9, value: 0.01 }, { index: 0.95, value: 0.02 }]), `${at}[1].index`, false);
    check(withCurve([{ index: 0.99, value: 0.02 }, { index: 0.8, value: 0.01 }]), `${at}[1].value`, false);
  });
});

describe("span intraTiers: tier ends increase strictly, charges name existing tiers", () => {
  it("out-of-order ends and a charge naming a missing tier are rejected with their paths", () => {
    const d = spanDoc();
    d.span.intraTiers.BTC = { tierEndDays: [30, 30], charges: [{ tiers: [0, 2], charge: 1 }] };
    const r = parseParams(d, rawPreset);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["span.intraTiers.BTC.tierEndDays[1]", "span.intraTiers.BTC.charges[0].tiers[1]"]));
  });
});
