/**
 * Sub-ledgers of a multi-venue account (docs/venues.md "In the service"): a desk monitored across several venues
 * holds, per venue, exact balances (collateral of a derivatives venue; supplied and borrowed reserves of a lending
 * venue) and positions. The account's own `balances` and `positions` stay empty: everything sits at a venue, so a
 * fill, deposit or withdrawal names its venue and collateral moves between venues by `venue_transfer` events.
 *
 * Pure folds over the events (exact bigint units of 1e-12, as money.ts) and the checks that refuse what cannot be
 * applied: `venueProblem` (400 for a missing, unknown or wrong venue; 409 for a balance too small).
 */
import { instrumentNamed, type Instrument } from "../domain/instrument.js";
import { formatUnits, toUnits, unitsToNumber } from "../domain/money.js";
import type { OpenOrder, Portfolio, Position } from "../domain/portfolio.js";
import { DEFAULT_VENUE_PRESETS } from "../domain/venueBook.js";
import type { InputIssue } from "../input/issues.js";
import { presetNames } from "../input/presets.js";
import { lendingPresetNames, loadLendingPreset } from "../input/venuePresets.js";
import type { EngineEvent, FillEvent } from "./events.js";
import { fillCash, settlementCash } from "./settlement.js";
import type { AccountState, EngineState, PositionState } from "./state.js";

/** A venue margins derivatives under a margin preset, or lends against supplied reserves under a lending preset. */
export type VenueKind = "derivatives" | "lending";

/** One venue of a multi-venue account. */
export interface VenueLedger {
  readonly name: string;
  /** Margin preset (derivatives: `presets/NAME.json`) or lending preset (`presets/lending/NAME.json`). */
  readonly preset: string;
  readonly kind: VenueKind;
  /** Asset → exact units: collateral (derivatives venue) or supplied reserves (lending venue). */
  readonly balances: Map<string, bigint>;
  /** Lending venue: reserve → exact units borrowed. Empty for a derivatives venue. */
  readonly debts: Map<string, bigint>;
  /** Instrument → position (derivatives venues only; never size 0). */
  readonly positions: Map<string, PositionState>;
}

/** The preset a venue gets (its own, or the default of a known name) and its kind, or why it has none. */
export function resolveVenuePreset(name: string, preset: string | undefined): { ok: true; preset: string; kind: VenueKind } | { ok: false; message: string } {
  const p = preset ?? (Object.hasOwn(DEFAULT_VENUE_PRESETS, name) ? DEFAULT_VENUE_PRESETS[name] : undefined);
  if (p === undefined) return { ok: false, message: `required: ${name} has no default preset (venues with one: ${Object.keys(DEFAULT_VENUE_PRESETS).join(", ")}); margin presets: ${presetNames().join(", ")}` };
  if (lendingPresetNames().includes(p)) return { ok: true, preset: p, kind: "lending" };
  if (presetNames().includes(p)) return { ok: true, preset: p, kind: "derivatives" };
  return { ok: false, message: `unknown preset: margin presets ${presetNames().join(", ")}; lending presets ${lendingPresetNames().join(", ")}` };
}

/** Reserves of a lending preset (names). */
export function reservesOf(preset: string): string[] {
  return Object.keys(loadLendingPreset(preset).reserves);
}

/** An empty venue ledger. */
export function newLedger(name: string, preset: string): VenueLedger {
  const r = resolveVenuePreset(name, preset);
  return { name, preset, kind: r.ok ? r.kind : "derivatives", balances: new Map(), debts: new Map(), positions: new Map() };
}

/** A copy of an account's venues that can be changed without touching the original. */
export function cloneVenues(v: ReadonlyMap<string, VenueLedger>): Map<string, VenueLedger> {
  return new Map([...v].map(([k, l]) => [k, { ...l, balances: new Map(l.balances), debts: new Map(l.debts), positions: new Map([...l.positions].map(([n, p]) => [n, { ...p }])) }]));
}

/** Add `delta` units to `m[asset]`; a zero balance is removed. */
export function addUnits(m: Map<string, bigint>, asset: string, delta: bigint): void {
  if (delta === 0n) return;
  const nb = (m.get(asset) ?? 0n) + delta;
  if (nb === 0n) m.delete(asset);
  else m.set(asset, nb);
}

/**
 * Units into (`units` > 0) or out of (< 0) a venue. Into a lending venue they first repay debt in that asset, then
 * are supplied (as the allocation of `dpm venues` moves them); out of it they come from what is supplied.
 */
export function venueCash(l: VenueLedger, asset: string, units: bigint): void {
  if (units > 0n && l.kind === "lending") {
    const owed = l.debts.get(asset) ?? 0n, repay = owed < units ? owed : units;
    addUnits(l.debts, asset, -repay);
    addUnits(l.balances, asset, units - repay);
    return;
  }
  addUnits(l.balances, asset, units);
}

