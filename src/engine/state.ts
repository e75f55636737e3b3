/**
 * Engine state: accounts (exact balances and positions), the live market, the parameter set. It is a
 * pure fold of the event log: `applyEvent` never fails for an event `eventProblem` accepted, so
 * state = snapshot + replay of the events after it.
 */
import { instrumentNamed, type Instrument } from "../domain/instrument.js";
import type { Portfolio, Position } from "../domain/portfolio.js";
import type { MarginParams } from "../margin/params.js";
import type { MarginStatus } from "../margin/result.js";
import { parseMarket } from "../input/marketSchema.js";
import { parseParams } from "../input/paramsSchema.js";
import { loadPreset, presetNames, rawPreset } from "../input/presets.js";
import type { EngineEvent, ExpiryEvent, FillEvent, ParamsEvent } from "./events.js";
import { applyCancel, applyOrder, cancelProblem, consumeOrder, fillOrderProblem, openOrdersOf, orderProblem, ordersFromJson, ordersToJson, type OrderState, type OrdersJson } from "./orders.js";
import { applyTick, marketFromJson, marketStateFrom, marketToJson, tickProblem, type MarketState } from "./marketState.js";
import { formatUnits, roundToUnits, toUnits, unitsToNumber } from "../domain/money.js";
import { fillCash, fundingPayment, settlementCash, type CashFlow } from "./settlement.js";
import { emptyRequestIds, recordRequest, requestIdsFromJson, requestIdsToJson, requestKey, type RequestIds, type RequestIdsJson } from "./requestIds.js";
import { applyBook, bookProblem } from "./book.js";
import { applyVenueFill, applyVenueTransfer, cloneVenues, ledgersOf, pooledVenuePortfolio, settleVenueExpiry, venueCash, venueProblem, venuesFromJson, venuesToJson, type VenueJson, type VenueLedger } from "./venueLedger.js";
import { addToFund, applyAdl, applyFundCover, applyLiquidationFill, endRecord, openRecord, recordAdl, recordStep, startRecord, type LiquidationRecord } from "./liquidationState.js";

/** A position: exact size; average entry price (futures, perpetuals, options: premium per unit). */
export interface PositionState {
  size: bigint;
  entryPrice?: number;
}

export interface AccountState {
  readonly id: string;
  readonly owner: string;
  /** Asset → exact balance in 1e-12 units. */
  readonly balances: Map<string, bigint>;
  /** Instrument name → position (never size 0). */
  readonly positions: Map<string, PositionState>;
  /** Last status seen by the engine (drives margin_status events). */
  status: MarginStatus | "none";
  /** Idempotency keys of its fills and transfers (absent until the first one; hypothetical copies have none). */
  requests?: RequestIds;
  /** Resting orders by orderId (absent when none). */
  orders?: Map<string, OrderState>;
  /**
   * A multi-venue account (venueLedger.ts): venue name → its own balances and positions. Then `balances` and
   * `positions` stay empty and every fill, deposit, withdrawal and order names its venue.
   */
  venues?: Map<string, VenueLedger>;
}

/** Service-level parameters (not part of the margin model). */
export interface ServiceParams {
  /** Fraction of positive unrealised P&L that does not count when checking a withdrawal (1 = none of it). */
  withdrawalUpnlHaircut: number;
  /** Concentration add-on: rate = min(cap, slope × max(0, share of open interest − threshold)). */
  concentration: { threshold: number; slope: number; cap: number };
}

export const DEFAULT_SERVICE_PARAMS: ServiceParams = { withdrawalUpnlHaircut: 1, concentration: { threshold: 0.1, slope: 0.5, cap: 0.5 } };

/** A logged event replay skipped because it could not be applied (see replay.ts). */
export interface QuarantinedEvent {
  readonly seq: number;
  /** Its `type` field, when it had a string one. */
  readonly type: string | null;
  readonly reason: string;
}

