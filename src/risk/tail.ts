/**
 * Value at Risk and Expected Shortfall of a P&L sample (DESIGN.md section 6).
 *
 * Conventions: losses are −P&L; with N scenarios and confidence α, k = ⌈(1 − α)·N⌉ computed free of
 * floating-point noise (α = 0.99, N = 1000 → k = 10, although (1 − 0.99)·1000 = 10.000000000000009 in
 * float64); VaR_α is the k-th largest loss and ES_α the mean of the k largest losses. Both are reported
 * as they are (a negative VaR means even the k-th worst scenario gains).
 */
import type { Parsed } from "../domain/instrument.js";

/** Check a confidence level: must lie strictly between 0.5 and 1. */
export function checkConfidence(alpha: number): Parsed<number> {
  if (!(Number.isFinite(alpha) && alpha > 0.5 && alpha < 1)) return { ok: false, reason: `confidence must be strictly between 0.5 and 1 (got ${alpha})` };
  return { ok: true, value: alpha };
}

/** k = ⌈(1 − α)·N⌉, at least 1, with (1 − α)·N snapped to the nearest integer when within 1e-9 of it. */
export function tailCount(alpha: number, n: number): number {
  const x = (1 - alpha) * n;
  const r = Math.round(x);
  const k = Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x)) ? r : Math.ceil(x);
  return Math.min(n, Math.max(1, k));
}

/** VaR and ES of a P&L sample, with the scenario of the largest loss. */
export interface TailMeasures {
  /** k-th largest loss (numeraire). */
  readonly var: number;
  /** Mean of the k largest losses (numeraire). */
  readonly es: number;
  readonly k: number;
  readonly scenarios: number;
  /** Index of the scenario with the largest loss. */
  readonly worstIndex: number;
  /** Largest loss. */
  readonly worstLoss: number;
}

/**
 * VaR and ES of the scenario P&L `pnl` at confidence α. Errors (as values): α outside (0.5, 1), an empty
 * sample, a non-finite P&L.
 */
export function varEs(pnl: ArrayLike<number>, alpha: number): Parsed<TailMeasures> {
  const c = checkConfidence(alpha);
  if (!c.ok) return c;
  const n = pnl.length;
  if (n === 0) return { ok: false, reason: "no scenarios" };
  const losses = new Float64Array(n);
  let worstIndex = 0;
  for (let i = 0; i < n; i++) {
    const l = -pnl[i];
    if (!Number.isFinite(l)) return { ok: false, reason: `scenario ${i} has a non-finite P&L (${pnl[i]})` };
    losses[i] = l;
    if (l > losses[worstIndex]) worstIndex = i;
  }
  const k = tailCount(alpha, n);
  const top = largest(losses, k);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += top[i];
  return { ok: true, value: { var: top[k - 1], es: sum / k, k, scenarios: n, worstIndex, worstLoss: losses[worstIndex] } };
}

/** The k largest values, in decreasing order (a full sort when k is large, else a bounded selection). */
function largest(x: Float64Array, k: number): Float64Array {
  if (k * 16 > x.length) return x.slice().sort().reverse().subarray(0, k);
  // Min-heap of size k.
  const h = new Float64Array(k);
  let size = 0;
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < size && h[l] < h[m]) m = l;
      if (r < size && h[r] < h[m]) m = r;
      if (m === i) return;
      const t = h[i]; h[i] = h[m]; h[m] = t; i = m;
    }
  };
  for (let j = 0; j < x.length; j++) {
    const v = x[j];
    if (size < k) {
      let i = size++;
      h[i] = v;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p] <= h[i]) break;
        const t = h[i]; h[i] = h[p]; h[p] = t; i = p;
      }
    } else if (v > h[0]) {
      h[0] = v;
      down(0);
    }
  }
  return h.sort().reverse();
}
