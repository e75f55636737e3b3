/**
 * Collateral allocation across venues: the transfers (asset, from, to, amount) that bring every venue to
 * MM usage ≤ target and adjusted equity ≥ IM (`healthy`), at least cost, or the shortfall when impossible.
 *
 * Method (greedy, exact amounts): while a venue fails, take the one with the largest deficit; for every asset
 * some other venue can spare (a donor that passes now and still passes after giving: its largest spare amount
 * found by bisection on exact 1e-12 units, rounded to the asset's step), price the route (fee + capital in
 * transit: amount × price × timeCostPerDay × hours/24), find the smallest amount that makes the recipient pass
 * (bisection) or else all that is spare, and apply the transfer chosen by the run's rule. Two runs, two rules:
 * `perUsd` takes the least cost per USD of deficit removed; `cover` takes the cheapest transfer that makes the
 * recipient pass on its own, when there is one (a cheap partial transfer can cost more in the end: a second fee
 * for the rest), else the least cost per USD. The result is the feasible run of least total cost (else the run
 * with the smaller shortfall), `perUsd` on ties.
 * A transfer into a lending venue first repays debt in that asset, then supplies the rest. Every balance moves
 * in bigint units (engine/money.ts), so each asset is conserved exactly: Σ balances − Σ debts + Σ fees is invariant.
 * Guarantees (property-tested): a donor passes after every transfer it makes, a recipient's deficit falls with
 * every transfer it gets, so no venue ends less healthy than it started. Pure given `measure`.
 */
import { formatUnits, roundToUnits, toUnits, unitsToNumber } from "../../domain/money.js";
import type { MarginStatus } from "../../margin/result.js";
import type { TransferRoute } from "./types.js";

/** A venue's balances in exact units: collateral (or supplied) and debts, asset → units of 1e-12. */
export interface AllocVenue {
  readonly name: string;
  readonly lending: boolean;
  readonly balances: ReadonlyMap<string, bigint>;
  readonly debts: ReadonlyMap<string, bigint>;
}

/** What the allocation needs to know of a venue's state (USD). */
export interface Measured {
  readonly adjustedEquity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly marginRatio: number | null;
  readonly status: MarginStatus;
}

export interface AllocationInput {
  readonly venues: readonly AllocVenue[];
  readonly measure: (v: AllocVenue) => Measured;
  readonly route: (asset: string, from: string, to: string) => TransferRoute | undefined;
  /** USD per unit of an asset. */
  readonly price: (asset: string) => number;
  readonly target: number;
  readonly timeCostPerDay: number;
  /** Smallest amount moved, in units. */
  readonly step: (asset: string) => bigint;
  /** Venues that cannot send (a withdrawal halt, a default). */
  readonly frozen?: ReadonlySet<string>;
  readonly maxTransfers?: number;
}

export interface Transfer {
  readonly asset: string;
  readonly from: string;
  readonly to: string;
  /** Exact decimal strings, asset units: sent, fee, received (= amount − fee). */
  readonly amount: string;
  readonly fee: string;
  readonly received: string;
  readonly hours: number;
  readonly costUsd: number;
}

export interface AllocationResult {
  readonly target: number;
  readonly transfers: readonly Transfer[];
  readonly after: readonly { readonly venue: string; readonly marginRatio: number | null; readonly status: MarginStatus; readonly adjustedEquity: number; readonly initialMargin: number }[];
  /** Venues still failing, with the USD of adjusted equity they lack. */
  readonly shortfall: readonly { readonly venue: string; readonly usd: number }[];
  readonly feasible: boolean;
  readonly costUsd: number;
  /** Final balances (exact), for conservation checks. */
  readonly venues: readonly AllocVenue[];
}

/** Amount (asset units, number) → exact units. */
export const units = (x: number): bigint => toUnits(x) ?? roundToUnits(x);

/** USD of adjusted equity a venue lacks to pass (0 when it passes). */
export function deficit(m: Measured, target: number): number {
  return Math.max(0, m.initialMargin - m.adjustedEquity, m.maintenanceMargin / target - m.adjustedEquity);
}

/** Passes: healthy and MM usage ≤ target. */
export function passes(m: Measured, target: number): boolean {
  return m.status === "healthy" && deficit(m, target) <= 1e-9 * Math.max(1, m.initialMargin);
}

function withBalance(v: AllocVenue, asset: string, delta: bigint): AllocVenue {
  const balances = new Map(v.balances), debts = new Map(v.debts);
  if (delta < 0n) balances.set(asset, (balances.get(asset) ?? 0n) + delta);
  else {
    const owed = debts.get(asset) ?? 0n, repay = v.lending ? (owed < delta ? owed : delta) : 0n;
    if (repay > 0n) debts.set(asset, owed - repay);
    balances.set(asset, (balances.get(asset) ?? 0n) + delta - repay);
  }
  return { ...v, balances, debts };
}

/** Largest k·step in [lo, hi] with ok(k·step), assuming ok is monotone (true then false); lo must be ok. */
function largestOk(hi: bigint, step: bigint, ok: (x: bigint) => boolean): bigint {
  let a = 0n, b = hi / step;
  if (ok(b * step)) return b * step;
  while (b - a > 1n) { const m = (a + b) / 2n; if (ok(m * step)) a = m; else b = m; }
  return a * step;
}

