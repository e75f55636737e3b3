/**
 * Parameters of Derive's two risk managers, named after the fields of Derive's own contracts
 * (`PMRMLib_2` parameter structs and `StandardManager` settings, github.com/derivexyz/v2-core) so a
 * parameter file can be read against Derive's setters line by line. Rates and factors are fractions
 * (0.8 = 80 %); spot shocks are multipliers (1.18 = +18 %); money is in USD.
 */

/** Vol move of one PM2 scenario: `up`/`down`/`none` scale the whole smile; `linear`/`abs` tilt it (skew). */
export type DeriveVolShock = "up" | "down" | "none" | "linear" | "abs";

/** One PM2 scenario: the forward moves by `spotShock`, vols by `volShock`; its P&L is scaled by `dampeningFactor`. */
export interface DeriveScenario {
  readonly spotShock: number;
  readonly volShock: DeriveVolShock;
  readonly dampeningFactor: number;
}

/** Derive `VolShockParameters`: m_up = 1 + volRangeUp·t^p, m_dn = max(0, 1 − volRangeDown·t^p), t = 30 d / max(T, dteFloor). */
export interface DeriveVolShockParams {
  readonly volRangeUp: number;
  readonly volRangeDown: number;
  /** Exponent p for expiries of at most 30 days. */
  readonly shortTermPower: number;
  /** Exponent p for expiries beyond 30 days. */
  readonly longTermPower: number;
  /** Floor of the time to expiry in the term scaling, in days. */
  readonly dteFloor: number;
  /** Floor of the shocked-up vol (annualised), `up` scenarios only. */
  readonly minVolUpShock: number;
}

/** Derive `MarginParameters`: loss factors and the static (time-value) discounts of shocked expiry values. */
export interface DeriveMarginParams {
  readonly mmFactor: number;
  readonly imFactor: number;
  /** β⁺: base discount of an expiry worth ≥ 0 after the shock. */
  readonly longBaseStaticDiscount: number;
  readonly longRateMultScale: number;
  readonly longRateAddScale: number;
  /** β⁻: base mark-up of an expiry worth < 0 after the shock. */
  readonly shortBaseStaticDiscount: number;
  readonly shortRateMultScale: number;
  readonly shortRateAddScale: number;
}

/** Derive `BasisContingencyParameters`: forward repriced at the two moves; factor = add + mult·T. */
export interface DeriveBasisParams {
  readonly scenarioSpotUp: number;
  readonly scenarioSpotDown: number;
  readonly basisContAddFactor: number;
  readonly basisContMultFactor: number;
}

/** Derive `OtherContingencyParameters` (percentages of notional at spot; IM percentages come on top of MM). */
export interface DeriveOtherContingencyParams {
  readonly pegLossThreshold: number;
  readonly pegLossFactor: number;
  readonly confThreshold: number;
  readonly confMargin: number;
  readonly mmPerpPercent: number;
  readonly imPerpPercent: number;
  readonly mmOptionPercent: number;
  readonly imOptionPercent: number;
}

/** Derive `SkewShockParameters`: cap = cBase·√T + baseCap, k* = max(minKStar, √T·widthScale·(volParamStatic + volParamScale·√T)). */
export interface DeriveSkewShockParams {
  readonly linearBaseCap: number;
  readonly linearCBase: number;
  readonly absBaseCap: number;
  readonly absCBase: number;
  readonly minKStar: number;
  readonly widthScale: number;
  readonly volParamStatic: number;
  readonly volParamScale: number;
}

/** Derive `CollateralParameters` of one collateral asset (haircuts are fractions of its value). */
export interface DeriveCollateralParams {
  readonly MMHaircut: number;
  readonly IMHaircut: number;
  /** Underlyings the asset moves with (Derive's `isRiskCancelling`): it is shocked with their scenarios. */
  readonly riskCancelling: readonly string[];
}

