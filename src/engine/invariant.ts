/**
 * The state invariant (issue 11): after every event, every balance, position, mark, margin figure and fund
 * is finite and inside the engine's representable range. The engine checks it on a trial copy of the state
 * before an event is logged (src/engine/trial.ts), so nothing that breaks it is ever written; replay checks
 * the state part of it for every logged event and quarantines one that breaks it (src/engine/replay.ts).
 * Each problem is an issue with a path into the state, a message and the offending value (as text when JSON
 * cannot hold it: NaN, Infinity).
 */
import { MAX_STATE_AMOUNT } from "../input/bounds.js";
import type { InputIssue } from "../input/issues.js";
import type { AccountMargin } from "./accountMargin.js";
import type { MarketState } from "./marketState.js";
import { formatUnits, SCALE } from "../domain/money.js";
import type { EngineState } from "./state.js";

const MAX_UNITS = BigInt(MAX_STATE_AMOUNT) * SCALE;
const shown = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

const outOfRange = (u: bigint): boolean => u > MAX_UNITS || u < -MAX_UNITS;
const badPrice = (x: number | undefined, positive = true): boolean => x !== undefined && !(Number.isFinite(x) && (!positive || x > 0));

function unitsIssue(path: string, u: bigint): InputIssue | undefined {
  return outOfRange(u) ? { path, message: `would be outside the representable range ±${MAX_STATE_AMOUNT}`, value: formatUnits(u) } : undefined;
}

function priceIssue(path: string, x: number | undefined, positive = true): InputIssue | undefined {
  if (!badPrice(x, positive)) return undefined;
  return { path, message: positive ? "would not be a finite positive number" : "would not be finite", value: shown(x as number) };
}

/** Issues of one account's stored state: balances and positions in range, entry prices finite and > 0. */
export function accountIssues(s: EngineState, id: string): InputIssue[] {
  const a = s.accounts.get(id);
  if (!a) return [];
  const out: InputIssue[] = [];
  // Paths are built only for a problem: this runs for every event (replay: hundreds of thousands).
  for (const [asset, b] of a.balances) if (outOfRange(b)) out.push(unitsIssue(`accounts.${id}.balances.${asset}`, b) as InputIssue);
  for (const [name, p] of a.positions) {
    if (outOfRange(p.size)) out.push(unitsIssue(`accounts.${id}.positions.${name}.size`, p.size) as InputIssue);
    if (badPrice(p.entryPrice)) out.push(priceIssue(`accounts.${id}.positions.${name}.entryPrice`, p.entryPrice) as InputIssue);
  }
  for (const [orderId, o] of a.orders ?? []) if (outOfRange(o.size)) out.push(unitsIssue(`accounts.${id}.orders.${orderId}.size`, o.size) as InputIssue);
  for (const [v, l] of a.venues ?? []) {
    const at = `accounts.${id}.venues.${v}`;
    for (const [asset, b] of l.balances) if (outOfRange(b)) out.push(unitsIssue(`${at}.balances.${asset}`, b) as InputIssue);
    for (const [asset, b] of l.debts) if (outOfRange(b) || b < 0n) out.push({ path: `${at}.debts.${asset}`, message: b < 0n ? "would be negative" : `would be outside the representable range ±${MAX_STATE_AMOUNT}`, value: formatUnits(b) });
    for (const [name, p] of l.positions) {
      if (outOfRange(p.size)) out.push(unitsIssue(`${at}.positions.${name}.size`, p.size) as InputIssue);
      if (badPrice(p.entryPrice)) out.push(priceIssue(`${at}.positions.${name}.entryPrice`, p.entryPrice) as InputIssue);
    }
  }
  return out;
}

/** Issues of the live market: indexes, vols, rates, marks, mark IVs and stable prices finite (and > 0 where prices). */
export function marketIssues(m: MarketState | undefined, assets?: readonly string[]): InputIssue[] {
  if (!m) return [];
  const out: InputIssue[] = [];
  const push = (i: InputIssue | undefined) => { if (i) out.push(i); };
  const only = assets && !assets.includes("*") ? new Set(assets) : undefined;
  for (const [asset, x] of Object.entries(m.assets)) {
    if (only && !only.has(asset)) continue;
    push(priceIssue(`market.assets.${asset}.index`, x.index));
    push(priceIssue(`market.assets.${asset}.vol`, x.vol));
    push(priceIssue(`market.assets.${asset}.rate`, x.rate, false));
    push(priceIssue(`market.oracle.${asset}.stable`, m.oracle[asset]?.stable));
  }
  for (const [name, x] of Object.entries(m.instruments)) {
    if (only && ![...only].some((a) => name === a || name.startsWith(`${a}-`) || name.startsWith(`${a}_`))) continue;
    push(priceIssue(`market.instruments.${name}.mark`, x.mark));
    push(priceIssue(`market.instruments.${name}.markIv`, x.markIv));
  }
  return out;
}