export interface EngineState {
  /** Sequence number of the last applied event (0 = none). */
  seq: number;
  /** Market stream sequence (scale-out) of the last applied tick/funding/params event that carried one (0 = none). */
  marketSeq: number;
  market: MarketState | undefined;
  paramsSource: { preset?: string; params?: unknown };
  params: MarginParams;
  service: ServiceParams;
  readonly accounts: Map<string, AccountState>;
  /** Insurance fund: asset → exact balance (1e-12 units). Receives liquidation fees, covers deficits. */
  readonly insuranceFund: Map<string, bigint>;
  /** Recent liquidations, oldest first (at most RECENT_LIQUIDATIONS finished ones plus any open one). */
  readonly liquidations: LiquidationRecord[];
  /** Logged events skipped at replay (invalid, refused, or breaking the state invariant), in log order. */
  readonly quarantine: QuarantinedEvent[];
}

export function emptyState(): EngineState {
  return { seq: 0, marketSeq: 0, market: undefined, paramsSource: { preset: "deribit" }, params: loadPreset("deribit"), service: structuredClone(DEFAULT_SERVICE_PARAMS), accounts: new Map(), insuranceFund: new Map(), liquidations: [], quarantine: [] };
}

/** A copy of an account that can be changed without touching the state (balances, positions, resting orders). */
export function cloneAccount(a: AccountState): AccountState {
  return {
    id: a.id, owner: a.owner, status: a.status, balances: new Map(a.balances), positions: new Map([...a.positions].map(([k, p]) => [k, { ...p }])),
    ...(a.orders ? { orders: new Map([...a.orders].map(([k, o]) => [k, { ...o }])) } : {}),
    ...(a.venues ? { venues: cloneVenues(a.venues) } : {}),
  };
}

/** The account as a core Portfolio (sizes and balances converted to float64 for risk). */
export function toPortfolio(a: AccountState): Portfolio {
  // A multi-venue account reads as `dpm margin` reads a multi-venue book: the pooled account.
  if (a.venues) return pooledVenuePortfolio(a, openOrdersOf(a));
  const positions: Position[] = [];
  for (const [name, p] of a.positions) {
    const inst = instrumentOf(name);
    const isFut = inst.kind === "future" || inst.kind === "perpetual";
    positions.push(isFut && p.entryPrice !== undefined ? { instrument: inst, size: unitsToNumber(p.size), entryPrice: p.entryPrice } : { instrument: inst, size: unitsToNumber(p.size) });
  }
  const collateral: Record<string, number> = {};
  for (const [asset, b] of a.balances) if (b !== 0n) collateral[asset] = unitsToNumber(b);
  return { account: a.id, collateral, positions, openOrders: openOrdersOf(a) };
}

/** Parsed instrument of a (validated) name. */
export function instrumentOf(name: string): Instrument {
  const i = instrumentNamed(name);
  if (!i) throw new Error(`invalid instrument name ${name}`);
  return i;
}

function resolveParams(e: ParamsEvent): { ok: true; value: MarginParams } | { ok: false; reason: string } {
  if (e.params !== undefined) {
    const r = parseParams(e.params, rawPreset);
    return r.ok ? r : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
  }
  if (e.preset !== undefined) {
    if (!presetNames().includes(e.preset)) return { ok: false, reason: `unknown preset ${e.preset} (known: ${presetNames().join(", ")})` };
    return { ok: true, value: loadPreset(e.preset) };
  }
  return { ok: true, value: undefined as unknown as MarginParams };
}

