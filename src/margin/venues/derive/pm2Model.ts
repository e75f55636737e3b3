/**
 * The `derive` preset's method: Derive's PMRM_2 on a dpm portfolio, reported as a dpm MarginResult
 * whose components carry Derive's own names (MM/IM net margins, scenario P&Ls, contingencies).
 */
import type { Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import { black76Greeks } from "../../../pricing/black76.js";
import type { MarginModel, MarginComponent, MarginResult, PositionReport, CollateralReport } from "../../result.js";
import { asOfText, marginRatio, marginStatus } from "../../result.js";
import type { RiskContext } from "../../riskContext.js";
import { arrangeUnderlyings, collateralBalances, type ArrangedUnderlying } from "./account.js";
import type { DerivePm2Params } from "./params.js";
import { pm2Margin, SECONDS_PER_YEAR, type Pm2Account, type Pm2Collateral, type Pm2Option, type Pm2Result } from "./pm2.js";

/** One subaccount's PM2 result and the collateral it holds. */
export interface Pm2Subaccount {
  readonly underlying: string;
  readonly result: Pm2Result;
  readonly account: Pm2Account;
}

function collateralOf(ctx: RiskContext, p: DerivePm2Params, asset: string, amount: number, u: ArrangedUnderlying): Parsed<Pm2Collateral> {
  const cp = p.collaterals[asset] ?? p.collaterals["default"];
  if (!cp) return { ok: false, reason: `collateral.${asset}: not accepted as Derive PM2 collateral (add it to derive.collaterals)` };
  const price = ctx.market.assets[asset]?.index;
  if (price === undefined) return { ok: false, reason: `collateral.${asset}: no index for ${asset} in market.assets` };
  const confidence = u.feeds.collateralConfidence?.[asset] ?? 1;
  return { ok: true, value: { asset, amount, price, confidence, riskCancelling: cp.riskCancelling.includes(u.underlying), MMHaircut: cp.MMHaircut, IMHaircut: cp.IMHaircut } };
}

/**
 * Split an account into Derive subaccounts: one per underlying. Cash and collateral that moves with
 * none of the underlyings go to the first (alphabetical); each risk-cancelling collateral goes to
 * the underlying it moves with.
 */
export function pm2Subaccounts(ctx: RiskContext, pf: Portfolio, p: DerivePm2Params): Parsed<Pm2Subaccount[]> {
  const feeds = ctx.params.deriveFeeds ?? {};
  const ar = arrangeUnderlyings(ctx.market, pf, feeds);
  if (!ar.ok) return ar;
  const units = ar.value.length > 0 ? ar.value : [{ underlying: "", spot: 0, spotConfidence: 1, perp: null, expiries: [], feeds: {} }];
  const stablePrice = ctx.market.assets[p.cashAsset]?.index ?? 1;
  const cols = new Map<string, Pm2Collateral[]>(units.map((u) => [u.underlying, []]));
  let cash = 0;
  for (const u of units) cash += u.feeds.cashAdjustment ?? 0;
  for (const [asset, amount] of collateralBalances(pf)) {
    if (asset === p.cashAsset) { cash += amount; continue; }
    const cp = p.collaterals[asset] ?? p.collaterals["default"];
    const home = units.find((u) => cp?.riskCancelling.includes(u.underlying)) ?? units[0];
    const c = collateralOf(ctx, p, asset, amount, home);
    if (!c.ok) return c;
    cols.get(home.underlying)?.push(c.value);
  }
  return {
    ok: true,
    value: units.map((u, i) => {
      const account: Pm2Account = {
        spot: u.spot, spotConfidence: u.spotConfidence, stablePrice, cash: i === 0 ? cash : 0,
        perp: u.perp ? { amount: u.perp.amount, price: u.perp.price, confidence: u.perp.confidence, value: u.perp.value } : null,
        collaterals: cols.get(u.underlying) ?? [],
        expiries: u.expiries.map((e) => ({
          label: e.code, secToExpiry: e.secToExpiry, forward: e.forward, rate: e.rate,
          confidence: Math.min(e.forwardConfidence, e.rateConfidence, e.volConfidence),
          options: e.options.map((o) => ({ instrument: o.instrument.name, strike: o.strike, right: o.right, amount: o.amount, vol: o.vol })),
        })),
      };
      return { underlying: u.underlying, account, result: pm2Margin(account, p) };
    }),
  };
}

function scenarioComponents(s: Pm2Subaccount): MarginComponent[] {
  const r = s.result;
  return r.scenarios.map((sc, i) => ({
    name: sc.volShock === "linear" || sc.volShock === "abs" ? "skew_loss" : sc.dampeningFactor < 1 ? "tail_loss" : "reg_loss",
    underlying: s.underlying, amount: sc.pnl,
    scenario: { priceShock: sc.spotShock - 1, volShock: sc.volShock, weight: sc.dampeningFactor },
    detail: { index: i, worst: r.worstScenario === i },
  }));
}

function subaccountComponents(s: Pm2Subaccount): MarginComponent[] {
  const r = s.result, u = s.underlying;
  const c = (name: string, amount: number, detail?: MarginComponent["detail"]): MarginComponent => (detail ? { name, underlying: u, amount, detail } : { name, underlying: u, amount });
  return [
    c("MM", r.MM, { meaning: "maintenance net margin: MtM + cash - requirement (negative = shortfall)" }),
    c("IM", r.IM, { meaning: "initial net margin: MtM + cash - requirement (negative = shortfall)" }),
    c("PortfolioMTM", r.PortfolioMTM), c("OptionMTM", r.OptionMTM), c("CollateralMTM", r.CollateralMTM), c("PerpMTM", r.PerpValue), c("Cash", r.Cash),
    c("worstLoss", r.worstLoss, { binding: r.worstScenario === null ? "fwd_contingency" : `scenario ${r.worstScenario}` }),
    c("ForwardContingency", r.ForwardContingency),
    c("MMLossFactor", r.MMLossFactor), c("IMLossFactor", r.IMLossFactor),
    c("MMPerpCont", r.MMPerpCont), c("IMPerpCont", r.IMPerpCont), c("MMOptionCont", r.MMOptionCont), c("IMOptionCont", r.IMOptionCont),
    c("MMBaseCont", r.MMBaseCont), c("IMBaseCont", r.IMBaseCont), c("OracleCont", r.OracleCont),
    ...r.expiries.map((e) => c("expiry", e.mtm, {
      expiry: e.label, discount: e.discount, staticDiscountPos: e.staticDiscountPos, staticDiscountNeg: e.staticDiscountNeg,
      volShockUp: e.volShockUp, volShockDown: e.volShockDown, basisContingency: e.basisContingency, confidence: e.confidence, nakedShorts: e.nakedShorts,
    })),
    ...scenarioComponents(s),
  ];
}

function positionReports(subs: readonly Pm2Subaccount[], ctx: RiskContext, pf: Portfolio, p: DerivePm2Params, imReq: number): PositionReport[] {
  const options = new Map<string, { o: Pm2Option; e: Pm2Account["expiries"][number] }>();
  for (const s of subs) for (const e of s.account.expiries) for (const o of e.options) options.set(o.instrument, { o, e });
  return pf.positions.map((pos, i) => {
    const without = requirements(ctx, { ...pf, positions: pf.positions.filter((_, j) => j !== i) }, p);
    const marginContribution = without.ok ? imReq - without.value.im : 0;
    const name = pos.instrument.name;
    const hit = options.get(name);
    if (hit) {
      const { o, e } = hit;
      const g = black76Greeks(o.right, e.forward, o.strike, Math.max(e.secToExpiry, 0) / SECONDS_PER_YEAR, o.vol, Math.max(e.rate, 0));
      return {
        instrument: name, size: pos.size, markPrice: g.price, value: pos.size * g.price, delta: pos.size * g.delta, gamma: pos.size * g.gamma,
        vega: (pos.size * g.vega) / 100, theta: (pos.size * g.theta) / 365, marginContribution,
      };
    }
    const mark = ctx.market.instruments[name]?.mark ?? ctx.market.assets[pos.instrument.underlying]?.index ?? 0;
    const value = pos.instrument.kind === "spot" ? pos.size * mark : pos.entryPrice === undefined ? 0 : (mark - pos.entryPrice) * pos.size;
    return { instrument: name, size: pos.size, markPrice: mark, value, delta: pos.size, gamma: 0, vega: 0, theta: 0, marginContribution };
  });
}

function requirements(ctx: RiskContext, pf: Portfolio, p: DerivePm2Params): Parsed<{ im: number; mm: number; mtm: number }> {
  const subs = pm2Subaccounts(ctx, pf, p);
  if (!subs.ok) return subs;
  let im = 0, mm = 0, mtm = 0;
  for (const s of subs.value) {
    im += s.result.PortfolioMTM - s.result.IM;
    mm += s.result.PortfolioMTM - s.result.MM;
    mtm += s.result.PortfolioMTM;
  }
  return { ok: true, value: { im, mm, mtm } };
}

/**
 * Derive PMRM_2 margin of an account (USD). Requirements are MtM − net margin, so
 * `initialMargin` = PortfolioMTM − IM and available funds = IM (Derive's net initial margin).
 */
export function derivePm2Result(ctx: RiskContext, pf: Portfolio, model: MarginModel): Parsed<MarginResult> {
  const p = ctx.params.derive;
  if (!p) return { ok: false, reason: "the derive-pm2 method needs a \"derive\" parameter section (use --preset derive)" };
  if (pf.openOrders.length > 0) return { ok: false, reason: "openOrders: the derive method margins positions only" };
  const subs = pm2Subaccounts(ctx, pf, p);
  if (!subs.ok) return subs;
  const N = ctx.numeraire.index;
  let im = 0, mm = 0, equity = 0;
  for (const s of subs.value) {
    im += s.result.PortfolioMTM - s.result.IM;
    mm += s.result.PortfolioMTM - s.result.MM;
    equity += s.result.PortfolioMTM;
  }
  const collateral: CollateralReport[] = subs.value.flatMap((s) => s.account.collaterals.map((c) => ({
    asset: c.asset, amount: c.amount, value: (c.amount * c.price) / s.account.stablePrice / N, haircut: 0, countedAs: c.riskCancelling ? "scenario" as const : "haircut" as const,
  })));
  const components = subs.value.flatMap(subaccountComponents).map((c) => (N === 1 || c.name.endsWith("LossFactor") ? c : { ...c, amount: c.amount / N }));
  const positions = positionReports(subs.value, ctx, pf, p, im);
  return {
    ok: true,
    value: {
      account: pf.account, model, currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
      equity: equity / N, adjustedEquity: equity / N, initialMargin: im / N, maintenanceMargin: mm / N, availableFunds: (equity - im) / N,
      marginRatio: marginRatio(mm, equity), status: marginStatus(equity, equity, im, mm), components, positions, collateral,
      params: { method: "derive-pm2", name: ctx.params.name, source: ctx.params.source },
    },
  };
}
