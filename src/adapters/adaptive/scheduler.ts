/**
 * `dpm serve --adaptive propose|auto` (issue 13 item 5): recompute the grid's price ranges on a schedule and on a
 * regime change, log every proposal with what it is based on, and apply it as a `params` event through the
 * engine's submit path (trial, invariant, append) when an admin approves it (`propose`) or when its notice period
 * has passed (`auto`).
 *
 * - Time is feed time: the latest valuation time of the live market (the ticks' `ts`), never the wall clock, so a
 *   replayed feed or a test drives the schedule. A scheduled run happens when feed time crosses a multiple of
 *   `everyMs` (every hour on the hour by default); a regime run when an asset's short-window realised vol rises
 *   above `ratio` × its long-window vol (edge-triggered; liveFeatures.ts).
 * - A run computes the proposal (proposer.ts) and its impact on the live accounts; when no fitted range differs
 *   from the current parameters nothing is logged. A new proposal supersedes a pending one (logged).
 * - Everything a proposal depends on is in its logged event; the book of proposals and the live bars are folded
 *   from the log at start (ticks → daily bars of the oracle index), so a restart shows the same state, and replay
 *   applies the `params` events without recomputing anything.
 */
import type { Bars } from "../../analytics/adaptive/bars.js";
import { appendBars } from "../../analytics/adaptive/liveBars.js";
import type { AdaptiveMeta, ParamsProposalEvent } from "../../engine/adaptiveEvents.js";
import type { Engine, MarginsChanged, SubmitResult } from "../../engine/engine.js";
import type { MarketIngest } from "../../engine/ingest.js";
import { latestAsOf } from "../../engine/marketState.js";
import { toPortfolio } from "../../engine/state.js";
import type { Store } from "../../engine/store.js";
import { parseParams } from "../../input/paramsSchema.js";
import { loadPreset, presetNames, rawPreset } from "../../input/presets.js";
import { forAsset, type MarginParams } from "../../margin/params.js";
import type { FeedEvent } from "../../market/oracle/types.js";
import { LiveFeatures, type RegimeRule } from "./liveFeatures.js";
import { liveImpact, proposeFrom, type AdaptiveModelConfig, type FitRequest, type FitResult } from "./proposer.js";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ProposalBook, type ProposalView } from "./proposals.js";

/** How the scheduler runs (`dpm serve --adaptive …` flags). */
export interface AdaptiveConfig {
  readonly mode: "propose" | "auto";
  /** Feed time between scheduled runs (ms): a run when feed time crosses a multiple of it. */
  readonly everyMs: number;
  /** `auto`: feed time between a proposal and its application (ms). */
  readonly noticeMs: number;
  /** Assets whose range is fitted; empty: every asset of the market at start that is not a stablecoin. */
  readonly assets: readonly string[];
  /** Daily bars per asset before the live ones (`--adaptive-history DIR`). */
  readonly history?: ReadonlyMap<string, Bars>;
  readonly model: AdaptiveModelConfig;
  readonly regime: RegimeRule;
  /** The static preset the ranges are fitted on (default: the log's preset, or the one a fitted file extends, else deribit). */
  readonly base?: string;
  /** Compiled fit worker (fitWorker.js; `fitWorkerUrl()`); absent: runs are computed on the event loop. */
  readonly workerUrl?: URL;
}

