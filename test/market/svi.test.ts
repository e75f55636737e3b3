import { describe, it, expect } from "vitest";
import {
  calendarProblems,
  surfaceVol,
  sviProblems,
  sviTotalVariance,
  sviVol,
  type SviParams,
  type SviSlice,
} from "../../src/market/svi.js";

function relErr(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

/** Gatheral-style example slice. */
const GATHERAL: SviParams = { a: 0.04, b: 0.4, rho: -0.4, m: 0, sigma: 0.1 };
/**
 * Axel Vogt's example from Gatheral & Jacquier (2014), §5: passes the parameter,
 * minimum-variance and Lee checks but has butterfly arbitrage (g < 0 near k ≈ 0.9).
 */
const VOGT: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

describe("sviTotalVariance", () => {
  // Independent values: mpmath at 30 digits, w(k) = a + b(ρ(k−m) + sqrt((k−m)² + σ²)).
  it.each([
    [-1, 0.60199502484483561081],
    [-0.5, 0.3239607805437113932],
    [-0.1, 0.11256854249492380195],
    [0, 0.08],
    [0.1, 0.080568542494923801952],
    [0.5, 0.1639607805437113932],
    [1, 0.28199502484483561081],
  ] as const)("Gatheral example w(%d) = %d (rel 1e-15)", (k, expected) => {
    const w = sviTotalVariance(GATHERAL, k);
    expect(relErr(w, expected), `w(${k}) = ${w}`).toBeLessThanOrEqual(1e-15);
  });

  it("has the documented shape: minimum a + bσ√(1−ρ²) at k* = m − ρσ/√(1−ρ²), wing slopes b(ρ±1)", () => {
    const p: SviParams = { a: 0.02, b: 0.3, rho: 0.25, m: 0.1, sigma: 0.2 };
    const s = Math.sqrt(1 - p.rho * p.rho);
    const kStar = p.m - (p.rho * p.sigma) / s;
    expect(sviTotalVariance(p, kStar)).toBeCloseTo(p.a + p.b * p.sigma * s, 15);
    expect(sviTotalVariance(p, kStar + 1e-3)).toBeGreaterThan(sviTotalVariance(p, kStar));
    expect(sviTotalVariance(p, kStar - 1e-3)).toBeGreaterThan(sviTotalVariance(p, kStar));
    const slope = (k: number): number => (sviTotalVariance(p, k + 1) - sviTotalVariance(p, k - 1)) / 2;
    expect(slope(1e4)).toBeCloseTo(p.b * (p.rho + 1), 8);
    expect(slope(-1e4)).toBeCloseTo(p.b * (p.rho - 1), 8);
  });
});

describe("sviVol", () => {
  it.each([
    [-0.5, 0.25],
    [0, 0.25],
    [0.3, 2],
  ] as const)("equals sqrt(w(k)/T) at k=%d, T=%d", (k, T) => {
    expect(sviVol(GATHERAL, k, T)).toBe(Math.sqrt(sviTotalVariance(GATHERAL, k) / T));
  });

  it("ATM vol of the Gatheral example at T=0.5 is sqrt(0.08/0.5) = 0.4", () => {
    expect(sviVol(GATHERAL, 0, 0.5)).toBeCloseTo(0.4, 15);
  });

  it("throws RangeError for T <= 0 and for negative total variance", () => {
    expect(() => sviVol(GATHERAL, 0, 0)).toThrow(RangeError);
    expect(() => sviVol(GATHERAL, 0, Number.NaN)).toThrow(/T must be/);
    expect(() => sviVol({ ...GATHERAL, a: -1 }, 0, 1)).toThrow(/total variance/);
  });
});

describe("sviProblems", () => {
  it("accepts the Gatheral example and a steep but admissible slice", () => {
    expect(sviProblems(GATHERAL)).toEqual([]);
    expect(sviProblems({ a: 0.03, b: 0.8, rho: -0.5, m: 0, sigma: 0.4 })).toEqual([]);
  });

  it.each([
    ["b < 0", { ...GATHERAL, b: -0.1 }, /b must be >= 0/],
    ["rho = 1", { ...GATHERAL, rho: 1 }, /\|rho\| must be < 1/],
    ["rho = -1.2", { ...GATHERAL, rho: -1.2 }, /\|rho\| must be < 1/],
    ["sigma = 0", { ...GATHERAL, sigma: 0 }, /sigma must be > 0/],
    ["sigma < 0", { ...GATHERAL, sigma: -0.1 }, /sigma must be > 0/],
    ["negative minimum variance", { ...GATHERAL, a: -0.1 }, /minimum total variance .* is negative/],
    ["Lee bound b(1+|rho|) > 2", { ...GATHERAL, b: 1.5, rho: 0.5 }, /Lee moment bound violated: b\*\(1\+\|rho\|\) = 2\.25/],
    ["a NaN", { ...GATHERAL, a: Number.NaN }, /a must be finite/],
    ["m infinite", { ...GATHERAL, m: Number.POSITIVE_INFINITY }, /m must be finite/],
    ["Vogt butterfly arbitrage", VOGT, /butterfly arbitrage/],
    // min g ≈ -0.239 (python check); minimum variance 0.203 and Lee slope 1.53 are fine.
    ["steep skew butterfly arbitrage", { a: 0.01, b: 0.9, rho: -0.7, m: -0.05, sigma: 0.3 }, /butterfly arbitrage/],
  ] as const)("flags %s", (_label, params, pattern) => {
    const problems = sviProblems(params);
    expect(problems.length, JSON.stringify(params)).toBeGreaterThan(0);
    expect(problems.join(" | "), JSON.stringify(params)).toMatch(pattern);
  });

  it("Vogt example only fails the butterfly check, located near k ≈ 0.88", () => {
    const problems = sviProblems(VOGT);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/minimum g = -0\.0328\d* at k = 0\.88/);
  });
});

