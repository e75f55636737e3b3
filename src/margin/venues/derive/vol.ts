/** Derive's SVI vol feed (sticky strike), pure. */
import type { Parsed } from "../../../domain/instrument.js";
import { sviTotalVariance } from "../../../market/svi.js";
import type { DeriveExpiryFeed } from "./params.js";

/** Largest total variance the feed returns. */
const MAX_TOTAL_VARIANCE = 144;

/**
 * Vol at a strike from Derive's SVI feed: k = ln(K/F_svi) clamped to ±4·√(a + b·σ), total variance
 * w(k) capped at 144, vol = √(w/τ_svi). A feed with τ_svi ≤ 0 (expired) gives vol 0.
 */
export function deriveSviVol(svi: NonNullable<DeriveExpiryFeed["svi"]>, strike: number): Parsed<number> {
  if (!(svi.tau > 0)) return { ok: true, value: 0 };
  const bound = 4 * Math.sqrt(svi.a + svi.b * svi.sigma);
  if (!Number.isFinite(bound)) return { ok: false, reason: `SVI feed has a + b·sigma < 0 (a=${svi.a}, b=${svi.b}, sigma=${svi.sigma})` };
  const k = Math.min(bound, Math.max(-bound, Math.log(strike / svi.forward)));
  const w = Math.min(MAX_TOTAL_VARIANCE, sviTotalVariance(svi, k));
  if (!(w >= 0)) return { ok: false, reason: `SVI feed gives a negative total variance ${w} at strike ${strike}` };
  return { ok: true, value: Math.sqrt(w / svi.tau) };
}
