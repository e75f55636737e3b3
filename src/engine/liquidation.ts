/**
 * Liquidation in the engine (issue 5 item 7): when an account's margin status is `liquidation` or
 * `bankrupt`, the engine runs the planner (src/liquidation/planner.ts) on it against the live risk
 * context, simulates the plan on a copy of the account with exactly the code that applies the logged
 * events (liquidationState.ts), and returns the events to log: `liquidation_start`, one
 * `liquidation_step` per executed trade (a close-all step gives one per position), an `adl` event per
 * counterparty fill when the insurance fund cannot cover the deficit (adl.ts), `liquidation_end` (fees,
 * deficit, cover from the fund and from ADL). If the account is still in liquidation after a plan
 * (the engine's bookkeeping differs slightly from the planner's), it plans again, up to `maxRounds`.
 * Pure given the state and the context: the engine appends the events in one transaction, then applies them.
 */
import type { Instrument } from "../domain/instrument.js";
import type { RiskContext } from "../margin/riskContext.js";
import { planLiquidation, type LiquidationPlan, type PlanOptions } from "../liquidation/planner.js";
import { cashAssetOf } from "../liquidation/workAccount.js";
import { accountMargin, type AccountMargin } from "./accountMargin.js";
export { liquidationHold } from "./accountMargin.js";
import { parseEvent, type CancelEvent, type EngineEvent, type LiquidationEndEvent, type LiquidationStartEvent, type LiquidationStepEvent } from "./events.js";
import { adlEvents } from "./adl.js";
import { applyFundCover, applyLiquidationFill } from "./liquidationState.js";
import { formatUnits, roundToUnits, toUnits, unitsToNumber } from "../domain/money.js";
import { settlementAsset } from "./settlement.js";
import { cloneAccount, instrumentOf, toPortfolio, type AccountState, type EngineState } from "./state.js";
export { cloneAccount } from "./state.js";

/** Liquidation settings of the service: planner options (cost model defaults) and rounds. */
export interface LiquidationConfig extends Partial<Omit<PlanOptions, "model" | "verifyFastMargin">> {
  /** Run liquidations at all (default true). */
  readonly enabled?: boolean;
  /** Plans per liquidation before giving up (default 3). */
  readonly maxRounds?: number;
  /** Cover what the insurance fund cannot by auto-deleveraging the other accounts (default true). */
  readonly adl?: boolean;
}

export const isInLiquidation = (m: AccountMargin): boolean => !m.error && (m.status === "liquidation" || m.status === "bankrupt");


interface Sim {
  readonly ctx: RiskContext;
  readonly cash: string;
  readonly cashUsd: number;
  readonly acct: AccountState;
  readonly steps: LiquidationStepEvent[];
  fees: bigint;
}

/** Units of a USD amount in the cash asset, rounded half away from zero. */
const cashUnits = (sim: Sim, usd: number): bigint => roundToUnits(usd / sim.cashUsd);

function rates(sim: Sim, inst: Instrument): Record<string, number> {
  const ccy = settlementAsset(inst);
  if (ccy === sim.cash) return {};
  return { [ccy]: (sim.ctx.usdIndex(ccy) ?? 0) / sim.cashUsd };
}

/** Size to trade in units: the whole position for closes, else the planner's size rounded to 1e-12, never past zero. */
function tradeUnits(a: AccountState, name: string, size: number, close: boolean): bigint {
  const held = a.positions.get(name)?.size ?? 0n;
  if (close) return -held;
  const u = roundToUnits(size);
  if (held !== 0n && (u < 0n) !== (held < 0n) && (u < 0n ? -u : u) > (held < 0n ? -held : held)) return -held;
  return u;
}

function pushStep(sim: Sim, action: LiquidationStepEvent["action"], name: string, size: number, close: boolean, price: number, costUsd: number, feeUsd: number, ratio: number | null, why: string): void {
  const units = tradeUnits(sim.acct, name, size, close);
  if (units === 0n) return;
  const fee = cashUnits(sim, feeUsd);
  const ev: LiquidationStepEvent = {
    type: "liquidation_step", account: sim.acct.id, step: sim.steps.length + 1, action, instrument: name, size: formatUnits(units), price,
    cost: costUsd, fee: formatUnits(fee), cashAsset: sim.cash, rates: rates(sim, instrumentOf(name)), marginRatioAfter: ratio, why: why.slice(0, 1000),
  };
  sim.fees += applyLiquidationFill(sim.acct, ev);
  sim.steps.push(ev);
}

/** Execute a plan's steps on the simulated account. */
function execute(sim: Sim, plan: LiquidationPlan): void {
  for (const st of plan.steps) {
    if (st.action === "cancel_orders") continue;
    if (st.action === "close_all") {
      for (const f of st.fills ?? []) pushStep(sim, "close_all", f.instrument, f.size, true, f.price, f.cost, f.fee, st.marginRatioAfter, st.why);
      continue;
    }
    pushStep(sim, st.action, st.instrument, st.size, st.action === "close", st.price, st.cost, st.fee, st.marginRatioAfter, st.why);
  }
}

export type LiquidationEvents = { ok: true; events: EngineEvent[]; plan: LiquidationPlan } | { ok: false; reason: string };

