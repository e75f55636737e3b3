/**
 * Settlement of a liquidation in exact money (DESIGN.md section 8): execution cost to the market, the
 * liquidation fee to the insurance fund, a bankrupt account's deficit covered by the fund, and what the
 * fund cannot cover taken from opposite positions by auto-deleveraging (ADL), ranked by profit × leverage.
 * Every amount moves through a bigint Ledger, so accounts + fund + ADL counterparties + market sum to zero.
 */
import type { Portfolio } from "../domain/portfolio.js";
import type { RiskContext } from "../margin/riskContext.js";
import { fromMoney, minMoney, toMoney, type Ledger, type Money } from "./money.js";
import type { LiquidationPlan } from "./planner.js";
import { cashAssetOf, positionValue } from "./workAccount.js";

export const FUND = "fund";
export const MARKET = "market";
export const accountHolder = (id: string): string => `account:${id}`;

/** One auto-deleveraging fill: part of a profitable opposite position given up at the bankruptcy price. */
export interface AdlFill {
  readonly account: string;
  readonly instrument: string;
  /** Size removed (signed, in the instrument's unit). */
  readonly sizeRemoved: number;
  /** Profit given up (numeraire). */
  readonly amount: number;
}

export interface Settlement {
  readonly fees: Money;
  readonly slippage: Money;
  readonly deficit: Money;
  readonly coveredByFund: Money;
  readonly coveredByAdl: Money;
  /** Deficit neither the fund nor ADL could cover: stays as the account's negative balance. */
  readonly uncovered: Money;
  readonly adl: readonly AdlFill[];
}

/** A counterparty position eligible for ADL. */
interface AdlCandidate {
  readonly account: number;
  readonly position: number;
  readonly instrument: string;
  readonly score: number;
}

function leverage(ctx: RiskContext, pf: Portfolio): number {
  let gross = 0, equity = 0;
  for (const p of pf.positions) {
    const r = ctx.risk(p.instrument);
    if (!r.ok) continue;
    gross += Math.abs(p.size * r.value.delta * r.value.resolved.index);
    equity += positionValue(ctx, r.value, p.size, p.entryPrice);
  }
  for (const [a, amt] of Object.entries(pf.collateral)) equity += (amt * (ctx.usdIndex(a) ?? 0)) / ctx.numeraire.index;
  return equity > 0 ? (gross / ctx.numeraire.index) / equity : 0;
}

/**
 * ADL rankings per underlying and side, built once per market state and reused by every bankruptcy in it
 * (entries are re-checked against the current account when used). Score = profit × leverage.
 */
export class AdlQueue {
  private readonly lists = new Map<string, AdlCandidate[]>();
  constructor(private readonly ctx: RiskContext, private readonly accounts: readonly Portfolio[]) {}

  /** Profitable positions on `underlying` whose delta has the sign `side` (the side of the bankrupt's closing flow). */
  ranked(underlying: string, side: 1 | -1): readonly AdlCandidate[] {
    const key = `${underlying}:${side}`;
    let l = this.lists.get(key);
    if (!l) this.lists.set(key, (l = this.build(underlying, side)));
    return l;
  }

  private build(underlying: string, side: 1 | -1): AdlCandidate[] {
    const out: AdlCandidate[] = [];
    const ctx = this.ctx;
    this.accounts.forEach((pf, a) => {
      let lev: number | null = null;
      pf.positions.forEach((p, i) => {
        if (p.instrument.underlying !== underlying) return;
        const r = ctx.risk(p.instrument);
        if (!r.ok || Math.sign(p.size * r.value.delta) !== side) return;
        const profit = positionValue(ctx, r.value, p.size, p.entryPrice);
        if (!(profit > 0)) return;
        lev ??= leverage(ctx, pf);
        out.push({ account: a, position: i, instrument: p.instrument.name, score: profit * Math.max(lev, 1e-9) });
      });
    });
    return out.sort((x, y) => y.score - x.score);
  }
}

/** Candidates across the underlyings the bankrupt account traded, largest flow first. */
function* adlOrder(queue: AdlQueue, flow: Readonly<Record<string, number>>): Generator<AdlCandidate> {
  const unders = Object.entries(flow).filter(([, f]) => f !== 0).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  for (const [u, f] of unders) yield* queue.ranked(u, f > 0 ? 1 : -1);
}

function addCash(ctx: RiskContext, pf: Portfolio, amount: Money): Portfolio {
  const cash = cashAssetOf(ctx);
  const perUnit = (ctx.usdIndex(cash) ?? 1) / ctx.numeraire.index;
  return { ...pf, collateral: { ...pf.collateral, [cash]: (pf.collateral[cash] ?? 0) + fromMoney(amount) / perUnit } };
}

/**
 * Settle a plan in the ledger and return the accounts updated. `accounts[index]` must be the plan's final
 * portfolio; ADL counterparties are taken from the other accounts. The fund is the ledger's `fund` balance.
 */
export function settle(ctx: RiskContext, ledger: Ledger, accounts: Portfolio[], index: number, plan: LiquidationPlan, queue: AdlQueue = new AdlQueue(ctx, accounts)): Settlement {
  const me = accountHolder(plan.account);
  ledger.move(me, MARKET, plan.money.slippage, "slippage");
  ledger.move(me, FUND, plan.money.fees, "fee");
  const deficit = plan.money.deficit;
  const fundBal = ledger.balance(FUND);
  const coveredByFund = minMoney(deficit, fundBal > 0n ? fundBal : 0n);
  ledger.move(FUND, me, coveredByFund, "deficitCover");
  let remaining = deficit - coveredByFund;
  const adl: AdlFill[] = [];
  const touched = new Set<number>();
  if (remaining > 0n) {
    for (const c of adlOrder(queue, plan.deltaFlowUsd)) {
      if (remaining <= 0n) break;
      if (c.account === index) continue;
      const pf = accounts[c.account];
      const p = pf.positions[c.position];
      if (!p || p.instrument.name !== c.instrument) continue;
      const r = ctx.risk(p.instrument);
      if (!r.ok) continue;
      const profit = toMoney(positionValue(ctx, r.value, p.size, p.entryPrice));
      if (profit <= 0n) continue;
      const take = minMoney(profit, remaining);
      const f = Number(take) / Number(profit);
      const positions = pf.positions.map((q, i) => (i === c.position ? { ...q, size: take === profit ? 0 : q.size * (1 - f) } : q));
      // The profit given up is realised into cash and paid over: the counterparty's cash is unchanged and
      // its position shrinks by the fraction whose value it paid.
      accounts[c.account] = { ...pf, positions };
      ledger.move(accountHolder(pf.account), me, take, "adl");
      adl.push({ account: pf.account, instrument: p.instrument.name, sizeRemoved: -p.size * f, amount: fromMoney(take) });
      remaining -= take;
      touched.add(c.account);
    }
  }
  // Positions given up in full are removed only now, so the ranked indices stay valid during the loop.
  for (const a of touched) accounts[a] = { ...accounts[a], positions: accounts[a].positions.filter((q) => q.size !== 0) };
  const coveredByAdl = deficit - coveredByFund - remaining;
  accounts[index] = addCash(ctx, accounts[index], coveredByFund + coveredByAdl);
  return { fees: plan.money.fees, slippage: plan.money.slippage, deficit, coveredByFund, coveredByAdl, uncovered: remaining, adl };
}
