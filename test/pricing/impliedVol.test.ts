import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { black76Greeks, black76Price, type OptionType } from "../../src/pricing/black76.js";
import { impliedVol } from "../../src/pricing/impliedVol.js";

function relErr(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

/** Time value as a fraction of F: how much information about σ the premium carries. */
function timeValueShare(type: OptionType, F: number, K: number, T: number, sigma: number, rate: number): number {
  const df = Math.exp(-rate * T);
  const intrinsic = type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0);
  return (black76Price(type, F, K, T, sigma, rate) - df * intrinsic) / F;
}

interface GridCase {
  type: OptionType;
  K: number;
  T: number;
  sigma: number;
  rate: number;
}

const F = 100;
const GRID: GridCase[] = [];
for (const type of ["call", "put"] as const) {
  for (const K of [50, 80, 95, 100, 105, 125, 200]) {
    for (const T of [1 / 365, 0.1, 1, 3]) {
      for (const sigma of [0.05, 0.2, 0.6, 1.5]) {
        for (const rate of [0, 0.05]) {
          // Quotes whose time value is below 1e-7·F carry too little information for a 1e-8 vol round trip.
          if (timeValueShare(type, F, K, T, sigma, rate) > 1e-7) GRID.push({ type, K, T, sigma, rate });
        }
      }
    }
  }
}

describe("impliedVol: round trip over a grid", () => {
  it("grid is non-trivial", () => {
    expect(GRID.length).toBeGreaterThan(300);
  });

  it.each(GRID)("$type F=100 K=$K T=$T σ=$sigma r=$rate", ({ type, K, T, sigma, rate }) => {
    const price = black76Price(type, F, K, T, sigma, rate);
    const res = impliedVol(type, price, F, K, T, rate);
    if (!res.ok) throw new Error(`impliedVol failed for price ${price}: ${res.reason}`);
    expect(res.iterations, "iteration count").toBeLessThanOrEqual(40);
    // Price round trip is always achievable; vol accuracy is limited by price rounding / vega.
    const back = black76Price(type, F, K, T, res.vol, rate);
    expect(Math.abs(back - price), `price ${price} → vol ${res.vol} → price ${back}`).toBeLessThanOrEqual(1e-12 * F);
    const vega = black76Greeks(type, F, K, T, sigma, rate).vega;
    const volTol = 1e-10 * sigma + (4e-15 * F) / vega;
    expect(Math.abs(res.vol - sigma), `vol ${res.vol} vs ${sigma} (tol ${volTol})`).toBeLessThanOrEqual(volTol);
  });
});

