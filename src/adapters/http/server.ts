/**
 * The HTTP + WebSocket API (fastify 5, @fastify/websocket 11), versioned under /v1 (docs/service.md,
 * OpenAPI at /v1/openapi.json). Order of checks on every /v1 request, all in `onRequest`, i.e. before the
 * body is read: API key (401; 429 instead once the remote address has used up its budget of failed
 * authentications), rate limit per key (429), access to the route and account (403). Then the body (413
 * above the limit, 400 with every problem), then the handler (404, 409). Unexpected errors (500) are
 * written to the operator log (one JSON line, no body, no key).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import type { Engine, SubmitResult } from "../../engine/engine.js";
import type { MarketIngest } from "../../engine/ingest.js";
import type { Store } from "../../engine/store.js";
import type { BookStatus } from "../bookLoader.js";
import { boundedIssues, type InputIssue } from "../../input/issues.js";
import { JsonBodyError, registerJsonParser } from "./json.js";
import { KeyRing, RateLimiter, type Principal } from "./keys.js";
import type { OperatorLog } from "./log.js";
import { Metrics } from "./metrics.js";
import { registerAccountRoutes } from "./routes/accounts.js";
import { registerKeyRoutes } from "./routes/keys.js";
import { registerMarketRoutes } from "./routes/market.js";
import { registerParamsRoutes } from "./routes/params.js";
import type { AdaptiveScheduler } from "../adaptive/scheduler.js";
import { registerStaticRoutes } from "./routes/static.js";
import { registerStream, type StreamHub } from "./stream.js";
import { InsightPump, type PumpOptions } from "./insights.js";

/**
 * Who may use a route: `public` (no key), `any` key, `admin` only, `own` (admin, or the account's key),
 * `trusted` (admin; also the account's key when the service runs with trusted fills).
 */
export type Access = "public" | "any" | "admin" | "own" | "trusted";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface ServerDeps {
  readonly engine: Engine;
  readonly store: Store;
  readonly keys: KeyRing;
  readonly ingest: MarketIngest;
  readonly metrics: Metrics;
  readonly clock: () => number;
  /** Operator log (stderr unless quiet). */
  readonly log: OperatorLog;
  /** Scale-out worker (docs/scale-out.md); absent on a single-process service. */
  readonly scaleOut?: ScaleOutHooks;
  /** Progress of `--book` (`/healthz`: `bookLoaded`, absent without a book). */
  readonly status?: BookStatus;
  /** Adaptive parameters (`dpm serve --adaptive`); absent: the params routes answer with mode "off". */
  readonly adaptive?: AdaptiveScheduler;
}

/** What the HTTP layer asks of a scale-out worker (src/adapters/http/scaleout.ts). */
export interface ScaleOutHooks {
  /** The 421 body when another worker must answer this request (the account is another partition's), else undefined. */
  misdirected(req: { readonly method: string; readonly route: string; readonly params: unknown; readonly body: unknown }): Readonly<Record<string, unknown>> | undefined;
  /** Submit a market event (tick, funding, params) through the market stream; resolves once this worker applied it. */
  submitMarket(event: unknown): Promise<SubmitResult>;
  /** `GET /v1/fleet?all=1`: the latest summaries of every partition heard from. */
  fleetAll(): unknown;
}

export interface ServerOptions {
  /** Largest request body in bytes (413 above); default 1 MiB. */
  readonly bodyLimit?: number;
  /** Requests per second per key (token bucket); 0 disables; default 50. */
  readonly rateLimit?: number;
  /** Bucket size; default 4 × rateLimit. */
  readonly rateBurst?: number;
  /** Failed authentications (401) per second per remote address before 429; 0 disables; default 5 (burst 4×, at least 20). */
  readonly authFailRate?: number;
  /** Remote addresses tracked for failed authentications (least recently used evicted); default 100,000. */
  readonly authFailAddresses?: number;
  /**
   * Account keys may post their own fills and deposits (a venue's trusted front end, or the demo). Off by
   * default: fills, deposits and funding then need the admin (venue) key; account keys read, run pre-trade
   * checks and request withdrawals.
   */
  readonly trustedFills?: boolean;
  /** How long a WebSocket opened without an Authorization header has to send its auth message (ms, default 5000). */
  readonly wsAuthMs?: number;
  /** Binding component and distance to liquidation for the fleet and account views (src/adapters/http/insights.ts). */
  readonly insights?: PumpOptions;
}

