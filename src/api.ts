import type { Portfolio } from "./domain/portfolio.js";
import type { MarketSnapshot } from "./market/snapshot.js";
import type { MarginParams } from "./margin/params.js";
import type { MarginModel, MarginResult } from "./margin/result.js";
import { GRID_MODELS, marginWith, prepareContext } from "./margin/computeMargin.js";
import type { RiskContext } from "./margin/riskContext.js";
import { portfolioMarketIssues } from "./input/crossCheck.js";
import { DpmInputError } from "./input/issues.js";
import { parseMarket } from "./input/marketSchema.js";
import { parsePortfolio } from "./input/portfolioSchema.js";
import { parseParams } from "./input/paramsSchema.js";
import { DEFAULT_PRESET, loadPreset, rawPreset } from "./input/presets.js";

/** Options of the library API. */
export interface MarginOptions {
  /** Margin model; default `portfolio`. */
  readonly model?: MarginModel;
  /** Parameter set (already validated), or raw JSON of a parameter file (validated here). */
  readonly params?: MarginParams | unknown;
  /** Name of a shipped preset (default `deribit`); ignored when `params` is given. */
  readonly preset?: string;
  /** Numeraire: `USD` (default) or an asset with an index in the market (e.g. `BTC`). */
  readonly currency?: string;
  /**
   * Each position's marginal contribution (IM with it minus IM without it), default true. False: positions report
   * `marginContribution: 0` and every other figure is the same; about a third less time per account (bench: the
   * in-process book, 433,864 against 301,423 accounts/s in BENCHMARKS.md of 2026-12-06 11:23).
   */
  readonly contributions?: boolean;
}

/** A prepared engine: one market, parameters and numeraire; instrument risk vectors are cached across accounts. */
export interface MarginEngine {
  readonly market: MarketSnapshot;
  readonly params: MarginParams;
  readonly context: RiskContext;
  /** Margin of one account (raw JSON or a parsed Portfolio). Throws DpmInputError on invalid input. */
  margin(portfolio: unknown, model?: MarginModel): MarginResult;
  /** isolated, standard and portfolio side by side, in that order. */
  compare(portfolio: unknown): MarginResult[];
}

function isMarket(m: unknown): m is MarketSnapshot {
  return typeof m === "object" && m !== null && typeof (m as { asOf?: unknown }).asOf === "number";
}

/** An already-parsed Portfolio (instruments are objects), as opposed to raw JSON (instruments are names). */
function isPortfolio(p: unknown): p is Portfolio {
  const pos = (p as { positions?: unknown })?.positions;
  const orders = (p as { openOrders?: unknown })?.openOrders;
  const parsed = (x: unknown) => typeof (x as { instrument?: unknown }).instrument === "object";
  return Array.isArray(pos) && Array.isArray(orders) && pos.every(parsed) && orders.every(parsed);
}

/** Validate a market snapshot given as raw JSON (or pass a parsed one through). */
export function toMarket(market: unknown): MarketSnapshot {
  if (isMarket(market)) return market;
  const r = parseMarket(market);
  if (!r.ok) throw new DpmInputError("invalid market snapshot", r.issues);
  return r.value;
}

function resolveParams(o: MarginOptions): MarginParams {
  if (o.params !== undefined) {
    const r = parseParams(o.params, rawPreset);
    if (!r.ok) throw new DpmInputError("invalid parameters", r.issues);
    return r.value;
  }
  return loadPreset(o.preset ?? DEFAULT_PRESET);
}

/**
 * Create a margin engine for a market snapshot. Inputs are validated here (the boundary); every problem
 * is reported with its JSON path in a DpmInputError.
 */
export function createMarginEngine(market: unknown, options: MarginOptions = {}): MarginEngine {
  const m = toMarket(market);
  const params = resolveParams(options);
  const ctxp = prepareContext(m, params, options.currency ?? "USD");
  if (!ctxp.ok) throw new DpmInputError("invalid options", [{ path: "currency", message: ctxp.reason, value: options.currency }]);
  const ctx = ctxp.value;
  const defaultModel = options.model ?? "portfolio";
  if (options.contributions !== undefined && typeof options.contributions !== "boolean") {
    throw new DpmInputError("invalid options", [{ path: "contributions", message: "must be true or false", value: options.contributions }]);
  }
  const detail = { contributions: options.contributions ?? true };
  const toPortfolio = (p: unknown): Portfolio => {
    let pf: Portfolio;
    if (isPortfolio(p)) pf = p;
    else {
      const r = parsePortfolio(p);
      if (!r.ok) throw new DpmInputError("invalid portfolio", r.issues);
      pf = r.value;
    }
    const issues = portfolioMarketIssues(pf, m);
    if (issues.length > 0) throw new DpmInputError("portfolio does not match the market", issues);
    return pf;
  };
  const run = (pf: Portfolio, model: MarginModel): MarginResult => {
    const r = marginWith(ctx, pf, model, detail);
    if (!r.ok) throw new DpmInputError("cannot compute margin", [{ path: "model", message: r.reason, value: model }]);
    return r.value;
  };
  return {
    market: m, params, context: ctx,
    margin: (p, model = defaultModel) => run(toPortfolio(p), model),
    compare: (p) => {
      const pf = toPortfolio(p);
      return GRID_MODELS.map((model) => run(pf, model));
    },
  };
}

/**
 * Margin of one account: equity, adjusted equity, IM, MM, status and the explanation.
 * `portfolio` and `market` are raw JSON (as in the files of DESIGN.md section 10) or parsed objects.
 * All amounts are in `options.currency` (default USD).
 */
export function computeMargin(portfolio: unknown, market: unknown, options: MarginOptions = {}): MarginResult {
  return createMarginEngine(market, options).margin(portfolio);
}
