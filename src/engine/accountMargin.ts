/**
 * Margin of one engine account: the core portfolio-model result, plus the concentration add-on summed
 * over the owner's linked accounts, plus unrealised P&L (for the withdrawal cap) and Greeks per
 * underlying (for the fleet view). Pure given the state and the risk context.
 */
import { marginWith } from "../margin/computeMargin.js";
import { concentrationCharges, type ConcentrationCharge, type OwnedPosition } from "../margin/concentration.js";
import { marginRatio, marginStatus, type MarginResult } from "../margin/result.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { MarginParams } from "../margin/params.js";
import { oracleHold, type MarketState } from "./marketState.js";
import { unitsToNumber } from "../domain/money.js";
import { instrumentOf, toPortfolio, type AccountState, type EngineState } from "./state.js";
import { instrumentsOf } from "./indexes.js";
import type { Instrument } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import type { LiquidityAdjustment } from "../margin/liquidityCharge.js";
import { engineLiquidity } from "./liquidityAddOn.js";
import { venueAssets } from "./venueLedger.js";
import { MULTI_VENUE_HOLD, venueAccountMargin, type UnifiedHeadline, type VenueHeadline } from "./venueAccount.js";

/**
 * Greeks of an account on one underlying, USD numeraire (as `dpm greeks` sums them on its `ALL` row): positions
 * and spot collateral of that asset (1 coin held has delta 1), stablecoins excluded.
 */
export interface GreeksByUnderlying {
  /** Coins: Σ position deltas + collateralDelta. */
  delta: number;
  /** Per coin per USD of index move. */
  gamma: number;
  /** USD per vol point. */
  vega: number;
  /** USD per day. */
  theta: number;
  /** Σ |notional| of the positions in USD (collateral not included). */
  grossNotionalUsd: number;
  /** delta × index in USD (collateral included). */
  netDeltaUsd: number;
  /** Coins of the asset held as collateral (its delta in USD terms; 0 when none). Always set on an account's margin; aggregates may leave it out. */
  collateralDelta?: number;
}

/**
 * What the engine keeps per account after each recompute (USD): the margin result's headline figures, where
 * `initialMargin` also holds the concentration and stable-price add-ons and `maintenanceMargin` the
 * concentration add-on × mmFactor (so `availableFunds`, `marginRatio` and `status` follow from them).
 */
export interface AccountMargin extends Pick<MarginResult, "account" | "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "availableFunds" | "marginRatio" | "status"> {
  readonly owner: string;
  /** Sequence number of the event after which it was computed. */
  readonly seq: number;
  readonly concentrationAddOn: number;
  /**
   * Extra IM from valuing at the oracle's stable prices (0 when no held asset has one): IM is raised so that
   * adjusted equity − IM is the lower of the two valuations' headroom (index, stable). Included in `initialMargin`.
   */
  readonly stableAddOn: number;
  /** Liquidity add-on of futures and perpetuals (USD, in `initialMargin`; × mmFactor in `maintenanceMargin`); only when the parameters enable liquidity charges. */
  readonly liquidityAddOn?: number;
  /** Liquidity haircut of collateral minus the tier haircut it replaces (USD, taken from `adjustedEquity`); only when enabled. */
  readonly liquidityHaircut?: number;
  readonly unrealisedPnl: number;
  readonly greeks: Readonly<Record<string, GreeksByUnderlying>>;
  /** Why the margin could not be computed (then the numbers are NaN-free zeros and status is "liquidation"). */
  readonly error?: string;
  /** In liquidation but not liquidated now: why (degraded index or circuit breaker on an asset it depends on, nothing to trade). */
  readonly liquidationHold?: string;
  /** Multi-venue accounts (venueAccount.ts): each venue under its own preset; the figures above are the unified profile's. */
  readonly venues?: readonly VenueHeadline[];
  /** Multi-venue accounts: the unified profile's status and charges. */
  readonly unified?: UnifiedHeadline;
  /** Multi-venue accounts: the venue whose own status, worse than the unified one, sets the account's `status`. */
  readonly statusVenue?: string;
}

export interface AccountMarginDetail {
  readonly summary: AccountMargin;
  readonly result: MarginResult | undefined;
  readonly concentration: readonly ConcentrationCharge[];
  /** Liquidity charges (margin/liquidityCharge.ts), when the parameters enable them. */
  readonly liquidity?: LiquidityAdjustment;
}

/**
 * What the margin of an account needs from its bigint state, converted once: the core Portfolio, the
 * parsed instruments in position order and their float sizes. The engine caches it per account until the
 * account changes (accounts change only through applied events, which report the accounts they touched).
 */
