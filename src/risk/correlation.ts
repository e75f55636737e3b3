/**
 * Correlation matrices: validation, repair to the nearest correlation matrix (Higham 2002, alternating
 * projections with Dykstra's correction) and Cholesky factorisation. Matrices are row-major n×n Float64Arrays.
 */
import type { Parsed } from "../domain/instrument.js";

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values and vectors (columns of V). */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = a.slice();
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let norm2 = 0;
  for (let i = 0; i < n * n; i++) norm2 += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= 1e-28 * norm2 || off < 1e-300) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = A[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = A[k * n + p], akq = A[k * n + q];
        A[k * n + p] = c * akp - s * akq;
        A[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = A[p * n + k], aqk = A[q * n + k];
        A[p * n + k] = c * apk - s * aqk;
        A[q * n + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < n; k++) {
        const vkp = V[k * n + p], vkq = V[k * n + q];
        V[k * n + p] = c * vkp - s * vkq;
        V[k * n + q] = s * vkp + c * vkq;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** Smallest eigenvalue of a symmetric matrix. */
export function minEigenvalue(a: Float64Array, n: number): number {
  return Math.min(...symmetricEigen(a, n).values);
}

/** V · diag(max(λ, floor)) · Vᵀ. */
function clipSpectrum(a: Float64Array, n: number, floor: number): Float64Array {
  const { values, vectors: V } = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const l = Math.max(values[k], floor);
    if (l === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = V[i * n + k] * l;
      if (vik === 0) continue;
      for (let j = i; j < n; j++) out[i * n + j] += vik * V[j * n + k];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i];
  return out;
}

/** Problems that make a matrix no correlation matrix at all (shape, symmetry, unit diagonal, range); PSD is checked separately. */
export function correlationProblems(a: ArrayLike<number>, n: number): string[] {
  const out: string[] = [];
  if (a.length !== n * n) return [`must be ${n}×${n} (${n * n} entries), got ${a.length}`];
  for (let i = 0; i < n && out.length < 10; i++) for (let j = 0; j < n; j++) {
    const v = a[i * n + j];
    if (!Number.isFinite(v)) out.push(`[${i}][${j}] must be finite (got ${v})`);
    else if (i === j && Math.abs(v - 1) > 1e-12) out.push(`[${i}][${i}] must be 1 (got ${v})`);
    else if (v < -1 || v > 1) out.push(`[${i}][${j}] must be in [-1, 1] (got ${v})`);
    else if (j > i && Math.abs(v - a[j * n + i]) > 1e-10) out.push(`must be symmetric: [${i}][${j}] = ${v} but [${j}][${i}] = ${a[j * n + i]}`);
  }
  return out;
}

/** Shape, finiteness and symmetry only (for the nearest correlation matrix to any symmetric matrix). */
export function symmetryProblems(a: ArrayLike<number>, n: number): string[] {
  if (a.length !== n * n) return [`must be ${n}×${n} (${n * n} entries), got ${a.length}`];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (!Number.isFinite(a[i * n + j])) return [`[${i}][${j}] must be finite (got ${a[i * n + j]})`];
    if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-10) return [`must be symmetric at [${i}][${j}]`];
  }
  return [];
}

/** A repaired matrix and how far it moved. */
export interface Repair {
  readonly matrix: Float64Array;
  /** Smallest eigenvalue of the input. */
  readonly minEigenBefore: number;
  readonly minEigenAfter: number;
  /** Frobenius distance ‖repaired − input‖. */
  readonly distance: number;
  readonly iterations: number;
  readonly repaired: boolean;
}

/**
 * Nearest correlation matrix in the Frobenius norm (Higham, IMA J. Numer. Anal. 22 (2002) 329–343):
 * alternating projections onto the PSD cone and the unit-diagonal matrices with Dykstra's correction.
 * The result's eigenvalues are floored at `eigenFloor` (then rescaled to a unit diagonal) so that a
 * Cholesky factor exists. A matrix that is already PSD is returned unchanged.
 */
export function nearestCorrelation(a: Float64Array, n: number, opts: { eigenFloor?: number; tol?: number; maxIter?: number; anySymmetric?: boolean } = {}): Parsed<Repair> {
  const { eigenFloor = 1e-10, tol = 1e-10, maxIter = 500, anySymmetric = false } = opts;
  const problems = anySymmetric ? symmetryProblems(a, n) : correlationProblems(a, n);
  if (problems.length > 0) return { ok: false, reason: `not a correlation matrix: ${problems.join("; ")}` };
  const before = minEigenvalue(a, n);
  let unitDiag = true;
  for (let i = 0; i < n; i++) if (a[i * n + i] !== 1) unitDiag = false;
  if (before >= 0 && unitDiag) return { ok: true, value: { matrix: a.slice(), minEigenBefore: before, minEigenAfter: before, distance: 0, iterations: 0, repaired: false } };
  let Y = a.slice();
  let dS = new Float64Array(n * n);
  let it = 0;
  for (; it < maxIter; it++) {
    const R = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) R[i] = Y[i] - dS[i];
    const X = clipSpectrum(R, n, 0);
    dS = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) dS[i] = X[i] - R[i];
    const next = X.slice();
    for (let i = 0; i < n; i++) next[i * n + i] = 1;
    let diff = 0, norm = 0;
    for (let i = 0; i < n * n; i++) { diff += (next[i] - Y[i]) ** 2; norm += next[i] ** 2; }
    Y = next;
    if (Math.sqrt(diff) <= tol * Math.sqrt(norm)) break;
  }
  // Floor the spectrum, restore the unit diagonal exactly.
  const F = clipSpectrum(Y, n, eigenFloor);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1 / Math.sqrt(F[i * n + i]);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = i === j ? 1 : Math.max(-1, Math.min(1, F[i * n + j] * d[i] * d[j]));
  let dist = 0;
  for (let i = 0; i < n * n; i++) dist += (F[i] - a[i]) ** 2;
  return { ok: true, value: { matrix: F, minEigenBefore: before, minEigenAfter: minEigenvalue(F, n), distance: Math.sqrt(dist), iterations: it + 1, repaired: true } };
}

/**
 * Lower-triangular L with L·Lᵀ = A for a symmetric positive-semidefinite A. A zero pivot (a singular
 * but PSD matrix, e.g. two perfectly correlated assets) gives a zero column; a negative pivot is an
 * error naming the row (repair the matrix with `nearestCorrelation` first).
 */
export function cholesky(a: Float64Array, n: number, tol = 1e-10): Parsed<Float64Array> {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!Number.isFinite(d)) return { ok: false, reason: `matrix has a non-finite entry at row ${j}` };
    if (d < -tol) return { ok: false, reason: `matrix is not positive semidefinite (pivot ${d.toPrecision(4)} at row ${j}); repair it to the nearest correlation matrix first` };
    const ljj = d > tol ? Math.sqrt(d) : 0;
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (ljj === 0) {
        if (Math.abs(s) > 1e-7) return { ok: false, reason: `matrix is not positive semidefinite (zero pivot at row ${j} with residual ${s.toPrecision(4)} in row ${i})` };
        L[i * n + j] = 0;
      } else L[i * n + j] = s / ljj;
    }
  }
  return { ok: true, value: L };
}
