/**
 * Margin of one engine account: the core portfolio-model result, plus the concentration add-on summed
 * over the owner's linked accounts, plus unrealised P&L (for the withdrawal cap) and Greeks per
 * underlying (for the fleet view). Pure given the state and the risk context.
 */
import { marginWith } from "../margin/computeMargin.js";
import { concentrationCharges, type ConcentrationCharge, type OwnedPosition } from "../margin/concentration.js";
import { marginRatio, marginStatus, type MarginResult, type MarginStatus } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { MarketState } from "./marketState.js";
import { unitsToNumber } from "./money.js";
import { instrumentOf, toPortfolio, type AccountState, type EngineState } from "./state.js";

export interface GreeksByUnderlying {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  /** Σ |notional| in USD. */
  grossNotionalUsd: number;
  /** Σ delta × index in USD. */
  netDeltaUsd: number;
}

/** What the engine keeps per account after each recompute (USD). */
export interface AccountMargin {
  readonly account: string;
  readonly owner: string;
  /** Sequence number of the event after which it was computed. */
  readonly seq: number;
  readonly equity: number;
  readonly adjustedEquity: number;
  /** Model IM + concentration add-on. */
  readonly initialMargin: number;
  /** Model MM + mmFactor × concentration add-on. */
  readonly maintenanceMargin: number;
  readonly availableFunds: number;
  readonly marginRatio: number | null;
  readonly status: MarginStatus;
  readonly concentrationAddOn: number;
  readonly unrealisedPnl: number;
  readonly greeks: Readonly<Record<string, GreeksByUnderlying>>;
  /** Why the margin could not be computed (then the numbers are NaN-free zeros and status is "liquidation"). */
  readonly error?: string;
}

export interface AccountMarginDetail {
  readonly summary: AccountMargin;
  readonly result: MarginResult | undefined;
  readonly concentration: readonly ConcentrationCharge[];
}

function notionalUsd(m: MarketState, name: string, size: number): number {
  const inst = instrumentOf(name);
  const isInverseDelta1 = inst.settlement === "inverse" && inst.kind !== "option" && inst.kind !== "spot";
  return isInverseDelta1 ? Math.abs(size) : Math.abs(size) * (m.assets[inst.underlying]?.index ?? 0);
}

/** Positions of every account linked to `owner`. */
export function ownerPositions(s: EngineState, owner: string, members: Iterable<string>): OwnedPosition[] {
  const out: OwnedPosition[] = [];
  if (!s.market) return out;
  for (const id of members) {
    const a = s.accounts.get(id);
    if (!a || a.owner !== owner) continue;
    for (const [instrument, p] of a.positions) {
      const size = unitsToNumber(p.size);
      out.push({ account: id, instrument, size, notionalUsd: notionalUsd(s.market, instrument, size) });
    }
  }
  return out;
}

function unrealised(ctx: RiskContext, a: AccountState, r: MarginResult): number {
  let u = 0;
  let i = 0;
  for (const [name, p] of a.positions) {
    const rep = r.positions[i++];
    const inst = instrumentOf(name);
    if (inst.kind === "future" || inst.kind === "perpetual") u += rep.value;
    else if (inst.kind === "option" && p.entryPrice !== undefined) {
      const conv = inst.settlement === "inverse" ? ctx.usdIndex(inst.underlying) ?? 0 : ctx.usdIndex(inst.quote) ?? 0;
      u += rep.value - rep.size * p.entryPrice * conv;
    }
  }
  return u;
}

function greeksOf(m: MarketState, a: AccountState, r: MarginResult): Record<string, GreeksByUnderlying> {
  const g: Record<string, GreeksByUnderlying> = {};
  let i = 0;
  for (const [name] of a.positions) {
    const rep = r.positions[i++];
    const u = instrumentOf(name).underlying;
    const e = (g[u] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0 });
    e.delta += rep.delta; e.gamma += rep.gamma; e.vega += rep.vega; e.theta += rep.theta;
    e.grossNotionalUsd += notionalUsd(m, name, rep.size);
    e.netDeltaUsd += rep.delta * (m.assets[u]?.index ?? 0);
  }
  return g;
}

/**
 * Margin of one account (portfolio model, USD) with the engine's add-ons. `acct` may be a hypothetical
 * copy of a stored account (pre-trade and withdrawal checks); `linked` lists the owner's account ids.
 */
export function accountMargin(s: EngineState, ctx: RiskContext, acct: AccountState, linked: Iterable<string>): AccountMarginDetail {
  const r = marginWith(ctx, toPortfolio(acct), "portfolio");
  const base = { account: acct.id, owner: acct.owner, seq: s.seq };
  if (!r.ok || !s.market) {
    const error = r.ok ? "no market" : r.reason;
    return { summary: { ...base, equity: 0, adjustedEquity: 0, initialMargin: 0, maintenanceMargin: 0, availableFunds: 0, marginRatio: null, status: "liquidation", concentrationAddOn: 0, unrealisedPnl: 0, greeks: {}, error }, result: undefined, concentration: [] };
  }
  const res = r.value;
  const market = s.market;
  const group = ownerPositions(s, acct.owner, linked).filter((p) => p.account !== acct.id);
  for (const [instrument, p] of acct.positions) {
    const size = unitsToNumber(p.size);
    group.push({ account: acct.id, instrument, size, notionalUsd: notionalUsd(market, instrument, size) });
  }
  const charges = concentrationCharges(acct.id, group, (n) => market.liquidity[n], s.service.concentration);
  let addOn = 0;
  for (const c of charges) addOn += c.amount;
  const im = res.initialMargin + addOn;
  const mm = res.maintenanceMargin + s.params.portfolio.mmFactor * addOn;
  return {
    summary: {
      ...base, equity: res.equity, adjustedEquity: res.adjustedEquity, initialMargin: im, maintenanceMargin: mm, availableFunds: res.adjustedEquity - im,
      marginRatio: marginRatio(mm, res.adjustedEquity), status: marginStatus(res.equity, res.adjustedEquity, im, mm), concentrationAddOn: addOn,
      unrealisedPnl: unrealised(ctx, acct, res), greeks: greeksOf(market, acct, res),
    },
    result: res,
    concentration: charges,
  };
}