/** Send an error in the API's shape: `{ error, issues?, detail? }`; issue values are bounded when echoed (boundedIssues). */
export function sendError(reply: FastifyReply, status: number, error: string, issues?: readonly InputIssue[], detail?: unknown): FastifyReply {
  return reply.code(status).send({ error, ...(issues ? { issues: boundedIssues(issues) } : {}), ...(detail !== undefined ? { detail } : {}) });
}

/**
 * Answer before the body is read (401, 403, 421, 429 from `onRequest`) and close the connection: with
 * `Connection: close` Node ends the socket once the answer is written instead of reading and discarding the
 * rest of the body (10 MB with content-length, unbounded when chunked) to keep the connection alive.
 */
function refuseEarly(reply: FastifyReply, status: number, error: string): FastifyReply {
  reply.header("connection", "close");
  return sendError(reply, status, error);
}

/** Answer an engine submission: 201 with the sequence number, or the refusal. */
export function sendSubmit(reply: FastifyReply, r: SubmitResult): FastifyReply {
  if (r.ok) {
    if (r.duplicate) return reply.code(200).send({ seq: r.seq, event: r.event, duplicate: true });
    // A tick is answered once every affected account is re-margined, with how many were (the tick contract).
    return reply.code(201).send(r.event.type === "tick" ? { seq: r.seq, event: r.event, remargined: r.remargined ?? 0 } : { seq: r.seq, event: r.event });
  }
  return sendError(reply, r.status, r.reason, r.issues, r.detail);
}

