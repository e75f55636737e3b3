/** Market, oracle, stateless margin, event log, fleet, parameters, health and metrics routes. */
import type { FastifyInstance } from "fastify";
import { createMarginEngine, toMarket } from "../../../api.js";
import type { MarketSnapshot } from "../../../market/snapshot.js";
import { engineFleet, fleetSummary } from "../../../engine/fleet.js";
import { turn } from "../../../engine/turn.js";
import type { InsightCache } from "../../../engine/insights.js";
import { insuranceFundView, liquidationQueue, previewPlan } from "../../../engine/liquidationQueue.js";
import { snapshotOf } from "../../../engine/marketState.js";
import { DpmInputError, type InputIssue } from "../../../input/issues.js";
import { presetNames } from "../../../input/presets.js";
import { openApiDocument } from "../openapi.js";
import { eventsQuery, fleetQuery, fundDepositBody, fundingBody, marginBody, parseBody, pricesBody } from "../schemas.js";
import { sendError, sendSubmit, type ServerDeps } from "../server.js";

/** Time a GET /v1/fleet may spend computing its page's missing insights (ms). */
const FLEET_COMPUTE_MS = 50;
/** Longest the fleet request holds the event loop at once while computing them (ms). */
const FLEET_SLICE_MS = 0.5;

function prefixed(prefix: string, issues: readonly InputIssue[]): InputIssue[] {
  return issues.map((i) => ({ ...i, path: i.path === "(root)" ? prefix : i.path.startsWith("[") ? `${prefix}${i.path}` : `${prefix}.${i.path}` }));
}

/** Run `f`, turning a DpmInputError into issues under `prefix`. */
function guard<T>(prefix: string, f: () => T): { ok: true; value: T } | { ok: false; issues: InputIssue[] } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof DpmInputError) return { ok: false, issues: prefixed(prefix, e.issues) };
    throw e;
  }
}

/** A body that is a portfolio itself (issue 12): no `portfolio` key, but an `account`, `positions` or `collateral` one. */
function looksLikeBareBook(body: unknown): boolean {
  if (body === null || typeof body !== "object" || Array.isArray(body) || Object.hasOwn(body, "portfolio")) return false;
  return ["account", "positions", "collateral", "openOrders"].some((k) => Object.hasOwn(body, k));
}

/** A preset and a currency the margin engine knows (own names only: `constructor` is not a currency), with the valid ones listed. */
function optionIssues(preset: string | undefined, currency: string | undefined, market: MarketSnapshot): InputIssue[] {
  const out: InputIssue[] = [];
  if (preset !== undefined && !presetNames().includes(preset)) out.push({ path: "preset", message: `must be one of ${presetNames().join(", ")}`, value: preset });
  const currencies = ["USD", ...Object.keys(market.assets)];
  if (currency !== undefined && !currencies.includes(currency)) out.push({ path: "currency", message: `must be USD or an asset with an index in the market: ${currencies.join(", ")}`, value: currency });
  return out;
}

function updateGauges(deps: ServerDeps): void {
  const { engine, metrics: m } = deps;
  m.set("dpm_event_log_seq", "Sequence number of the last applied event", engine.state.seq);
  m.set("dpm_accounts", "Accounts in the engine", engine.state.accounts.size);
  const by = engine.margins.countByStatus();
  for (const [s, n] of Object.entries(by)) m.set("dpm_accounts_by_status", "Accounts by margin status", n, { status: s });
  m.set("dpm_events_applied_total", "Events applied since start", engine.counters.events);
  m.set("dpm_events_rejected_total", "Events refused since start (state or margin checks)", engine.counters.rejected);
  m.set("dpm_account_recomputes_total", "Account margins recomputed since start", engine.counters.recomputes);
  m.set("dpm_last_recompute_seconds", "Time to apply the last event and re-margin its accounts (s)", engine.counters.lastRecomputeMs / 1000);
  m.set("dpm_risk_vectors_computed_total", "Instrument risk vectors computed since start", engine.riskContext()?.vectorsComputed ?? 0);
  m.set("dpm_oracle_ticks_accepted_total", "Price observations accepted by the oracle", deps.ingest.counters.accepted);
  m.set("dpm_oracle_ticks_rejected_total", "Price observations rejected by the oracle", deps.ingest.counters.rejected);
  m.set("dpm_liquidations_total", "Liquidations run by the engine since start", engine.counters.liquidations);
  m.set("dpm_liquidation_steps_total", "Liquidation steps executed since start", engine.counters.liquidationSteps);
  m.set("dpm_adl_fills_total", "Auto-deleveraging fills since start (deficits the insurance fund could not cover)", engine.counters.adlFills);
  m.set("dpm_liquidation_queue", "Accounts in liquidation or bankrupt now", liquidationQueue(engine).length);
  m.set("dpm_insurance_fund_usd", "Insurance fund value (USD, at the index)", insuranceFundView(engine).valueUsd);
}

