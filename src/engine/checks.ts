/**
 * Pre-trade check (DESIGN.md section 9): would this order, filled at `price` (default: the mark), keep
 * adjusted equity ≥ initial margin (including the concentration add-on)? Answers with the margin before
 * and after (IM includes the stable-price add-on). While the oracle flags the underlying (degraded index or
 * circuit breaker), an order that adds risk on it (opens, increases or flips a position) is refused (409).
 * Pure reads of the engine state; nothing is written.
 */
import type { AccountMargin } from "./accountMargin.js";
import type { Engine } from "./engine.js";
import { toUnits, unitsToNumber } from "../domain/money.js";
import { fillCash } from "./settlement.js";
import { cloneAccount, instrumentOf } from "./state.js";
import { oracleRefusal } from "./orders.js";
import { marginIssues } from "./invariant.js";
import { refOf } from "./priceBands.js";
import { priceIssue } from "../input/bounds.js";
import type { InputIssue } from "../input/issues.js";
import type { RiskContext } from "../margin/riskContext.js";
import type { EngineEvent } from "./events.js";
import { withdrawalCheck } from "../margin/withdrawalCap.js";


export interface OrderCheck {
  readonly ok: boolean;
  readonly reason?: string;
  readonly instrument: string;
  readonly size: string;
  /** Price the order was assumed to fill at (quote per coin; coin price for inverse options). */
  readonly price: number;
  readonly before: AccountMargin;
  readonly after: AccountMargin;
}

export type OrderCheckResult = { ok: true; value: OrderCheck } | { ok: false; status: 404 | 409; reason: string; issues?: readonly InputIssue[] };

/** Check an order of `size` (decimal string, signed) on `instrument` for `account`. */
export function preTradeCheck(engine: Engine, account: string, instrument: string, size: string, price?: number): OrderCheckResult {
  const a = engine.state.accounts.get(account);
  if (!a) return { ok: false, status: 404, reason: `account ${account} does not exist` };
  const ctx = engine.riskContext()?.context();
  const before = engine.margins.get(account);
  if (!ctx || !before) return { ok: false, status: 409, reason: "no market yet" };
  const inst = instrumentOf(instrument);
  const risk = ctx.risk(inst);
  if (!risk.ok) return { ok: false, status: 409, reason: risk.reason };
  const ref = engine.state.market && refOf(engine.state.market, inst);
  const band = price !== undefined && ref ? priceIssue("price", inst, price, ref, engine.bands.priceBand) : undefined;
  if (band) return { ok: false, status: 409, reason: "refused: outside the bounds of the current market (price)", issues: [band] };
  const px = price ?? risk.value.markPrice;
  const units = toUnits(size) ?? 0n;
  const refusal = oracleRefusal(engine.state, a, instrument, units);
  if (refusal) return { ok: false, status: 409, reason: refusal };
  const h = cloneAccount(a);
  if (inst.kind === "spot") {
    h.balances.set(inst.underlying, (h.balances.get(inst.underlying) ?? 0n) + units);
    h.balances.set("USD", (h.balances.get("USD") ?? 0n) - (toUnits((unitsToNumber(units) * px).toFixed(12)) ?? 0n));
  } else {
    const r = fillCash(inst, h.positions.get(instrument) ?? { size: 0n }, units, px);
    for (const c of r.cash) h.balances.set(c.asset, (h.balances.get(c.asset) ?? 0n) + c.amount);
    if (r.next.size === 0n) h.positions.delete(instrument);
    else h.positions.set(instrument, r.next);
  }
  const d = engine.detail(account, h);
  if (!d) return { ok: false, status: 409, reason: "no market yet" };
  const after = d.summary;
  const bad = marginIssues(after);
  if (bad.length > 0) return { ok: false, status: 409, reason: "the order would leave margin figures that are not finite", issues: bad };
  const ok = !after.error && after.adjustedEquity >= after.initialMargin;
  const reason = after.error ?? (ok ? undefined : `adjusted equity ${after.adjustedEquity.toFixed(2)} would be below initial margin ${after.initialMargin.toFixed(2)}`);
  return { ok: true, value: { ok, ...(reason ? { reason } : {}), instrument, size, price: px, before, after } };
}

/**
 * Why an asset or instrument of a deposit or fill cannot be valued on the live market (`ctx`), or undefined.
 * Such an event would leave the account without a margin (summary.error), and an account without a margin is
 * never liquidated; so the engine refuses it before it is logged.
 */
export function unmarginableReason(ctx: RiskContext | undefined, e: EngineEvent): string | undefined {
  if (!ctx) return undefined;
  if ((e.type === "deposit" || e.type === "insurance_deposit") && ctx.usdIndex(e.asset) === undefined) return `no index for ${e.asset} in the market`;
  if (e.type === "fill") {
    const r = ctx.risk(instrumentOf(e.instrument));
    if (!r.ok) return `${e.instrument} cannot be valued: ${r.reason}`;
  }
  return undefined;
}

/** The answer of a withdrawal check: the headroom after it, the unrealised profit excluded, the margin after. */
export interface WithdrawalCheckResult {
  readonly ok: boolean;
  readonly headroom: number;
  readonly excludedProfit: number;
  readonly after?: AccountMargin;
  readonly reason?: string;
}

/** Would withdrawing `amount` of `asset` keep adjusted equity − excluded unrealised profit ≥ IM? (the explanation path on a hypothetical copy) */
export function withdrawalCheckOf(engine: Engine, account: string, asset: string, amount: string): WithdrawalCheckResult {
  const a = engine.state.accounts.get(account);
  if (!a) return { ok: false, headroom: 0, excludedProfit: 0, reason: `account ${account} does not exist` };
  const h = cloneAccount(a);
  h.balances.set(asset, (h.balances.get(asset) ?? 0n) - (toUnits(amount) ?? 0n));
  const d = engine.detail(account, h);
  if (!d || d.summary.error) return { ok: false, headroom: 0, excludedProfit: 0, reason: d?.summary.error ?? "no market" };
  const s = d.summary;
  const c = withdrawalCheck({ adjustedEquityAfter: s.adjustedEquity, initialMarginAfter: s.initialMargin, unrealisedPnl: s.unrealisedPnl, haircut: engine.state.service.withdrawalUpnlHaircut });
  return { ...c, after: s };
}
