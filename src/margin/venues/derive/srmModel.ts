/** The `derive-srm` preset's method: Derive's standard manager on a dpm portfolio, as a MarginResult. */
import type { Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import type { MarginComponent, MarginModel, MarginResult } from "../../result.js";
import { asOfText, marginRatio, marginStatus } from "../../result.js";
import type { RiskContext } from "../../riskContext.js";
import { arrangeUnderlyings, collateralBalances } from "./account.js";
import { srmMargin, type SrmMarket, type SrmResult } from "./srm.js";

/** Arrange an account for the SRM: base assets are balances of an underlying's own asset; other collateral is refused. */
export function srmAccount(ctx: RiskContext, pf: Portfolio): Parsed<{ markets: SrmMarket[]; cash: number; stablePrice: number }> {
  const p = ctx.params.deriveSrm;
  if (!p) return { ok: false, reason: "the derive-srm method needs a \"deriveSrm\" parameter section (use --preset derive-srm)" };
  const feeds = ctx.params.deriveFeeds ?? {};
  const bal = collateralBalances(pf);
  const extra: Record<string, object> = {};
  for (const a of bal.keys()) if (a !== p.cashAsset && !(a in feeds)) extra[a] = {};
  const ar = arrangeUnderlyings(ctx.market, pf, { ...extra, ...feeds });
  if (!ar.ok) return ar;
  let cash = bal.get(p.cashAsset) ?? 0;
  for (const u of ar.value) cash += u.feeds.cashAdjustment ?? 0;
  const markets = ar.value.map((u): SrmMarket => ({
    underlying: u.underlying, spot: u.spot, spotConfidence: u.spotConfidence, base: bal.get(u.underlying) ?? 0,
    perp: u.perp ? { amount: u.perp.amount, price: u.perp.price, confidence: u.perp.confidence, value: u.perp.value } : null,
    expiries: u.expiries.map((e) => ({
      label: e.code, secToExpiry: e.secToExpiry, forward: e.forward, confidence: Math.min(e.forwardConfidence, e.volConfidence),
      options: e.options.map((o) => ({ strike: o.strike, right: o.right, amount: o.amount, vol: o.vol })),
    })),
  }));
  return { ok: true, value: { markets, cash, stablePrice: ctx.market.assets[p.cashAsset]?.index ?? 1 } };
}

function components(r: SrmResult): MarginComponent[] {
  const out: MarginComponent[] = [
    { name: "MM", amount: r.MM, detail: { meaning: "maintenance net margin: MtM - requirement (negative = shortfall)" } },
    { name: "IM", amount: r.IM, detail: { meaning: "initial net margin: MtM - requirement (negative = shortfall)" } },
    { name: "PortfolioMtM", amount: r.PortfolioMtM },
  ];
  r.mm.markets.forEach((m, i) => {
    const im = r.im.markets[i];
    const u = m.underlying;
    out.push(
      { name: "OptionMM", underlying: u, amount: m.optionMargin }, { name: "OptionIM", underlying: u, amount: im.optionMargin },
      { name: "PerpMargin", underlying: u, amount: m.perpMargin }, { name: "PerpIM", underlying: u, amount: im.perpMargin },
      { name: "BaseMargin", underlying: u, amount: m.baseMargin }, { name: "BaseIM", underlying: u, amount: im.baseMargin },
      { name: "OracleConts", underlying: u, amount: -(im.perpOracle + im.expiries.reduce((s, e) => s + e.oracle, 0)) },
      { name: "DepegIMs", underlying: u, amount: -im.depeg },
      { name: "UnrealizedPNL", underlying: u, amount: m.unrealisedPerp },
      ...m.expiries.map((e, j) => ({
        name: "expiry", underlying: u, amount: e.margin,
        detail: { expiry: e.label, isolatedMM: e.isolated, boundedMM: e.maxLoss, isolatedIM: im.expiries[j].isolated, boundedIM: im.expiries[j].maxLoss, mtm: e.mtm },
      })),
    );
  });
  return out;
}

/** Derive SRM margin (USD). Requirements are MtM − net margin; available funds = IM net margin. */
export function deriveSrmResult(ctx: RiskContext, pf: Portfolio, model: MarginModel): Parsed<MarginResult> {
  const p = ctx.params.deriveSrm;
  if (!p) return { ok: false, reason: "the derive-srm method needs a \"deriveSrm\" parameter section (use --preset derive-srm)" };
  if (pf.openOrders.length > 0) return { ok: false, reason: "openOrders: the derive method margins positions only" };
  const a = srmAccount(ctx, pf);
  if (!a.ok) return a;
  const r = srmMargin(a.value.markets, a.value.cash, a.value.stablePrice, p);
  const N = ctx.numeraire.index;
  const eq = r.PortfolioMtM, im = eq - r.IM, mm = eq - r.MM;
  return {
    ok: true,
    value: {
      account: pf.account, model, currency: ctx.numeraire.currency, asOf: asOfText(ctx.market.asOf),
      equity: eq / N, adjustedEquity: eq / N, initialMargin: im / N, maintenanceMargin: mm / N, availableFunds: r.IM / N,
      marginRatio: marginRatio(mm, eq), status: marginStatus(eq, eq, im, mm),
      components: components(r).map((c) => (N === 1 ? c : { ...c, amount: c.amount / N })), positions: [], collateral: [],
      params: { method: "derive-srm", name: ctx.params.name, source: ctx.params.source },
    },
  };
}