/** Issues of the insurance fund: every balance in range. */
export function fundIssues(s: EngineState): InputIssue[] {
  const out: InputIssue[] = [];
  for (const [asset, b] of s.insuranceFund) if (outOfRange(b)) out.push(unitsIssue(`insuranceFund.${asset}`, b) as InputIssue);
  return out;
}

const fin = Number.isFinite;

/** Are all of an account's margin figures finite (the margin ratio may be null)? Allocation-free: it runs for every re-margined account. */
export function marginFinite(m: AccountMargin): boolean {
  if (!(fin(m.equity) && fin(m.adjustedEquity) && fin(m.initialMargin) && fin(m.maintenanceMargin) && fin(m.availableFunds) && fin(m.concentrationAddOn) && fin(m.stableAddOn) && fin(m.unrealisedPnl))) return false;
  if (m.marginRatio !== null && !fin(m.marginRatio)) return false;
  if (m.venues && !venuesFinite(m)) return false;
  for (const u in m.greeks) {
    const g = m.greeks[u];
    if (!(fin(g.delta) && fin(g.gamma) && fin(g.vega) && fin(g.theta) && fin(g.grossNotionalUsd) && fin(g.netDeltaUsd) && fin(g.collateralDelta ?? 0))) return false;
  }
  return true;
}

/** A multi-venue account's per-venue figures and unified charges (venueAccount.ts): every number finite (ratios and health factors may be null). */
function venuesFinite(m: AccountMargin): boolean {
  for (const v of m.venues ?? []) {
    if (!(fin(v.equity) && fin(v.adjustedEquity) && fin(v.initialMargin) && fin(v.maintenanceMargin) && fin(v.availableFunds))) return false;
    if ((v.marginRatio !== null && !fin(v.marginRatio)) || (v.healthFactor !== undefined && v.healthFactor !== null && !fin(v.healthFactor))) return false;
  }
  const u = m.unified;
  return !u || (fin(u.pooledInitialMargin) && fin(u.pooledMaintenanceMargin) && fin(u.charges.basis) && fin(u.charges.transferTime) && fin(u.charges.venueDefault));
}

/** Issues of an account's margin figures: every number finite (the margin ratio may be null); [] when fine. */
export function marginIssues(m: AccountMargin): InputIssue[] {
  if (marginFinite(m)) return NONE;
  const out: InputIssue[] = [];
  const at = `accounts.${m.account}.margin`;
  const check = (name: string, x: number | null) => { if (x !== null && !Number.isFinite(x)) out.push({ path: `${at}.${name}`, message: "would not be finite", value: String(x) }); };
  check("equity", m.equity); check("adjustedEquity", m.adjustedEquity); check("initialMargin", m.initialMargin);
  check("maintenanceMargin", m.maintenanceMargin); check("availableFunds", m.availableFunds); check("marginRatio", m.marginRatio);
  check("concentrationAddOn", m.concentrationAddOn); check("stableAddOn", m.stableAddOn); check("unrealisedPnl", m.unrealisedPnl);
  for (const [u, g] of Object.entries(m.greeks)) {
    for (const [k, v] of Object.entries(g)) check(`greeks.${u}.${k}`, v as number);
  }
  for (const v of m.venues ?? []) {
    for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "marginRatio", "healthFactor"] as const) check(`venues.${v.venue}.${k}`, v[k] ?? null);
  }
  if (m.unified) for (const [k, v] of Object.entries({ ...m.unified.charges, pooledInitialMargin: m.unified.pooledInitialMargin, pooledMaintenanceMargin: m.unified.pooledMaintenanceMargin })) check(`unified.${k}`, v);
  if (out.length === 0) out.push({ path: `${at}`, message: "would not be finite" });
  return out;
}

/**
 * The state part of the invariant after an event: the accounts it touched, the fund, and the market when
 * prices moved (`moved`: assets, `*` for all). Margins are checked separately (marginIssues) where they are computed.
 */
export function stateIssues(s: EngineState, accounts: readonly string[], moved: readonly string[]): InputIssue[] {
  let out: InputIssue[] | undefined;
  const add = (xs: InputIssue[]) => { if (xs.length > 0) (out ??= []).push(...xs); };
  for (const id of accounts) add(accountIssues(s, id));
  if (s.insuranceFund.size > 0) add(fundIssues(s));
  if (moved.length > 0) add(marketIssues(s.market, moved));
  return out ?? NONE;
}
const NONE: InputIssue[] = [];
