import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { black76Greeks, black76Price, type Black76Greeks, type OptionType } from "../../src/pricing/black76.js";

function relErr(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

interface PriceCase {
  source: string;
  type: OptionType;
  F: number;
  K: number;
  T: number;
  sigma: number;
  rate: number;
  expected: number;
  tol: number; // absolute tolerance
}

/**
 * Published textbook values (quoted precision) and independent references computed
 * with mpmath at 40 digits (python3, Φ via mpmath.ncdf) for the same formula.
 */
const PRICE_CASES: readonly PriceCase[] = [
  { source: "Haug 2nd ed. Black-76 example", type: "call", F: 19, K: 19, T: 0.75, sigma: 0.28, rate: 0.1, expected: 1.7011, tol: 5e-5 },
  { source: "Haug 2nd ed. Black-76 example", type: "put", F: 19, K: 19, T: 0.75, sigma: 0.28, rate: 0.1, expected: 1.7011, tol: 5e-5 },
  // Hull, "Options, Futures, and Other Derivatives", futures-option put example: quoted as 1.12 (2 dp).
  { source: "Hull, futures option put", type: "put", F: 20, K: 20, T: 4 / 12, sigma: 0.25, rate: 0.09, expected: 1.12, tol: 5e-3 },
  { source: "mpmath Haug call", type: "call", F: 19, K: 19, T: 0.75, sigma: 0.28, rate: 0.1, expected: 1.7010507252362673, tol: 1e-13 },
  { source: "mpmath Hull put", type: "put", F: 20, K: 20, T: 4 / 12, sigma: 0.25, rate: 0.09, expected: 1.1166414565589435, tol: 1e-13 },
  { source: "mpmath", type: "call", F: 100, K: 110, T: 0.5, sigma: 0.6, rate: 0.05, expected: 12.752957205933525, tol: 1e-12 },
  { source: "mpmath", type: "put", F: 100, K: 110, T: 0.5, sigma: 0.6, rate: 0.05, expected: 22.506056326216852, tol: 1e-12 },
  { source: "mpmath BTC-like", type: "call", F: 30000, K: 35000, T: 0.1, sigma: 0.8, rate: 0, expected: 1355.9594301522992, tol: 1e-9 },
  { source: "mpmath short put", type: "put", F: 30000, K: 25000, T: 0.02, sigma: 0.5, rate: 0.03, expected: 3.0324485099269681, tol: 1e-10 },
  { source: "mpmath ITM call", type: "call", F: 2000, K: 1000, T: 2, sigma: 1.2, rate: 0.04, expected: 1348.9482460275818, tol: 1e-10 },
  { source: "mpmath OTM put", type: "put", F: 2000, K: 1000, T: 2, sigma: 1.2, rate: 0.04, expected: 425.83189964094604, tol: 1e-10 },
  { source: "mpmath far OTM call", type: "call", F: 1, K: 1.5, T: 0.25, sigma: 0.2, rate: 0, expected: 6.8512534734325269e-7, tol: 1e-18 },
  { source: "mpmath 1-day put", type: "put", F: 50, K: 45, T: 1 / 365, sigma: 0.9, rate: 0.01, expected: 0.0098332761386215975, tol: 1e-15 },
];

describe("black76Price: reference values", () => {
  it.each(PRICE_CASES)("$source: $type F=$F K=$K T=$T σ=$sigma r=$rate → $expected", (c) => {
    const v = black76Price(c.type, c.F, c.K, c.T, c.sigma, c.rate);
    expect(Math.abs(v - c.expected), `price ${v} vs ${c.expected}`).toBeLessThanOrEqual(c.tol);
    const g = black76Greeks(c.type, c.F, c.K, c.T, c.sigma, c.rate);
    expect(g.price, "black76Greeks().price must equal black76Price()").toBe(v);
  });

  it("rate defaults to 0 (undiscounted)", () => {
    expect(black76Price("call", 100, 90, 1, 0.5)).toBe(black76Price("call", 100, 90, 1, 0.5, 0));
  });
});

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const marketArb = fc.record({
  F: finite(1, 1e5),
  x: finite(-2, 2), // ln(K/F)
  T: finite(1 / (365 * 24), 5),
  sigma: finite(0.01, 3),
  rate: finite(-0.05, 0.2),
});

describe("black76Price: no-arbitrage properties", () => {
  it("put-call parity C − P = df·(F − K) to 1e-10·F", () => {
    fc.assert(
      fc.property(marketArb, ({ F, x, T, sigma, rate }) => {
        const K = F * Math.exp(x);
        const c = black76Price("call", F, K, T, sigma, rate);
        const p = black76Price("put", F, K, T, sigma, rate);
        const df = Math.exp(-rate * T);
        const err = Math.abs(c - p - df * (F - K));
        expect(err, `F=${F} K=${K} T=${T} σ=${sigma} r=${rate}: C=${c} P=${p}`).toBeLessThanOrEqual(1e-10 * F);
      }),
      { numRuns: 2000 },
    );
  });

  it("bounds df·intrinsic ≤ V ≤ df·F (call) / df·K (put), delta in range, greeks finite", () => {
    fc.assert(
      fc.property(marketArb, fc.constantFrom<OptionType>("call", "put"), ({ F, x, T, sigma, rate }, type) => {
        const K = F * Math.exp(x);
        const df = Math.exp(-rate * T);
        const g = black76Greeks(type, F, K, T, sigma, rate);
        const ctx = `${type} F=${F} K=${K} T=${T} σ=${sigma} r=${rate}: ${JSON.stringify(g)}`;
        const intrinsic = type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0);
        const upper = type === "call" ? F : K;
        expect(g.price, ctx).toBeGreaterThanOrEqual(df * intrinsic);
        expect(g.price, ctx).toBeLessThanOrEqual(df * upper);
        expect(Math.abs(g.delta), ctx).toBeLessThanOrEqual(df);
        expect(g.delta * (type === "call" ? 1 : -1), ctx).toBeGreaterThanOrEqual(0);
        expect(g.gamma, ctx).toBeGreaterThanOrEqual(0);
        expect(g.vega, ctx).toBeGreaterThanOrEqual(0);
        for (const v of Object.values(g)) expect(Number.isFinite(v), ctx).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

interface GreekCase {
  label: string;
  type: OptionType;
  F: number;
  K: number;
  T: number;
  sigma: number;
  rate: number;
}

const GREEK_CASES: GreekCase[] = [];
for (const type of ["call", "put"] as const) {
  for (const [moneyness, K] of [["ITM", type === "call" ? 85 : 115], ["ATM", 100], ["OTM", type === "call" ? 115 : 85]] as const) {
    for (const [tenor, T, sigma] of [["7d", 7 / 365, 0.8], ["2y", 2, 0.35]] as const) {
      for (const rate of [0, 0.05]) {
        GREEK_CASES.push({ label: `${type} ${moneyness} ${tenor} r=${rate}`, type, F: 100, K, T, sigma, rate });
      }
    }
  }
}

/**
 * Central differences: first-order greeks from the price, second-order greeks from the
 * (separately verified) analytic first-order greeks. Steps are scaled to the
 * distribution width F·σ√T (1e-4 of it; σ and T steps 1e-5 relative), so truncation error is O(1e-9) relative; tolerance is
 * 1e-6 relative to the greek plus an absolute floor of 1e-9 in the greek's natural scale.
 */
describe("black76Greeks: central finite differences (rel 1e-6 + abs floor)", () => {
  const check = (name: keyof Black76Greeks, fd: number, an: number, scale: number, c: GreekCase): void => {
    const tol = 1e-6 * Math.abs(an) + 1e-9 * scale;
    expect(Math.abs(fd - an), `${c.label}: ${name} analytic=${an} fd=${fd} tol=${tol}`).toBeLessThanOrEqual(tol);
  };

  it.each(GREEK_CASES)("$label", (c) => {
    const { type, F, K, T, sigma, rate } = c;
    const g = black76Greeks(type, F, K, T, sigma, rate);
    const at = (f: number, t: number, s: number): Black76Greeks => black76Greeks(type, f, K, t, s, rate);
    const hF = 1e-4 * F * sigma * Math.sqrt(T);
    const hS = 1e-5 * sigma;
    const hT = 1e-5 * T;
    const width = F * sigma * Math.sqrt(T);

    const dF = (fn: (g: Black76Greeks) => number): number => (fn(at(F + hF, T, sigma)) - fn(at(F - hF, T, sigma))) / (2 * hF);
    const dS = (fn: (g: Black76Greeks) => number): number =>
      (fn(at(F, T, sigma + hS)) - fn(at(F, T, sigma - hS))) / (2 * hS);

    check("delta", dF((x) => x.price), g.delta, 1, c);
    check("vega", dS((x) => x.price), g.vega, F, c);
    const theta = -(at(F, T + hT, sigma).price - at(F, T - hT, sigma).price) / (2 * hT);
    check("theta", theta, g.theta, F, c);
    check("gamma", dF((x) => x.delta), g.gamma, 1 / width, c);
    const gammaFromPrice =
      (at(F + hF, T, sigma).price - 2 * g.price + at(F - hF, T, sigma).price) / (hF * hF);
    expect(Math.abs(gammaFromPrice - g.gamma), `${c.label}: gamma from price ${gammaFromPrice}`).toBeLessThanOrEqual(
      1e-4 * g.gamma + 1e-6 / width,
    );
    check("vanna", dS((x) => x.delta), g.vanna, 1, c);
    check("vanna", dF((x) => x.vega), g.vanna, 1, c);
    check("volga", dS((x) => x.vega), g.volga, F, c);
  });
});

/** Type, F, K, intrinsic value (undiscounted), delta at zero vol or zero time. */
const DEGENERATE = [
  ["call", 120, 100, 20, 1],
  ["call", 80, 100, 0, 0],
  ["call", 100, 100, 0, 0.5],
  ["put", 120, 100, 0, 0],
  ["put", 80, 100, 20, -1],
  ["put", 100, 100, 0, -0.5],
] as const;

describe("black76: degenerate cases", () => {
  const zeroHigher = (g: Black76Greeks, ctx: string): void => {
    expect([g.gamma, g.vega, g.vanna, g.volga], ctx).toEqual([0, 0, 0, 0]);
  };

  it.each(DEGENERATE)("T<=0: %s F=%d K=%d → undiscounted intrinsic %d, delta %d", (type, F, K, price, delta) => {
    for (const T of [0, -0.5]) {
      const ctx = `${type} F=${F} K=${K} T=${T}`;
      expect(black76Price(type, F, K, T, 0.5, 0.1), ctx).toBe(price);
      const g = black76Greeks(type, F, K, T, 0.5, 0.1);
      expect(g.price, ctx).toBe(price);
      expect(g.delta, ctx).toBe(delta);
      expect(g.theta, ctx).toBe(0);
      zeroHigher(g, ctx);
    }
  });

  it.each(DEGENERATE)("σ√T<1e-12: %s F=%d K=%d → df·%d, delta df·%d, theta r·V", (type, F, K, intrinsic, delta) => {
    const rate = 0.05;
    const T = 1;
    const df = Math.exp(-rate * T);
    for (const sigma of [0, 1e-13]) {
      const ctx = `${type} F=${F} K=${K} σ=${sigma}`;
      expect(black76Price(type, F, K, T, sigma, rate), ctx).toBe(df * intrinsic);
      const g = black76Greeks(type, F, K, T, sigma, rate);
      expect(g.price, ctx).toBe(df * intrinsic);
      expect(g.delta, ctx).toBe(df * delta);
      expect(g.theta, ctx).toBeCloseTo(rate * df * intrinsic, 14);
      zeroHigher(g, ctx);
    }
  });

  it("tiny but non-degenerate vol converges to the discounted intrinsic", () => {
    const df = Math.exp(-0.05);
    expect(black76Price("call", 120, 100, 1, 1e-10, 0.05)).toBeCloseTo(df * 20, 12);
    expect(black76Price("put", 120, 100, 1, 1e-10, 0.05)).toBe(0);
  });

  it.each([
    ["call", 1, 1e6],
    ["put", 1, 1e6],
    ["call", 1e6, 1],
    ["put", 1e6, 1],
    ["call", 1e-8, 1e8],
    ["put", 1e8, 1e-8],
  ] as const)("deep ITM/OTM %s F=%d K=%d: no NaN, correct limits", (type, F, K) => {
    // |ln(F/K)| ≥ 13.8 against σ√T ≤ 0.95: |d1|, |d2| > 13.
    for (const [T, sigma] of [[1e-4, 0.01], [1, 0.5], [10, 0.3]] as const) {
      const rate = 0.03;
      const df = Math.exp(-rate * T);
      const g = black76Greeks(type, F, K, T, sigma, rate);
      const ctx = `${type} F=${F} K=${K} T=${T} σ=${sigma}: ${JSON.stringify(g)}`;
      for (const v of Object.values(g)) expect(Number.isFinite(v), ctx).toBe(true);
      const itm = type === "call" ? F > K : K > F;
      const intrinsic = df * (type === "call" ? Math.max(F - K, 0) : Math.max(K - F, 0));
      if (itm) {
        expect(relErr(g.price, intrinsic), ctx).toBeLessThan(1e-14);
        expect(Math.abs(g.delta), ctx).toBeCloseTo(df, 14);
      } else {
        expect(g.price, ctx).toBeLessThan(1e-30 * Math.max(F, K));
        expect(Math.abs(g.delta), ctx).toBeLessThan(1e-30);
      }
    }
  });

  it("very large volatility tends to df·F (call) and df·K (put)", () => {
    const df = Math.exp(-0.02 * 2);
    expect(relErr(black76Price("call", 100, 80, 2, 100, 0.02), df * 100)).toBeLessThan(1e-14);
    expect(relErr(black76Price("put", 100, 80, 2, 100, 0.02), df * 80)).toBeLessThan(1e-14);
  });
});

describe("black76: input guards", () => {
  it.each([
    ["F", Number.NaN, 100, 1, 0.5, 0],
    ["F", -1, 100, 1, 0.5, 0],
    ["F", 0, 100, 1, 0.5, 0],
    ["K", 100, Number.POSITIVE_INFINITY, 1, 0.5, 0],
    ["K", 100, 0, 1, 0.5, 0],
    ["T", 100, 100, Number.NaN, 0.5, 0],
    ["sigma", 100, 100, 1, Number.NaN, 0],
    ["sigma", 100, 100, 1, -0.1, 0],
    ["rate", 100, 100, 1, 0.5, Number.NEGATIVE_INFINITY],
  ] as const)("throws RangeError naming %s (F=%d K=%d T=%d σ=%d r=%d)", (name, F, K, T, sigma, rate) => {
    expect(() => black76Price("call", F, K, T, sigma, rate)).toThrow(RangeError);
    expect(() => black76Price("call", F, K, T, sigma, rate)).toThrow(new RegExp(`\\b${name}\\b`));
    expect(() => black76Greeks("put", F, K, T, sigma, rate)).toThrow(RangeError);
  });

  it("throws on an invalid option type", () => {
    expect(() => black76Price("straddle" as OptionType, 100, 100, 1, 0.5)).toThrow(RangeError);
  });
});