const SHORT: SviParams = GATHERAL; // T = 0.25
// T = 1; w_LONG − w_SHORT ≥ 0.085 on k ∈ [-3, 3] (python check), g ≥ 0.21.
const LONG: SviParams = { a: 0.1, b: 0.45, rho: -0.35, m: 0.05, sigma: 0.2 };
const SURFACE: readonly SviSlice[] = [
  { T: 0.25, params: SHORT },
  { T: 1, params: LONG },
];

describe("surfaceVol", () => {
  it.each([-1, -0.2, 0, 0.4, 1.5])("on a slice equals the slice's vol (k=%d)", (k) => {
    expect(surfaceVol(SURFACE, k, 0.25)).toBe(sviVol(SHORT, k, 0.25));
    expect(surfaceVol(SURFACE, k, 1)).toBe(sviVol(LONG, k, 1));
  });

  it.each([
    [-0.7, 0.5],
    [0, 0.4],
    [0.3, 0.9],
  ] as const)("between slices is linear in T in total variance (k=%d, T=%d)", (k, T) => {
    const w1 = sviTotalVariance(SHORT, k);
    const w2 = sviTotalVariance(LONG, k);
    const expected = Math.sqrt((w1 + ((w2 - w1) * (T - 0.25)) / 0.75) / T);
    const vol = surfaceVol(SURFACE, k, T);
    expect(relErr(vol, expected), `vol ${vol} vs ${expected}`).toBeLessThanOrEqual(1e-15);
    // Linearity check: w(T) = vol²·T at the midpoint is the average of its neighbours.
    const wAt = (t: number): number => surfaceVol(SURFACE, k, t) ** 2 * t;
    const mid = (wAt(T - 0.05) + wAt(T + 0.05)) / 2;
    expect(relErr(wAt(T), mid)).toBeLessThanOrEqual(1e-14);
  });

  it.each([
    [0, 0.1],
    [-0.5, 0.01],
  ] as const)("before the first slice extrapolates flat in vol (k=%d, T=%d)", (k, T) => {
    expect(relErr(surfaceVol(SURFACE, k, T), sviVol(SHORT, k, 0.25))).toBeLessThanOrEqual(1e-15);
  });

  it.each([
    [0, 2],
    [0.8, 10],
  ] as const)("after the last slice extrapolates flat in vol (k=%d, T=%d)", (k, T) => {
    expect(relErr(surfaceVol(SURFACE, k, T), sviVol(LONG, k, 1))).toBeLessThanOrEqual(1e-15);
  });

  it("works with a single slice and with three slices", () => {
    expect(surfaceVol([{ T: 0.5, params: SHORT }], 0.1, 3)).toBeCloseTo(sviVol(SHORT, 0.1, 0.5), 15);
    const three: SviSlice[] = [...SURFACE, { T: 2, params: { ...LONG, a: 0.2 } }];
    const w = surfaceVol(three, 0, 1.5) ** 2 * 1.5;
    const expected = (sviTotalVariance(LONG, 0) + sviTotalVariance({ ...LONG, a: 0.2 }, 0)) / 2;
    expect(relErr(w, expected)).toBeLessThanOrEqual(1e-14);
  });

  it("throws RangeError for bad inputs", () => {
    expect(() => surfaceVol([], 0, 1)).toThrow(/no slices/);
    expect(() => surfaceVol([SURFACE[1] as SviSlice, SURFACE[0] as SviSlice], 0, 0.5)).toThrow(/not strictly after/);
    expect(() => surfaceVol(SURFACE, 0, 0)).toThrow(/T must be/);
    expect(() => surfaceVol(SURFACE, 0, -1)).toThrow(RangeError);
    expect(() => surfaceVol([{ T: 1, params: { ...LONG, a: -1 } }], 0, 1)).toThrow(/total variance/);
  });
});