/** The key of `Authorization: Bearer <key>`; the scheme name is case-insensitive (RFC 9110 §11.1). Never read from the URL. */
export function bearer(header: unknown): string | undefined {
  if (typeof header !== "string") return undefined;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** What the authentication of a request (HTTP or the WebSocket's first message) needs. */
export interface Gate {
  readonly deps: ServerDeps;
  readonly limiter: RateLimiter;
  /** Failed authentications per remote address. */
  readonly failures: RateLimiter;
  readonly trustedFills: boolean;
}

/**
 * The principal of a request's key, or the refusal. The failed-authentication budget of the remote address is
 * checked before any store lookup: once it is spent, only keys verifiable without the store (DPM_ADMIN_KEY, a
 * cached record) get through; everything else is a 429 that cost no query.
 */
export async function authenticate(g: Gate, ip: string, key: string | undefined): Promise<{ ok: true; principal: Principal } | { ok: false; status: 401 | 429; error: string; retryAfter?: number }> {
  const { deps } = g;
  const now = deps.clock();
  const spent = g.failures.empty(ip, now);
  const p = key === undefined ? undefined : spent ? deps.keys.verifyCached(key) : await deps.keys.verify(key);
  if (p) return { ok: true, principal: p };
  if (spent || !g.failures.take(ip, now)) return { ok: false, status: 429, error: "too many requests without a valid API key from this address", retryAfter: g.failures.retryAfter(ip) };
  return { ok: false, status: 401, error: key ? "invalid API key" : "missing Authorization: Bearer <key>" };
}

async function authorize(g: Gate, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { deps, limiter } = g;
  const access = req.routeOptions.config.access ?? (req.url.startsWith("/v1") ? "admin" : "public");
  if (access === "public") return;
  const key = bearer(req.headers.authorization);
  // The WebSocket may authenticate with its first message instead (stream.ts): no header, no refusal here.
  if (key === undefined && req.routeOptions.url === "/v1/stream" && req.headers.upgrade?.toLowerCase() === "websocket" && !g.failures.empty(req.ip, deps.clock())) return;
  const a = await authenticate(g, req.ip, key);
  if (!a.ok) {
    if (a.retryAfter !== undefined) reply.header("retry-after", String(a.retryAfter));
    if (a.status === 401) reply.header("www-authenticate", 'Bearer realm="dpm"');
    await refuseEarly(reply, a.status, a.error);
    return;
  }
  const p = a.principal;
  if (!limiter.take(p.keyId, deps.clock())) {
    reply.header("retry-after", String(limiter.retryAfter(p.keyId)));
    await refuseEarly(reply, 429, "rate limit exceeded");
    return;
  }
  req.principal = p;
  if (p.role === "admin" || access === "any") return;
  const id = (req.params as Record<string, string> | undefined)?.id;
  if ((access === "own" || (access === "trusted" && g.trustedFills)) && id !== undefined && id === p.account) return;
  const why = access === "trusted" ? "fills and deposits need the admin (venue) key (the service runs without --trusted-fills)" : access === "own" ? `this key may only use account ${p.account ?? "(none)"}` : "this route needs an admin key";
  await refuseEarly(reply, 403, why);
}

/** Build the server (not listening yet). */
export async function buildServer(deps: ServerDeps, opts: ServerOptions = {}): Promise<{ app: FastifyInstance; hub: StreamHub; routes: { method: string; url: string }[]; insights: InsightPump }> {
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 1024 * 1024, logger: false, forceCloseConnections: true });
  /** Every route registered (the OpenAPI test checks each /v1 one is documented). */
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (o) => { for (const m of [o.method].flat()) if (m !== "HEAD") routes.push({ method: m, url: o.url }); });
  const rate = opts.rateLimit ?? 50;
  const limiter = new RateLimiter(rate, opts.rateBurst ?? Math.max(1, rate * 4));
  const failRate = opts.authFailRate ?? 5;
  const gate: Gate = { deps, limiter, failures: new RateLimiter(failRate, Math.max(20, failRate * 4), opts.authFailAddresses ?? 100_000), trustedFills: opts.trustedFills ?? false };
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  registerJsonParser(app);
  app.addHook("onRequest", async (req, reply) => {
    (req as FastifyRequest & { t0?: number }).t0 = performance.now();
    const wrong = deps.scaleOut?.misdirected({ method: req.method, route: req.routeOptions.url ?? "", params: req.params, body: undefined });
    if (wrong) { reply.header("connection", "close"); await reply.code(421).send(wrong); return; }
    await authorize(gate, req, reply);
  });
  if (deps.scaleOut) {
    const so = deps.scaleOut;
    app.addHook("preHandler", async (req, reply) => {
      const wrong = so.misdirected({ method: req.method, route: req.routeOptions.url ?? "", params: req.params, body: req.body });
      if (wrong) await reply.code(421).send(wrong);
    });
  }
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    deps.metrics.inc("dpm_http_requests_total", "HTTP requests by route and status", { method: req.method, route, status: String(reply.statusCode) });
    const t0 = (req as FastifyRequest & { t0?: number }).t0;
    if (t0 !== undefined) deps.metrics.inc("dpm_http_request_seconds_sum", "Total time answering HTTP requests (s)", { route }, (performance.now() - t0) / 1000);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; name?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, 413, "request body too large");
    if (err instanceof JsonBodyError) return sendError(reply, 400, "invalid JSON body", [err.issue]);
    if (status >= 400 && status < 500) return sendError(reply, status, err.message.slice(0, 300), err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || status === 400 ? [{ path: "(body)", message: err.message.slice(0, 300) }] : undefined);
    deps.log.write("error", "internal error answering a request", { status: 500, method: req.method, route: req.routeOptions.url ?? "unmatched", path: req.url.split("?")[0], error: err.name ?? "Error", detail: err.message });
    return sendError(reply, 500, "internal error");
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url.split("?")[0]}`));
  const pump = new InsightPump(deps.engine, deps.clock, opts.insights);
  pump.start();
  app.addHook("onClose", async () => pump.stop());
  const hub = registerStream(app, deps, gate, opts.wsAuthMs, pump);
  registerStaticRoutes(app, deps);
  registerMarketRoutes(app, deps, pump.cache);
  registerAccountRoutes(app, deps, pump.cache);
  registerKeyRoutes(app, deps, hub);
  registerParamsRoutes(app, deps);
  return { app, hub, routes, insights: pump };
}