export function registerMarketRoutes(app: FastifyInstance, deps: ServerDeps, insights?: InsightCache): void {
  const { engine } = deps;
  /** Market events go through the market stream on a scale-out worker (docs/scale-out.md). */
  const submitMarket = (e: unknown) => (deps.scaleOut ? deps.scaleOut.submitMarket(e) : engine.submit(e));
  app.get("/healthz", { config: { access: "public" } }, async () => {
    const book = deps.status?.bookLoaded;
    return { status: "ok", seq: engine.state.seq, accounts: engine.state.accounts.size, market: engine.state.market !== undefined, quarantined: engine.quarantined.length, ...(book !== undefined ? { bookLoaded: book } : {}) };
  });
  app.get("/metrics", { config: { access: "public" } }, async (_req, reply) => {
    updateGauges(deps);
    if (insights) {
      const c = insights.counters;
      deps.metrics.set("dpm_insights_computed_total", "Account insights (binding component, distance to liquidation) computed since start", c.computed);
      deps.metrics.set("dpm_insights_seconds_total", "Time spent computing account insights (s)", c.ms / 1000);
      deps.metrics.set("dpm_insights_probes_total", "Margin computations run by distance-to-liquidation searches", c.probes);
      deps.metrics.set("dpm_insights_abandoned_total", "Insight computations stopped because the market or the account moved while they ran (recomputed later)", c.abandoned);
    }
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(deps.metrics.render());
  });
  app.get("/v1/openapi.json", { config: { access: "any" } }, async () => openApiDocument());

  app.post("/v1/margin", { config: { access: "any" } }, async (req, reply) => {
    if (looksLikeBareBook(req.body)) return sendError(reply, 400, 'this body is a bare portfolio: POST /v1/margin takes {"portfolio": …, "market"?: …}; wrap it as {"portfolio": …}', [{ path: "portfolio", message: "is required", value: undefined }]);
    const b = parseBody(marginBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const live = engine.state.market;
    if (b.value.market === undefined && !live) return sendError(reply, 409, "no live market yet; pass market");
    const market = guard<MarketSnapshot>("market", () => (b.value.market === undefined && live ? snapshotOf(live) : toMarket(b.value.market)));
    if (!market.ok) return sendError(reply, 400, "invalid market", market.issues);
    const options = optionIssues(b.value.preset, b.value.currency, market.value);
    if (options.length > 0) return sendError(reply, 400, "invalid options", options);
    const me = guard("params", () => createMarginEngine(market.value, { params: b.value.params, preset: b.value.preset, currency: b.value.currency }));
    if (!me.ok) return sendError(reply, 400, "invalid options", me.issues.map((i) => (i.path.startsWith("params.currency") ? { ...i, path: "currency" } : i.path.startsWith("params.preset") ? { ...i, path: "preset" } : i)));
    const r = guard("portfolio", () => me.value.margin(b.value.portfolio, b.value.model));
    if (!r.ok) return sendError(reply, 400, "invalid portfolio", r.issues);
    return reply.type("application/json").send(JSON.stringify(r.value));
  });

  app.get("/v1/market", { config: { access: "any" } }, async () => {
    const m = engine.state.market;
    if (!m) return { snapshot: null, oracle: {} };
    const oracle: Record<string, unknown> = {};
    for (const a of Object.keys(m.assets)) {
      const s = deps.ingest.indexState(a) ?? deps.ingest.wrappedState(a);
      if (s) oracle[a] = s;
    }
    const s = snapshotOf(m);
    return { snapshot: { ...s, asOf: new Date(s.asOf).toISOString() }, asOf: Object.fromEntries(Object.entries(m.asOf).map(([k, v]) => [k, new Date(v).toISOString()])), liquidity: m.liquidity, oracle };
  });
  app.post("/v1/market/ticks", { config: { access: "admin" } }, async (req, reply) => sendSubmit(reply, await submitMarket({ ...(req.body as object), type: "tick" })));
  app.post("/v1/oracle/prices", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(pricesBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const results = b.value.ticks.map((t) => deps.ingest.price({ source: t.source, asset: t.asset, price: t.price, ts: t.ts }, t.depthUsd));
    const submitted = await deps.ingest.flush();
    const index: Record<string, number | undefined> = {};
    for (const t of b.value.ticks) index[t.asset] = engine.state.market?.assets[t.asset]?.index;
    return { results: results.map((r) => ({ source: r.source, asset: r.asset, accepted: r.accepted, ...(r.reason ? { reason: r.reason } : {}), ...(r.wrapped ? { wrapped: r.wrapped } : {}) })), index, ticks: submitted.map((s) => (s.ok ? { seq: s.seq } : { error: s.reason })) };
  });
  app.post("/v1/funding", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(fundingBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    return sendSubmit(reply, await submitMarket({ type: "funding", ...b.value }));
  });
  app.put("/v1/params", { config: { access: "admin" } }, async (req, reply) => sendSubmit(reply, await submitMarket({ ...(req.body as object), type: "params" })));
  app.get("/v1/events", { config: { access: "admin" } }, async (req, reply) => {
    const q = parseBody(eventsQuery, req.query);
    if (!q.ok) return sendError(reply, 400, "invalid query", q.issues);
    const events = await deps.store.readEvents(q.value.from, q.value.limit);
    const last = events.length > 0 ? events[events.length - 1].seq : q.value.from - 1;
    // Events replay skipped (quarantined) are flagged with the reason; they stay in the log as written.
    const skipped = new Map(engine.quarantined.map((x) => [x.seq, x.reason]));
    const flagged = skipped.size === 0 ? events : events.map((e) => (skipped.has(e.seq) ? { ...e, quarantined: true, reason: skipped.get(e.seq) } : e));
    return { events: flagged, next: events.length === q.value.limit ? last + 1 : null, lastSeq: await deps.store.lastSeq() };
  });
  // The page's insights (binding, distance) missing or due are computed first, within 50 ms in 0.5 ms slices (other requests run between them); the rest follow on the stream.
  app.get("/v1/fleet", { config: { access: "admin" } }, async (req, reply) => {
    const q = parseBody(fleetQuery, req.query ?? {});
    if (!q.ok) return sendError(reply, 400, "invalid query", q.issues);
    if (q.value.all === "1" && deps.scaleOut) return deps.scaleOut.fleetAll();
    if (!insights) return engineFleet(engine, { top: q.value.top });
    const now = deps.clock();
    const summary = fleetSummary(engine.state.seq, engine.margins.values(), q.value.top ?? 20);
    const ids = summary.nearestLiquidation.map((r) => r.account);
    insights.want(ids, now);
    await insights.refreshSliced(now, FLEET_COMPUTE_MS, FLEET_SLICE_MS, turn, ids);
    // The figures are those the page was chosen from; the insights say which margin seq they come from.
    return engineFleet(engine, { top: q.value.top, insights, now }, summary);
  });
  app.get("/v1/liquidations", { config: { access: "admin" } }, async () => ({
    seq: engine.state.seq,
    insuranceFund: insuranceFundView(engine),
    queue: liquidationQueue(engine).map((q) => ({ ...q, plan: previewPlan(engine, q.account) })),
    recent: [...engine.state.liquidations].reverse().map((r) => ({ ...r, progress: { executed: r.steps.length, planned: r.plannedSteps } })),
  }));
  app.post("/v1/insurance-fund/deposits", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(fundDepositBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    return sendSubmit(reply, await engine.submit({ type: "insurance_deposit", ...b.value }));
  });
}