describe("calendarProblems", () => {
  it("accepts a surface whose total variance grows in T at every k", () => {
    expect(sviProblems(SHORT)).toEqual([]);
    expect(sviProblems(LONG)).toEqual([]);
    expect(calendarProblems(SURFACE)).toEqual([]);
    expect(calendarProblems([SURFACE[0] as SviSlice])).toEqual([]);
    expect(calendarProblems([])).toEqual([]);
  });

  it("detects crossing slices (long expiry has less variance in the left wing)", () => {
    // At k=0: 0.08 → 0.14 (fine); at k=-1: 0.602 → 0.401 (calendar arbitrage).
    const crossing: SviSlice[] = [
      { T: 0.5, params: GATHERAL },
      { T: 1, params: { a: 0.12, b: 0.2, rho: -0.4, m: 0, sigma: 0.1 } },
    ];
    const problems = calendarProblems(crossing);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/calendar arbitrage between T=0\.5 and T=1/);
    expect(problems[0]).toMatch(/k∈\[-3, /);
  });

  it("detects a uniformly lower later slice and reports each bad pair", () => {
    const slices: SviSlice[] = [
      { T: 0.25, params: GATHERAL },
      { T: 0.5, params: { ...GATHERAL, a: 0.03 } },
      { T: 1, params: { ...GATHERAL, a: 0.05 } },
      { T: 2, params: { ...GATHERAL, a: 0.045 } },
    ];
    const problems = calendarProblems(slices);
    expect(problems, problems.join(" | ")).toHaveLength(2);
    expect(problems[0]).toMatch(/T=0\.25 and T=0\.5: .* 601 grid points/);
    expect(problems[1]).toMatch(/T=1 and T=2/);
  });

  it("reports unsorted or invalid expiries", () => {
    expect(calendarProblems([SURFACE[1] as SviSlice, SURFACE[0] as SviSlice]).join()).toMatch(/not strictly after/);
    expect(calendarProblems([{ T: 0, params: GATHERAL }]).join()).toMatch(/T must be finite and > 0/);
  });
});