/** Smallest k·step in (0, hi] with ok, or undefined when even hi fails. */
function smallestOk(hi: bigint, step: bigint, ok: (x: bigint) => boolean): bigint | undefined {
  const top = ((hi + step - 1n) / step) * step;
  const cap = top > hi ? hi : top;
  if (!ok(cap)) return undefined;
  let a = 0n, b = (cap + step - 1n) / step;
  while (b - a > 1n) { const m = (a + b) / 2n; if (ok(m * step)) b = m; else a = m; }
  return b * step > cap ? cap : b * step;
}

interface Candidate { readonly transfer: Transfer; readonly score: number; readonly covers: boolean; readonly donor: AllocVenue; readonly recipient: AllocVenue }

/** How a run picks among the candidate transfers for a recipient (see the file comment). */
export type AllocationRule = "perUsd" | "cover";

function candidate(inp: AllocationInput, donor: AllocVenue, rec: AllocVenue, asset: string, recDeficit: number): Candidate | undefined {
  const route = inp.route(asset, donor.name, rec.name);
  const held = donor.balances.get(asset) ?? 0n;
  if (!route || held <= 0n) return undefined;
  const fee = units(route.fee), step = inp.step(asset) > 0n ? inp.step(asset) : 1n;
  const spare = largestOk(held, step, (x) => passes(inp.measure(withBalance(donor, asset, -x)), inp.target));
  if (spare <= fee) return undefined;
  const recOk = (x: bigint) => passes(inp.measure(withBalance(rec, asset, x - fee)), inp.target);
  const amount = smallestOk(spare, step, (x) => x > fee && recOk(x)) ?? spare;
  const after = deficit(inp.measure(withBalance(rec, asset, amount - fee)), inp.target);
  const gain = recDeficit - after;
  if (!(gain > 1e-9)) return undefined;
  const px = inp.price(asset), amt = unitsToNumber(amount);
  const costUsd = unitsToNumber(fee) * px + amt * px * inp.timeCostPerDay * (route.hours / 24);
  const transfer: Transfer = {
    asset, from: donor.name, to: rec.name, amount: formatUnits(amount), fee: formatUnits(fee), received: formatUnits(amount - fee), hours: route.hours, costUsd,
  };
  return { transfer, score: costUsd / gain, covers: after <= 1e-9 * Math.max(1, recDeficit), donor: withBalance(donor, asset, -amount), recipient: withBalance(rec, asset, amount - fee) };
}

/** Is `c` preferred to `best` under `rule`? */
function better(c: Candidate, best: Candidate | undefined, rule: AllocationRule): boolean {
  if (!best) return true;
  if (rule === "cover" && c.covers !== best.covers) return c.covers;
  const [x, y] = rule === "cover" && c.covers ? [c.transfer.costUsd, best.transfer.costUsd] : [c.score, best.score];
  return x < y - 1e-15 || (Math.abs(x - y) <= 1e-15 && c.transfer.hours < best.transfer.hours);
}

function bestCandidate(inp: AllocationInput, venues: readonly AllocVenue[], rec: AllocVenue, recDeficit: number, rule: AllocationRule): Candidate | undefined {
  let best: Candidate | undefined;
  for (const d of venues) {
    if (d.name === rec.name || inp.frozen?.has(d.name) || !passes(inp.measure(d), inp.target)) continue;
    for (const asset of [...d.balances.keys()].sort()) {
      const c = candidate(inp, d, rec, asset, recDeficit);
      if (c && better(c, best, rule)) best = c;
    }
  }
  return best;
}

/** Allocate collateral across venues (see the file comment): the better of the two rules' runs. */
export function allocate(inp: AllocationInput): AllocationResult {
  const a = allocateBy(inp, "perUsd"), b = allocateBy(inp, "cover");
  const short = (r: AllocationResult) => r.shortfall.reduce((x, y) => x + y.usd, 0);
  if (a.feasible !== b.feasible) return a.feasible ? a : b;
  if (!a.feasible) return short(b) < short(a) - 1e-9 ? b : a;
  return b.costUsd < a.costUsd - 1e-12 ? b : a;
}

/** One greedy run under `rule`. */
export function allocateBy(inp: AllocationInput, rule: AllocationRule): AllocationResult {
  let venues = [...inp.venues];
  const transfers: Transfer[] = [];
  const hopeless = new Set<string>();
  for (let i = 0; i < (inp.maxTransfers ?? 64); i++) {
    const failing = venues.map((v) => ({ v, d: deficit(inp.measure(v), inp.target), ok: passes(inp.measure(v), inp.target) }))
      .filter((x) => !x.ok && !hopeless.has(x.v.name)).sort((a, b) => b.d - a.d || a.v.name.localeCompare(b.v.name));
    if (failing.length === 0) break;
    const { v: rec, d } = failing[0];
    const c = bestCandidate(inp, venues, rec, d, rule);
    if (!c) { hopeless.add(rec.name); continue; }
    transfers.push(c.transfer);
    venues = venues.map((v) => (v.name === c.donor.name ? c.donor : v.name === c.recipient.name ? c.recipient : v));
  }
  const after = venues.map((v) => { const m = inp.measure(v); return { venue: v.name, marginRatio: m.marginRatio, status: m.status, adjustedEquity: m.adjustedEquity, initialMargin: m.initialMargin, d: deficit(m, inp.target), ok: passes(m, inp.target) }; });
  const shortfall = after.filter((x) => !x.ok).map((x) => ({ venue: x.venue, usd: x.d }));
  return {
    target: inp.target, transfers, after: after.map(({ d: _d, ok: _o, ...x }) => x), shortfall, feasible: shortfall.length === 0,
    costUsd: transfers.reduce((a, t) => a + t.costUsd, 0), venues,
  };
}