/** Parameters of Derive's portfolio manager PMRM_2 (the `derive` preset). */
export interface DerivePm2Params {
  /** In order: the regular grid, the tail moves, then at most one `linear` and one `abs` skew scenario. */
  readonly scenarios: readonly DeriveScenario[];
  readonly volShock: DeriveVolShockParams;
  readonly margin: DeriveMarginParams;
  readonly basisContingency: DeriveBasisParams;
  readonly otherContingency: DeriveOtherContingencyParams;
  readonly skewShock: DeriveSkewShockParams;
  /** Accepted collateral by asset code (`default` for unlisted assets, if any); cash (USDC) is not listed. */
  readonly collaterals: Readonly<Record<string, DeriveCollateralParams>>;
  /** The cash asset: counted one-for-one, never divided by the stable price. */
  readonly cashAsset: string;
}

/** Standard-manager option parameters (Derive `OptionMarginParams`). */
export interface DeriveSrmOptionParams {
  readonly maxSpotReq: number;
  readonly minSpotReq: number;
  readonly mmCallSpotReq: number;
  readonly mmPutSpotReq: number;
  readonly MMPutMtMReq: number;
  readonly unpairedMMScale: number;
  readonly unpairedIMScale: number;
  readonly mmOffsetScale: number;
}

/** Standard-manager parameters of one market (underlying). */
export interface DeriveSrmMarketParams {
  readonly mmPerpReq: number;
  readonly imPerpReq: number;
  readonly option: DeriveSrmOptionParams;
  /** Margin credit of a base-asset balance as a fraction of its value (Derive `mmRequirement` of the base asset). */
  readonly baseMarginFactor: number;
  readonly baseIMScale: number;
  /** Oracle contingency: thresholds on spot/perp, option feeds and base asset, and the factor. */
  readonly perpThreshold: number;
  readonly optionThreshold: number;
  readonly baseThreshold: number;
  readonly OCFactor: number;
}

/** Parameters of Derive's standard manager (the `derive-srm` preset). */
export interface DeriveSrmParams {
  /** Per underlying, `default` for the rest. */
  readonly markets: Readonly<Record<string, DeriveSrmMarketParams>>;
  readonly depegThreshold: number;
  readonly depegFactor: number;
  readonly cashAsset: string;
}

/** Oracle feed of one expiry, as Derive's contracts read it (overrides what the dpm market implies). */
export interface DeriveExpiryFeed {
  /** Seconds from the market's asOf to expiry (Derive's exact expiry; dpm names only carry the date). */
  readonly secondsToExpiry?: number;
  readonly forward?: number;
  readonly forwardConfidence?: number;
  readonly rate?: number;
  readonly rateConfidence?: number;
  /** One vol confidence for the whole expiry. */
  readonly volConfidence?: number;
  /** Derive's SVI vol feed: raw SVI with its own forward and year fraction (sticky strike). */
  readonly svi?: { readonly a: number; readonly b: number; readonly rho: number; readonly m: number; readonly sigma: number; readonly forward: number; readonly tau: number };
}

/**
 * Venue oracle and account state that dpm's market and portfolio files do not carry (oracle
 * confidences, per-expiry feeds with exact seconds, signed cash, unsettled funding), keyed by
 * underlying. Written by `dpm import derive`; every field is optional (defaults: confidence 1, no
 * adjustment, feeds from the market file).
 */
export interface DeriveFeedsEntry {
  readonly spotConfidence?: number;
  readonly perpConfidence?: number;
  /** Per collateral asset: its price feed's confidence. */
  readonly collateralConfidence?: Readonly<Record<string, number>>;
  /** Keyed by expiry code (`18JAN23`). */
  readonly expiries?: Readonly<Record<string, DeriveExpiryFeed>>;
  /** Signed USDC added to the portfolio's cash balance (borrowing is negative; dpm portfolios hold no negative balances). */
  readonly cashAdjustment?: number;
  /** Perp funding accrued but not yet settled (USD, signed), part of the perp's value. */
  readonly unsettledFunding?: number;
}

export type DeriveFeeds = Readonly<Record<string, DeriveFeedsEntry>>;
