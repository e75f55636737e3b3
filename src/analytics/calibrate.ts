/**
 * Adaptive parameters (`dpm calibrate`): the portfolio model's price range and vol shocks per asset,
 * collateral haircuts by volatility class and the cross-asset correlations, from EWMA volatility and
 * correlation at a chosen confidence, with an anti-procyclicality (APC) floor and a cap on how fast the
 * price range may rise per day. Pure: history and previous parameters are passed in.
 *
 * priceRange = ⌈z_α · σ_used · √h⌉ (rounded up to 0.5 %), σ_used = APC(σ_EWMA):
 *   `buffer`: 1.25 σ_now (EMIR RTS 153/2013 art. 28(1)(a), a 25 % buffer);
 *   `stress`: max(σ_now, 0.75 σ_now + 0.25 σ_stress) (art. 28(1)(b), 25 % weight on stressed observations),
 *   σ_stress the largest sample vol over the stress windows covered by the data (else the largest 60-day vol).
 * Cap: priceRange ≤ previous · (1 + maxDailyIncrease)^days. Vol shocks scale with priceRange / base priceRange
 * (no implied-vol history: a documented heuristic). Haircut of a class = 1 − exp(−z_α σ_class √h) with σ_class
 * the class's upper annual vol (60 %, 100 %, 150 %, 250 %).
 */
import type { Parsed } from "../domain/instrument.js";
import { forAsset, type MarginParams, type StressWindow, type UnderlyingGridParams } from "../margin/params.js";
import { normCdf } from "../pricing/normal.js";
import { volCorr } from "../risk/covariance.js";
import { dayText, parseDay, returnWindow, subWindow, type PriceHistory } from "../risk/history.js";
import { checkConfidence } from "../risk/tail.js";

export interface CalibrationSpec {
  readonly confidence: number;
  readonly horizonDays: number;
  readonly lookbackDays: number;
  readonly lambda: number;
  readonly apc: "buffer" | "stress";
  readonly stressWindows: readonly StressWindow[];
  /** Largest relative rise of a price range per day (0.1 = 10 %). */
  readonly maxDailyIncrease: number;
  readonly daysSincePrevious: number;
  readonly shrinkage: number;
  /** Write correlations and switch cross-asset aggregation to `correlation`. */
  readonly correlationCredit: boolean;
}

