import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { applyApc, DEFAULT_APC, type ApcSpec } from "../../../src/analytics/adaptive/apc.js";
import { evaluateMoves } from "../../../src/analytics/adaptive/evaluate.js";

const f64 = (xs: readonly number[]): Float64Array => Float64Array.from(xs);
const round = (a: Float64Array): number[] => Array.from(a, (v) => Number(v.toFixed(10)));

describe("anti-procyclicality: floor, cap, release", () => {
  it("buffer floor: a steady raw move gets the 25 % buffer on top", () => {
    const r = applyApc(f64([0.1, 0.1, 0.1, 0.1]), DEFAULT_APC);
    expect(round(r.move)).toEqual([0.125, 0.125, 0.125, 0.125]);
    expect(Array.from(r.rule)).toEqual([0, 0, 0, 0]);
  });
  it("stress floor: 75 % of today's move + 25 % of the stressed level of the lookback, which then expires", () => {
    const spec: ApcSpec = { ...DEFAULT_APC, floor: "stress", lookbackBars: 3, maxDailyIncrease: 10 };
    const r = applyApc(f64([0.2, 0.1, 0.1, 0.1, 0.1]), spec);
    // S_t = max of the last 3 raw moves: 0.2, 0.2, 0.2, 0.1, 0.1.
    expect(round(r.move)).toEqual([0.2, 0.125, 0.125, 0.1, 0.1]);
  });
  it("cap: the APC move never rises more than maxDailyIncrease in a day, whatever the raw series", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 2, maxLength: 200 }), fc.constantFrom<"buffer" | "stress">("buffer", "stress"), fc.double({ min: 0, max: 1, noNaN: true }), (xs, floor, cap) => {
      const out = applyApc(f64(xs), { ...DEFAULT_APC, floor, maxDailyIncrease: cap }).move;
      for (let t = 1; t < out.length; t++) if (out[t] / out[t - 1] > 1 + cap + 1e-12) return false;
      return true;
    }));
    const jump = applyApc(f64([0.1, 0.1, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]), DEFAULT_APC);
    // 0.125, then ×1.25 a day (released while the raw jump is within the 5-day window, so the target is 0.4).
    expect(round(jump.move).slice(0, 7)).toEqual([0.125, 0.125, 0.15625, 0.1953125, 0.2441406250, 0.3051757813, 0.3814697266]);
    expect(Array.from(jump.rule).slice(0, 7)).toEqual([0, 0, 2, 2, 2, 2, 2]);
  });
  it("release: a rise of at least the buffer within 5 days drops the buffer until the window has passed, then it is rebuilt", () => {
    const raw = [0.1, 0.1, 0.1, 0.1, 0.1, 0.13, 0.13, 0.13, 0.13, 0.13, 0.13, 0.13];
    const r = applyApc(f64(raw), DEFAULT_APC);
    // Day 5: 0.13 ≥ 1.25 × 0.1 → released: 0.13 (not 1.25 × 0.13 = 0.1625, which the cap 0.15625 would allow).
    // Days 5–9 still see 0.1 in the previous 5 days; day 10 does not: buffer back, 0.1625 (cap 0.1625).
    expect(Array.from(r.rule)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(round(r.move)).toEqual([0.125, 0.125, 0.125, 0.125, 0.125, 0.13, 0.13, 0.13, 0.13, 0.13, 0.1625, 0.1625]);
  });
  it("the floor never leaves the APC move below the raw move unless the cap binds", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 100 }), (xs) => {
      const r = applyApc(f64(xs), DEFAULT_APC);
      return xs.every((m, t) => r.rule[t] === 2 || r.move[t] >= m);
    }));
  });
});

describe("evaluation of a move series", () => {
  it("counts breaches |R| > m, mean move, largest one-day increase and peak-to-trough", () => {
    const m = f64([0.1, 0.1, 0.12, 0.06, 0.06, 0.09]);
    const R = f64([0.05, -0.11, 0.12, 0.07, -0.01, NaN]);
    const e = evaluateMoves(m, R, 0.99, 1);
    expect(e.observations).toBe(5);
    expect(e.breaches).toBe(2); // −0.11 > 0.1 and 0.07 > 0.06; 0.12 is not > 0.12
    expect(e.expectedBreaches).toBeCloseTo(0.05, 12);
    expect(e.meanMove).toBeCloseTo(0.088, 12);
    expect(e.maxIncrease1d).toBeCloseTo(0.2, 12);
    expect(e.peakToTrough).toBeCloseTo(2, 12);
    expect(e.overlapping).toBeUndefined();
  });
  it("h = 2: the tests use every 2nd day; the overlapping figures sit beside them", () => {
    const m = f64([0.1, 0.1, 0.1, 0.1, 0.1]);
    const R = f64([0.2, 0.2, 0.0, 0.2, 0.0]);
    const e = evaluateMoves(m, R, 0.99, 2);
    expect([e.observations, e.breaches]).toEqual([3, 1]); // days 0, 2, 4
    expect([e.overlapping?.observations, e.overlapping?.breaches]).toEqual([5, 3]);
  });
});
