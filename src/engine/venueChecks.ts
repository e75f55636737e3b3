/**
 * Margin checks of multi-venue accounts (docs/venues.md "In the service"), each as the venue itself would make it,
 * on that venue alone: a withdrawal from a venue, or a transfer out of it, must leave the venue's adjusted equity
 * − excluded unrealised profit ≥ its own IM (margin/withdrawalCap.ts; for a lending venue: debt within borrowing
 * power, Aave's rule); a resting order on a venue is refused when it raises that venue's IM above its adjusted
 * equity, or adds risk on an underlying the oracle flags. A pre-trade check answers with the account's margin
 * before and after (its venues' rows inside) and the venue's verdict. Pure reads; nothing is written.
 */
import { toUnits } from "../domain/money.js";
import { instrumentNamed } from "../domain/instrument.js";
import { withdrawalCheck } from "../margin/withdrawalCap.js";
import type { AccountMargin } from "./accountMargin.js";
import type { WithdrawalCheck } from "./checks.js";
import type { EngineEvent } from "./events.js";
import { oracleHold } from "./marketState.js";
import { addsRisk, applyOrder } from "./orders.js";
import { cloneAccount, type AccountState, type EngineState } from "./state.js";
import { venueAccountMargin, type VenueHeadline } from "./venueAccount.js";
import { applyVenueFill, venueCash } from "./venueLedger.js";

const rowOf = (m: AccountMargin, venue: string): VenueHeadline | undefined => m.venues?.find((v) => v.venue === venue);

/** Would taking `amount` of `asset` out of `venue` keep that venue's adjusted equity − excluded unrealised profit ≥ its IM? */
export function venueWithdrawalCheck(s: EngineState, a: AccountState, venue: string, asset: string, amount: string): WithdrawalCheck {
  const h = cloneAccount(a), l = h.venues?.get(venue);
  if (!l) return { ok: false, headroom: 0, excludedProfit: 0, reason: `unknown venue ${venue}` };
  venueCash(l, asset, -(toUnits(amount) ?? 0n));
  const after = venueAccountMargin(s, h).summary, row = rowOf(after, venue);
  if (after.error || !row) return { ok: false, headroom: 0, excludedProfit: 0, reason: after.error ?? "no margin" };
  const c = withdrawalCheck({ adjustedEquityAfter: row.adjustedEquity, initialMarginAfter: row.initialMargin, unrealisedPnl: row.unrealisedPnl ?? 0, haircut: s.service.withdrawalUpnlHaircut });
  return { ...c, after };
}

/** Why an order of `units` on `instrument` at `venue` is refused while the oracle flags its underlying (only when it adds risk there), or undefined. */
export function oracleRefusalOn(s: EngineState, a: AccountState, venue: string, instrument: string, units: bigint): string | undefined {
  const inst = instrumentNamed(instrument);
  const hold = s.market && inst && inst.kind !== "spot" ? oracleHold(s.market, inst.underlying) : undefined;
  if (!hold || !addsRisk(a.venues?.get(venue)?.positions.get(instrument)?.size ?? 0n, units)) return undefined;
  return `${hold}: orders that add risk on ${inst?.underlying} are refused until it clears (reducing orders are accepted)`;
}

/** May a resting order on a venue rest? (the venue's IM with it ≤ its adjusted equity, or an IM it does not raise). */
function venueOrderRefusal(s: EngineState, a: AccountState, e: Extract<EngineEvent, { type: "order" }>, before: AccountMargin): { reason: string; detail?: unknown } | undefined {
  const venue = e.venue as string;
  const refusal = oracleRefusalOn(s, a, venue, e.instrument, toUnits(e.size) ?? 0n);
  if (refusal) return { reason: refusal };
  const h = cloneAccount(a);
  applyOrder(h, e);
  const after = venueAccountMargin(s, h).summary, b = rowOf(before, venue), x = rowOf(after, venue);
  if (after.error || !b || !x) return { reason: after.error ?? "no margin" };
  if (x.initialMargin <= b.initialMargin + 1e-9 || x.adjustedEquity >= x.initialMargin) return undefined;
  return { reason: `the order would raise venue ${venue}'s initial margin to ${x.initialMargin.toFixed(2)}, above its adjusted equity ${x.adjustedEquity.toFixed(2)}`, detail: { before: b, after: x } };
}

/**
 * The margin refusal (409) of a withdrawal, transfer or order on a venue of a multi-venue account, or undefined
 * (also for every other event: the engine's own checks apply to them).
 */
export function venueMarginRefusal(s: EngineState, e: EngineEvent, marginOf: (id: string) => AccountMargin | undefined): { reason: string; detail?: unknown } | undefined {
  if (e.type !== "withdrawal" && e.type !== "venue_transfer" && e.type !== "order") return undefined;
  const a = s.accounts.get(e.account);
  if (!a?.venues || !s.market) return undefined;
  if (e.type === "order") {
    const before = marginOf(a.id);
    return before ? venueOrderRefusal(s, a, e, before) : { reason: "no market yet" };
  }
  const venue = e.type === "withdrawal" ? e.venue : e.from;
  if (venue === undefined) return undefined;
  const w = venueWithdrawalCheck(s, a, venue, e.asset, e.amount);
  if (w.ok) return undefined;
  return { reason: `${e.type === "withdrawal" ? "withdrawal" : "transfer"} would leave venue ${venue}'s adjusted equity (less excluded unrealised profit) below its initial margin`, detail: w };
}

/** The answer of a venue pre-trade check (`POST /v1/accounts/:id/orders/check` on a multi-venue account). */
export interface VenueOrderCheck {
  readonly ok: boolean;
  readonly reason?: string;
  readonly venue: string;
  readonly instrument: string;
  readonly size: string;
  readonly price: number;
  readonly before: AccountMargin;
  readonly after: AccountMargin;
}

/** Pre-trade check of a fill of `size` at `price` on a venue: the account's margin before and after; ok when the venue's adjusted equity stays ≥ its IM. */
export function venuePreTrade(s: EngineState, a: AccountState, before: AccountMargin, venue: string, instrument: string, size: string, price: number): VenueOrderCheck {
  const h = cloneAccount(a), l = h.venues?.get(venue);
  if (l) applyVenueFill(l, { type: "fill", account: a.id, instrument, size, price, venue });
  const after = venueAccountMargin(s, h).summary, x = rowOf(after, venue);
  const ok = !after.error && x !== undefined && x.adjustedEquity >= x.initialMargin;
  const reason = after.error ?? (ok || !x ? undefined : `venue ${venue}'s adjusted equity ${x.adjustedEquity.toFixed(2)} would be below its initial margin ${x.initialMargin.toFixed(2)}`);
  return { ok, ...(reason ? { reason } : {}), venue, instrument, size, price, before, after };
}
