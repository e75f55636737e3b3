/**
 * Nelder–Mead simplex minimisation (Nelder & Mead 1965; coefficients 1, 2, ½, ½ as in Lagarias et al.
 * 1998). Derivative-free, used for the GARCH likelihood on unconstrained (transformed) parameters.
 */

export interface NelderMeadResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.1). */
  readonly step?: number;
  readonly maxEvaluations?: number;
  /** Stop when the simplex's values differ by less than this (absolute) and its extent is below √tol. */
  readonly tolerance?: number;
}

/** Minimise f from x0. A non-finite f counts as +∞ (the simplex moves away from it). */
export function nelderMead(f: (x: Float64Array) => number, x0: Float64Array, o: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length, step = o.step ?? 0.1, maxEv = o.maxEvaluations ?? 200 * n, tol = o.tolerance ?? 1e-9;
  let evaluations = 0;
  const F = (x: Float64Array): number => { evaluations++; const v = f(x); return Number.isFinite(v) ? v : Infinity; };
  const pts: Float64Array[] = [Float64Array.from(x0)];
  for (let i = 0; i < n; i++) { const p = Float64Array.from(x0); p[i] += step; pts.push(p); }
  const vals = pts.map(F);
  const order = (): void => {
    const idx = pts.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const p2 = idx.map((i) => pts[i]), v2 = idx.map((i) => vals[i]);
    for (let i = 0; i <= n; i++) { pts[i] = p2[i]; vals[i] = v2[i]; }
  };
  const along = (c: Float64Array, w: Float64Array, t: number): Float64Array => Float64Array.from(c, (ci, j) => ci + t * (w[j] - ci));
  let converged = false;
  while (evaluations < maxEv) {
    order();
    let extent = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) extent = Math.max(extent, Math.abs(pts[i][j] - pts[0][j]));
    if (vals[n] - vals[0] <= tol && extent <= Math.sqrt(tol)) { converged = true; break; }
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += pts[i][j] / n;
    const worst = pts[n];
    const r = along(c, worst, -1), fr = F(r);
    if (fr < vals[0]) {
      const e = along(c, worst, -2), fe = F(e);
      if (fe < fr) { pts[n] = e; vals[n] = fe; } else { pts[n] = r; vals[n] = fr; }
    } else if (fr < vals[n - 1]) {
      pts[n] = r; vals[n] = fr;
    } else {
      const outside = fr < vals[n];
      const k = along(c, worst, outside ? -0.5 : 0.5), fk = F(k);
      if (fk < (outside ? fr : vals[n])) { pts[n] = k; vals[n] = fk; } else {
        for (let i = 1; i <= n; i++) { pts[i] = along(pts[0], pts[i], 0.5); vals[i] = F(pts[i]); }
      }
    }
  }
  order();
  return { x: pts[0], value: vals[0], evaluations, converged };
}
