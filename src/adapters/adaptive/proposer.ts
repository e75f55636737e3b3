/**
 * One adaptive proposal, computed as `dpm adapt fit` computes its file (src/analytics/adaptive/fitParams.ts): per
 * asset the walk-forward of the move models on its daily bars (history + live), the chosen model's APC move at the
 * last bar → priceRange = e^m − 1 (rounded up, clamped to the schema's bounds), on top of a static preset (today's
 * open bar counts only when it raises the move: `fitWithToday`). The
 * `adaptive` model needs more than `trainDays + horizon` consecutive bars; with fewer (but more than 365 + horizon)
 * the `ewma` model is used with a 365-day training window; with fewer still the asset keeps its current range. And
 * the impact of the proposed parameters on the live accounts (the impact report's function: who crosses into
 * margin call or liquidation).
 */
import { type ApcSpec } from "../../analytics/adaptive/apc.js";
import { consecutiveTail, sliceBars, type Bars } from "../../analytics/adaptive/bars.js";
import { DAY_MS } from "../../analytics/adaptive/liveBars.js";
import { dayText } from "../../risk/history.js";
import { featureMatrix } from "../../analytics/adaptive/features.js";
import { fitParamsDoc, PRICE_RANGE_BOUNDS, type FitModel } from "../../analytics/adaptive/fitParams.js";
import { moveFromPriceRange } from "../../analytics/adaptive/models.js";
import { backtestBars, type AdaptSpec } from "../../analytics/adaptive/walkForward.js";
import type { Portfolio } from "../../domain/portfolio.js";
import { prepareContext } from "../../margin/computeMargin.js";
import { forAsset, type MarginParams } from "../../margin/params.js";
import { latestAsOf, marketFileOf, type MarketState } from "../../engine/marketState.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { impactReport } from "../report/impact.js";

/** The model settings of the scheduler (those of `dpm adapt fit`). */
export interface AdaptiveModelConfig {
  readonly confidence: number;
  readonly horizon: number;
  /** Training days of the `adaptive` model (walk-forward start); the `ewma` fallback uses 365. */
  readonly trainDays: number;
  readonly refitDays: number;
  readonly lambda: number;
  readonly features: readonly string[];
  readonly apc: ApcSpec;
}

/** Training days of the `ewma` fallback (the smallest window the walk-forward accepts). */
export const FALLBACK_TRAIN_DAYS = 365;

/** Per asset: what the proposal logs (features, model output, bounds). */
export interface AssetProposal {
  readonly features: Record<string, number | null>;
  readonly model: Record<string, unknown>;
  readonly bounds: Record<string, unknown>;
}