/** z with Φ(z) = p (bisection on the erfc-based Φ; |error| < 1e-12). */
export function normInv(p: number): number {
  let lo = -40, hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (normCdf(mid) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

const CLASSES = [{ name: "low", upTo: 0.6 }, { name: "medium", upTo: 1.0 }, { name: "high", upTo: 1.5 }, { name: "extreme", upTo: 2.5 }] as const;

const roundUp = (x: number, step: number): number => Math.ceil(x / step - 1e-9) * step;

function stressVol(history: PriceHistory, asset: string, windows: readonly StressWindow[], endDay: number): number {
  let best = 0;
  for (const w of windows) {
    const f = parseDay(w.from), t = parseDay(w.to);
    if (f === undefined || t === undefined || t > endDay) continue;
    const sub = subWindow(history, [asset], f, t);
    if (!sub) continue;
    const r = sub.returns[0];
    let m = 0, s = 0;
    for (const x of r) m += x;
    m /= r.length;
    for (const x of r) s += (x - m) ** 2;
    best = Math.max(best, Math.sqrt(s / (r.length - 1)));
  }
  if (best > 0) return best;
  const all = returnWindow(history, [asset], endDay);
  if (!all.ok) return 0;
  const r = all.value.returns[0];
  for (let e = 60; e <= r.length; e += 5) {
    let s = 0;
    for (let i = e - 60; i < e; i++) s += r[i] * r[i];
    best = Math.max(best, Math.sqrt(s / 60));
  }
  return best;
}

export interface AssetCalibration {
  readonly annualVolNow: number;
  readonly annualVolStress: number;
  readonly annualVolUsed: number;
  readonly priceRangeRaw: number;
  readonly priceRange: number;
  readonly capped: boolean;
  readonly volClass: string;
  readonly haircut: number;
}

/** Derive a parameter file from `base` (and `previous` for the rate cap). */
export function calibrate(base: MarginParams, previous: MarginParams, history: PriceHistory, assets: readonly string[], endDay: number, spec: CalibrationSpec): Parsed<MarginParams> {
  const c = checkConfidence(spec.confidence);
  if (!c.ok) return c;
  const z = normInv(spec.confidence), sh = Math.sqrt(spec.horizonDays);
  const joint = returnWindow(history, assets, endDay, spec.lookbackDays);
  if (!joint.ok) return joint;
  const vc = volCorr(joint.value.assets, joint.value.returns, { estimator: "ewma", lambda: spec.lambda, shrinkage: spec.shrinkage });
  if (!vc.ok) return vc;
  const underlyings: Record<string, UnderlyingGridParams> = { ...base.portfolio.underlyings };
  const haircuts = { ...base.collateral.haircuts };
  const record: Record<string, AssetCalibration> = {};
  assets.forEach((a, i) => {
    const now = vc.value.vols[i];
    const stress = stressVol(history, a, spec.stressWindows, endDay);
    const used = spec.apc === "buffer" ? 1.25 * now : Math.max(now, 0.75 * now + 0.25 * stress);
    const b = forAsset(base.portfolio.underlyings, a);
    const prev = forAsset(previous.portfolio.underlyings, a);
    const raw = Math.min(0.95, Math.max(0.005, roundUp(z * used * sh, 0.005)));
    const capAt = prev.priceRange * Math.pow(1 + spec.maxDailyIncrease, spec.daysSincePrevious);
    const priceRange = Number(Math.min(raw, Math.max(capAt, 0.001)).toFixed(6));
    const scale = priceRange / b.priceRange;
    const priceMoves = b.priceMoves?.map((m, k, all) => (k === all.length - 1 ? priceRange : Number((m * scale).toFixed(6))));
    underlyings[a] = { ...b, priceRange, ...(priceMoves ? { priceMoves } : {}), volUp: Number(Math.min(5, Math.max(0.1, b.volUp * scale)).toFixed(4)), volDown: Number(Math.min(0.9, Math.max(0.05, b.volDown * scale)).toFixed(4)) };
    const annual = used * Math.sqrt(365);
    const cls = CLASSES.find((k) => annual <= k.upTo) ?? CLASSES[CLASSES.length - 1];
    const haircut = Number(Math.min(0.95, 1 - Math.exp(-z * (cls.upTo / Math.sqrt(365)) * sh)).toFixed(4));
    haircuts[a] = [{ fromUsd: 0, haircut }];
    record[a] = { annualVolNow: now * Math.sqrt(365), annualVolStress: stress * Math.sqrt(365), annualVolUsed: annual, priceRangeRaw: raw, priceRange, capped: priceRange < raw, volClass: cls.name, haircut };
  });
  const correlations: Record<string, number> = { ...base.portfolio.crossAsset.correlations };
  const n = assets.length;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) correlations[`${assets[i]}/${assets[j]}`] = Number(vc.value.corr[i * n + j].toFixed(4));
  const crossAsset = spec.correlationCredit ? { ...base.portfolio.crossAsset, mode: "correlation" as const, correlations } : base.portfolio.crossAsset;
  const w = joint.value;
  return {
    ok: true,
    value: {
      ...base,
      name: `${base.name}-calibrated`,
      source: `dpm calibrate from "${base.name}" with daily closes ${dayText(w.days[0])}..${dayText(w.days[w.days.length - 1])}; inputs in "calibration"`,
      portfolio: { ...base.portfolio, underlyings, crossAsset },
      collateral: { ...base.collateral, haircuts },
      calibration: {
        asOf: dayText(w.days[w.days.length - 1]), base: base.name, previous: previous.name, confidence: spec.confidence, horizonDays: spec.horizonDays,
        lookbackDays: spec.lookbackDays, ewmaLambda: spec.lambda, shrinkage: spec.shrinkage, apc: spec.apc, maxDailyIncrease: spec.maxDailyIncrease,
        daysSincePrevious: spec.daysSincePrevious, stressWindows: spec.stressWindows, z, assets: record,
      },
    },
  };
}