/** A fill on a venue: the position changes, its cash flows (premium, realised P&L) go to the venue's balances. */
export function applyVenueFill(l: VenueLedger, e: FillEvent): void {
  const inst = instrumentNamed(e.instrument);
  if (!inst) return;
  const r = fillCash(inst, l.positions.get(e.instrument) ?? { size: 0n }, toUnits(e.size) ?? 0n, e.price);
  for (const f of r.cash) addUnits(l.balances, f.asset, f.amount);
  if (r.next.size === 0n) l.positions.delete(e.instrument);
  else l.positions.set(e.instrument, r.next);
}

/** Settle an expiry in every venue of the account (cash to the venue holding the position); true when something settled. */
export function settleVenueExpiry(a: AccountState, underlying: string, expiryCode: string, price: number): boolean {
  let touched = false;
  for (const l of a.venues?.values() ?? []) {
    for (const [name, p] of [...l.positions]) {
      const inst = instrumentNamed(name);
      if (!inst || inst.underlying !== underlying || inst.expiryCode !== expiryCode) continue;
      for (const f of settlementCash(inst, p, price)) addUnits(l.balances, f.asset, f.amount);
      l.positions.delete(name);
      touched = true;
    }
  }
  return touched;
}

/** The venue named by an event on a multi-venue account, or the 400 issue (missing, unknown). */
function ledgerFor(a: AccountState, venue: string | undefined, path = "venue"): { ok: true; l: VenueLedger } | { ok: false; issue: InputIssue } {
  const names = [...(a.venues?.keys() ?? [])].join(", ");
  if (venue === undefined) return { ok: false, issue: { path, message: `required: account ${a.id} holds its balances and positions at venues (${names})` } };
  const l = a.venues?.get(venue);
  return l ? { ok: true, l } : { ok: false, issue: { path, message: `unknown venue of account ${a.id} (${names})`, value: venue } };
}

type Problem = { readonly status: 400 | 409; readonly issue: InputIssue };
const bad = (issue: InputIssue): Problem => ({ status: 400, issue });
const conflict = (issue: InputIssue): Problem => ({ status: 409, issue });

/** A reserve check for an asset moved in or out of a lending venue. */
function reserveIssue(l: VenueLedger, asset: string, path: string): InputIssue | undefined {
  if (l.kind !== "lending" || reservesOf(l.preset).includes(asset)) return undefined;
  return { path, message: `not a reserve of ${l.preset} at venue ${l.name} (${reservesOf(l.preset).join(", ")})`, value: asset };
}

function balanceIssue(l: VenueLedger, asset: string, amount: string, path: string): InputIssue | undefined {
  const held = l.balances.get(asset) ?? 0n;
  if (held >= (toUnits(amount) ?? 0n)) return undefined;
  return { path, message: `more than venue ${l.name} holds: its ${asset} ${l.kind === "lending" ? "supplied" : "balance"} is ${formatUnits(held)}`, value: amount };
}

function tradeProblem(a: AccountState, l: VenueLedger, e: Extract<EngineEvent, { type: "fill" | "order" }>): Problem | undefined {
  if (l.kind === "lending") return bad({ path: "venue", message: `${l.name} is a lending venue (${l.preset}): it holds no derivatives`, value: l.name });
  if (instrumentNamed(e.instrument)?.kind === "spot") return bad({ path: "instrument", message: "spot is a balance at a venue: deposit, withdraw or transfer it", value: e.instrument });
  const o = e.type === "fill" && e.orderId !== undefined ? a.orders?.get(e.orderId) : undefined;
  if (o && o.venue !== l.name) return conflict({ path: "orderId", message: `order ${e.orderId} rests on venue ${o.venue ?? "(none)"}, not ${l.name}`, value: e.orderId });
  return undefined;
}

function transferProblem(a: AccountState, e: Extract<EngineEvent, { type: "venue_transfer" }>): Problem | undefined {
  if (!a.venues) return bad({ path: "from", message: `account ${a.id} is single-venue: it has no venues to transfer between`, value: e.from });
  const from = ledgerFor(a, e.from, "from"), to = ledgerFor(a, e.to, "to");
  if (!from.ok) return bad(from.issue);
  if (!to.ok) return bad(to.issue);
  const r = reserveIssue(from.l, e.asset, "asset") ?? reserveIssue(to.l, e.asset, "asset");
  if (r) return bad(r);
  const b = balanceIssue(from.l, e.asset, e.amount, "amount");
  return b ? conflict(b) : undefined;
}

/**
 * Why an event cannot be applied to the venues of its account, or undefined: 400 for a venue missing on a
 * multi-venue account, unknown, of the wrong kind, or given on a single-venue account; 409 for a withdrawal or
 * transfer larger than the venue holds, or a fill consuming an order of another venue. Each with its path.
 */