export interface Proposal {
  /** The parameter file (`extends` the base preset). */
  readonly doc: Record<string, unknown>;
  readonly assets: Record<string, AssetProposal>;
  /** Assets left at their current range, and why. */
  readonly skipped: Record<string, string>;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function specFor(cfg: AdaptiveModelConfig, base: MarginParams, asset: string, trainBars: number): AdaptSpec {
  return {
    confidence: cfg.confidence, horizon: cfg.horizon, trainBars, refitEvery: cfg.refitDays, ewmaLambda: cfg.lambda, features: cfg.features,
    staticMove: moveFromPriceRange(forAsset(base.portfolio.underlyings, asset).priceRange), apc: cfg.apc,
  };
}

/** Bar features of the last bar (the model's feature list) and the live measurements. */
function featuresAt(b: Bars, names: readonly string[], live: Record<string, number>): Record<string, number | null> {
  const fm = featureMatrix(b, names);
  const out: Record<string, number | null> = {};
  if (fm.ok) fm.value.names.forEach((n, k) => { out[n] = finiteOrNull(fm.value.cols[k][fm.value.rows - 1]); });
  for (const [k, v] of Object.entries(live)) out[k] = finiteOrNull(v);
  return out;
}

interface AssetFitRun {
  readonly bars: Bars;
  readonly model: FitModel;
  readonly trainDays: number;
  readonly underlying: unknown;
  readonly fitted: Record<string, unknown> & { apcMove: number };
}

/** The walk-forward and fitted range of one asset on `b` (adaptive, or the ewma fallback), or why not. */
function fitAsset(b: Bars, asset: string, base: { name: string; params: MarginParams }, cfg: AdaptiveModelConfig): AssetFitRun | string {
  const n = b.close.length, h = cfg.horizon;
  const model: FitModel | undefined = n > cfg.trainDays + h ? "adaptive" : n > FALLBACK_TRAIN_DAYS + h ? "ewma" : undefined;
  if (!model) return `${n} consecutive daily bars, need more than ${FALLBACK_TRAIN_DAYS + h} (ewma) or ${cfg.trainDays + h} (adaptive)`;
  const spec = specFor(cfg, base.params, asset, model === "adaptive" ? cfg.trainDays : FALLBACK_TRAIN_DAYS);
  const run = backtestBars(b, spec);
  if (!run.ok) return run.reason;
  const doc = fitParamsDoc(base.params, base.name, [run.value], model, spec);
  const fitted = ((doc.calibration as { assets: Record<string, Record<string, unknown> & { apcMove: number }> }).assets)[asset];
  return { bars: b, model, trainDays: spec.trainBars, underlying: (doc.portfolio as { underlyings: Record<string, unknown> }).underlyings[asset], fitted };
}

/**
 * One asset: when its last bar is today's, still open (feed time's UTC day), the fit runs on the completed days
 * and on the completed days plus today so far, and the larger APC move is used: a young day's range is small and
 * would lower the move, while a day that is already wild (a regime change) raises it at once.
 */
function fitWithToday(b: Bars, asset: string, base: { name: string; params: MarginParams }, cfg: AdaptiveModelConfig, feedTime: number): { run: AssetFitRun; today?: Record<string, unknown> } | string {
  const today = Math.floor(feedTime / DAY_MS), n = b.close.length;
  const withToday = fitAsset(b, asset, base, cfg);
  if (b.periods[n - 1] !== today || n < 2) return typeof withToday === "string" ? withToday : { run: withToday };
  const completed = fitAsset(sliceBars(b, 0, n - 1), asset, base, cfg);
  if (typeof completed === "string") return typeof withToday === "string" ? withToday : { run: withToday };
  const useToday = typeof withToday !== "string" && withToday.fitted.apcMove >= completed.fitted.apcMove;
  const run = useToday ? withToday : completed;
  return { run, today: { day: dayText(today), apcMoveWithToday: typeof withToday === "string" ? null : withToday.fitted.apcMove, apcMoveCompletedDays: completed.fitted.apcMove, used: useToday ? "with today so far" : "completed days" } };
}

/**
 * The proposal for `bars` (per asset, daily, consecutive at the end) on top of `base` (a preset, by name), keeping
 * the current parameters' `liquidity` section. Fails (reason) when no asset has enough bars.
 */
export function buildProposal(base: { name: string; params: MarginParams }, current: MarginParams, bars: ReadonlyMap<string, Bars>, live: Readonly<Record<string, Record<string, number>>>, cfg: AdaptiveModelConfig, feedTime: number): { ok: true; value: Proposal } | { ok: false; reason: string } {
  const underlyings: Record<string, unknown> = {}, calibration: Record<string, unknown> = {}, assets: Record<string, AssetProposal> = {}, skipped: Record<string, string> = {};
  for (const [asset, all] of bars) {
    const r = fitWithToday(consecutiveTail(all).bars, asset, base, cfg, feedTime);
    if (typeof r === "string") { skipped[asset] = r; continue; }
    const { bars: b, model, fitted } = r.run, n = b.close.length;
    underlyings[asset] = r.run.underlying;
    calibration[asset] = { ...fitted, modelName: model, trainDays: r.run.trainDays, ...(r.today ? { today: r.today } : {}) };
    assets[asset] = {
      features: featuresAt(b, cfg.features, live[asset] ?? {}),
      model: {
        name: model, ...(model === "ewma" ? { fallback: `${n} consecutive daily bars ≤ trainDays + horizon = ${cfg.trainDays + cfg.horizon}: ewma on ${FALLBACK_TRAIN_DAYS} training days` } : {}),
        bars: n, lastBar: fitted.asOf, rawMove: fitted.rawMove, apcMove: fitted.apcMove, apcRule: fitted.apcRule, fit: fitted.model, ...(r.today ? { today: r.today } : {}),
      },
      bounds: { priceRange: { ...PRICE_RANGE_BOUNDS }, unclamped: fitted.priceRangeUnclamped, clampedBy: fitted.clampedBy, value: fitted.priceRange, static: fitted.basePriceRange },
    };
  }
  if (Object.keys(assets).length === 0) return { ok: false, reason: `no asset could be fitted: ${Object.entries(skipped).map(([a, r]) => `${a}: ${r}`).join("; ")}` };
  const doc: Record<string, unknown> = {
    extends: base.name, name: `${base.name}-adaptive`,
    source: `dpm serve --adaptive: priceRange of ${Object.keys(assets).join(", ")} from the adaptive (or ewma fallback) model's ${(cfg.confidence * 100).toFixed(2)}% ${cfg.horizon}-day move with anti-procyclicality, on daily bars (history + live oracle index) up to ${new Date(feedTime).toISOString()}`,
    portfolio: { underlyings },
    calibration: { method: "dpm serve --adaptive", feedTime: new Date(feedTime).toISOString(), confidence: cfg.confidence, horizonDays: cfg.horizon, refitDays: cfg.refitDays, ewmaLambda: cfg.lambda, features: cfg.features, apc: cfg.apc, assets: calibration },
    ...(current.liquidity ? { liquidity: current.liquidity } : {}),
  };
  return { ok: true, value: { doc, assets, skipped } };
}

/** Everything a proposal is computed from, as one message (structured-clonable: plain data and typed arrays). */
export interface FitRequest {
  readonly base: { readonly name: string; readonly params: MarginParams };
  readonly current: MarginParams;
  readonly bars: readonly (readonly [string, Bars])[];
  readonly live: Readonly<Record<string, Record<string, number>>>;
  readonly cfg: AdaptiveModelConfig;
  readonly feedTime: number;
}

export type FitResult = { ok: true; value: Proposal } | { ok: false; reason: string };

/** buildProposal on a request (the fit worker's and the in-process path's one entry). */
export function proposeFrom(r: FitRequest): FitResult {
  return buildProposal(r.base, r.current, new Map(r.bars), r.live, r.cfg, r.feedTime);
}

/** The live market as a snapshot at its latest valuation time, with each instrument's book depth and spread. */
export function liveSnapshot(m: MarketState): MarketSnapshot {
  const f = marketFileOf(m);
  return { asOf: latestAsOf(m), assets: f.assets, instruments: f.instruments };
}

/** Impact summary and the accounts that cross (at most `maxRows`), from the impact report over the live accounts. */
export function liveImpact(m: MarketState, from: MarginParams, to: MarginParams, portfolios: readonly Portfolio[], maxRows = 100): Record<string, unknown> {
  const snap = liveSnapshot(m);
  const a = prepareContext(snap, from), b = prepareContext(snap, to);
  if (!a.ok || !b.ok) return { error: a.ok ? (b.ok ? "" : b.reason) : a.reason };
  try {
    const r = impactReport({ name: from.name, ctx: a.value }, { name: to.name, ctx: b.value }, portfolios);
    const crossing = r.rows.filter((x) => x.crosses !== null).slice(0, maxRows).map((x) => ({ account: x.account, statusFrom: x.statusFrom, statusTo: x.statusTo, imFrom: x.imFrom, imTo: x.imTo, mmFrom: x.mmFrom, mmTo: x.mmTo, adjustedEquity: x.adjustedEquityTo }));
    return { ...r.summary, crossing };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
