import type { CrossAssetParams } from "./params.js";

/** Correlation between two underlyings from the parameter table (`A/B` or `B/A`); 1 when absent. */
export function pairCorrelation(p: CrossAssetParams, a: string, b: string): number {
  if (a === b) return 1;
  return p.correlations[`${a}/${b}`] ?? p.correlations[`${b}/${a}`] ?? 1;
}

/**
 * Aggregate per-underlying risk margins L (≥ 0, numeraire): `sum` gives Σ L; `correlation` gives
 * √(Σᵢⱼ ρᵢⱼ Lᵢ Lⱼ), with the credit (Σ L − that) capped at maxCredit × Σ L. Returns the credit (≥ 0).
 */
export function crossAssetCredit(p: CrossAssetParams, units: readonly { underlying: string; total: number }[]): number {
  let sum = 0;
  for (const u of units) sum += u.total;
  if (p.mode === "sum" || units.length < 2) return 0;
  let q = 0;
  for (const a of units) for (const b of units) q += pairCorrelation(p, a.underlying, b.underlying) * a.total * b.total;
  const aggregated = Math.sqrt(Math.max(0, q));
  return Math.max(0, Math.min(sum - aggregated, p.maxCredit * sum));
}
