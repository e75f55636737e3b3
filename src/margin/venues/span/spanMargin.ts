/**
 * CME SPAN: per combined commodity (one underlying), 16 risk-array scenarios (price scan range in thirds,
 * vol up / down, and two extreme moves at extremeMultiple × range covered at extremeCover), scan risk =
 * worst loss; intra-commodity (calendar) spread charge, tiered if the parameters give tiers; delivery
 * (spot) month charge; inter-commodity spread credit; short option minimum; net option value. Risk arrays come from the parameters (published arrays) or from the
 * pricing model. Requirement per commodity = max(scan + intra + spot month − inter, short option minimum);
 * MM = Σ requirements, IM = MM / mmFactor. Pure; amounts in the numeraire.
 */
import type { Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import type { ResolvedInstrument } from "../../../market/resolve.js";
import { shockedVols } from "../../../risk/scenarioGrid.js";
import { forAsset } from "../../params.js";
import type { MarginComponent, MarginResult } from "../../result.js";
import type { RiskContext } from "../../riskContext.js";
import { holdingsByUnderlying, methodResult, perInstrumentMemo, valueUnder, type Holding, type MethodMargin } from "../common.js";
import { accountBook } from "../../accountBook.js";
import type { SpanParams } from "../types.js";
import { intraSpreadCharge, spotMonthCharge, type ExpiryDelta } from "./spanSpreads.js";

/** The 16 SPAN scenarios: price move in scan ranges, vol state, and whether it is an extreme move. */
export const SPAN_SCENARIOS: readonly { readonly move: number; readonly vol: "up" | "down" | "none"; readonly extreme: boolean }[] = [
  { move: 0, vol: "up", extreme: false }, { move: 0, vol: "down", extreme: false },
  { move: 1 / 3, vol: "up", extreme: false }, { move: 1 / 3, vol: "down", extreme: false },
  { move: -1 / 3, vol: "up", extreme: false }, { move: -1 / 3, vol: "down", extreme: false },
  { move: 2 / 3, vol: "up", extreme: false }, { move: 2 / 3, vol: "down", extreme: false },
  { move: -2 / 3, vol: "up", extreme: false }, { move: -2 / 3, vol: "down", extreme: false },
  { move: 1, vol: "up", extreme: false }, { move: 1, vol: "down", extreme: false },
  { move: -1, vol: "up", extreme: false }, { move: -1, vol: "down", extreme: false },
  { move: 1, vol: "none", extreme: true }, { move: -1, vol: "none", extreme: true },
];

/**
 * Risk array of one unit of an instrument in the numeraire: published if given (USD, converted at the
 * numeraire's index now), else revalued by the model.
 */
export function riskArray(ctx: RiskContext, h: Holding, p: SpanParams): readonly number[] {
  return arrayMemo(ctx, p, h.risk.resolved.instrument.name, () => computeRiskArray(ctx, h, p));
}
const arrayMemo = perInstrumentMemo<SpanParams, readonly number[]>();

function computeRiskArray(ctx: RiskContext, h: Holding, p: SpanParams): readonly number[] {
  const name = h.risk.resolved.instrument.name;
  const published = p.riskArrays[name];
  if (published) return published.map((usd) => usd / ctx.numeraire.index);
  const u = h.risk.resolved.instrument.underlying;
  const gp = ctx.grid(u).params;
  return SPAN_SCENARIOS.map((s) => {
    const mult = s.extreme ? p.extremeMultiple : 1;
    const vol = (r: ResolvedInstrument) => (s.vol === "none" ? r.vol : shockedVols(gp, r.vol, r.T)[s.vol]);
    const pnl = valueUnder(ctx, h.risk.resolved, { shock: s.move * mult * gp.priceRange, vol }) - h.risk.value;
    return s.extreme ? p.extremeCover * pnl : pnl;
  });
}

/** One combined commodity's SPAN figures. */
export interface SpanCommodity {
  readonly underlying: string;
  readonly scanRisk: number;
  /** 1-based scenario number of the scan risk (0 when there is no loss). */
  readonly scenario: number;
  readonly intraSpread: number;
  /** Spreads formed per intra-commodity rule (tier pair `i/j`, `flat`). */
  readonly intraSpreads: Readonly<Record<string, number>>;
  /** Delivery-month charge; null when the parameters set none for this underlying. */
  readonly spotMonth: number | null;
  readonly shortOptionMinimum: number;
  readonly netDelta: number;
  readonly netOptionValue: number;
}

function deltaOf(h: Holding, p: SpanParams): number {
  const d = p.deltas[h.risk.resolved.instrument.name];
  return h.size * (d ?? h.risk.delta);
}

/** Scan risk, intra-commodity spread charge, short option minimum and net delta of one commodity. */
export function spanCommodity(ctx: RiskContext, u: string, hs: readonly Holding[], p: SpanParams): SpanCommodity {
  const total = new Array<number>(16).fill(0);
  const byExpiry = new Map<string, ExpiryDelta>();
  const shortByName = new Map<string, number>();
  let netDelta = 0, nov = 0;
  for (const h of hs) {
    const a = riskArray(ctx, h, p);
    for (let k = 0; k < 16; k++) total[k] += h.size * a[k];
    const inst = h.risk.resolved.instrument;
    const d = deltaOf(h, p);
    netDelta += d;
    const key = inst.kind === "perpetual" ? "PERPETUAL" : inst.expiryCode ?? "SPOT";
    const days = inst.kind === "perpetual" || inst.kind === "spot" ? null : h.risk.resolved.T * 365;
    byExpiry.set(key, { delta: (byExpiry.get(key)?.delta ?? 0) + d, days });
    if (inst.kind === "option") {
      shortByName.set(inst.name, (shortByName.get(inst.name) ?? 0) + h.size);
      nov += h.size * h.risk.value;
    }
  }
  let k = 0;
  for (let i = 1; i < 16; i++) if (total[i] < total[k]) k = i;
  const scanRisk = Math.max(0, -total[k]);
  const numIndex = ctx.numeraire.index; // USD per numeraire unit: charges are USD
  const expiries = [...byExpiry.values()];
  const intra = intraSpreadCharge(expiries, forAsset(p.intraSpreadCharge, u), p.intraTiers?.[u] ?? p.intraTiers?.default);
  const sm = p.spotMonth?.[u] ?? p.spotMonth?.default;
  let shortQty = 0;
  for (const s of shortByName.values()) if (s < 0) shortQty -= s;
  return {
    underlying: u, scanRisk, scenario: scanRisk > 0 ? k + 1 : 0, intraSpread: intra.charge / numIndex, intraSpreads: intra.spreads,
    spotMonth: sm ? spotMonthCharge(expiries, sm) / numIndex : null,
    shortOptionMinimum: (shortQty * forAsset(p.shortOptionMinimum, u)) / numIndex, netDelta, netOptionValue: nov,
  };
}

/** Inter-commodity spread credits per commodity, spreads formed in the order given, each capped at its scan risk. */
export function interCredits(cs: readonly SpanCommodity[], p: SpanParams): Map<string, number> {
  const credit = new Map<string, number>();
  const left = new Map(cs.map((c) => [c.underlying, c.netDelta]));
  const byU = new Map(cs.map((c) => [c.underlying, c]));
  for (const s of p.interSpreads) {
    const [a, b] = s.legs;
    const ca = byU.get(a), cb = byU.get(b);
    const da = left.get(a) ?? 0, db = left.get(b) ?? 0;
    if (!ca || !cb || da * db >= 0) continue;
    const n = Math.min(Math.abs(da) / s.deltaRatio[0], Math.abs(db) / s.deltaRatio[1]);
    const per = (c: SpanCommodity) => (c.netDelta !== 0 ? c.scanRisk / Math.abs(c.netDelta) : 0);
    credit.set(a, (credit.get(a) ?? 0) + s.credit * n * s.deltaRatio[0] * per(ca));
    credit.set(b, (credit.get(b) ?? 0) + s.credit * n * s.deltaRatio[1] * per(cb));
    left.set(a, da - Math.sign(da) * n * s.deltaRatio[0]);
    left.set(b, db - Math.sign(db) * n * s.deltaRatio[1]);
  }
  for (const c of cs) credit.set(c.underlying, Math.min(credit.get(c.underlying) ?? 0, c.scanRisk));
  return credit;
}

function spanMethod(ctx: RiskContext, pf: Portfolio, p: SpanParams): Parsed<MethodMargin> {
  const abp = accountBook(ctx, pf);
  if (!abp.ok) return abp;
  const units = holdingsByUnderlying(ctx, pf, abp.value, false);
  const cs = [...units].map(([u, hs]) => spanCommodity(ctx, u, hs, p));
  const credits = interCredits(cs, p);
  const components: MarginComponent[] = [];
  let mm = 0;
  for (const c of cs) {
    const inter = credits.get(c.underlying) ?? 0;
    const risk = c.scanRisk + c.intraSpread + (c.spotMonth ?? 0) - inter;
    const req = Math.max(risk, c.shortOptionMinimum);
    mm += req;
    const s = SPAN_SCENARIOS[c.scenario - 1];
    components.push({
      name: "scanRisk", underlying: c.underlying, amount: c.scanRisk,
      ...(s ? { scenario: { priceShock: s.move * (s.extreme ? p.extremeMultiple : 1) * ctx.grid(c.underlying).params.priceRange, volShock: s.vol, ...(s.extreme ? { weight: p.extremeCover } : {}) } } : {}),
      detail: { scenario: c.scenario },
    });
    components.push({ name: "intraCommoditySpread", underlying: c.underlying, amount: c.intraSpread, ...(Object.keys(c.intraSpreads).length > 0 ? { detail: { ...c.intraSpreads } } : {}) });
    if (c.spotMonth !== null) components.push({ name: "spotMonthCharge", underlying: c.underlying, amount: c.spotMonth });
    components.push({ name: "interCommodityCredit", underlying: c.underlying, amount: -inter });
    components.push({ name: "shortOptionMinimum", underlying: c.underlying, amount: c.shortOptionMinimum, detail: { binding: c.shortOptionMinimum > risk } });
    components.push({ name: "netOptionValue", underlying: c.underlying, amount: c.netOptionValue, detail: { countedIn: "equity" } });
    components.push({ name: "commodityRequirement", underlying: c.underlying, amount: req, detail: { netDelta: c.netDelta } });
  }
  return { ok: true, value: { initialMargin: mm / ctx.params.portfolio.mmFactor, maintenanceMargin: mm, components, inScenarios: new Map() } };
}

/** SPAN margin of one account. */
export function spanMargin(ctx: RiskContext, pf: Portfolio, p: SpanParams): Parsed<MarginResult> {
  return methodResult(ctx, pf, (q) => spanMethod(ctx, q, p), { portfolio: ctx.params.portfolio, span: p });
}
