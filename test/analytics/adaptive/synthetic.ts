/**
 * Synthetic daily bars from a GARCH(1,1)-t process with known conditional volatility (seeded). Each day's
 * open is the previous close; the close-to-close log return is r_t = σ_t z_t (z unit-variance Student-t);
 * high and low come from a Brownian bridge of 48 steps from 0 to r_t with per-step sd σ_t/√48; volume
 * scales with σ_t (plus noise).
 */
import type { Bars } from "../../../src/analytics/adaptive/bars.js";
import type { GarchParams } from "../../../src/analytics/adaptive/garch.js";
import { seededRng } from "../../../src/risk/rng.js";

/** Crypto-like clustering: daily vol 3 % on average, persistence α + β = 0.99, t(5) innovations. */
export const SYN_GARCH: GarchParams = { omega: 9e-6, alpha: 0.15, beta: 0.84, nu: 5 };

export interface SyntheticSeries {
  readonly bars: Bars;
  /** σ_t of each day's return (known conditional vol). */
  readonly sigma: Float64Array;
  readonly returns: Float64Array;
}

/**
 * A known regime change: before bar `at` the close-to-close return is `closeFactor` × σ_t z_t while the
 * intraday path (high, low) still has per-day sd σ_t — closes moved more than the daily range shows, as in
 * thin early markets — and from `at` on the two agree (factor 1). The GARCH recursion uses σ_t z_t.
 */
export interface CloseRangeRegime { readonly at: number; readonly closeFactor: number }

export function syntheticGarchBars(seed: number, n: number, p: GarchParams = SYN_GARCH, steps = 48, regime?: CloseRangeRegime): SyntheticSeries {
  const rng = seededRng(seed);
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  const sigma = new Float64Array(n), returns = new Float64Array(n);
  const bar = p.omega / (1 - p.alpha - p.beta);
  let v = bar, prevR = 0, price = 100;
  const path = new Float64Array(steps + 1);
  for (let t = 0; t < n; t++) {
    if (t > 0) v = p.omega + p.alpha * prevR * prevR + p.beta * v;
    const s = Math.sqrt(v);
    const z = (rng.normal() / Math.sqrt(rng.chiSquare(p.nu) / p.nu)) * Math.sqrt((p.nu - 2) / p.nu);
    const r = s * z * (regime && t < regime.at ? regime.closeFactor : 1);
    for (let k = 1; k <= steps; k++) path[k] = path[k - 1] + (rng.normal() * s) / Math.sqrt(steps);
    let hi = 0, lo = 0;
    const end = path[steps];
    for (let k = 1; k <= steps; k++) { const w = path[k] - (k / steps) * (end - r); hi = Math.max(hi, w); lo = Math.min(lo, w); }
    open[t] = price; close[t] = price * Math.exp(r);
    high[t] = Math.max(price * Math.exp(hi), open[t], close[t]); low[t] = Math.min(price * Math.exp(lo), open[t], close[t]);
    volume[t] = Math.exp(15 + Math.log(s / Math.sqrt(bar)) + 0.3 * rng.normal());
    sigma[t] = s; returns[t] = r; prevR = s * z; price = close[t];
  }
  const periods = Int32Array.from({ length: n }, (_, i) => 16000 + i);
  return { bars: { asset: "SYN", periods, open, high, low, close, volume }, sigma, returns };
}
