/**
 * `book` events (issue 12): an account loaded as it stands, the way `dpm margin` reads a portfolio line. One event
 * per account, applied atomically (no half-built account ever exists, so no spurious liquidation trigger):
 * - balances as given (no deposits: the amounts are the account's collateral now);
 * - positions as held, without any cash flow (a snapshot, not a trade). A future's or perpetual's `entryPrice`
 *   is its average entry (its unrealised P&L is measured against it); without one, the engine sets the live mark,
 *   so its unrealised P&L is 0 at load, as `dpm margin` counts a position without entry price. An option's
 *   `entryPrice` (premium per unit, what its unrealised P&L is measured against) is the live mark premium, so
 *   it too starts at 0; premiums are not paid out of the collateral;
 * - resting orders (a price left out: the live mark, at least the instrument's tick; the margin does not use it).
 * The engine fills these in (`completeBook`) before the trial and the append, so the log holds exactly what
 * was applied and replay needs no market lookup.
 *
 * Bounds: the fixed bounds of every field (events.ts, 400); an entry price is a historical price, so it is not
 * held to the 2× band of trades, but to `FILE_MARK_BAND` (100×) of the live mark, the factor a market file allows
 * between a mark and its index (beyond it, a unit error; 409, priceBands.ts); orders to the same bands as `order`
 * events; then the state invariant on the trial (every margin figure finite).
 */
import { minPriceOf, MIN_PRICE } from "../input/bounds.js";
import type { RiskContext } from "../margin/riskContext.js";
import { toUnits } from "../domain/money.js";
import type { BookEvent } from "./events.js";
import { instrumentOf, type AccountState, type EngineState, type PositionState } from "./state.js";
import type { OrderState } from "./orders.js";
import { addUnits, newLedger, type VenueLedger } from "./venueLedger.js";

/** The mark of an instrument on the live market in its trade unit (forward of futures, coin premium of coin-settled options), or undefined. */
function markOf(ctx: RiskContext, name: string): number | undefined {
  const r = ctx.risk(instrumentOf(name));
  return r.ok && Number.isFinite(r.value.markPrice) && r.value.markPrice > 0 ? r.value.markPrice : undefined;
}

/**
 * The event with every entry price and order price filled in from the live market (see the file comment);
 * unchanged when nothing is missing or the market cannot value an instrument (the checks then refuse it).
 */
export function completeBook(ctx: RiskContext | undefined, e: BookEvent): BookEvent {
  if (!ctx) return e;
  const missing = e.positions.some((p) => p.entryPrice === undefined) || (e.orders ?? []).some((o) => o.price === undefined);
  if (!missing) return e;
  const positions = e.positions.map((p) => {
    if (p.entryPrice !== undefined) return p;
    const mark = markOf(ctx, p.instrument);
    // A far out-of-the-money option may be worth less than the ledger's resolution: its entry is that resolution.
    return mark === undefined ? p : { ...p, entryPrice: Math.max(mark, MIN_PRICE) };
  });
  const orders = e.orders?.map((o) => {
    if (o.price !== undefined) return o;
    const mark = markOf(ctx, o.instrument);
    return mark === undefined ? o : { ...o, price: Math.max(mark, minPriceOf(instrumentOf(o.instrument))) };
  });
  return { ...e, positions, ...(orders ? { orders } : {}) };
}

/** Why a (completed) book event cannot be applied to this state, or undefined: state checks only (replay runs them too). */
export function bookProblem(s: EngineState, e: BookEvent): string | undefined {
  if (s.accounts.has(e.account)) return `account ${e.account} already exists (a book loads new accounts only)`;
  if (!s.market) return "no market yet";
  for (const [i, p] of e.positions.entries()) {
    const u = instrumentOf(p.instrument).underlying;
    if (!s.market.assets[u]) return `positions[${i}].instrument: no index for ${u}`;
  }
  for (const [i, o] of (e.orders ?? []).entries()) {
    if (o.price === undefined) return `orders[${i}].price: missing (the engine fills it in from the mark before logging)`;
    const u = instrumentOf(o.instrument).underlying;
    if (!s.market.assets[u]) return `orders[${i}].instrument: no index for ${u}`;
  }
  return undefined;
}

/** Why the live market cannot value an instrument or balance of a book event (path: reason), or undefined. */
export function bookUnmarginable(ctx: RiskContext, e: BookEvent): string | undefined {
  for (const asset of Object.keys(e.balances)) if (ctx.usdIndex(asset) === undefined) return `balances.${asset}: no index for ${asset} in the market`;
  for (const [name, v] of Object.entries(e.venues ?? {})) {
    for (const side of ["collateral", "supplied", "borrowed"] as const) {
      for (const asset of Object.keys(v[side] ?? {})) if (ctx.usdIndex(asset) === undefined) return `venues.${name}.${side}.${asset}: no index for ${asset} in the market`;
    }
  }
  const named: [string, string][] = [...e.positions.map((p, i): [string, string] => [`positions[${i}]`, p.instrument]), ...(e.orders ?? []).map((o, i): [string, string] => [`orders[${i}]`, o.instrument])];
  for (const [path, name] of named) {
    const r = ctx.risk(instrumentOf(name));
    if (!r.ok) return `${path}.instrument: ${name} cannot be valued: ${r.reason}`;
  }
  return undefined;
}

/** The venues of a multi-venue book, with their balances (collateral, or supplied and borrowed reserves). */
function bookLedgers(venues: NonNullable<BookEvent["venues"]>): Map<string, VenueLedger> {
  const out = new Map<string, VenueLedger>();
  for (const [name, v] of Object.entries(venues)) {
    const l = newLedger(name, v.preset);
    for (const [asset, x] of Object.entries(v.collateral ?? v.supplied ?? {})) addUnits(l.balances, asset, toUnits(x) ?? 0n);
    for (const [asset, x] of Object.entries(v.borrowed ?? {})) addUnits(l.debts, asset, toUnits(x) ?? 0n);
    out.set(name, l);
  }
  return out;
}

/** Apply a book event: the account, as it stands. Returns its id. */
export function applyBook(s: EngineState, e: BookEvent): string {
  const balances = new Map<string, bigint>();
  for (const [asset, amount] of Object.entries(e.balances)) {
    const u = toUnits(amount) ?? 0n;
    if (u !== 0n) balances.set(asset, u);
  }
  const positions = new Map<string, PositionState>();
  const venues = e.venues ? bookLedgers(e.venues) : undefined;
  for (const p of e.positions) {
    const held: PositionState = p.entryPrice !== undefined ? { size: toUnits(p.size) ?? 0n, entryPrice: p.entryPrice } : { size: toUnits(p.size) ?? 0n };
    (p.venue !== undefined ? venues?.get(p.venue)?.positions : positions)?.set(p.instrument, held);
  }
  const a: AccountState = { id: e.account, owner: e.owner ?? e.account, balances, positions, status: "none", ...(venues ? { venues } : {}) };
  if (e.orders && e.orders.length > 0) {
    const orders = new Map<string, OrderState>();
    for (const o of e.orders) orders.set(o.orderId, { instrument: o.instrument, size: toUnits(o.size) ?? 0n, price: o.price ?? 0, ...(o.venue !== undefined ? { venue: o.venue } : {}) });
    a.orders = orders;
  }
  s.accounts.set(e.account, a);
  return e.account;
}