export function venueProblem(s: EngineState, e: EngineEvent): Problem | undefined {
  if (e.type !== "deposit" && e.type !== "withdrawal" && e.type !== "fill" && e.type !== "order" && e.type !== "venue_transfer") return undefined;
  const a = s.accounts.get(e.account);
  if (!a) return undefined;
  if (e.type === "venue_transfer") return transferProblem(a, e);
  if (!a.venues) return e.venue !== undefined ? bad({ path: "venue", message: `account ${a.id} is single-venue: leave venue out`, value: e.venue }) : undefined;
  const v = ledgerFor(a, e.venue);
  if (!v.ok) return bad(v.issue);
  if (e.type === "fill" || e.type === "order") return tradeProblem(a, v.l, e);
  const r = reserveIssue(v.l, e.asset, "asset");
  if (r) return bad(r);
  const b = e.type === "withdrawal" ? balanceIssue(v.l, e.asset, e.amount, "amount") : undefined;
  return b ? conflict(b) : undefined;
}

/** Assets the account's venues hold or owe (for the engine's dependency index). */
export function* venueAssets(a: AccountState): Generator<string> {
  for (const l of a.venues?.values() ?? []) {
    yield* l.balances.keys();
    yield* l.debts.keys();
  }
}

/** Instruments of the venues' positions. */
export function* venueInstruments(a: AccountState): Generator<string> {
  for (const l of a.venues?.values() ?? []) yield* l.positions.keys();
}

const instrumentOf = (name: string): Instrument => {
  const i = instrumentNamed(name);
  if (!i) throw new Error(`invalid instrument name ${name}`);
  return i;
};

/** A venue position as the core reads it: futures and perpetuals keep their entry price (as `toPortfolio`). */
export function corePosition(name: string, p: PositionState, venue?: string): Position {
  const inst = instrumentOf(name), fut = inst.kind === "future" || inst.kind === "perpetual";
  const base: Position = fut && p.entryPrice !== undefined ? { instrument: inst, size: unitsToNumber(p.size), entryPrice: p.entryPrice } : { instrument: inst, size: unitsToNumber(p.size) };
  return venue === undefined ? base : { ...base, venue };
}

/**
 * The pooled account (every venue's positions and orders against every balance, debts netted), what `dpm margin`
 * reads from a multi-venue book: the account's Greeks and scenario grids.
 */
export function pooledVenuePortfolio(a: AccountState, openOrders: readonly OpenOrder[]): Portfolio {
  const pool = new Map<string, bigint>();
  const positions: Position[] = [];
  for (const l of a.venues?.values() ?? []) {
    for (const [k, u] of l.balances) addUnits(pool, k, u);
    for (const [k, u] of l.debts) addUnits(pool, k, -u);
    for (const [n, p] of l.positions) positions.push(corePosition(n, p));
  }
  const collateral: Record<string, number> = {};
  for (const [k, u] of pool) collateral[k] = unitsToNumber(u);
  return { account: a.id, collateral, positions, openOrders };
}

/** Snapshot form of one venue (exact decimals). */
export interface VenueJson {
  preset: string;
  kind: VenueKind;
  balances: Record<string, string>;
  debts?: Record<string, string>;
  positions: Record<string, { size: string; entryPrice?: number }>;
}

const dec = (m: ReadonlyMap<string, bigint>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, formatUnits(v)]));
const undec = (r: Record<string, string> | undefined): Map<string, bigint> => new Map(Object.entries(r ?? {}).map(([k, v]) => [k, toUnits(v) ?? 0n]));

/** The venues of an account in snapshot form. */
export function venuesToJson(v: ReadonlyMap<string, VenueLedger>): Record<string, VenueJson> {
  return Object.fromEntries([...v].map(([n, l]) => [n, {
    preset: l.preset, kind: l.kind, balances: dec(l.balances), ...(l.debts.size > 0 ? { debts: dec(l.debts) } : {}),
    positions: Object.fromEntries([...l.positions].map(([k, p]) => [k, { size: formatUnits(p.size), ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) }])),
  }]));
}

/** Venues from their snapshot form. */
export function venuesFromJson(j: Record<string, VenueJson>): Map<string, VenueLedger> {
  return new Map(Object.entries(j).map(([n, v]) => [n, {
    name: n, preset: v.preset, kind: v.kind, balances: undec(v.balances), debts: undec(v.debts),
    positions: new Map(Object.entries(v.positions).map(([k, p]) => [k, p.entryPrice !== undefined ? { size: toUnits(p.size) ?? 0n, entryPrice: p.entryPrice } : { size: toUnits(p.size) ?? 0n }])),
  }]));
}

/** A transfer between two venues of the account: `amount` leaves `from`, `amount − fee` arrives at `to` (a lending venue repays debt first). */
export function applyVenueTransfer(a: AccountState, e: Extract<EngineEvent, { type: "venue_transfer" }>): void {
  const from = a.venues?.get(e.from), to = a.venues?.get(e.to);
  if (!from || !to) return;
  const amount = toUnits(e.amount) ?? 0n, fee = e.fee !== undefined ? toUnits(e.fee) ?? 0n : 0n;
  venueCash(from, e.asset, -amount);
  venueCash(to, e.asset, amount - fee);
}

/** Ledgers of a new multi-venue account (`account` event): every venue empty. */
export function ledgersOf(venues: Readonly<Record<string, { readonly preset: string }>>): Map<string, VenueLedger> {
  return new Map(Object.entries(venues).map(([n, v]) => [n, newLedger(n, v.preset)]));
}
