/**
 * Vol scenarios that reshape the smile (pure): term-scaled parallel shocks and skew tilts.
 *
 * Conventions: vols annualised decimals; log-moneyness κ = ln(K/F); `sqrtT` = √(years to expiry).
 */

/** Term scaling of a vol shock: (30 days / max(T, floor))^p, p = shortPower for T ≤ 30 days else longPower. Times in seconds. */
export function volTermScale(seconds: number, floorSeconds: number, shortPower: number, longPower: number): number {
  const month = 30 * 86_400;
  const t = month / Math.max(seconds, floorSeconds, Number.MIN_VALUE);
  return Math.pow(t, seconds <= month ? shortPower : longPower);
}

/** Parallel vol multipliers: up = 1 + rangeUp·scale, down = max(0, 1 − rangeDown·scale). */
export function volShockMultipliers(scale: number, rangeUp: number, rangeDown: number): { up: number; down: number } {
  return { up: 1 + rangeUp * scale, down: Math.max(0, 1 - rangeDown * scale) };
}

/** Shape of a skew tilt: the multiplier ramps linearly in κ up to ±cap at |κ| = kStar. */
export interface SkewTilt {
  /** Largest relative vol change (cap ≥ 0 for a proper tilt). */
  readonly cap: number;
  /** Log-moneyness where the ramp reaches the cap, > 0. */
  readonly kStar: number;
  /** `linear`: tilts the smile (wings move in opposite directions); `abs`: lifts both wings. */
  readonly shape: "linear" | "abs";
}

/**
 * Vol multiplier of a skew tilt at log-moneyness κ: 1 + clamp(κ'·cap/kStar, −cap, +cap) with κ' = κ
 * (linear) or |κ| (abs), floored at 0 so a vol never turns negative.
 */
export function skewMultiplier(kappa: number, tilt: SkewTilt): number {
  const k = tilt.shape === "abs" ? Math.abs(kappa) : kappa;
  const ramp = k === 0 || tilt.cap === 0 ? 0 : (k * tilt.cap) / tilt.kStar;
  const m = 1 + (k >= 0 ? Math.min(tilt.cap, ramp) : Math.max(-tilt.cap, ramp));
  return Math.max(0, m);
}
