import { forAsset, type CollateralParams, type HaircutPoint } from "./params.js";

/**
 * Haircut (USD) of a collateral balance worth `valueUsd`: the integral from 0 to valueUsd of a marginal
 * haircut rate that is interpolated linearly between the schedule's points and flat beyond the last.
 * The haircut is therefore continuous and smooth in the amount: no cliff at a tier edge.
 * Negative or zero values have no haircut.
 */
export function haircutUsd(valueUsd: number, schedule: readonly HaircutPoint[]): number {
  if (!(valueUsd > 0) || schedule.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < schedule.length; i++) {
    const a = schedule[i];
    const b = schedule[i + 1];
    if (valueUsd <= a.fromUsd) break;
    if (!b) {
      total += (valueUsd - a.fromUsd) * a.haircut;
      break;
    }
    const end = Math.min(valueUsd, b.fromUsd);
    const slope = (b.haircut - a.haircut) / (b.fromUsd - a.fromUsd);
    const hEnd = a.haircut + slope * (end - a.fromUsd);
    total += ((a.haircut + hEnd) / 2) * (end - a.fromUsd);
  }
  return total;
}

/** Haircut of an asset's balance under a parameter set (`default` schedule for unlisted assets). */
export function collateralHaircutUsd(asset: string, valueUsd: number, p: CollateralParams): number {
  return haircutUsd(valueUsd, forAsset(p.haircuts, asset));
}
