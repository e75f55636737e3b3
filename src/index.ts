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
export { parsePortfolio, portfolioFrom } from "./adapters/input/portfolioSchema.js";
export { parseMarket, marketFrom } from "./adapters/input/marketSchema.js";
export { parseParams } from "./adapters/input/paramsSchema.js";
export { DpmInputError, type InputIssue } from "./adapters/input/issues.js";
export { loadPreset, presetNames } from "./adapters/presets.js";
export { black76Price, black76Greeks, type OptionType, type Black76Greeks } from "./pricing/black76.js";
export { impliedVol, type ImpliedVolResult } from "./pricing/impliedVol.js";
export { sviTotalVariance, sviVol, sviProblems, surfaceVol, type SviParams } from "./pricing/svi.js";
export { normCdf, normPdf } from "./pricing/normal.js";
export { scenarioGrid, shockedVols } from "./risk/scenarioGrid.js";
export { haircutUsd } from "./margin/haircut.js";
export { greeksReport, type GreeksRow } from "./risk/greeksReport.js";
