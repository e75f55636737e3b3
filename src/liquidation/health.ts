import type { MarginResult } from "../margin/result.js";

/**
 * The health ladder (DESIGN.md section 8), reported next to — never instead of — the margin result's
 * four-valued `status`: healthy → margin_call (IM breached or MM usage past the margin-call band) →
 * reduce_only (MM usage past the reduce-only band) → liquidation (MM breached) → bankrupt (equity < 0).
 */
export type HealthLevel = "healthy" | "margin_call" | "reduce_only" | "liquidation" | "bankrupt";

/** Bands in MM usage (maintenance margin / adjusted equity, a fraction: 0.9 = 90 %). */
export interface HealthBands {
  /** MM usage at which a margin call is raised even if IM still holds. Default 0.8. */
  readonly marginCall: number;
  /** MM usage from which the account may only reduce risk. Default 0.9. */
  readonly reduceOnly: number;
  /** Warning levels reported in `warning` (ascending). Default [0.8, 0.9]. */
  readonly warnings: readonly number[];
}

export const DEFAULT_HEALTH_BANDS: HealthBands = { marginCall: 0.8, reduceOnly: 0.9, warnings: [0.8, 0.9] };

/** Where an account stands on the ladder. */
export interface Health {
  readonly level: HealthLevel;
  /** MM / adjusted equity; null when adjusted equity ≤ 0 (then MM is breached unless MM = 0). */
  readonly mmUsage: number | null;
  /** IM / adjusted equity; null when adjusted equity ≤ 0. */
  readonly imUsage: number | null;
  /** Highest warning band reached, or null. */
  readonly warning: number | null;
}

/** Health of a margin result under the bands (pure). */
export function health(r: Pick<MarginResult, "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin">, bands: HealthBands = DEFAULT_HEALTH_BANDS): Health {
  const adj = r.adjustedEquity;
  const mmUsage = adj > 0 ? r.maintenanceMargin / adj : null;
  const imUsage = adj > 0 ? r.initialMargin / adj : null;
  const usage = mmUsage ?? (r.maintenanceMargin > 0 ? Infinity : 0);
  let warning: number | null = null;
  for (const w of bands.warnings) if (usage >= w && (warning === null || w > warning)) warning = w;
  let level: HealthLevel;
  if (r.equity < 0) level = "bankrupt";
  else if (adj < r.maintenanceMargin || (adj <= 0 && r.maintenanceMargin > 0)) level = "liquidation";
  else if (usage >= bands.reduceOnly) level = "reduce_only";
  else if (adj < r.initialMargin || usage >= bands.marginCall) level = "margin_call";
  else level = "healthy";
  return { level, mmUsage, imUsage, warning };
}
