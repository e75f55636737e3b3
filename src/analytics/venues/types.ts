/**
 * Parameters of the multi-venue analytics (`presets/venues/default.json`, validated in
 * adapters/input/venueBookSchema.ts). Rates are fractions; times are hours; fees are asset units.
 */

/** One way collateral can move: `from`/`to` are venue names or `*` (any venue). */
export interface TransferRoute {
  readonly asset: string;
  readonly from: string;
  readonly to: string;
  /** Hours from request to the funds counting at the destination. */
  readonly hours: number;
  /** Flat fee in units of the asset, deducted from what arrives. */
  readonly fee: number;
}

/** A contagion scenario (docs/venues.md). `moves`: relative index moves applied with it (0.1 = +10 %). */
export type ContagionScenario =
  | { readonly name: string; readonly kind: "venueDefault"; readonly venue: string; readonly recovery: number; readonly moves: Readonly<Record<string, number>> }
  | { readonly name: string; readonly kind: "withdrawalHalt"; readonly venue: string; readonly days: number; readonly moves: Readonly<Record<string, number>> }
  | { readonly name: string; readonly kind: "depeg"; readonly asset: string; readonly ratio: number; readonly moves: Readonly<Record<string, number>> }
  | { readonly name: string; readonly kind: "liquidityCrisis"; readonly move: number; readonly volShock: number; readonly costMultiplier: number };

export interface VenuesParams {
  readonly name: string;
  readonly source: string;
  /** Margin preset of the unified profile (one portfolio margin over the whole book). */
  readonly unifiedPreset: string;
  /** Basis charge: fraction of the cross-venue hedged notional, per underlying (`default` for the rest). */
  readonly basisShock: Readonly<Record<string, number>>;
  /** Horizon (days) the unified grid's price range stands for; transfer times are scaled against it. */
  readonly horizonDays: number;
  /** Transfer time assumed between two venues that share no route (hours). */
  readonly noRouteHours: number;
  /** Venue-default add-on: fraction of the margin that netting across venues saves. */
  readonly venueDefaultAddOn: number;
  /** Cost of capital in transit: fraction of the USD moved, per day. */
  readonly timeCostPerDay: number;
  /** Default MM-usage target of the allocation. */
  readonly defaultTarget: number;
  /** Smallest amount moved per asset (`default` for the rest), in asset units. */
  readonly steps: Readonly<Record<string, number>>;
  readonly routes: readonly TransferRoute[];
  readonly contagion: readonly ContagionScenario[];
}
