/**
 * Parameters of the venue method modules (`method` in a parameter file). Each venue's method is a
 * separate module under `src/margin/venues/<venue>/`, dispatched from `marginWith`. All rates are
 * fractions (0.05 = 5 %); USD amounts are USD.
 */

/** One tier of a schedule by USD amount: `value` applies from `fromUsd`. */
export interface UsdTier {
  readonly fromUsd: number;
  readonly value: number;
}

/**
 * One MR9 tier: `value` is the tier's minimum rate (at or near the peg); `byIndex` makes the rate grow as the
 * pair's index leaves the peg — points by descending index, linear between them, the last point's rate beyond it.
 */
export interface DepegTier extends UsdTier {
  readonly byIndex?: readonly { readonly index: number; readonly value: number }[];
}

/** OKX portfolio-margin parameters of one underlying (asset tier). */
export interface OkxUnderlyingParams {
  /** MR6: the extreme price move ±extremeMove, revalued with vol up. */
  readonly extremeMove: number;
  /**
   * MR6: weight of the extreme-move loss (fraction). OKX reports the loss as `mr6FinalResult.pnl` and charges
   * half of it as `mr6` (its position-builder example, BTC and LTC alike): 0.5, so that a linear book's MR6
   * equals its MR1 (the extreme move is twice MR1's largest) and only convex books pay more.
   */
  readonly extremeWeight: number;
  /** MR3: relative vol move at 30 days to expiry, scaled by (30/DTE)^termPower. */
  readonly termShock: number;
  readonly termPower: number;
  /** MR3: expiries under pivotDays move one way, the rest the other way. */
  readonly termPivotDays: number;
  /** MR5: absolute shift of the discount rate, up and down. */
  readonly rateShock: number;
  /** MR7 raw minimum charge: rate of the delta-1 notional (futures, perpetuals). */
  readonly minChargeDeltaOne: number;
  /** MR7 raw minimum charge: rate of the index per short option contract (coin). */
  readonly minChargeShortOption: number;
  /** MR7 raw minimum charge: rate of the mark value of long options. */
  readonly minChargeLongOption: number;
  /** MR7: multiplier of the raw minimum charge by raw charge (USD), step function as published. */
  readonly minChargeTiers: readonly UsdTier[];
}

/** OKX portfolio margin (MR1..MR9), the rules in force since January 2025. */
export interface OkxParams {
  /** Per underlying (asset tier); `default` for the rest. MR1's grid is `portfolio.underlyings`. */
  readonly underlyings: Readonly<Record<string, OkxUnderlyingParams>>;
  /** MR2: days of time decay. */
  readonly thetaDays: number;
  /** IMR = imFactor × MMR (OKX: 1.3). */
  readonly imFactor: number;
  /** MR9: pairs of settlement currencies hedged in this order, e.g. `USDT/USD`. */
  readonly depegPairs: readonly string[];
  /** MR9: marginal peg-loss rate by hedged volume (USD), each tier's rate a function of the pair's index. */
  readonly depegTiers: readonly DepegTier[];
}

/** CME SPAN parameters. */
export interface SpanParams {
  /** Extreme moves: multiple of the price scan range (CME: 2) and the fraction covered (CME: 0.35). */
  readonly extremeMultiple: number;
  readonly extremeCover: number;
  /** Short option minimum per net short option (USD per option), per underlying (`default`). */
  readonly shortOptionMinimum: Readonly<Record<string, number>>;
  /** Intra-commodity (calendar) spread charge per spread of one delta unit (USD), per underlying (`default`). */
  readonly intraSpreadCharge: Readonly<Record<string, number>>;
  /** Inter-commodity spread credits, in priority order. */
  readonly interSpreads: readonly { readonly legs: readonly [string, string]; readonly deltaRatio: readonly [number, number]; readonly credit: number }[];
  /** Published risk arrays: per instrument, the 16 scenario P&Ls of one unit in USD (profit +), already weighted. */
  readonly riskArrays: Readonly<Record<string, readonly number[]>>;
  /** Published composite deltas per instrument (used for spreads); the model delta otherwise. */
  readonly deltas: Readonly<Record<string, number>>;
  /** Tiered intra-commodity spreads per underlying (no `default` needed); absent → the flat charge alone. */
  readonly intraTiers?: Readonly<Record<string, SpanIntraTiers>>;
  /** Delivery (spot) month charge per underlying: USD per unit of delta in expiries within `days`. */
  readonly spotMonth?: Readonly<Record<string, { readonly days: number; readonly charge: number }>>;
}

/**
 * SPAN tiered intra-commodity spreads: expiries fall into tiers by days to expiry (tier i ends at
 * `tierEndDays[i]`, later expiries in the last tier; perpetuals in the first); spreads are formed in the order
 * of `charges`, each between a long-delta and a short-delta expiry of the named tiers (either way round), at
 * `charge` USD per delta unit; what is still spread after them pays the flat `intraSpreadCharge`.
 */
export interface SpanIntraTiers {
  readonly tierEndDays: readonly number[];
  readonly charges: readonly { readonly tiers: readonly [number, number]; readonly charge: number }[];
}

/** Deribit cross-collateral portfolio margin. */
export interface CrossCollateralParams {
  /** Share of scenario gains of one currency credited against losses of another (Deribit: pnl_offset). */
  readonly pnlOffset: number;
}

/** Method modules known to `marginWith`. `grid` (or absent) is the default scenario-grid model. */
export type VenueMethod = "grid" | "okx" | "span" | "deribit-cross" | "derive-pm2" | "derive-srm";