export interface PreparedAccount {
  readonly portfolio: Portfolio;
  readonly instruments: readonly Instrument[];
}

export function prepareAccount(a: AccountState): PreparedAccount {
  const portfolio = toPortfolio(a);
  return { portfolio, instruments: portfolio.positions.map((p) => p.instrument) };
}

function notionalUsd(m: MarketState, name: string, size: number): number {
  return notionalOf(m, instrumentOf(name), size);
}

function notionalOf(m: MarketState, inst: Instrument, size: number): number {
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

function unrealised(ctx: RiskContext, a: AccountState, insts: readonly Instrument[], r: MarginResult): number {
  let u = 0;
  let i = 0;
  for (const p of a.positions.values()) {
    const inst = insts[i];
    const rep = r.positions[i++];
    if (inst.kind === "future" || inst.kind === "perpetual") u += rep.value;
    else if (inst.kind === "option" && p.entryPrice !== undefined) {
      const conv = inst.settlement === "inverse" ? ctx.usdIndex(inst.underlying) ?? 0 : ctx.usdIndex(inst.quote) ?? 0;
      u += rep.value - rep.size * p.entryPrice * conv;
    }
  }
  return u;
}

/** Greeks per underlying: the positions', then the spot collateral's delta on its own asset. */
function greeksOf(s: EngineState, m: MarketState, prep: PreparedAccount, r: MarginResult): Record<string, GreeksByUnderlying> {
  const g: Record<string, GreeksByUnderlying> = {};
  const insts = prep.instruments;
  for (let i = 0; i < insts.length; i++) {
    const rep = r.positions[i];
    const u = insts[i].underlying;
    const e = (g[u] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0, collateralDelta: 0 });
    e.delta += rep.delta; e.gamma += rep.gamma; e.vega += rep.vega; e.theta += rep.theta;
    e.grossNotionalUsd += notionalOf(m, insts[i], rep.size);
    e.netDeltaUsd += rep.delta * (m.assets[u]?.index ?? 0);
  }
  addCollateralGreeks(g, prep.portfolio.collateral, m, s.params);
  return g;
}

/**
 * Add spot collateral to per-underlying Greeks, as `dpm greeks` counts it (USD numeraire): a coin held has delta 1
 * (no gamma) on its own asset; stablecoins and assets without an index are left out. Entries of assets without a
 * position are appended in collateral order. Shared by accountMargin and the kernel adapter (kernelMargins.ts).
 */
export function addCollateralGreeks(g: Record<string, GreeksByUnderlying>, collateral: Readonly<Record<string, number>>, m: MarketState, params: MarginParams): void {
  const stable = params.collateral.stablecoins;
  for (const asset in collateral) {
    const index = m.assets[asset]?.index;
    if (asset === "USD" || index === undefined || stable.includes(asset)) continue;
    const d = collateral[asset];
    const e = (g[asset] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0, collateralDelta: 0 });
    e.delta += d; e.collateralDelta = (e.collateralDelta ?? 0) + d;
    e.netDeltaUsd += d * index;
  }
}

/**
 * Concentration charges of an account (summed over its owner's linked accounts). Charges exist only for
 * instruments the account holds that have liquidity data, so without any the owner's book is not built.
 */
function concentrationOf(s: EngineState, market: MarketState, acct: AccountState, linked: Iterable<string>, prep: PreparedAccount): ConcentrationCharge[] {
  if (!prep.instruments.some((i) => market.liquidity[i.name] !== undefined)) return [];
  const group = ownerPositions(s, acct.owner, linked).filter((p) => p.account !== acct.id);
  prep.portfolio.positions.forEach((p, i) => {
    group.push({ account: acct.id, instrument: prep.instruments[i].name, size: p.size, notionalUsd: notionalOf(market, prep.instruments[i], p.size) });
  });
  return concentrationCharges(acct.id, group, (n) => market.liquidity[n], s.service.concentration);
}

/** Assets an account's margin depends on: underlyings and linear quotes of its positions and resting orders, its balances. */
export function accountAssets(a: AccountState): Set<string> {
  const assets = new Set<string>();
  for (const name of instrumentsOf(a)) {
    const i = instrumentOf(name);
    assets.add(i.underlying);
    if (i.settlement === "linear" && i.kind !== "spot") assets.add(i.quote);
  }
  for (const [asset, b] of a.balances) if (b !== 0n) assets.add(asset);
  if (a.venues) for (const asset of venueAssets(a)) assets.add(asset);
  return assets;
}

