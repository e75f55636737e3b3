/** Account routes: create, list, read, margin, scenario grid, fills, deposits, withdrawals, pre-trade check. */
import type { FastifyInstance } from "fastify";
import { preTradeCheck } from "../../../engine/checks.js";
import { formatUnits } from "../../../domain/money.js";
import { instrumentOf, toPortfolio, type AccountState } from "../../../engine/state.js";
import { accountGreeks } from "../../../margin/accountGreeks.js";
import { spotInstrument } from "../../../margin/riskContext.js";
import { VOL_STATES } from "../../../risk/scenarioGrid.js";
import { randomUUID } from "node:crypto";
import { ordersToJson } from "../../../engine/orders.js";
import { accountBinding, type InsightCache } from "../../../engine/insights.js";
import { accountsQuery, createAccountBody, fillBody, orderBody, parseBody, restingOrderBody, transferBody } from "../schemas.js";
import { sendError, sendSubmit, type ServerDeps } from "../server.js";
import { venuesToJson, resolveVenuePreset } from "../../../engine/venueLedger.js";
import { registerVenueRoutes, venueOrderCheck } from "./venues.js";
import type { InputIssue } from "../../../input/issues.js";

/** JSON view of an account's stored state (exact decimals). */
export function accountView(a: AccountState): unknown {
  return {
    id: a.id, owner: a.owner,
    balances: Object.fromEntries([...a.balances].map(([k, v]) => [k, formatUnits(v)])),
    positions: [...a.positions].map(([instrument, p]) => ({ instrument, size: formatUnits(p.size), ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) })),
    orders: Object.entries(ordersToJson(a) ?? {}).map(([orderId, o]) => ({ orderId, ...o })),
    // A multi-venue account: each venue's preset, kind, exact balances (debts of a lending venue) and positions.
    ...(a.venues ? { venues: venuesToJson(a.venues) } : {}),
  };
}

type CreateVenues = Record<string, { preset?: string; collateral?: Record<string, string>; supplied?: Record<string, string> }>;

/** The venues of a new multi-venue account: presets resolved, each deposit on the side its kind holds (collateral / supplied). */
function createVenueIssues(venues: CreateVenues): InputIssue[] {
  const out: InputIssue[] = [];
  for (const [name, v] of Object.entries(venues)) {
    const p = resolveVenuePreset(name, v.preset);
    if (!p.ok) out.push({ path: `venues.${name}.preset`, message: p.message, value: v.preset });
    else if (p.kind === "lending" && v.collateral !== undefined) out.push({ path: `venues.${name}.collateral`, message: `a lending venue (${p.preset}) is supplied: use venues.${name}.supplied`, value: v.collateral });
    else if (p.kind === "derivatives" && v.supplied !== undefined) out.push({ path: `venues.${name}.supplied`, message: `a derivatives venue (${p.preset}) holds collateral: use venues.${name}.collateral`, value: v.supplied });
  }
  return out;
}

/** Scenario P&L of each risk unit of an account over the grid (price-major rows × vol up/none/down), USD. */
function scenarioGrids(deps: ServerDeps, a: AccountState): unknown[] {
  const ctx = deps.engine.riskContext()?.context();
  if (!ctx) return [];
  const units = new Map<string, Float64Array>();
  const add = (u: string, grid: Float64Array, size: number) => {
    let acc = units.get(u);
    if (!acc) units.set(u, (acc = new Float64Array(grid.length)));
    for (let i = 0; i < grid.length; i++) acc[i] += size * grid[i];
  };
  // A multi-venue account: the pooled account's positions and balances (every venue's).
  const pf = a.venues ? toPortfolio(a) : undefined;
  const positions = pf ? pf.positions.map((p) => [p.instrument.name, p.size] as const) : [...a.positions].map(([n, p]) => [n, Number(formatUnits(p.size))] as const);
  const balances = pf ? Object.entries(pf.collateral) : [...a.balances].map(([k, b]) => [k, Number(formatUnits(b))] as const);
  for (const [name, size] of positions) {
    const inst = instrumentOf(name);
    const r = ctx.risk(inst);
    if (r.ok) add(inst.underlying, r.value.grid, size);
  }
  for (const [asset, b] of balances) {
    if (ctx.isStable(asset) || !ctx.market.assets[asset]) continue;
    const r = ctx.risk(spotInstrument(asset));
    if (r.ok) add(asset, r.value.grid, b);
  }
  return [...units].sort((x, y) => x[0].localeCompare(y[0])).map(([u, v]) => {
    const g = ctx.grid(u);
    const rows: number[][] = [];
    for (let i = 0; i < g.priceShocks.length; i++) rows.push([v[3 * i], v[3 * i + 1], v[3 * i + 2]]);
    return { underlying: u, priceShocks: [...g.priceShocks], volStates: VOL_STATES, pnl: rows };
  });
}

