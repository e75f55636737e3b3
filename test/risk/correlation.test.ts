import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cholesky, jacobiEigen, minEigenvalue, nearestCorrelation, symmetricEigen } from "../../src/risk/correlation.js";
import { seededRng } from "../../src/risk/rng.js";
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
      // A pivot at rounding level (numerically singular, e.g. ρ = −0.999999999999995) is a zero column, and
      // cholesky accepts residuals up to 1e-7 there: the reconstruction bound for such matrices.
      return r.value.minEigenAfter >= -1e-12 && L.ok && maxDiff(llt(L.value, n), r.value.matrix) < 1e-7;
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
  it("tridiagonal QL eigen-decomposition agrees with cyclic Jacobi and satisfies A·V = V·Λ, VᵀV = I (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom("random", "repeated", "lowRank"), (n, seed, kind) => {
      const rng = seededRng(seed);
      const A = new Float64Array(n * n);
      if (kind === "random") {
        for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = 2 * rng.uniform() - 1;
      } else {
        // repeated: all-ones plus 2·I (eigenvalue 2 repeated n−1 times); lowRank: one outer product v·vᵀ.
        const v = Array.from({ length: n }, () => (kind === "repeated" ? 1 : rng.normal()));
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = v[i] * v[j] + (kind === "repeated" && i === j ? 2 : 0);
      }
      const { values, vectors: V } = symmetricEigen(A, n);
      const ref = jacobiEigen(A, n);
      const sortedQl = Array.from(values).sort((x, y) => x - y), sortedJ = Array.from(ref.values).sort((x, y) => x - y);
      const scale = Math.max(1, ...sortedJ.map(Math.abs));
      const msg = `n=${n} seed=${seed} kind=${kind}`;
      expect(maxDiff(sortedQl, sortedJ) / scale, msg).toBeLessThan(1e-12);
      let residual = 0, ortho = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
        let av = 0, vv = 0;
        for (let j = 0; j < n; j++) { av += A[i * n + j] * V[j * n + k]; vv += V[j * n + i] * V[j * n + k]; }
        residual = Math.max(residual, Math.abs(av - values[k] * V[i * n + k]));
        ortho = Math.max(ortho, Math.abs(vv - (i === k ? 1 : 0)));
      }
      expect(residual / scale, msg).toBeLessThan(1e-12);
      expect(ortho, msg).toBeLessThan(1e-12);
    }), { numRuns: 80 });
  });
  it("a 20-asset repair with the QL solver equals the repair with the Jacobi solver", () => {
    const n = 20, C = new Float64Array(n * n), rng = seededRng(20);
    for (let i = 0; i < n; i++) { C[i * n + i] = 1; for (let j = i + 1; j < n; j++) C[i * n + j] = C[j * n + i] = 0.5 + 0.6 * (rng.uniform() - 0.5); }
    expect(minEigenvalue(C, n)).toBeLessThan(0);
    const ql = nearestCorrelation(C, n), jac = nearestCorrelation(C, n, { solver: "jacobi" });
    expect(ql.ok && jac.ok).toBe(true);
    if (!ql.ok || !jac.ok) return;
    expect(maxDiff(ql.value.matrix, jac.value.matrix)).toBeLessThan(1e-9);
    expect(ql.value.minEigenAfter).toBeGreaterThanOrEqual(0);
    expect(Math.abs(ql.value.distance - jac.value.distance)).toBeLessThan(1e-9);
    const L = cholesky(ql.value.matrix, n);
    expect(L.ok && maxDiff(llt(L.value, n), ql.value.matrix)).toBeLessThan(1e-12);
  });
});

describe("Cholesky of nearly collinear assets", () => {
  it("keeps a small true pivot: ρ = 0.99999999995 with a 1e-9 cross term reproduces L·Lᵀ exactly", () => {
    const n = 4, xs = [0.9999999999500001, 0, 0, 0, 1e-9, 0];
    const C = new Float64Array(16);
    let k = 0;
    for (let i = 0; i < n; i++) { C[i * n + i] = 1; for (let j = i + 1; j < n; j++) C[i * n + j] = C[j * n + i] = xs[k++]; }
    const L = cholesky(C, n);
    expect(L.ok).toBe(true);
    if (L.ok) expect(maxDiff(llt(L.value, n), C)).toBeLessThan(1e-15);
  });
});