describe("impliedVol: property", () => {
  const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  it("price → vol → price and vol recovered (when time value ≥ 1e-6·F)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OptionType>("call", "put"),
        finite(1, 1e5),
        finite(-1.5, 1.5),
        finite(1 / 365, 5),
        finite(0.02, 2.5),
        finite(-0.02, 0.15),
        (type, fwd, x, T, sigma, rate) => {
          const K = fwd * Math.exp(x);
          fc.pre(timeValueShare(type, fwd, K, T, sigma, rate) >= 1e-6);
          const price = black76Price(type, fwd, K, T, sigma, rate);
          const ctx = `${type} price=${price} F=${fwd} K=${K} T=${T} σ=${sigma} r=${rate}`;
          const res = impliedVol(type, price, fwd, K, T, rate);
          if (!res.ok) throw new Error(`${ctx}: ${res.reason}`);
          const back = black76Price(type, fwd, K, T, res.vol, rate);
          expect(Math.abs(back - price), `${ctx} → vol ${res.vol} → ${back}`).toBeLessThanOrEqual(1e-12 * fwd);
          expect(relErr(res.vol, sigma), `${ctx} → vol ${res.vol}`).toBeLessThanOrEqual(1e-7);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("impliedVol: never fails on model prices", () => {
  const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  it("any Black-76 price (incl. deep ITM/OTM) inverts and reprices to 1e-12·F", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OptionType>("call", "put"),
        finite(1, 1e5),
        finite(-3, 3),
        finite(1e-4, 5),
        finite(0.005, 3),
        finite(-0.02, 0.15),
        (type, fwd, x, T, sigma, rate) => {
          const K = fwd * Math.exp(x);
          const price = black76Price(type, fwd, K, T, sigma, rate);
          const ctx = `${type} price=${price} F=${fwd} K=${K} T=${T} σ=${sigma} r=${rate}`;
          const res = impliedVol(type, price, fwd, K, T, rate);
          if (!res.ok) throw new Error(`${ctx}: ${res.reason}`);
          expect(res.iterations, ctx).toBeLessThanOrEqual(60);
          const back = black76Price(type, fwd, K, T, res.vol, rate);
          expect(Math.abs(back - price), `${ctx} → vol ${res.vol} → ${back}`).toBeLessThanOrEqual(1e-12 * fwd);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("impliedVol: special and impossible prices", () => {
  it("rounding noise just below intrinsic is treated as intrinsic (vol 0)", () => {
    expect(impliedVol("call", 20 - 1e-14, 120, 100, 1)).toEqual({ ok: true, vol: 0, iterations: 0 });
    expect(impliedVol("put", -1e-15, 100, 80, 1)).toEqual({ ok: true, vol: 0, iterations: 0 });
  });

  it("far OTM small premia still invert", () => {
    for (const [K, T, sigma] of [[300, 0.25, 0.5], [1000, 0.1, 0.9], [20, 0.5, 0.4]] as const) {
      const type: OptionType = K > F ? "call" : "put";
      const price = black76Price(type, F, K, T, sigma);
      const res = impliedVol(type, price, F, K, T);
      expect(res.ok && relErr(res.vol, sigma) < 1e-8, `${type} K=${K} T=${T} σ=${sigma} price=${price}: ${JSON.stringify(res)}`).toBe(true);
    }
  });

  it("premium equal to discounted intrinsic → vol 0", () => {
    expect(impliedVol("call", 0, 100, 120, 1)).toEqual({ ok: true, vol: 0, iterations: 0 });
    expect(impliedVol("put", 0, 100, 80, 1, 0.05)).toEqual({ ok: true, vol: 0, iterations: 0 });
    expect(impliedVol("call", 20, 120, 100, 1)).toEqual({ ok: true, vol: 0, iterations: 0 });
  });

  it.each([
    ["call", -0.01, 100, 120, 1, 0, /below/],
    ["call", 19.99, 120, 100, 1, 0, /below the discounted intrinsic/],
    ["put", 9.5, 100, 110, 1, 0.05, /below the discounted intrinsic/], // df·10 = 9.512
    ["call", 100, 100, 120, 1, 0, /upper bound df\*F/],
    ["call", 99.9, 100, 120, 1, 0.05, /upper bound df\*F/], // df·F = 95.12
    ["put", 120, 100, 120, 1, 0, /upper bound df\*K/],
    ["call", Number.NaN, 100, 100, 1, 0, /price must be finite/],
    ["call", 5, Number.POSITIVE_INFINITY, 100, 1, 0, /F must be finite/],
    ["call", 5, 100, 0, 1, 0, /K must be > 0/],
    ["call", 5, 100, 100, 0, 0, /T must be > 0/],
    ["put", 5, 100, 100, -1, 0, /T must be > 0/],
    ["put", 5, 100, 100, 1, Number.NaN, /rate must be finite/],
  ] as const)("%s price=%d F=%d K=%d T=%d r=%d → ok:false %s", (type, price, fwd, K, T, rate, reason) => {
    const res = impliedVol(type, price, fwd, K, T, rate);
    expect(res.ok, JSON.stringify(res)).toBe(false);
    if (!res.ok) expect(res.reason).toMatch(reason);
  });

  it("rejects an unknown option type without throwing", () => {
    const res = impliedVol("digital" as OptionType, 5, 100, 100, 1);
    expect(res.ok).toBe(false);
  });
});
