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

/** JSON view of an account's stored state (exact decimals). */
export function accountView(a: AccountState): unknown {
  return {
    id: a.id, owner: a.owner,
    balances: Object.fromEntries([...a.balances].map(([k, v]) => [k, formatUnits(v)])),
    positions: [...a.positions].map(([instrument, p]) => ({ instrument, size: formatUnits(p.size), ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) })),
    orders: Object.entries(ordersToJson(a) ?? {}).map(([orderId, o]) => ({ orderId, ...o })),
  };
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
  for (const [name, p] of a.positions) {
    const inst = instrumentOf(name);
    const r = ctx.risk(inst);
    if (r.ok) add(inst.underlying, r.value.grid, Number(formatUnits(p.size)));
  }
  for (const [asset, b] of a.balances) {
    if (ctx.isStable(asset) || !ctx.market.assets[asset]) continue;
    const r = ctx.risk(spotInstrument(asset));
    if (r.ok) add(asset, r.value.grid, Number(formatUnits(b)));
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
  const account = (id: string) => engine.state.accounts.get(id);

  app.post("/v1/accounts", { config: { access: "admin" } }, async (req, reply) => {
    const b = parseBody(createAccountBody, req.body);
    if (!b.ok) return sendError(reply, 400, "invalid request", b.issues);
    const { id, owner, collateral } = b.value;
    // Checked before anything is written: a refused deposit after the account event left an account without a key.
    const ctx = engine.riskContext()?.context();
    const unknown = Object.keys(collateral ?? {}).filter((asset) => ctx !== undefined && ctx.usdIndex(asset) === undefined);
    if (unknown.length > 0) return sendError(reply, 409, `no index for ${unknown.join(", ")} in the market`, unknown.map((asset) => ({ path: `collateral.${asset}`, message: "no index in the market", value: asset })));
    // Idempotent and recoverable: a retry after a crash between the account event and its key (or its
    // deposits) completes the creation; the deposits carry request ids, so none is applied twice.
    const existing = account(id);
    if (existing && existing.owner !== (owner ?? id)) return sendError(reply, 409, `account ${id} already exists with owner ${existing.owner}`);
    if (existing && (await deps.keys.hasActiveKey(id))) return sendError(reply, 409, `account ${id} already exists and has an API key; issue a new one with POST /v1/accounts/${id}/keys`);
    if (!existing) {
      const r = await engine.submit({ type: "account", account: id, ...(owner ? { owner } : {}) });
      if (!r.ok) return sendError(reply, r.status, r.reason, r.issues);
    }
    await store.createAccount({ id, owner: owner ?? id, createdAt: deps.clock() });
    for (const [asset, amount] of Object.entries(collateral ?? {})) {
      const d = await engine.submit({ type: "deposit", account: id, asset, amount, requestId: `account-create:${asset}` });
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
    const r = preTradeCheck(engine, req.params.id, b.value.instrument, b.value.size, b.value.price);
    if (!r.ok) return sendError(reply, r.status, r.reason);
    return r.value;
  });
}