/** Why an event cannot be applied to this state (state-dependent checks; margin checks are the engine's), or undefined. */
export function eventProblem(s: EngineState, e: EngineEvent): string | undefined {
  const needAccount = (id: string) => (s.accounts.has(id) ? undefined : `account ${id} does not exist`);
  const vp = venueProblem(s, e);
  if (vp) return `${vp.issue.path}: ${vp.issue.message}`;
  if ((e.type === "tick" || e.type === "funding" || e.type === "params") && e.marketSeq !== undefined && e.marketSeq <= s.marketSeq) return `market stream seq ${e.marketSeq} already applied (last applied ${s.marketSeq})`;
  switch (e.type) {
    case "market": {
      const r = parseMarket(e.snapshot);
      return r.ok ? undefined : `invalid snapshot: ${r.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    }
    case "account": return s.accounts.has(e.account) ? `account ${e.account} already exists` : undefined;
    case "book": return bookProblem(s, e);
    case "deposit": return needAccount(e.account);
    case "withdrawal": {
      const a = s.accounts.get(e.account);
      if (!a) return `account ${e.account} does not exist`;
      if (e.venue !== undefined) return undefined;
      const bal = a.balances.get(e.asset) ?? 0n;
      return bal < (toUnits(e.amount) ?? 0n) ? `balance of ${e.asset} is ${formatUnits(bal)}, less than ${e.amount}` : undefined;
    }
    case "fill": case "order": {
      if (!s.market) return "no market yet";
      const inst = instrumentOf(e.instrument);
      if (!s.market.assets[inst.underlying]) return `no index for ${inst.underlying}`;
      const a = s.accounts.get(e.account);
      if (!a) return `account ${e.account} does not exist`;
      return e.type === "order" ? orderProblem(a, e) : fillOrderProblem(a, e);
    }
    case "cancel": {
      const a = s.accounts.get(e.account);
      return a ? cancelProblem(a, e.orderId) : `account ${e.account} does not exist`;
    }
    case "venue_transfer": return needAccount(e.account);
    case "tick": return s.market ? tickProblem(s.market, e) : "no market yet (send a market event first)";
    case "funding": {
      if (!s.market) return "no market yet";
      return s.market.assets[instrumentOf(e.instrument).underlying] ? undefined : `no index for ${e.instrument}`;
    }
    case "params": {
      const r = resolveParams(e);
      return r.ok ? undefined : r.reason;
    }
    case "params_proposal": {
      // A proposal's parameters must be applicable when approved: validated as a params event's.
      const r = resolveParams({ type: "params", params: e.params });
      return r.ok ? undefined : `proposed parameters: ${r.reason}`;
    }
    case "expiry": case "insurance_deposit": case "params_proposal_closed": return undefined;
    case "margin_status": case "liquidation_start": return needAccount(e.account);
    case "liquidation_step": case "liquidation_end": {
      const missing = needAccount(e.account);
      if (missing) return missing;
      return openRecord(s.liquidations, e.account) ? undefined : `no liquidation of ${e.account} in progress`;
    }
    case "adl": {
      const missing = needAccount(e.account) ?? needAccount(e.bankrupt);
      if (missing) return missing;
      if (!s.accounts.get(e.account)?.positions.has(e.instrument)) return `account ${e.account} holds no ${e.instrument}`;
      return openRecord(s.liquidations, e.bankrupt) ? undefined : `no liquidation of ${e.bankrupt} in progress`;
    }
  }
}

function addCash(a: AccountState, flows: readonly CashFlow[]): void {
  for (const f of flows) {
    if (f.amount === 0n) continue;
    const nb = (a.balances.get(f.asset) ?? 0n) + f.amount;
    if (nb === 0n) a.balances.delete(f.asset);
    else a.balances.set(f.asset, nb);
  }
}

function applyFill(s: EngineState, e: FillEvent): string[] {
  const a = s.accounts.get(e.account);
  if (!a) return [];
  const venue = e.venue !== undefined ? a.venues?.get(e.venue) : undefined;
  if (venue) { applyVenueFill(venue, e); return [a.id]; }
  const inst = instrumentOf(e.instrument);
  const size = toUnits(e.size) ?? 0n;
  if (inst.kind === "spot") {
    addCash(a, [{ asset: inst.underlying, amount: size }, { asset: "USD", amount: -roundToUnits(unitsToNumber(size) * e.price) }]);
    return [a.id];
  }
  const pos = a.positions.get(e.instrument) ?? { size: 0n };
  const r = fillCash(inst, pos, size, e.price);
  addCash(a, r.cash);
  if (r.next.size === 0n) a.positions.delete(e.instrument);
  else a.positions.set(e.instrument, r.next);
  return [a.id];
}

function applyExpiry(s: EngineState, e: ExpiryEvent): string[] {
  const touched: string[] = [];
  for (const a of s.accounts.values()) {
    for (const [name, p] of [...a.positions]) {
      const inst = instrumentOf(name);
      if (inst.underlying !== e.underlying || inst.expiryCode !== e.expiryCode) continue;
      addCash(a, settlementCash(inst, p, e.price));
      a.positions.delete(name);
      if (!touched.includes(a.id)) touched.push(a.id);
    }
    if (a.venues && settleVenueExpiry(a, e.underlying, e.expiryCode, e.price) && !touched.includes(a.id)) touched.push(a.id);
  }
  return touched;
}

/** Apply an accepted event in place; returns the accounts whose state changed and the assets whose prices moved ("*" for all). */
export function applyEvent(s: EngineState, e: EngineEvent, seq: number): { accounts: string[]; moved: string[] } {
  s.seq = seq;
  if ((e.type === "tick" || e.type === "funding" || e.type === "params") && e.marketSeq !== undefined) s.marketSeq = Math.max(s.marketSeq, e.marketSeq);
  switch (e.type) {
    case "market": {
      const r = parseMarket(e.snapshot);
      if (r.ok) s.market = marketStateFrom(r.value);
      return { accounts: [], moved: ["*"] };
    }
    case "account":
      s.accounts.set(e.account, { id: e.account, owner: e.owner ?? e.account, balances: new Map(), positions: new Map(), status: "none", ...(e.venues ? { venues: ledgersOf(e.venues) } : {}) });
      return { accounts: [e.account], moved: [] };
    case "book": return { accounts: [applyBook(s, e)], moved: [] };
    case "deposit": case "withdrawal": {
      const a = s.accounts.get(e.account);
      const units = (e.type === "deposit" ? 1n : -1n) * (toUnits(e.amount) ?? 0n), venue = e.venue !== undefined ? a?.venues?.get(e.venue) : undefined;
      if (venue) venueCash(venue, e.asset, units);
      else if (a) addCash(a, [{ asset: e.asset, amount: units }]);
      if (a && e.requestId !== undefined) recordRequest((a.requests ??= emptyRequestIds()), requestKey(e.type, e.requestId), seq);
      return { accounts: [e.account], moved: [] };
    }
    case "fill": {
      const a = s.accounts.get(e.account);
      if (a && e.fillId !== undefined) recordRequest((a.requests ??= emptyRequestIds()), requestKey("fill", e.fillId), seq);
      if (a) consumeOrder(a, e);
      return { accounts: applyFill(s, e), moved: [] };
    }
    case "order": case "cancel": {
      const a = s.accounts.get(e.account);
      if (a) {
        if (e.type === "order") applyOrder(a, e);
        else applyCancel(a, e.orderId);
      }
      return { accounts: [e.account], moved: [] };
    }
    case "venue_transfer": {
      const a = s.accounts.get(e.account);
      if (a) applyVenueTransfer(a, e);
      if (a && e.requestId !== undefined) recordRequest((a.requests ??= emptyRequestIds()), requestKey(e.type, e.requestId), seq);
      return { accounts: [e.account], moved: [] };
    }
    case "tick":
      if (s.market) applyTick(s.market, e);
      return { accounts: [], moved: [e.asset] };
    case "funding": {
      const touched: string[] = [];
      const inst = instrumentOf(e.instrument);
      for (const a of s.accounts.values()) {
        const p = a.positions.get(e.instrument);
        if (!p || !s.market) continue;
        addCash(a, fundingPayment(inst, p, e.rate, s.market));
        touched.push(a.id);
      }
      return { accounts: touched, moved: [] };
    }
    case "params": {
      const r = resolveParams(e);
      if (r.ok && r.value !== undefined) {
        s.params = r.value;
        s.paramsSource = e.params !== undefined ? { params: e.params } : { preset: e.preset };
      }
      if (e.service) s.service = { ...s.service, ...(e.service.withdrawalUpnlHaircut !== undefined ? { withdrawalUpnlHaircut: e.service.withdrawalUpnlHaircut } : {}), concentration: { ...s.service.concentration, ...e.service.concentration } };
      return { accounts: [], moved: ["*"] };
    }
    case "expiry": return { accounts: applyExpiry(s, e), moved: [] };
    // Adaptive proposals change no state (the scheduler folds them from the log); approving one is a params event.
    case "params_proposal": case "params_proposal_closed": return { accounts: [], moved: [] };
    case "margin_status": {
      const a = s.accounts.get(e.account);
      if (a) a.status = e.status;
      return { accounts: [], moved: [] };
    }
    case "insurance_deposit":
      addToFund(s.insuranceFund, e.asset, toUnits(e.amount) ?? 0n);
      return { accounts: [], moved: [] };
    case "liquidation_start":
      s.liquidations.push(startRecord(e, seq));
      return { accounts: [], moved: [] };
    case "liquidation_step": {
      const a = s.accounts.get(e.account);
      if (a) addToFund(s.insuranceFund, e.cashAsset, applyLiquidationFill(a, e));
      recordStep(s.liquidations, e, seq);
      return { accounts: [e.account], moved: [] };
    }
    case "adl":
      applyAdl(s.accounts.get(e.account), s.accounts.get(e.bankrupt), e);
      recordAdl(s.liquidations, e, seq);
      return { accounts: [e.account, e.bankrupt], moved: [] };
    case "liquidation_end":
      applyFundCover(s.insuranceFund, s.accounts.get(e.account), e);
      endRecord(s.liquidations, e, seq);
      return { accounts: [e.account], moved: [] };
  }
}

/** Snapshot of the state as JSON text (bigints as decimal strings). */
export function serializeState(s: EngineState): string {
  const accounts = [...s.accounts.values()].map((a) => ({
    id: a.id, owner: a.owner, status: a.status,
    balances: Object.fromEntries([...a.balances].map(([k, v]) => [k, formatUnits(v)])),
    positions: Object.fromEntries([...a.positions].map(([k, p]) => [k, { size: formatUnits(p.size), ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) }])),
    ...(a.requests ? { requests: requestIdsToJson(a.requests) } : {}),
    ...(a.orders ? { orders: ordersToJson(a) } : {}),
    ...(a.venues ? { venues: venuesToJson(a.venues) } : {}),
  }));
  const insuranceFund = Object.fromEntries([...s.insuranceFund].map(([k, v]) => [k, formatUnits(v)]));
  return JSON.stringify({ v: 1, seq: s.seq, ...(s.marketSeq > 0 ? { marketSeq: s.marketSeq } : {}), market: s.market ? marketToJson(s.market) : null, paramsSource: s.paramsSource, service: s.service, accounts, insuranceFund, liquidations: s.liquidations, ...(s.quarantine.length > 0 ? { quarantine: s.quarantine } : {}) });
}

interface SnapshotJson {
  seq: number; marketSeq?: number; market: unknown; paramsSource: { preset?: string; params?: unknown }; service: ServiceParams;
  accounts: { id: string; owner: string; status: MarginStatus | "none"; balances: Record<string, string>; positions: Record<string, { size: string; entryPrice?: number }>; requests?: RequestIdsJson; orders?: OrdersJson; venues?: Record<string, VenueJson> }[];
  insuranceFund?: Record<string, string>;
  liquidations?: LiquidationRecord[];
  quarantine?: QuarantinedEvent[];
}

/** Rebuild a state from `serializeState` output. */
export function deserializeState(text: string): EngineState {
  const j = JSON.parse(text) as SnapshotJson;
  const s = emptyState();
  s.seq = j.seq;
  s.marketSeq = j.marketSeq ?? 0;
  s.market = j.market ? marketFromJson(j.market) : undefined;
  const pr = resolveParams({ type: "params", ...j.paramsSource });
  if (pr.ok && pr.value !== undefined) s.params = pr.value;
  s.paramsSource = j.paramsSource;
  s.service = j.service;
  for (const [k, v] of Object.entries(j.insuranceFund ?? {})) s.insuranceFund.set(k, toUnits(v) ?? 0n);
  s.liquidations.push(...(j.liquidations ?? []));
  s.quarantine.push(...(j.quarantine ?? []));
  for (const a of j.accounts) {
    s.accounts.set(a.id, {
      id: a.id, owner: a.owner, status: a.status,
      balances: new Map(Object.entries(a.balances).map(([k, v]) => [k, toUnits(v) ?? 0n])),
      positions: new Map(Object.entries(a.positions).map(([k, p]) => [k, p.entryPrice !== undefined ? { size: toUnits(p.size) ?? 0n, entryPrice: p.entryPrice } : { size: toUnits(p.size) ?? 0n }])),
      ...(a.requests ? { requests: requestIdsFromJson(a.requests) } : {}),
      ...(a.venues ? { venues: venuesFromJson(a.venues) } : {}),
    });
    const orders = ordersFromJson(a.orders);
    if (orders) s.accounts.get(a.id)!.orders = orders;
  }
  return s;
}