/**
 * The events that liquidate account `a` (already known to be in liquidation and not held). `linked` are the
 * owner's accounts (concentration add-on). Fails when the planner fails or finds nothing to trade.
 */
export function liquidationEvents(s: EngineState, ctx: RiskContext, a: AccountState, linked: Iterable<string>, cfg: LiquidationConfig = {}): LiquidationEvents {
  const acct = cloneAccount(a);
  const scratch: EngineState = { ...s, accounts: new Map(s.accounts).set(a.id, acct) };
  const members = [...linked];
  const marginNow = () => accountMargin(scratch, ctx, acct, members).summary;
  const cash = cashAssetOf(ctx);
  const sim: Sim = { ctx, cash, cashUsd: ctx.usdIndex(cash) ?? 1, acct, steps: [], fees: 0n };
  const before = marginNow();
  // Resting orders are cancelled first (the planner's first step), then positions are traded.
  const cancels: CancelEvent[] = [...(acct.orders?.keys() ?? [])].map((orderId) => ({ type: "cancel", account: a.id, orderId }));
  delete acct.orders;
  const { enabled: _e, maxRounds = 3, adl: _adl, ...options } = cfg;
  let first: LiquidationPlan | undefined;
  let rounds = 0;
  const flowUsd = new Map<string, number>();
  for (let m = before; rounds < maxRounds && isInLiquidation(m) && acct.positions.size > 0; m = marginNow()) {
    let p: ReturnType<typeof planLiquidation>;
    try {
      p = planLiquidation(ctx, toPortfolio(acct), { ...options, model: "portfolio" });
    } catch (e) {
      p = { ok: false, reason: String(e) };
    }
    if (!p.ok) return { ok: false, reason: `planner: ${p.reason}` };
    first ??= p.value;
    rounds++;
    for (const [u, f] of Object.entries(p.value.deltaFlowUsd)) flowUsd.set(u, (flowUsd.get(u) ?? 0) + f);
    const n = sim.steps.length;
    execute(sim, p.value);
    if (sim.steps.length === n) break;
  }
  if (!first || (sim.steps.length === 0 && cancels.length === 0)) return { ok: false, reason: "the planner found nothing to trade (e.g. only the concentration add-on breaches MM)" };
  const after = marginNow();
  const deficitUsd = Math.max(0, -after.equity);
  const available = (s.insuranceFund.get(cash) ?? 0n) + sim.fees;
  let cover = deficitUsd > 0 ? cashUnits(sim, deficitUsd) : 0n;
  if (cover > 0n && unitsToNumber(cover) * sim.cashUsd < deficitUsd) cover += 1n; // round the cover up: equity ends ≥ 0
  cover = available <= 0n ? 0n : cover < available ? cover : available;
  const afterFund = Math.max(0, deficitUsd - unitsToNumber(cover) * sim.cashUsd);
  // What the fund cannot cover is taken from profitable opposite positions (auto-deleveraging).
  const adl = afterFund > 0 && cfg.adl !== false ? adlEvents(s, ctx, acct, flowUsd, afterFund, cash) : { events: [], coveredUsd: 0 };
  const adlCover = adl.events.reduce((t, e) => t + (toUnits(e.amount) ?? 0n), 0n);
  const end: Omit<LiquidationEndEvent, "outcome" | "equity" | "adjustedEquity" | "maintenanceMargin" | "marginRatio"> = {
    type: "liquidation_end", account: a.id, fees: formatUnits(sim.fees), deficitUsd, fundCover: formatUnits(cover),
    ...(adl.events.length > 0 ? { adlCover: formatUnits(adlCover) } : {}), cashAsset: cash,
    uncoveredUsd: Math.max(0, afterFund - adl.coveredUsd),
  };
  applyFundCover(new Map(), acct, end);
  const fin = marginNow();
  const closed = acct.positions.size === 0;
  const outcome: LiquidationEndEvent["outcome"] = closed ? (deficitUsd > 0 ? "bankrupt" : "closed") : isInLiquidation(fin) ? "incomplete" : "restored";
  const start: LiquidationStartEvent = {
    type: "liquidation_start", account: a.id, steps: sim.steps.length, rounds, outcome: first.outcome, cost: first.cost, closeAllCost: first.closeAllCost,
    fallback: first.fallback === null ? null : first.fallback.slice(0, 500), adjustedEquity: before.adjustedEquity, maintenanceMargin: before.maintenanceMargin, marginRatio: before.marginRatio,
  };
  const events: EngineEvent[] = [start, ...cancels, ...sim.steps, ...adl.events, { ...end, outcome, equity: fin.equity, adjustedEquity: fin.adjustedEquity, maintenanceMargin: fin.maintenanceMargin, marginRatio: fin.marginRatio }];
  const parsed: EngineEvent[] = [];
  for (const ev of events) {
    const v = parseEvent(ev);
    if (!v.ok) return { ok: false, reason: `invalid ${ev.type} event: ${v.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}` };
    parsed.push(v.value); // the canonical form, exactly what a replay of the log applies
  }
  return { ok: true, events: parsed, plan: first };
}
