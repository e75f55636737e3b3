/**
 * Why and how far: per account, the binding component of its margin (src/margin/binding.ts) and its distance to
 * liquidation per underlying (liquidationDistance.ts), for the risk desk's fleet and account views.
 *
 * Never on the tick path: insights are computed lazily, for the accounts a client wants (the fleet page it asked
 * for, the account it views, accounts whose status just changed), at most once per `minIntervalMs` per account
 * (default 1 s) and only when the account's margin changed since (its `AccountMargin.seq`); a refresh spends at
 * most a time budget, in slices (`refreshSliced`), and the rest waits for the next one. Each insight carries the margin seq it was computed from.
 */
import { bindingComponent, signedPercent, type BindingComponent, type ExtraTerm } from "../margin/binding.js";
import type { AccountMarginDetail } from "./accountMargin.js";
import type { Engine } from "./engine.js";
import { prepareAccount } from "./accountMargin.js";
import { liquidationDistanceSteps, runSteps, type LiquidationDistance, type Steps, type UnderlyingDistance } from "./liquidationDistance.js";

/** What the desk sees about one account beyond its margin figures. */
export interface AccountInsight {
  readonly account: string;
  /** The margin (AccountMargin.seq) it was computed from. */
  readonly seq: number;
  /** When it was computed (ms, the cache's clock). */
  readonly computedAt: number;
  readonly binding: BindingComponent | null;
  /** Per underlying: the index moves (fractions) that take the account to liquidation, down and up (null: none within −95 % / +100 %). */
  readonly distance: Readonly<Record<string, UnderlyingDistance>>;
  readonly nearest: LiquidationDistance["nearest"];
  /** Margin computations the distance search ran, and its time (ms). */
  readonly probes: number;
  readonly ms: number;
  /** Why it could not be computed (then binding and distance are empty). */
  readonly error?: string;
}

/** The engine's IM add-ons as binding candidates: the concentration charges (summed) and the stable-price add-on. */
export function engineAddOns(d: AccountMarginDetail): ExtraTerm[] {
  const out: ExtraTerm[] = [];
  if (d.concentration.length > 0) {
    const top = d.concentration.reduce((a, b) => (b.amount > a.amount ? b : a));
    out.push({ name: "concentration", amount: d.summary.concentrationAddOn, instrument: top.instrument, note: `rate ${signedPercent(top.rate).replace("+", "")}` });
  }
  if (d.summary.stableAddOn > 0) out.push({ name: "stablePrice", amount: d.summary.stableAddOn });
  return out;
}

/** The binding component of an engine account's margin (core result + the engine's add-ons). */
export function accountBinding(d: AccountMarginDetail): BindingComponent | null {
  return d.result ? bindingComponent(d.result.components, d.summary.initialMargin, engineAddOns(d)) : null;
}

/** Throttling of the insight cache. */
export interface InsightOptions {
  /** Least time between two computations of one account (ms); default 1000. */
  readonly minIntervalMs?: number;
  /** How long an account stays wanted after a client asked (ms); default 10,000. */
  readonly wantMs?: number;
  /** Insights of accounts nobody wanted for this long are dropped (ms); default 300,000. */
  readonly keepMs?: number;
}

/**
 * Insights per account, computed on demand and cached with the margin seq they came from (see the module comment
 * for when an account is wanted and when it is due). The caller's clock drives wanting and throttling.
 */
export class InsightCache {
  private readonly cache = new Map<string, AccountInsight>();
  /** Account → wanted until (ms). */
  private readonly wanted = new Map<string, number>();
  private readonly minIntervalMs: number;
  private readonly wantMs: number;
  private readonly keepMs: number;
  /** Accounts computed and the time spent (for metrics and the docs' figures). */
  readonly counters = { computed: 0, ms: 0, probes: 0, abandoned: 0 };

