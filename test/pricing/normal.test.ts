import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { erfc, normCdf, normPdf } from "../../src/pricing/normal.js";

/** |actual − expected| / |expected| (absolute error when expected is 0). */
function relErr(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

// Reference values computed with mpmath (40 significant digits), rounded to 17 digits.
const CDF_CENTRAL: ReadonlyArray<readonly [number, number]> = [
  [0, 0.5],
  [1, 0.84134474606854294859],
  [-1, 0.15865525393145705141],
  [-1.96, 0.024997895148220434137],
  [3, 0.99865010196836990547],
  [-0.5, 0.30853753872598689636],
  [0.3, 0.61791142218895263731],
  [0.8, 0.78814460141660331442],
  [-1.2, 0.11506967022170826802],
  [2, 0.9772498680518207928],
  [-2.5, 0.006209665325776135167],
  [-4, 0.000031671241833119921254],
  [5, 0.99999971334842812081],
  [8, 0.9999999999999993779],
];

const CDF_TAIL: ReadonlyArray<readonly [number, number]> = [
  [-5, 2.8665157187919391167e-7],
  [-7, 1.2798125438858350044e-12],
  [-10, 7.619853024160526066e-24],
  [-20, 2.7536241186062336951e-89],
  [-30, 4.9067139271481870595e-198],
  [-37, 5.7255712225245768227e-300],
];

const ERFC_VALUES: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0.1, 0.8875370839817151078],
  [0.5, 0.47950012218695346232],
  [0.9, 0.20309178757716787148],
  [1.1, 0.11979493042591830023],
  [2, 0.0046777349810472658379],
  [3, 0.000022090496998585441373],
  [5, 1.5374597944280348502e-12],
  [10, 2.088487583762544757e-45],
  [20, 5.3958656116079009289e-176],
  [26, 5.6631924088561428465e-296],
  [-0.7, 1.677801193837418473],
  [-1, 1.8427007929497148693],
  [-3, 1.9999779095030014146],
];

describe("normCdf", () => {
  it.each(CDF_CENTRAL)("Φ(%d) = %d to 1e-14 relative", (x, expected) => {
    expect(relErr(normCdf(x), expected), `normCdf(${x}) = ${normCdf(x)}, expected ${expected}`).toBeLessThanOrEqual(
      1e-14,
    );
  });

  it.each(CDF_TAIL)("far tail Φ(%d) = %d to 1e-12 relative", (x, expected) => {
    expect(relErr(normCdf(x), expected), `normCdf(${x}) = ${normCdf(x)}, expected ${expected}`).toBeLessThanOrEqual(
      1e-12,
    );
  });

  it("handles infinities, NaN and tiny arguments", () => {
    expect(normCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
    expect(normCdf(1e-300)).toBe(0.5);
    expect(Number.isNaN(normCdf(Number.NaN))).toBe(true);
  });

  it("satisfies Φ(x) + Φ(−x) = 1 (abs 2e-16) on [-9, 9]", () => {
    fc.assert(
      fc.property(fc.double({ min: -9, max: 9, noNaN: true }), (x) => {
        const sum = normCdf(x) + normCdf(-x);
        expect(Math.abs(sum - 1), `x=${x}: Φ(x)+Φ(-x)=${sum}`).toBeLessThanOrEqual(2.3e-16);
      }),
    );
  });

  it("is non-decreasing", () => {
    fc.assert(
      fc.property(fc.double({ min: -38, max: 9, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, d) => {
        expect(normCdf(x + d), `x=${x}, d=${d}`).toBeGreaterThanOrEqual(normCdf(x));
      }),
    );
  });

  it("has derivative normPdf (central difference, rel 1e-8)", () => {
    for (const x of [-6, -3, -1, -0.2, 0, 0.7, 2, 4.5]) {
      const h = 1e-5;
      // Difference the smaller tail (Φ(x) = 1 − Φ(−x)) to avoid cancellation near 1.
      const fd = x <= 0 ? (normCdf(x + h) - normCdf(x - h)) / (2 * h) : (normCdf(h - x) - normCdf(-h - x)) / (2 * h);
      expect(relErr(fd, normPdf(x)), `x=${x}: fd=${fd}, pdf=${normPdf(x)}`).toBeLessThan(1e-8);
    }
  });
});

describe("normPdf", () => {
  it.each([
    [0, 0.39894228040143267794],
    [1, 0.24197072451914336999],
    [-2.5, 0.017528300493568537],
    [10, 7.6945986267064193463e-23],
  ] as const)("φ(%d) = %d to 1e-14 relative", (x, expected) => {
    expect(relErr(normPdf(x), expected), `normPdf(${x}) = ${normPdf(x)}`).toBeLessThanOrEqual(1e-14);
  });

  it("is symmetric and vanishes at infinity", () => {
    expect(normPdf(1.3)).toBe(normPdf(-1.3));
    expect(normPdf(Number.POSITIVE_INFINITY)).toBe(0);
    expect(normPdf(Number.NEGATIVE_INFINITY)).toBe(0);
  });
});

describe("erfc", () => {
  it.each(ERFC_VALUES)("erfc(%d) = %d to 1e-14 relative", (x, expected) => {
    expect(relErr(erfc(x), expected), `erfc(${x}) = ${erfc(x)}, expected ${expected}`).toBeLessThanOrEqual(1e-14);
  });

  it("covers every branch boundary continuously", () => {
    for (const b of [0.25, 0.84375, 1.25, 2.8571414947509766, 6, 28]) {
      for (const sign of [1, -1]) {
        const x = sign * b;
        const lo = erfc(x * (1 - 1e-12));
        const hi = erfc(x * (1 + 1e-12));
        expect(relErr(lo, hi), `erfc around ${x}: ${lo} vs ${hi}`).toBeLessThan(1e-9);
      }
    }
  });

  it("handles limits and NaN", () => {
    expect(erfc(Number.POSITIVE_INFINITY)).toBe(0);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(Number.isNaN(erfc(Number.NaN))).toBe(true);
  });
});
