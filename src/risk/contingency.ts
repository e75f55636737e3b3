/**
 * Add-ons that sit outside the scenario grid (pure): oracle-confidence contingencies and the
 * stablecoin peg-loss factor. Amounts in the caller's money unit; confidences in [0, 1].
 */

/** Confidence contingency: (1 − c)·margin·notional when the feed confidence c is below the threshold, else 0. */
export function confidenceContingency(confidence: number, notional: number, threshold: number, margin: number): number {
  return confidence < threshold ? (1 - confidence) * margin * notional : 0;
}

/**
 * Loss factor raised for a depegged stablecoin: factor + max(0, threshold − stablePrice)·pegLossFactor.
 * The result scales the worst scenario loss (a cash-only account is unaffected).
 */
export function pegLossAdjustedFactor(factor: number, stablePrice: number, threshold: number, pegLossFactor: number): number {
  return factor + Math.max(0, threshold - stablePrice) * pegLossFactor;
}

/** Depeg add-on on a notional: max(0, threshold − stablePrice)·factor·notional. */
export function depegContingency(stablePrice: number, notional: number, threshold: number, factor: number): number {
  return stablePrice < threshold ? (threshold - stablePrice) * factor * notional : 0;
}
