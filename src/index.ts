/**
 * dpm, the Dynamic Portfolio Margin engine: library entry point.
 * @packageDocumentation
 */
export { computeMargin, createMarginEngine, toMarket, type MarginEngine, type MarginOptions } from "./api.js";
export type { MarginResult, MarginComponent, PositionReport, CollateralReport, MarginModel, MarginStatus } from "./margin/result.js";
export type { MarginParams, PortfolioParams, UnderlyingGridParams, StandardParams, CollateralParams } from "./margin/params.js";
export type { Portfolio, Position, OpenOrder } from "./domain/portfolio.js";
export { parseInstrument, parseExpiry, type Instrument, type InstrumentKind, type Settlement } from "./domain/instrument.js";
export type { MarketSnapshot, AssetMarket, InstrumentMarket } from "./market/snapshot.js";
export { parsePortfolio, portfolioFrom } from "./input/portfolioSchema.js";
export { parseMarket, marketFrom } from "./input/marketSchema.js";
export { parseParams } from "./input/paramsSchema.js";
export { DpmInputError, type InputIssue } from "./input/issues.js";
export { loadPreset, presetNames } from "./input/presets.js";
export { black76Price, black76Greeks, type OptionType, type Black76Greeks } from "./pricing/black76.js";
export { impliedVol, type ImpliedVolResult } from "./pricing/impliedVol.js";
export { sviTotalVariance, sviVol, sviProblems, surfaceVol, type SviParams } from "./market/svi.js";
export { normCdf, normPdf } from "./pricing/normal.js";
export { scenarioGrid, shockedVols } from "./risk/scenarioGrid.js";
export { haircutUsd } from "./margin/haircut.js";
export { greeksReport, type GreeksRow } from "./risk/greeksReport.js";
export { accountGreeks } from "./margin/accountGreeks.js";
export type { PriceTick, InstrumentTick, AssetTick, FeedEvent, MarketFeed, SourceStatus, IndexState, OracleUpdate } from "./market/oracle/types.js";
export { Oracle, createOracle, type RejectionCounts } from "./market/oracle/oracle.js";
export { DEFAULT_ORACLE_CONFIG, DEFAULT_ORACLE_PARAMS, type OracleConfig, type OracleAssetParams } from "./market/oracle/config.js";
export { conservativePrice, marginPrice, type ExposureSide } from "./market/oracle/conservative.js";
export { oracleConfigSchema, parseOracleConfig, oracleConfigFrom } from "./input/oracleConfigSchema.js";
export { feedEventSchema, parseFeedEvent, feedEventLine } from "./adapters/feeds/schema.js";
export { SimulatedFeed, SimulatedMarket, simulatedPath, type SimulatedStep, type SimulatedFeedOptions } from "./adapters/feeds/simulated.js";
export { simulatedConfigSchema, simulatedConfigFrom, type SimulatedConfig, type SimulatedConfigInput } from "./adapters/feeds/simulatedConfig.js";
export { ReplayFeed, parseFeedLines, type ReplayOptions } from "./adapters/feeds/replay.js";
export { DeribitFeed, deribitOptionsSchema, backoffMs, type DeribitOptions, type DeribitStatus, type DeribitHooks } from "./adapters/feeds/deribit.js";
// Derive presets (derive = PMRM_2, derive-srm = standard manager) and their general pieces.
export { derivePm2Result, deriveSrmResult, pm2Margin, pm2Subaccounts, srmAccount, srmMargin, deriveSviVol } from "./margin/venues/derive/index.js";
export type { DerivePm2Params, DeriveSrmParams, DeriveFeeds, DeriveFeedsEntry, DeriveScenario, Pm2Account, Pm2Result, SrmMarket, SrmResult } from "./margin/venues/derive/index.js";
export { discountFactor, timeValueDiscounts, applyTimeValueDiscount } from "./pricing/discount.js";
export { volTermScale, volShockMultipliers, skewMultiplier } from "./risk/volShock.js";
export { confidenceContingency, pegLossAdjustedFactor, depegContingency } from "./risk/contingency.js";
export { planLiquidation, mmUsage, DEFAULT_PLAN_OPTIONS, type LiquidationPlan, type PlanOptions, type PlanStep, type PlanOutcome } from "./liquidation/planner.js";
export { health, DEFAULT_HEALTH_BANDS, type Health, type HealthBands, type HealthLevel } from "./liquidation/health.js";
export { DEFAULT_COST_MODEL, execute, liquidityOf, type CostModelParams, type Liquidity, type DepthPoint } from "./liquidation/costModel.js";
export { liquidityFromBook } from "./liquidation/orderBook.js";
export { settle, AdlQueue, type Settlement as LiquidationSettlement, type AdlFill } from "./liquidation/settlement.js";
export { Ledger, toMoney, fromMoney, type Money } from "./liquidation/money.js";
export { runCascade, type CascadeResult, type CascadeRun, type CascadeOptions } from "./liquidation/cascade.js";
export { generateAccounts } from "./liquidation/generator.js";
export { runVar, DEFAULT_VAR_SPEC, type VarSpec, type VarReport } from "./analytics/varReport.js";
export { varEs, tailCount, type TailMeasures } from "./risk/tail.js";
export { nearestCorrelation, cholesky } from "./risk/correlation.js";
export { parseHistoryCsv, returnWindow, type PriceHistory, type PriceSeries } from "./risk/history.js";
export { runStress, shockMarket, type StressScenario, type StressResult } from "./analytics/stress.js";
export { reverseStress, type ReverseStressResult } from "./analytics/reverseStress.js";
export { backtest, kupiec, christoffersen, trafficLight, type BacktestReport } from "./analytics/backtest.js";
export { calibrate, type CalibrationSpec } from "./analytics/calibrate.js";
export { loadHistory } from "./adapters/history.js";
export type { VarParams, StressWindow } from "./margin/params.js";
export type { VarInputs } from "./analytics/varModel.js";
