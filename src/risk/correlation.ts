/**
 * Correlation matrices: validation, repair to the nearest correlation matrix (Higham 2002, alternating
 * projections with Dykstra's correction) and Cholesky factorisation. Matrices are row-major n×n Float64Arrays.
 */
import type { Parsed } from "../domain/instrument.js";
import { eigenInto, eigenWorkspace, minEigenvalue, type EigenSolver, type EigenWorkspace } from "./eigen.js";

export { jacobiEigen, minEigenvalue, symmetricEigen, type EigenSolver } from "./eigen.js";

/**
 * Projection onto the PSD cone with eigenvalues floored at `floor`, into `out`: V·diag(max(λ, floor))·Vᵀ
 * computed as A + Σ_{λ<floor} (floor − λ)·v·vᵀ, so only the (few) eigenvalues below the floor cost work.
 * `out` may not alias `a`.
 */
function clipSpectrumInto(a: Float64Array, n: number, floor: number, ws: EigenWorkspace, out: Float64Array, solver: EigenSolver): void {
  eigenInto(a, ws, true, solver);
  const V = ws.vectors, values = ws.values;
  out.set(a);
  for (let k = 0; k < n; k++) {
    const lift = floor - values[k];
    if (!(lift > 0)) continue;
    for (let i = 0; i < n; i++) {
      const vik = V[i * n + k] * lift;
      if (vik === 0) continue;
      const ri = i * n;
      for (let j = i; j < n; j++) out[ri + j] += vik * V[j * n + k];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i];
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
 * Cholesky factor exists. A matrix that is already PSD is returned unchanged. Each projection onto the
 * PSD cone takes one eigen-decomposition (`solver`, default Householder + implicit QL; `jacobi` is the
 * slower reference) and only lifts the eigenvalues below zero; no allocation inside the iteration.
 */
export function nearestCorrelation(a: Float64Array, n: number, opts: { eigenFloor?: number; tol?: number; maxIter?: number; anySymmetric?: boolean; solver?: EigenSolver } = {}): Parsed<Repair> {
  const { eigenFloor = 1e-10, tol = 1e-10, maxIter = 500, anySymmetric = false, solver = "ql" } = opts;
  const problems = anySymmetric ? symmetryProblems(a, n) : correlationProblems(a, n);
  if (problems.length > 0) return { ok: false, reason: `not a correlation matrix: ${problems.join("; ")}` };
  const ws = eigenWorkspace(n);
  const before = minEigenvalue(a, n, ws, solver);
  let unitDiag = true;
  for (let i = 0; i < n; i++) if (a[i * n + i] !== 1) unitDiag = false;
  if (before >= 0 && unitDiag) return { ok: true, value: { matrix: a.slice(), minEigenBefore: before, minEigenAfter: before, distance: 0, iterations: 0, repaired: false } };
  const nn = n * n;
  const Y = a.slice(), dS = new Float64Array(nn), R = new Float64Array(nn), X = new Float64Array(nn);
  let it = 0;
  for (; it < maxIter; it++) {
    for (let i = 0; i < nn; i++) R[i] = Y[i] - dS[i];
    clipSpectrumInto(R, n, 0, ws, X, solver);
    for (let i = 0; i < nn; i++) dS[i] = X[i] - R[i];
    for (let i = 0; i < n; i++) X[i * n + i] = 1;
    let diff = 0, norm = 0;
    for (let i = 0; i < nn; i++) { const x = X[i], dx = x - Y[i]; diff += dx * dx; norm += x * x; }
    Y.set(X);
    if (Math.sqrt(diff) <= tol * Math.sqrt(norm)) break;
  }
  // Floor the spectrum, restore the unit diagonal exactly.
  const F = new Float64Array(nn);
  clipSpectrumInto(Y, n, eigenFloor, ws, F, solver);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1 / Math.sqrt(F[i * n + i]);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) F[i * n + j] = i === j ? 1 : Math.max(-1, Math.min(1, F[i * n + j] * d[i] * d[j]));
  let dist = 0;
  for (let i = 0; i < nn; i++) dist += (F[i] - a[i]) ** 2;
  return { ok: true, value: { matrix: F, minEigenBefore: before, minEigenAfter: minEigenvalue(F, n, ws, solver), distance: Math.sqrt(dist), iterations: Math.min(it + 1, maxIter), repaired: true } };
}

/** Pivots at or below this (relative to the diagonal) are rounding noise: the column is zero. */
const ZERO_PIVOT = 1e-14;

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
    // A pivot is zero only at rounding level; a small true pivot (nearly collinear assets) is kept, or the
    // off-diagonal entries it carries would be lost from L·Lᵀ.
    const ljj = d > ZERO_PIVOT * Math.max(1, a[j * n + j]) ? Math.sqrt(d) : 0;
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
