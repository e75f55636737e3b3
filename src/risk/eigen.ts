/**
 * Symmetric eigen-decomposition for the correlation code: Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm with Wilkinson-style shifts (the tred2/tqli pair of Numerical
 * Recipes, written here for row-major Float64Arrays), with cyclic Jacobi as a slower reference and as the
 * fallback should QL ever fail to converge. Eigenvectors are the COLUMNS of the returned n×n matrix
 * (component i of vector k at `vectors[i * n + k]`); eigenvalues are not sorted.
 */

/** Scratch space for repeated decompositions of n×n matrices (no allocation per call). */
export interface EigenWorkspace {
  readonly n: number;
  /** n×n: the input is copied here and overwritten with the eigenvectors (columns). */
  readonly vectors: Float64Array;
  /** Eigenvalues. */
  readonly values: Float64Array;
  /** Off-diagonal of the tridiagonal matrix. */
  readonly offDiag: Float64Array;
}

/** Allocate a workspace for n×n matrices. */
export function eigenWorkspace(n: number): EigenWorkspace {
  return { n, vectors: new Float64Array(n * n), values: new Float64Array(n), offDiag: new Float64Array(n) };
}

/**
 * Householder tridiagonalisation of the symmetric matrix in `z` (row-major, overwritten): on return
 * `d` holds the diagonal, `e[1..n-1]` the sub-diagonal (e[0] = 0) and, with `vectors`, `z` the
 * orthogonal Q with A = Q·T·Qᵀ; without, `z` is garbage.
 */
function tridiagonalise(z: Float64Array, n: number, d: Float64Array, e: Float64Array, vectors: boolean): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1, ri = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(z[ri + k]);
      if (scale === 0) e[i] = z[ri + l];
      else {
        for (let k = 0; k <= l; k++) { z[ri + k] /= scale; h += z[ri + k] * z[ri + k]; }
        let f = z[ri + l];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        z[ri + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          if (vectors) z[rj + i] = z[ri + j] / h;
          g = 0;
          for (let k = 0; k <= j; k++) g += z[rj + k] * z[ri + k];
          for (let k = j + 1; k <= l; k++) g += z[k * n + j] * z[ri + k];
          e[j] = g / h;
          f += e[j] * z[ri + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          f = z[ri + j];
          g = e[j] - hh * f;
          e[j] = g;
          for (let k = 0; k <= j; k++) z[rj + k] -= f * e[k] + g * z[ri + k];
        }
      }
    } else e[i] = z[ri + l];
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    if (vectors) {
      if (d[i] !== 0) {
        for (let j = 0; j < i; j++) {
          let g = 0;
          for (let k = 0; k < i; k++) g += z[ri + k] * z[k * n + j];
          for (let k = 0; k < i; k++) z[k * n + j] -= g * z[k * n + i];
        }
      }
      d[i] = z[ri + i];
      z[ri + i] = 1;
      for (let j = 0; j < i; j++) { z[j * n + i] = 0; z[ri + j] = 0; }
    } else d[i] = z[ri + i];
  }
}

/**
 * Implicit QL on the tridiagonal (d, e) from `tridiagonalise`; with `vectors` the rotations are
 * accumulated into the columns of `z`. Returns false when an eigenvalue needs more than 60 iterations.
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number, z: Float64Array, vectors: boolean): boolean {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0, m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter++ === 60) return false;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0, i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) { d[i + 1] -= p; e[m] = 0; break; }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (vectors) {
          for (let k = 0; k < n; k++) {
            const rk = k * n;
            f = z[rk + i + 1];
            z[rk + i + 1] = s * z[rk + i] + c * f;
            z[rk + i] = c * z[rk + i] - s * f;
          }
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m !== l);
  }
  return true;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (reference and fallback). */
export function jacobiEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
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
      rotate(A, n, p, q, c, s, true);
      rotate(A, n, p, q, c, s, false);
      rotate(V, n, p, q, c, s, true);
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** Rotate columns (or rows) p and q of M by (c, s). */
function rotate(M: Float64Array, n: number, p: number, q: number, c: number, s: number, columns: boolean): void {
  for (let k = 0; k < n; k++) {
    const ip = columns ? k * n + p : p * n + k, iq = columns ? k * n + q : q * n + k;
    const x = M[ip], y = M[iq];
    M[ip] = c * x - s * y;
    M[iq] = s * x + c * y;
  }
}

/** `ql`: Householder tridiagonalisation + implicit QL (default); `jacobi`: cyclic Jacobi (reference, ~3× slower at n = 20). */
export type EigenSolver = "ql" | "jacobi";

/**
 * Decompose the symmetric n×n matrix `a` into the workspace (tridiagonal QL, falling back to Jacobi if
 * QL does not converge). `a` is not modified. Without `vectors`, only `ws.values` is meaningful.
 */
export function eigenInto(a: ArrayLike<number>, ws: EigenWorkspace, vectors = true, solver: EigenSolver = "ql"): void {
  const { n, vectors: z, values: d, offDiag: e } = ws;
  for (let i = 0; i < n * n; i++) z[i] = a[i];
  if (n === 1) { d[0] = z[0]; z[0] = 1; return; }
  if (solver === "ql") {
    tridiagonalise(z, n, d, e, vectors);
    if (tridiagonalQl(d, e, n, z, vectors)) return;
  }
  const j = jacobiEigen(Float64Array.from(a), n);
  d.set(j.values);
  z.set(j.vectors);
}

/** Eigen-decomposition of a symmetric matrix: values and vectors (columns of V). */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const ws = eigenWorkspace(n);
  eigenInto(a, ws, true);
  return { values: ws.values, vectors: ws.vectors };
}

/** Smallest eigenvalue of a symmetric matrix (values only, no vectors accumulated). */
export function minEigenvalue(a: Float64Array, n: number, ws: EigenWorkspace = eigenWorkspace(n), solver: EigenSolver = "ql"): number {
  eigenInto(a, ws, false, solver);
  let m = Infinity;
  for (let i = 0; i < n; i++) if (ws.values[i] < m) m = ws.values[i];
  return m;
}