/** Why the engine does not liquidate an account in liquidation now (oracle hold on an asset it depends on, nothing to trade), or undefined. */
export function liquidationHold(s: EngineState, a: AccountState): string | undefined {
  const m = s.market;
  if (!m) return "no market";
  if (a.venues) return MULTI_VENUE_HOLD;
  for (const asset of [...accountAssets(a)].sort()) {
    const h = oracleHold(m, asset);
    if (h) return `held: ${h}`;
  }
  if (a.positions.size === 0) return "nothing to trade: no positions left (collateral is not sold)";
  return undefined;
}

function usesStable(m: MarketState, a: AccountState): boolean {
  for (const asset of accountAssets(a)) {
    const st = m.oracle[asset]?.stable;
    if (st !== undefined && st !== m.assets[asset]?.index) return true;
  }
  return false;
}

/** The summary of an account whose margin cannot be computed: zeros, status liquidation, and why. */
export function errorSummary(a: Pick<AccountState, "id" | "owner">, seq: number, error: string): AccountMargin {
  return { account: a.id, owner: a.owner, seq, equity: 0, adjustedEquity: 0, initialMargin: 0, maintenanceMargin: 0, availableFunds: 0, marginRatio: null, status: "liquidation", concentrationAddOn: 0, stableAddOn: 0, unrealisedPnl: 0, greeks: {}, error };
}

/**
 * Margin of one account (portfolio model, USD) with the engine's add-ons. MM, equity and the status's
 * liquidation test use the fresh index (`ctx`). When `imCtx` (the market valued at the oracle's stable
 * prices) is given and the account holds an asset whose stable price differs from its index, the account
 * is margined there too and IM is raised by the stable add-on so that available funds are the lower of the
 * two valuations' (adjusted equity − IM): each is a whole-account valuation, the worse one counts. `acct` may be a hypothetical
 * copy of a stored account (pre-trade and withdrawal checks); `linked` lists the owner's account ids.
 * `contributions` false skips the positions' marginal contributions (the per-tick path; `detail` asks for them).
 */
export function accountMargin(s: EngineState, ctx: RiskContext, acct: AccountState, linked: Iterable<string>, imCtx?: RiskContext, prepared?: PreparedAccount, contributions = true): AccountMarginDetail {
  // A multi-venue account: each venue under its own preset, the unified profile as its figures (venueAccount.ts).
  if (acct.venues) return venueAccountMargin(s, acct);
  const prep = prepared ?? prepareAccount(acct);
  const pf = prep.portfolio;
  const r = marginWith(ctx, pf, "portfolio", { contributions });
  if (!r.ok || !s.market) return { summary: errorSummary(acct, s.seq, r.ok ? "no market" : r.reason), result: undefined, concentration: [] };
  const res = r.value;
  const market = s.market;
  const charges = concentrationOf(s, market, acct, linked, prep);
  let addOn = 0;
  for (const c of charges) addOn += c.amount;
  let stableAddOn = 0;
  if (imCtx && usesStable(market, acct)) {
    const st = marginWith(imCtx, pf, "portfolio", { contributions: false });
    if (st.ok) stableAddOn = Math.max(0, (res.adjustedEquity - res.initialMargin) - (st.value.adjustedEquity - st.value.initialMargin));
  }
  const liq = engineLiquidity(s.params, market, pf.positions, res);
  const liqAddOn = liq?.addOnUsd ?? 0;
  const adjusted = liq ? res.adjustedEquity - liq.haircutDeltaUsd : res.adjustedEquity;
  const im = res.initialMargin + addOn + stableAddOn + liqAddOn;
  const mm = res.maintenanceMargin + s.params.portfolio.mmFactor * (addOn + liqAddOn);
  const status = marginStatus(res.equity, adjusted, im, mm);
  const hold = status === "liquidation" || status === "bankrupt" ? liquidationHold(s, acct) : undefined;
  // A plain literal (object spread here cost ~10 µs per account in the tick profile).
  const summary: { -readonly [K in keyof AccountMargin]: AccountMargin[K] } = {
    account: acct.id, owner: acct.owner, seq: s.seq, equity: res.equity, adjustedEquity: adjusted, initialMargin: im, maintenanceMargin: mm,
    availableFunds: adjusted - im, marginRatio: marginRatio(mm, adjusted), status, concentrationAddOn: addOn, stableAddOn,
    unrealisedPnl: unrealised(ctx, acct, prep.instruments, res), greeks: greeksOf(s, market, prep, res),
  };
  if (liq) { summary.liquidityAddOn = liqAddOn; summary.liquidityHaircut = liq.haircutDeltaUsd; }
  if (hold) summary.liquidationHold = hold;
  return { summary, result: res, concentration: charges, ...(liq ? { liquidity: liq } : {}) };
}
