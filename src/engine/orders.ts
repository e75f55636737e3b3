/**
 * Resting orders of an engine account: placed by `order` events, removed by `cancel` events, consumed by
 * fills that name their `orderId`. They are margined as the core margins open orders (the side of all buys
 * or all sells filled at mark that raises the unit's margin most, an IM add-on), so the IM check on a new
 * order and every later margin include them. Pure folds over the events; sizes exact (1e-12 units).
 */
import type { OpenOrder } from "../domain/portfolio.js";
import type { FillEvent, OrderEvent } from "./events.js";
import type { AccountMargin } from "./accountMargin.js";
import { oracleHold } from "./marketState.js";
import { formatUnits, toUnits, unitsToNumber } from "../domain/money.js";
import { cloneAccount, instrumentOf, type AccountState, type EngineState } from "./state.js";

/** An order's remaining size (signed, exact) and limit price. */
export interface OrderState {
  readonly instrument: string;
  size: bigint;
  readonly price: number;
  /** Venue the order rests on (multi-venue accounts). */
  readonly venue?: string;
}

/** Does a trade of `units` on a position of `held` units increase its absolute size (or flip it)? */
export function addsRisk(held: bigint, units: bigint): boolean {
  const next = held + units;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  return abs(next) > abs(held) || (held !== 0n && next !== 0n && (next < 0n) !== (held < 0n));
}

/**
 * Why an order of `units` on `instrument` is refused while the oracle flags its underlying (degraded index or
 * circuit breaker): only when it adds risk there; reducing orders pass. Undefined when it may go ahead.
 */
export function oracleRefusal(s: EngineState, a: AccountState, instrument: string, units: bigint): string | undefined {
  const inst = instrumentOf(instrument);
  const hold = s.market && inst.kind !== "spot" ? oracleHold(s.market, inst.underlying) : undefined;
  if (!hold || !addsRisk(a.positions.get(instrument)?.size ?? 0n, units)) return undefined;
  return `${hold}: orders that add risk on ${inst.underlying} are refused until it clears (reducing orders are accepted)`;
}

/** Most orders an account may have resting at once. */
export const MAX_OPEN_ORDERS = 500;

/** Why an `order` event cannot be applied to the account, or undefined. */
export function orderProblem(a: AccountState, e: OrderEvent): string | undefined {
  if (a.orders?.has(e.orderId)) return `order ${e.orderId} is already open on account ${a.id}`;
  if ((a.orders?.size ?? 0) >= MAX_OPEN_ORDERS) return `account ${a.id} has ${MAX_OPEN_ORDERS} open orders, the most allowed`;
  if (instrumentOf(e.instrument).kind === "spot") return "spot orders are not margined (buy or sell the asset: a deposit or withdrawal)";
  return undefined;
}

/** Why a `cancel` cannot be applied, or undefined. */
export function cancelProblem(a: AccountState, orderId: string): string | undefined {
  return a.orders?.has(orderId) ? undefined : `order ${orderId} is not open on account ${a.id}`;
}

/** Why a fill naming an order cannot consume it: another instrument, the other side, or more than is left. */
export function fillOrderProblem(a: AccountState, e: FillEvent): string | undefined {
  if (e.orderId === undefined) return undefined;
  const o = a.orders?.get(e.orderId);
  if (!o) return `order ${e.orderId} is not open on account ${a.id}`;
  if (o.instrument !== e.instrument) return `order ${e.orderId} is on ${o.instrument}, not ${e.instrument}`;
  const size = toUnits(e.size) ?? 0n;
  if ((size < 0n) !== (o.size < 0n)) return `fill size ${e.size} is on the other side of order ${e.orderId} (${formatUnits(o.size)} left)`;
  if ((size < 0n ? -size : size) > (o.size < 0n ? -o.size : o.size)) return `fill size ${e.size} is more than order ${e.orderId} has left (${formatUnits(o.size)})`;
  return undefined;
}

export function applyOrder(a: AccountState, e: OrderEvent): void {
  (a.orders ??= new Map()).set(e.orderId, { instrument: e.instrument, size: toUnits(e.size) ?? 0n, price: e.price, ...(e.venue !== undefined ? { venue: e.venue } : {}) });
}

export function applyCancel(a: AccountState, orderId: string): void {
  a.orders?.delete(orderId);
  if (a.orders?.size === 0) delete a.orders;
}

/** A fill with an `orderId` takes its size off the order; a fully filled order is closed. */
export function consumeOrder(a: AccountState, e: FillEvent): void {
  if (e.orderId === undefined) return;
  const o = a.orders?.get(e.orderId);
  if (!o) return;
  o.size -= toUnits(e.size) ?? 0n;
  if (o.size === 0n) applyCancel(a, e.orderId);
}

/** The account's resting orders as core open orders (float64 sizes for risk). */
export function openOrdersOf(a: AccountState): OpenOrder[] {
  if (!a.orders) return [];
  return [...a.orders.values()].map((o) => ({ instrument: instrumentOf(o.instrument), size: unitsToNumber(o.size), price: o.price, ...(o.venue !== undefined ? { venue: o.venue } : {}) }));
}

/** Snapshot form: orderId → { instrument, size (exact decimal), price }. */
export type OrdersJson = Record<string, { instrument: string; size: string; price: number; venue?: string }>;

export function ordersToJson(a: AccountState): OrdersJson | undefined {
  if (!a.orders) return undefined;
  return Object.fromEntries([...a.orders].map(([id, o]) => [id, { instrument: o.instrument, size: formatUnits(o.size), price: o.price, ...(o.venue !== undefined ? { venue: o.venue } : {}) }]));
}

export function ordersFromJson(j: OrdersJson | undefined): Map<string, OrderState> | undefined {
  if (!j || Object.keys(j).length === 0) return undefined;
  return new Map(Object.entries(j).map(([id, o]) => [id, { instrument: o.instrument, size: toUnits(o.size) ?? 0n, price: o.price, ...(o.venue !== undefined ? { venue: o.venue } : {}) }]));
}

/**
 * May this order rest? Refused while the oracle flags its underlying, if it adds risk there; else only when
 * it raises the initial margin (open orders included) above adjusted equity — an order that does not raise IM
 * (e.g. one that reduces a position) is always accepted. `marginOf` margins a hypothetical copy of the account.
 */
export function orderRestCheck(s: EngineState, e: OrderEvent, before: AccountMargin | undefined, marginOf: (h: AccountState) => AccountMargin | undefined): { ok: true } | { ok: false; reason: string; detail?: unknown } {
  const a = s.accounts.get(e.account);
  if (!a || !before) return { ok: false, reason: "no market yet" };
  const refusal = oracleRefusal(s, a, e.instrument, toUnits(e.size) ?? 0n);
  if (refusal) return { ok: false, reason: refusal };
  const h = cloneAccount(a);
  applyOrder(h, e);
  const after = marginOf(h);
  if (!after || after.error) return { ok: false, reason: after?.error ?? "no market yet" };
  if (after.initialMargin <= before.initialMargin + 1e-9 || after.adjustedEquity >= after.initialMargin) return { ok: true };
  return { ok: false, reason: `the order would raise initial margin to ${after.initialMargin.toFixed(2)}, above adjusted equity ${after.adjustedEquity.toFixed(2)}`, detail: { before, after } };
}
