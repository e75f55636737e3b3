import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cholesky, minEigenvalue, nearestCorrelation, symmetricEigen } from "../../src/risk/correlation.js";
import { volCorr } from "../../src/risk/covariance.js";
import { parseDay, returnWindow } from "../../src/risk/history.js";
import { history } from "./helpers.js";

function llt(L: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k]; out[i * n + j] = s; }
  return out;
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

describe("nearest correlation matrix (Higham 2002) and Cholesky", () => {
  it("reproduces Higham's published example (tridiag(−1, 2, −1), 4×4) to 4 decimals", () => {
    const A = Float64Array.from([2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2]);
    const r = nearestCorrelation(A, 4, { anySymmetric: true, eigenFloor: 0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const published = [1, -0.8084, 0.1916, 0.1068, -0.8084, 1, -0.6562, 0.1916, 0.1916, -0.6562, 1, -0.8084, 0.1068, 0.1916, -0.8084, 1];
    expect(maxDiff(r.value.matrix, published), Array.from(r.value.matrix, (x) => x.toFixed(4)).join(" ")).toBeLessThan(1e-4);
  });
  it("repairs a non-PSD matrix: PSD, unit diagonal, close to the input; L·Lᵀ reproduces it", () => {
    const C = Float64Array.from([1, 0.9, 0.7, 0.9, 1, -0.4, 0.7, -0.4, 1]);
    expect(minEigenvalue(C, 3)).toBeLessThan(0);
    const direct = cholesky(C, 3);
    expect(direct.ok ? "" : direct.reason).toMatch(/not positive semidefinite/);
    const r = nearestCorrelation(C, 3);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const M = r.value.matrix;
    expect(r.value.minEigenAfter).toBeGreaterThanOrEqual(0);
    expect([M[0], M[4], M[8]]).toEqual([1, 1, 1]);
    // Nearer than the naive repair (clip negative eigenvalues, rescale to a unit diagonal).
    const { values, vectors: V } = symmetricEigen(C, 3);
    const naive = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) naive[i * 3 + j] += V[i * 3 + k] * Math.max(values[k], 0) * V[j * 3 + k];
    const d = [0, 4, 8].map((i) => Math.sqrt(naive[i]));
    let naiveDist = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) naiveDist += (naive[i * 3 + j] / (d[i] * d[j]) - C[i * 3 + j]) ** 2;
    expect(r.value.distance).toBeLessThan(Math.sqrt(naiveDist));
    expect(r.value.distance).toBeLessThan(0.5);
    const L = cholesky(M, 3);
    expect(L.ok && maxDiff(llt(L.value, 3), M)).toBeLessThan(1e-12);
  });
  it("any random symmetric unit-diagonal matrix comes out PSD and factorable (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 8 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 28, maxLength: 28 }), (n, xs) => {
      const C = new Float64Array(n * n);
      let k = 0;
      for (let i = 0; i < n; i++) { C[i * n + i] = 1; for (let j = i + 1; j < n; j++) C[i * n + j] = C[j * n + i] = xs[k++]; }
      const r = nearestCorrelation(C, n);
      if (!r.ok) return false;
      const L = cholesky(r.value.matrix, n);
      return r.value.minEigenAfter >= -1e-12 && L.ok && maxDiff(llt(L.value, n), r.value.matrix) < 1e-9;
    }), { numRuns: 60 });
  });
  it("singular PSD matrices factor with a zero column; malformed matrices are clear errors", () => {
    const S = Float64Array.from([1, 1, 1, 1]);
    const L = cholesky(S, 2);
    expect(L.ok && Array.from(L.value)).toEqual([1, 0, 1, 0]);
    expect(nearestCorrelation(Float64Array.from([1, 2, 2, 1]), 2).ok ? "" : "bad").toBe("bad");
    const nan = nearestCorrelation(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2);
    expect(nan.ok ? "" : nan.reason).toMatch(/must be finite/);
    const asym = nearestCorrelation(Float64Array.from([1, 0.2, 0.3, 1]), 2);
    expect(asym.ok ? "" : asym.reason).toMatch(/symmetric/);
  });
  it("EWMA and sample correlations of BTC/ETH/SOL daily returns are valid correlation matrices; zero variance is an error", () => {
    const w = returnWindow(history(["BTC", "ETH", "SOL"]), ["BTC", "ETH", "SOL"], parseDay("2024-11-20") ?? 0, 730);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    for (const estimator of ["sample", "ewma"] as const) {
      const vc = volCorr(w.value.assets, w.value.returns, { estimator, lambda: 0.94, shrinkage: 0.1 });
      expect(vc.ok).toBe(true);
      if (!vc.ok) continue;
      expect(vc.value.corr[1]).toBeGreaterThan(0.5); // BTC/ETH
      expect(vc.value.corr[1]).toBeLessThanOrEqual(0.9); // shrunk by 10 %
      expect(minEigenvalue(vc.value.corr, 3)).toBeGreaterThan(0);
    }
    const flat = volCorr(["A", "B"], [new Float64Array([0.01, -0.02, 0.01]), new Float64Array(3)], { estimator: "sample", lambda: 0.94, shrinkage: 0 });
    expect(flat.ok ? "" : flat.reason).toMatch(/B: zero or undefined variance/);
  });
});