/** The compiled fit worker beside this module (the built `dist/`), or undefined when running from the sources. */
export function fitWorkerUrl(): URL | undefined {
  const here = new URL("./fitWorker.js", import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : undefined;
}

/** One proposal in a worker thread (its answer, or its error as a failure). */
function fitInWorker(url: URL, req: FitRequest): Promise<FitResult> {
  return new Promise((resolve) => {
    const w = new Worker(url, { workerData: req });
    let done = false;
    const finish = (r: FitResult) => { if (done) return; done = true; void w.terminate(); resolve(r); };
    w.once("message", (m: FitResult) => finish(m));
    w.once("error", (e) => finish({ ok: false, reason: `fit worker: ${e.message}` }));
    w.once("exit", (code) => finish({ ok: false, reason: `fit worker exited (${code}) without an answer` }));
  });
}

/** Do the proposal file `doc` and the parameters `p` give the same priceRange to each of `assets` (and to no other)? */
function sameRanges(doc: Record<string, unknown>, p: MarginParams, assets: readonly string[]): boolean {
  const u = ((doc.portfolio as { underlyings?: Record<string, { priceRange?: number }> } | undefined)?.underlyings) ?? {};
  const keys = Object.keys(u);
  return keys.length === assets.length && assets.every((a) => u[a]?.priceRange === forAsset(p.portfolio.underlyings, a).priceRange);
}

/** Result of the last run. */
export interface RunOutcome {
  readonly at: number;
  readonly trigger: AdaptiveMeta["trigger"];
  readonly outcome: "proposed" | "unchanged" | "failed";
  readonly detail: string;
  readonly proposal?: string;
}

type Log = (level: "warn" | "error", msg: string, fields: Record<string, string | number | boolean | null>) => void;

export class AdaptiveScheduler {
  readonly live: LiveFeatures;
  readonly book = new ProposalBook();
  lastRun: RunOutcome | undefined;
  private lastCheck: number | undefined;
  private readonly stressed = new Map<string, boolean>();
  /** Auto applications queued and not yet done (one per proposal). */
  private readonly applying = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onMargins = (p: MarginsChanged): void => this.afterEvent(p.moved);
  private readonly onFeed = (e: FeedEvent): void => this.live.onFeed(e);
  private ingest: MarketIngest | undefined;

  /** Assets whose range is fitted. */
  readonly assets: readonly string[];

  constructor(private readonly engine: Engine, private readonly store: Store, readonly config: AdaptiveConfig, private readonly log: Log = () => undefined) {
    const s = engine.state, stable = new Set(s.params.collateral.stablecoins);
    this.assets = config.assets.length > 0 ? [...config.assets] : Object.keys(s.market?.assets ?? {}).filter((a) => !stable.has(a)).sort();
    this.live = new LiveFeatures(this.assets, config.regime);
  }

  /** Fold the log (proposals, daily bars of the applied indexes), then follow the engine and the feed. */
  async start(ingest?: MarketIngest): Promise<void> {
    const skipped = new Set(this.engine.quarantined.map((q) => q.seq));
    for (let from = 1; ; ) {
      const page = await this.store.readEvents(from, 5000);
      for (const ev of page) if (!skipped.has(ev.seq)) this.fold(ev.seq, ev.event);
      if (page.length < 5000) break;
      from = page[page.length - 1].seq + 1;
    }
    const m = this.engine.state.market;
    this.lastCheck = m ? latestAsOf(m) : undefined;
    this.engine.bus.on("margins", this.onMargins);
    this.ingest = ingest;
    ingest?.observers.add(this.onFeed);
  }

  stop(): void {
    this.engine.bus.off("margins", this.onMargins);
    this.ingest?.observers.delete(this.onFeed);
  }

  /** Resolves once every run and application started so far is done. */
  idle(): Promise<unknown> {
    return this.queue;
  }

  private fold(seq: number, e: unknown): void {
    this.book.apply(seq, e);
    const ev = e as { type?: string; asset?: string; ts?: number; index?: number; snapshot?: { asOf?: string; assets?: Record<string, { index?: number }> } };
    if (ev.type === "tick" && typeof ev.asset === "string" && typeof ev.ts === "number" && typeof ev.index === "number") this.live.onIndex(ev.asset, ev.ts, ev.index);
    if (ev.type === "market" && ev.snapshot?.asOf !== undefined) {
      const t = Date.parse(ev.snapshot.asOf);
      for (const [a, x] of Object.entries(ev.snapshot.assets ?? {})) if (typeof x.index === "number") this.live.onIndex(a, t, x.index);
    }
  }

  /** After each applied event: the moved assets' indexes into the live bars, then the schedule, regime and notice checks. */
  private afterEvent(moved: readonly string[]): void {
    const m = this.engine.state.market;
    if (!m || moved.length === 0) return;
    for (const a of moved.includes("*") ? Object.keys(m.assets) : moved) {
      const x = m.assets[a], t = m.asOf[a];
      if (x === undefined || t === undefined) continue;
      this.live.onIndex(a, t, x.index);
      this.live.onMarket(a, m);
    }
    const now = latestAsOf(m), every = this.config.everyMs;
    if (this.lastCheck !== undefined && Math.floor(now / every) > Math.floor(this.lastCheck / every)) void this.enqueue(() => this.run("schedule"));
    this.lastCheck = Math.max(this.lastCheck ?? now, now);
    for (const a of moved) {
      const r = this.live.regimeOf(a), was = this.stressed.get(a) ?? false;
      if (r) this.stressed.set(a, r.stressed);
      if (r?.stressed && !was) void this.enqueue(() => this.run("regime"));
    }
    for (const p of this.book.pending()) {
      if (p.effectiveAt === null || now < p.effectiveAt || this.applying.has(p.id)) continue;
      this.applying.add(p.id);
      void this.enqueue(() => this.apply(p.id, "auto")).finally(() => this.applying.delete(p.id));
    }
  }

  private enqueue<T>(f: () => Promise<T>): Promise<T> {
    const r = this.queue.then(f, f);
    this.queue = r.catch((e: unknown) => this.log("error", "adaptive scheduler failed", { error: e instanceof Error ? e.message : String(e) }));
    return r;
  }

  /** Feed time now (latest valuation time), or undefined before the first market. */
  feedTime(): number | undefined {
    const m = this.engine.state.market;
    return m ? latestAsOf(m) : undefined;
  }

  /** The static preset the ranges are fitted on. */
  baseName(): string {
    if (this.config.base) return this.config.base;
    const src = this.engine.state.paramsSource;
    const ext = (src.params as { extends?: unknown } | undefined)?.extends;
    const name = src.preset ?? (typeof ext === "string" ? ext : undefined);
    return name !== undefined && presetNames().includes(name) ? name : "deribit";
  }

  /** Daily bars of an asset: the history's, then the live ones. */
  barsOf(asset: string): Bars | undefined {
    const live = this.live.bars(asset), hist = this.config.history?.get(asset);
    return live && live.close.length > 0 ? appendBars(hist, live) : hist;
  }

  /** Compute a proposal now (queued behind any run in progress). */
  runNow(trigger: AdaptiveMeta["trigger"] = "manual"): Promise<RunOutcome> {
    return this.enqueue(() => this.run(trigger));
  }

  private async run(trigger: AdaptiveMeta["trigger"]): Promise<RunOutcome> {
    const m = this.engine.state.market, at = this.feedTime() ?? 0;
    const done = (outcome: RunOutcome["outcome"], detail: string, proposal?: string): RunOutcome => (this.lastRun = { at, trigger, outcome, detail, ...(proposal ? { proposal } : {}) });
    if (!m) return done("failed", "no market yet");
    const bars = new Map<string, Bars>();
    for (const a of this.assets) { const b = this.barsOf(a); if (b) bars.set(a, b); }
    const baseName = this.baseName(), base = { name: baseName, params: loadPreset(baseName) }, current = this.engine.state.params;
    const live = Object.fromEntries(this.assets.map((a) => [a, this.live.snapshot(a)]));
    const req: FitRequest = { base, current, bars: [...bars], live, cfg: this.config.model, feedTime: at };
    const built = this.config.workerUrl ? await fitInWorker(this.config.workerUrl, req) : proposeFrom(req);
    // The impact below is measured on the market when the fit returns (in a worker, ticks go on meanwhile).
    if (!built.ok) return done("failed", built.reason);
    const doc = JSON.parse(JSON.stringify(built.value.doc)) as Record<string, unknown>;
    const parsed = parseParams(doc, rawPreset);
    if (!parsed.ok) return done("failed", `proposed parameters are invalid: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
    const changed = Object.keys(built.value.assets).filter((a) => forAsset(parsed.value.portfolio.underlyings, a).priceRange !== forAsset(current.portfolio.underlyings, a).priceRange);
    if (changed.length === 0) return done("unchanged", `every fitted priceRange equals the current one (${Object.keys(built.value.assets).join(", ")})`);
    const same = this.book.pending().find((p) => sameRanges(p.params, parsed.value, Object.keys(built.value.assets)));
    if (same) return done("unchanged", `the fitted ranges equal those of pending proposal ${same.id}`, same.id);
    const id = `p-${this.book.count + 1}`;
    const adaptive = JSON.parse(JSON.stringify({ proposalId: id, mode: this.config.mode, trigger, feedTime: at, base: baseName, assets: built.value.assets, impact: this.impact(current, parsed.value) })) as AdaptiveMeta;
    for (const p of this.book.pending()) await this.submit({ type: "params_proposal_closed", id: p.id, outcome: "superseded", reason: `superseded by ${id}` });
    const event: ParamsProposalEvent = { type: "params_proposal", id, params: doc, adaptive, effectiveAt: this.config.mode === "auto" ? at + this.config.noticeMs : null };
    const r = await this.submit(event);
    if (!r.ok) return done("failed", `proposal refused: ${r.reason}`);
    return done("proposed", `${changed.join(", ")} changed${Object.keys(built.value.skipped).length > 0 ? `; kept: ${Object.entries(built.value.skipped).map(([a, x]) => `${a} (${x})`).join("; ")}` : ""}`, id);
  }

  private impact(from: MarginParams, to: MarginParams): Record<string, unknown> {
    const m = this.engine.state.market;
    if (!m) return {};
    const pfs = [...this.engine.state.accounts.values()].filter((a) => !this.engine.margins.get(a.id)?.error).map(toPortfolio);
    return liveImpact(m, from, to, pfs);
  }

  private async submit(e: unknown): Promise<SubmitResult> {
    const r = await this.engine.submit(e);
    if (r.ok) this.book.apply(r.seq, r.event);
    else this.log("warn", "adaptive scheduler: event refused", { type: (e as { type: string }).type, reason: r.reason });
    return r;
  }

  /**
   * Apply a pending proposal: a `params` event with its parameter file and metadata, plus who decided, when (feed
   * time) and the impact at that moment. 404 unknown, 409 not pending.
   */
  approve(id: string): Promise<SubmitResult> {
    return this.enqueue(() => this.apply(id, "admin"));
  }

  private async apply(id: string, by: "admin" | "auto"): Promise<SubmitResult> {
    const p = this.book.get(id);
    if (!p) return { ok: false, status: 404, reason: `no proposal ${id}` };
    if (p.status !== "pending") return { ok: false, status: 409, reason: `proposal ${id} is ${p.status}, not pending` };
    const parsed = parseParams(p.params, rawPreset);
    const at = this.feedTime() ?? p.feedTime;
    const impactAtDecision = parsed.ok ? JSON.parse(JSON.stringify(this.impact(this.engine.state.params, parsed.value))) as Record<string, unknown> : { error: "invalid parameters" };
    return this.submit({ type: "params", params: p.params, adaptive: { ...p.adaptive, decidedBy: by, decidedAt: at, impactAtDecision } });
  }

  /** Reject a pending proposal (logged). 404 unknown, 409 not pending. */
  reject(id: string, reason?: string): Promise<SubmitResult> {
    return this.enqueue(async () => {
      const p = this.book.get(id);
      if (!p) return { ok: false, status: 404, reason: `no proposal ${id}` } as const;
      if (p.status !== "pending") return { ok: false, status: 409, reason: `proposal ${id} is ${p.status}, not pending` } as const;
      return this.submit({ type: "params_proposal_closed", id, outcome: "rejected", ...(reason ? { reason } : {}) });
    });
  }

  /** Proposals, newest first. */
  proposals(): ProposalView[] {
    return this.book.list();
  }

  /**
   * The dashboard's view: per asset the current and the static (base preset) priceRange, the live measurements, the
   * regime test and the bars available; the metadata of the last applied proposal; the pending ones; the last run.
   */
  status(): Record<string, unknown> {
    const base = this.baseName(), stat = loadPreset(base).portfolio.underlyings, cur = this.engine.state.params.portfolio.underlyings;
    const assets = Object.fromEntries(this.assets.map((a) => [a, {
      current: forAsset(cur, a).priceRange, static: forAsset(stat, a).priceRange, bars: this.barsOf(a)?.close.length ?? 0,
      regime: this.live.regimeOf(a) ?? null, live: this.live.snapshot(a),
    }]));
    return {
      mode: this.config.mode, everyMs: this.config.everyMs, noticeMs: this.config.noticeMs, base, feedTime: this.feedTime() ?? null, nextRunAt: this.nextRunAt() ?? null,
      lastRun: this.lastRun ?? null, assets, applied: this.book.lastApplied ?? null, pending: this.book.pending(),
    };
  }

  /** When the next scheduled run happens (feed time). */
  nextRunAt(): number | undefined {
    const t = this.lastCheck;
    return t === undefined ? undefined : (Math.floor(t / this.config.everyMs) + 1) * this.config.everyMs;
  }
}