  constructor(private readonly engine: Engine, opts: InsightOptions = {}) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.wantMs = opts.wantMs ?? 10_000;
    this.keepMs = opts.keepMs ?? 300_000;
  }

  /** The cached insight of an account (possibly behind its margin), or undefined. */
  get(id: string): AccountInsight | undefined {
    return this.cache.get(id);
  }

  /** Mark accounts as wanted (a client shows them) until `now + wantMs`. */
  want(ids: Iterable<string>, now: number): void {
    for (const id of ids) this.wanted.set(id, now + this.wantMs);
  }

  /** True when the account's margin changed since its insight was computed (or it has none). */
  behind(id: string): boolean {
    const m = this.engine.margins.get(id);
    const i = this.cache.get(id);
    return m !== undefined && (i === undefined || i.seq !== m.seq);
  }

  /**
   * Wanted accounts whose insight is missing, or behind and older than minIntervalMs: those of `first` in its
   * order, then missing ones, then the oldest.
   */
  due(now: number, first: readonly string[] = []): string[] {
    const out: { id: string; at: number }[] = [];
    for (const [id, until] of this.wanted) {
      if (until < now) { this.wanted.delete(id); continue; }
      if (!this.behind(id)) continue;
      const i = this.cache.get(id);
      if (i === undefined) out.push({ id, at: -Infinity });
      else if (now - i.computedAt >= this.minIntervalMs) out.push({ id, at: i.computedAt });
    }
    const rank = new Map(first.map((id, i) => [id, i]));
    const r = (id: string) => rank.get(id) ?? Infinity;
    return out.sort((a, b) => r(a.id) - r(b.id) || a.at - b.at || a.id.localeCompare(b.id)).map((x) => x.id);
  }

  /** Compute one account's insight now (synchronously) and cache it; undefined for an unknown account or before a market. */
  compute(id: string, now: number): AccountInsight | undefined {
    return runSteps(this.computeSteps(id, now));
  }

  /**
   * `compute` in steps (one margin computation each, see `liquidationDistanceSteps`), for a caller that turns the
   * event loop between them. When the market (the engine's risk context) or the account's margin changed between
   * two steps, the computation stops without caching anything (undefined; counted in `counters.abandoned`): the
   * account stays due and a later pass computes it on the new figures.
   */
  *computeSteps(id: string, now: number): Steps<AccountInsight | undefined> {
    const a = this.engine.state.accounts.get(id), m = this.engine.margins.get(id), rc = this.engine.riskContext(), market = this.engine.state.market;
    if (!a || !m || !rc || !market) return undefined;
    let ms = 0, t0 = performance.now();
    const base = { account: id, seq: m.seq, computedAt: now };
    // The live account passed as a hypothetical: figures only (no per-position contributions), freshly prepared.
    const d = this.engine.detail(id, a);
    let insight: AccountInsight;
    if (!d?.result || d.summary.error) {
      const why = d?.summary.error ?? (a.venues ? "a multi-venue account: no single margin to bind or to move to liquidation (see each venue's figures)" : "no margin");
      insight = { ...base, binding: null, distance: {}, nearest: null, probes: 0, ms: performance.now() - t0, error: why };
    } else {
      const mmAddOn = d.summary.maintenanceMargin - d.result.maintenanceMargin;
      const steps = liquidationDistanceSteps(market, rc.context(), prepareAccount(a).portfolio, mmAddOn);
      let r = steps.next();
      while (!r.done) {
        ms += performance.now() - t0;
        yield;
        t0 = performance.now();
        if (this.engine.riskContext() !== rc || this.engine.margins.get(id)?.seq !== m.seq) {
          this.counters.abandoned++;
          return undefined;
        }
        r = steps.next();
      }
      const dist = r.value;
      const binding = accountBinding(d);
      ms += performance.now() - t0;
      insight = dist.ok
        ? { ...base, binding, distance: dist.value.byUnderlying, nearest: dist.value.nearest, probes: dist.value.probes, ms }
        : { ...base, binding, distance: {}, nearest: null, probes: 0, ms, error: dist.reason };
    }
    this.cache.set(id, insight);
    this.counters.computed++;
    this.counters.ms += insight.ms;
    this.counters.probes += insight.probes;
    return insight;
  }

  /**
   * The insight of one account a client is looking at now: computed first when it has none, or when its margin
   * changed and the last one is at least minIntervalMs old; the account is marked wanted.
   */
  ensure(id: string, now: number): AccountInsight | undefined {
    this.want([id], now);
    const i = this.cache.get(id);
    if (i === undefined || (this.behind(id) && now - i.computedAt >= this.minIntervalMs)) return this.compute(id, now) ?? i;
    return i;
  }

  /**
   * Compute due insights until `budgetMs` of computing is spent, the accounts of `first` before the others, in its
   * order, never holding the event loop longer than `sliceMs` (plus one margin computation): it computes in steps
   * and awaits `turn()` (a setImmediate) whenever a slice is spent, so requests that arrive meanwhile (a pre-trade
   * check, a tick's slices) run between the slices. Returns the accounts updated; drops insights nobody wanted for
   * keepMs.
   */
  async refreshSliced(now: number, budgetMs: number, sliceMs: number, turn: () => Promise<void>, first: readonly string[] = []): Promise<string[]> {
    let spent = 0, t0 = performance.now();
    const done: string[] = [];
    for (const id of this.due(now, first)) {
      if (spent + performance.now() - t0 >= budgetMs) break;
      const g = this.computeSteps(id, now);
      for (let r = g.next(); ; r = g.next()) {
        if (r.done) { if (r.value) done.push(id); break; }
        if (performance.now() - t0 >= sliceMs) {
          spent += performance.now() - t0;
          await turn();
          t0 = performance.now();
        }
      }
    }
    this.dropUnwanted(now);
    return done;
  }

  private dropUnwanted(now: number): void {
    for (const [id, i] of this.cache) if (!this.wanted.has(id) && now - i.computedAt > this.keepMs) this.cache.delete(id);
  }
}
