import type { CrossCollateralParams, OkxParams, SpanParams, VenueMethod } from "./venues/types.js";
import type { DeriveFeeds, DerivePm2Params, DeriveSrmParams } from "./venues/derive/params.js";
import type { UnderlyingGridParams } from "../risk/scenarioGrid.js";
import type { LiquidityChargeParams } from "./liquidityCharge.js";

export type { UnderlyingGridParams };

/**
 * Margin parameters. Parameters are data: presets are JSON files under `presets/`, validated at the
 * boundary against the bounds in `input/paramsSchema.ts`. All rates are fractions (0.16 = 16 %).
 */

export interface DeltaShockParams {
  /** Net delta (USD) of a risk unit above which the liquidity charge starts. */
  readonly thresholdUsd: number;
  /** Extra price move per 1,000,000 USD of net delta beyond the threshold. */
  readonly slopePerMillion: number;
  /** Cap of the extra price move. */
  readonly cap: number;
}

export interface CrossAssetParams {
  /** `sum`: no credit across underlyings. `correlation`: √(Σ ρᵢⱼ Lᵢ Lⱼ), credit capped. */
  readonly mode: "sum" | "correlation";
  /** Pairwise correlations keyed `A/B` (unordered); missing pairs count as 1 (no credit). */
  readonly correlations: Readonly<Record<string, number>>;
  /** Largest credit as a fraction of the summed risk margins. */
  readonly maxCredit: number;
}

export interface PortfolioParams {
  /** Grid parameters per underlying; `default` covers every other underlying. */
  readonly underlyings: Readonly<Record<string, UnderlyingGridParams>>;
  /** Extended price moves, revalued with vol up. */
  readonly extendedMoves: readonly number[];
  /** Weight of each extended move; null → priceRange/|move| (Paradex's published weights). */
  readonly extendedWeights: readonly number[] | null;
  /** MM = mmFactor × risk margin. */
  readonly mmFactor: number;
  readonly deltaShock: DeltaShockParams;
  /** Minimum charge per net short option contract, as a fraction of the index. */
  readonly shortOptionMinimum: number;
  readonly crossAsset: CrossAssetParams;
}

/** Deribit-style standard margin rates of futures and perpetuals on one underlying. */
export interface FutureRates {
  /** Initial margin rate of notional. */
  readonly initial: number;
  /** Maintenance margin rate of notional. */
  readonly maintenance: number;
  /** Added to both rates per coin of position size. */
  readonly perCoin: number;
}

/** Deribit-style standard margin of short options, in fractions of the index (coin terms). */
export interface OptionRates {
  readonly initialBase: number;
  readonly initialFloor: number;
  readonly maintenance: number;
}

export interface StandardParams {
  readonly futures: Readonly<Record<string, FutureRates>>;
  readonly options: Readonly<Record<string, OptionRates>>;
}

/** One point of a haircut schedule: marginal haircut `haircut` applies at collateral value `fromUsd`. */
export interface HaircutPoint {
  readonly fromUsd: number;
  readonly haircut: number;
}

/** Collateral haircut schedule per asset (`default` for the rest): marginal rate interpolated linearly between points. */
export interface CollateralParams {
  readonly haircuts: Readonly<Record<string, readonly HaircutPoint[]>>;
  /** Assets held at their index in every scenario (no risk unit of their own). */
  readonly stablecoins: readonly string[];
}

export interface MarginParams {
  readonly name: string;
  readonly source: string;
  readonly portfolio: PortfolioParams;
  readonly standard: StandardParams;
  readonly collateral: CollateralParams;
  /** Venue method module of the portfolio model (absent or `grid`: the scenario grid above). */
  readonly method?: VenueMethod;
  /** Parameters of the `okx` method. */
  readonly okx?: OkxParams;
  /** Parameters of the `span` method. */
  readonly span?: SpanParams;
  /** Parameters of the `deribit-cross` method. */
  readonly crossCollateral?: CrossCollateralParams;
  /** VaR / ES model (`var`); absent → the model is unavailable with these parameters. */
  readonly var?: VarParams;
  /** What `dpm calibrate` derived these parameters from (free-form record of its inputs). */
  readonly calibration?: Readonly<Record<string, unknown>>;
  /** Parameters of the `derive-pm2` method (Derive PMRM_2, preset `derive`). */
  readonly derive?: DerivePm2Params;
  /** Parameters of the `derive-srm` method (Derive standard manager, preset `derive-srm`). */
  readonly deriveSrm?: DeriveSrmParams;
  /** Derive oracle/account state per underlying that market and portfolio files cannot carry (`dpm import derive`). */
  readonly deriveFeeds?: DeriveFeeds;
  /** Liquidity-adaptive charges from book depth and spread (margin/liquidityCharge.ts); absent → off. */
  readonly liquidity?: LiquidityChargeParams;
}

/** A named stressed period (inclusive UTC dates `YYYY-MM-DD`). */
export interface StressWindow {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

/**
 * VaR / ES margin model (DESIGN.md section 6): IM = max(ES now, κ·ES stressed) + contingencies; MM = mmFactor × that.
 * The run settings (method, confidence α in (0.5, 1), horizon, lookback, EWMA λ, shrinkage, paths, seed,
 * distribution, Student-t dof) are those of a VaR run.
 */
export interface VarParams extends Omit<VarSpec, "estimator" | "correlation"> {
  /** κ: weight of the stressed-window ES in the floor. */
  readonly stressMultiplier: number;
  readonly stressWindows: readonly StressWindow[];
  readonly mmFactor: number;
}

/** Look up a per-asset table with a `default` fallback. */
export function forAsset<T>(table: Readonly<Record<string, T>>, asset: string): T {
  const v = table[asset] ?? table["default"];
  if (v === undefined) throw new Error(`no parameters for ${asset} and no default`);
  return v;
}

export type VarMethod = "hs" | "fhs" | "mc";

/** Settings of one VaR / ES run. */
export interface VarSpec {
  readonly method: VarMethod;
  /** α in (0.5, 1). */
  readonly confidence: number;
  readonly horizonDays: number;
  /** Daily returns in the window (hs, fhs; also the estimation window of mc). */
  readonly lookbackDays: number;
  readonly ewmaLambda: number;
  readonly shrinkage: number;
  readonly paths: number;
  readonly seed: number;
  readonly distribution: "normal" | "t";
  readonly dof: number;
  /** Estimator of Monte Carlo vols and correlations (default ewma). */
  readonly estimator?: "sample" | "ewma";
  /** A user-supplied correlation matrix for Monte Carlo, over `assets` (validated and repaired like an estimated one). */
  readonly correlation?: { readonly assets: readonly string[]; readonly matrix: readonly number[] };
}