export function registerAccountRoutes(app: FastifyInstance, deps: ServerDeps, insights?: InsightCache): void {
  const { engine, store } = deps;
  registerVenueRoutes(app, deps);
  const account = (id: string) => engine.state.accounts.get(id);

  app.post("/v1/accounts", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(createAccountBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const { id, owner, collateral, venues } = b.value;
    const vIssues = venues ? createVenueIssues(venues) : [];
    if (vIssues.length > 0) return sendError(reply, 400, "invalid request", vIssues);
    // Checked before anything is written: a refused deposit after the account event left an account without a key.
    const ctx = engine.riskContext()?.context();
    const deposits: { venue?: string; asset: string; amount: string; path: string }[] = venues
      ? Object.entries(venues).flatMap(([v, x]) => Object.entries(x.collateral ?? x.supplied ?? {}).map(([asset, amount]) => ({ venue: v, asset, amount, path: `venues.${v}.${x.collateral ? "collateral" : "supplied"}.${asset}` })))
      : Object.entries(collateral ?? {}).map(([asset, amount]) => ({ asset, amount, path: `collateral.${asset}` }));
    const unknown = deposits.filter((d) => ctx !== undefined && ctx.usdIndex(d.asset) === undefined);
    if (unknown.length > 0) return sendError(reply, 409, `no index for ${unknown.map((d) => d.asset).join(", ")} in the market`, unknown.map((d) => ({ path: d.path, message: "no index in the market", value: d.asset })));
    // Idempotent and recoverable: a retry after a crash between the account event and its key (or its
    // deposits) completes the creation; the deposits carry request ids, so none is applied twice.
    const existing = account(id);
    if (existing && existing.owner !== (owner ?? id)) return sendError(reply, 409, `account ${id} already exists with owner ${existing.owner}`);
    if (existing && (existing.venues !== undefined) !== (venues !== undefined)) return sendError(reply, 409, `account ${id} already exists as a ${existing.venues ? "multi" : "single"}-venue account`);
    if (existing && (await deps.keys.hasActiveKey(id))) return sendError(reply, 409, `account ${id} already exists and has an API key; issue a new one with POST /v1/accounts/${id}/keys`);
    if (!existing) {
      const r = await engine.submit({ type: "account", account: id, ...(owner ? { owner } : {}), ...(venues ? { venues: Object.fromEntries(Object.entries(venues).map(([v, x]) => [v, x.preset !== undefined ? { preset: x.preset } : {}])) } : {}) });
      if (!r.ok) return sendError(reply, r.status, r.reason, r.issues);
    }
    await store.createAccount({ id, owner: owner ?? id, createdAt: deps.clock() });
    for (const { venue, asset, amount } of deposits) {
      const d = await engine.submit({ type: "deposit", account: id, asset, amount, requestId: venue ? `account-create:${venue}:${asset}` : `account-create:${asset}`, ...(venue ? { venue } : {}) });
      if (!d.ok) return sendError(reply, d.status, d.reason, d.issues);
    }
    const key = await deps.keys.create("account", id, deps.clock());
    return reply.code(existing ? 200 : 201).send({ account: accountView(account(id) as AccountState), margin: engine.margins.get(id), key: key.key, keyId: key.id, ...(existing ? { recovered: true } : {}) });
  });
  app.get("/v1/accounts", { config: { access: "admin" } }, async (req, reply) => {
    const q = parseBody(accountsQuery, req.query);
    if (!q.ok) return sendError(reply, 400, "invalid query", q.issues);
    const ids = [...engine.state.accounts.keys()].filter((k) => k > q.value.after).sort().slice(0, q.value.limit);
    return { accounts: ids.map((id) => engine.margins.get(id) ?? { account: id }), next: ids.length === q.value.limit ? ids[ids.length - 1] : null };
  });
  app.get<{ Params: { id: string } }>("/v1/accounts/:id", { config: { access: "own" } }, async (req, reply) => {
    const a = account(req.params.id);
    if (!a) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    return { account: accountView(a), margin: engine.margins.get(a.id) };
  });
  app.get<{ Params: { id: string } }>("/v1/accounts/:id/margin", { config: { access: "own" } }, async (req, reply) => {
    const d = engine.detail(req.params.id);
    if (!d) return sendError(reply, account(req.params.id) ? 409 : 404, account(req.params.id) ? "no market yet" : `account ${req.params.id} does not exist`);
    // binding: from this very result; insight (distance to liquidation): cached, recomputed when due (insights.ts).
    const insight = insights?.ensure(req.params.id, deps.clock());
    // stateSeq: the engine state this answer was computed on (the dashboard matches it with /scenarios and /greeks).
    return { stateSeq: engine.state.seq, summary: d.summary, result: d.result ?? null, concentration: d.concentration, binding: accountBinding(d), ...(insight ? { insight } : {}) };
  });
  /** Greeks of the whole account per underlying and expiry, spot collateral included: the rows of `dpm greeks --json` (USD). */
  app.get<{ Params: { id: string } }>("/v1/accounts/:id/greeks", { config: { access: "own" } }, async (req, reply) => {
    const a = account(req.params.id);
    if (!a) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    const ctx = engine.riskContext()?.context();
    if (!ctx) return sendError(reply, 409, "no market yet");
    const g = accountGreeks(ctx, toPortfolio(a));
    if (!g.ok) return sendError(reply, 409, `the account's Greeks cannot be computed: ${g.reason}`);
    return { account: a.id, currency: "USD", seq: engine.state.seq, greeks: g.value };
  });
  app.get<{ Params: { id: string } }>("/v1/accounts/:id/scenarios", { config: { access: "own" } }, async (req, reply) => {
    const a = account(req.params.id);
    if (!a) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    return { account: a.id, currency: "USD", stateSeq: engine.state.seq, units: scenarioGrids(deps, a) };
  });
  app.post<{ Params: { id: string } }>("/v1/accounts/:id/fills", { config: { access: "trusted" } }, async (req, reply) => {
    const b = parseBody(fillBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    return sendSubmit(reply, await engine.submit({ type: "fill", account: req.params.id, ...b.value }));
  });
  for (const kind of ["deposits", "withdrawals"] as const) {
    app.post<{ Params: { id: string } }>(`/v1/accounts/:id/${kind}`, { config: { access: kind === "deposits" ? "trusted" : "own" } }, async (req, reply) => {
      const b = parseBody(transferBody, req.body);
      if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
      return sendSubmit(reply, await engine.submit({ type: kind === "deposits" ? "deposit" : "withdrawal", account: req.params.id, ...b.value }));
    });
  }
  app.post<{ Params: { id: string } }>("/v1/accounts/:id/orders", { config: { access: "own" } }, async (req, reply) => {
    const b = parseBody(restingOrderBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const { orderId, ...rest } = b.value;
    return sendSubmit(reply, await engine.submit({ type: "order", account: req.params.id, orderId: orderId ?? randomUUID(), ...rest }));
  });
  app.get<{ Params: { id: string } }>("/v1/accounts/:id/orders", { config: { access: "own" } }, async (req, reply) => {
    const a = account(req.params.id);
    if (!a) return sendError(reply, 404, `account ${req.params.id} does not exist`);
    return { account: a.id, orders: (accountView(a) as { orders: unknown[] }).orders };
  });
  app.delete<{ Params: { id: string; orderId: string } }>("/v1/accounts/:id/orders/:orderId", { config: { access: "own" } }, async (req, reply) =>
    sendSubmit(reply, await engine.submit({ type: "cancel", account: req.params.id, orderId: req.params.orderId })));
  app.post<{ Params: { id: string } }>("/v1/accounts/:id/orders/check", { config: { access: "own" } }, async (req, reply) => {
    const b = parseBody(orderBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const a = account(req.params.id);
    if (a && (a.venues || b.value.venue !== undefined)) {
      const v = venueOrderCheck(engine, a, b.value);
      return v.ok ? v.value : sendError(reply, v.status, v.reason, v.issues);
    }
    const r = preTradeCheck(engine, req.params.id, b.value.instrument, b.value.size, b.value.price);
    if (!r.ok) return sendError(reply, r.status, r.reason);
    return r.value;
  });
}
