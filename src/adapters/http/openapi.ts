/**
 * The OpenAPI 3.1 document of the /v1 API (served at /v1/openapi.json; prose in docs/service.md). Every route
 * lists every status it can answer, every request body has an example the server accepts, and request schemas
 * carry the server's own bounds and patterns (openapiSchemas.ts, src/input/bounds.ts). test/service/openapi.test.ts
 * calls every documented route and checks each answer against this document with Ajv.
 */
import { ERROR_STATUSES, ref, request as r, schemas } from "./openapiSchemas.js";
import { MAX_SPREAD } from "../../input/bounds.js";

type Json = Record<string, unknown>;
type Access = "any" | "admin" | "own" | "trusted";

const errors = (...codes: number[]): Json => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const ok = (schema: Json, code = "200", description = "OK"): Json => ({ [code]: { description, content: { "application/json": { schema } } } });
const body = (schema: Json, example: unknown): Json => ({ required: true, content: { "application/json": { schema, example } } });
const idParam = [{ name: "id", in: "path", required: true, schema: r.accountId }];
const accepted = ok(ref("Accepted"), "201", "written to the log, applied and acknowledged with its sequence number");
const tickAccepted = ok(ref("TickAccepted"), "201", "written to the log and applied; answered once every affected account is re-margined, with how many were");
const duplicate = ok(ref("Duplicate"), "200", "a repeated fillId / requestId: the original acknowledgement, nothing applied");
/** A body route also answers 400 (invalid), 413 (too large) and 415 (not JSON). */
const BODY = [400, 413, 415];
/** Routes of one account answer 404 for an unknown one and 421 on a scale-out worker that does not own it. */
const ACCOUNT = [404, 421];

/** An operation: the key's statuses (401, 429; 403 unless any key may call it; 500) added to its own. */
function op(summary: string, access: Access, responses: Json, codes: number[], extra: Json = {}): Json {
  const keyCodes = access === "any" ? [401, 429, 500] : [401, 403, 429, 500];
  return { summary, security: [{ bearer: [] }], "x-access": access, ...extra, responses: { ...responses, ...errors(...[...new Set([...codes, ...keyCodes])].sort()) } };
}

const venue = { ...r.venue, description: "multi-venue accounts: the venue it applies to (required there; 400 when missing, unknown or given on a single-venue account)" };
const order = { type: "object", required: ["instrument", "size"], properties: { instrument: r.instrument, size: r.decimal, price: r.price, venue }, additionalProperties: false };
const transfer = { type: "object", required: ["asset", "amount"], properties: { asset: r.asset, amount: r.decimal }, additionalProperties: false };
const idem = (field: string) => ({ [field]: { ...r.idempotency, description: "idempotency key: a repeat answers 200 with the original seq and duplicate: true, nothing applied" } });
const transferReq = { ...transfer, properties: { ...transfer.properties, ...idem("requestId"), venue } };
const venueTransfer = {
  type: "object", required: ["asset", "from", "to", "amount"], additionalProperties: false,
  properties: { asset: r.asset, from: r.venue, to: { ...r.venue, description: "another venue of the account (400 when the same as from)" }, amount: r.decimal, fee: { ...r.decimal, description: "paid out of the account (network or withdrawal fee): amount − fee arrives; < amount" }, ...idem("requestId") },
};
const createVenue = { type: "object", additionalProperties: false, properties: { preset: { type: "string", description: "margin preset (derivatives venue) or lending preset; deribit, okx, derive and aave default to theirs" }, collateral: { type: "object", propertyNames: r.asset, additionalProperties: r.decimal, description: "deposited at a derivatives venue" }, supplied: { type: "object", propertyNames: r.asset, additionalProperties: r.decimal, description: "supplied to a lending venue" } } };
const instrumentTick = { type: "object", additionalProperties: false, properties: { mark: r.price, markIv: r.vol, openInterest: r.liquidity, depthUsd: r.liquidity, spread: { type: "number", minimum: 0, maximum: MAX_SPREAD, description: "relative book spread (ask - bid) / mid" } } };
const tick = {
  type: "object", required: ["asset", "ts", "index"], additionalProperties: false,
  properties: {
    asset: r.asset, ts: r.time, index: r.price, vol: r.vol, rate: r.rate, instruments: { type: "object", additionalProperties: instrumentTick }, stable: r.price,
    degraded: { type: "boolean" }, circuitBreaker: { type: "boolean" }, force: { type: "boolean", description: "apply an index move larger than the limit (default 50 % of the last index)" },
  },
};

function marketPaths(): Json {
  return {
    "/v1/margin": { post: op("stateless margin (same JSON as dpm margin --json); a bare portfolio gets a hint to wrap it", "any", ok(ref("MarginResult")), [...BODY, 409], {
      requestBody: body({ type: "object", required: ["portfolio"], additionalProperties: false, properties: { portfolio: { type: "object" }, market: { type: "object", description: "default: the live snapshot" }, model: { enum: ["isolated", "standard", "portfolio", "var"] }, params: { type: "object" }, preset: { type: "string", description: "a shipped preset (400 lists them)" }, currency: { type: "string", description: "USD or an asset of the market (400 lists them)" } } },
        { portfolio: { account: "acct-1", collateral: { USDC: 25000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 50000 }] }, model: "portfolio" }),
    }) },
    "/v1/market": { get: op("live market snapshot, per-asset valuation times, oracle states", "any", ok({ type: "object", required: ["snapshot"] }), []) },
    "/v1/market/ticks": { post: op("apply a market tick (index, vol, instrument marks, open interest, depth); the answer comes once every affected account is re-margined", "admin", tickAccepted, [...BODY, 409, 421, 503], { requestBody: body(tick, { asset: "BTC", ts: 1732089601000, index: 92100, instruments: { "BTC-PERPETUAL": { mark: 92150 } } }) }) },
    "/v1/oracle/prices": { post: op("source prices through the oracle (median, staleness, outliers); accepted moves become ticks", "admin", ok({ type: "object", required: ["results", "index", "ticks"] }), [...BODY, 421], {
      requestBody: body({ type: "object", required: ["ticks"], additionalProperties: false, properties: { ticks: { type: "array", minItems: 1, maxItems: 1000, items: { type: "object", required: ["source", "asset", "price", "ts"], additionalProperties: false, properties: { source: { type: "string", minLength: 1, maxLength: 64 }, asset: r.asset, price: { type: ["number", "string", "null"], description: "any value: the oracle reports NaN, strings and negatives" }, ts: r.time, depthUsd: r.liquidity } } } } },
        { ticks: [{ source: "a", asset: "BTC", price: 92010, ts: 1732089602000 }, { source: "b", asset: "BTC", price: 92020, ts: 1732089602000 }] }),
    }) },
    "/v1/funding": { post: op("funding payment on a perpetual for every holder", "admin", accepted, [...BODY, 409, 421, 503], { requestBody: body({ type: "object", required: ["instrument", "rate"], additionalProperties: false, properties: { instrument: r.instrument, rate: r.fundingRate } }, { instrument: "BTC-PERPETUAL", rate: 0.0001 }) }) },
    "/v1/params": { put: op("parameter change event (preset, params file, service parameters); an unknown preset is a 409", "admin", accepted, [...BODY, 409, 421, 503], { requestBody: body({ type: "object", additionalProperties: false, properties: { preset: { type: "string" }, params: { type: "object" }, service: { type: "object" } } }, { service: { withdrawalUpnlHaircut: 1 } }) }) },
    "/v1/events": { get: op("event log paging; events replay skipped are flagged quarantined with the reason", "admin", ok(ref("EventsPage")), [400], { parameters: [{ name: "from", in: "query", schema: { type: "integer", minimum: 1 } }, { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } }] }) },
    "/v1/fleet": { get: op("fleet summary: by status, the accounts nearest liquidation with their binding component and distance to liquidation per underlying (computed lazily, see docs/service.md), exposure and Greeks per underlying, liquidation queue, insurance fund", "admin", ok({ anyOf: [ref("Fleet"), ref("FleetAll")] }), [400], { parameters: [{ name: "all", in: "query", schema: { const: "1" }, description: "scale-out: every partition's latest summary (FleetAll; their rows carry no insights)" }, { name: "top", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 20 }, description: "accounts nearest liquidation to list" }] }) },
    "/v1/liquidations": { get: op("liquidation queue, recent liquidations with their steps, insurance fund", "admin", ok({ type: "object", required: ["seq", "insuranceFund", "queue", "recent"], properties: { seq: { type: "integer" }, insuranceFund: ref("InsuranceFund"), queue: { type: "array" }, recent: { type: "array" } } }), []) },
    "/v1/insurance-fund/deposits": { post: op("deposit into the insurance fund", "admin", accepted, [...BODY, 409], { requestBody: body(transfer, { asset: "USDC", amount: "50000" }) }) },
    "/v1/partition": { get: op("scale-out worker: its partition and market stream position (404 on a single process)", "any", ok({ type: "object", required: ["index", "count", "hash", "publisher", "marketSeq"] }), [404]) },
    "/v1/stream": { get: op("WebSocket: authenticate with the Authorization header or the first message {\"type\":\"auth\",\"key\":…} within 5 s (never in the URL), then subscribe to accounts (account and insight messages), fleet (optional top: page size) or market", "any", { 101: { description: "switching protocols" } }, []) },
  };
}

function accountPaths(): Json {
  const fill = { ...order, required: ["instrument", "size", "price"], properties: { ...order.properties, ...idem("fillId"), orderId: { ...r.idempotency, description: "the resting order this fill consumes" } } };
  return {
    "/v1/accounts": {
      post: op("create an account (returns its API key once); repeating it for an account without a key completes it (200, recovered)", "admin", { ...ok({ type: "object", required: ["account", "key", "keyId"] }, "201", "created"), ...ok({ type: "object", required: ["account", "key", "keyId", "recovered"] }, "200", "recovered") }, [...BODY, 409, 421], {
        requestBody: body({ type: "object", required: ["id"], additionalProperties: false, properties: { id: r.accountId, owner: { type: "string", minLength: 1, maxLength: 64 }, collateral: { type: "object", propertyNames: r.asset, additionalProperties: r.decimal }, venues: { type: "object", propertyNames: r.venue, additionalProperties: createVenue, description: "a multi-venue account (docs/venues.md): its venues, each with what is deposited there; then no top-level collateral" } } }, { id: "alice", collateral: { USDC: "100000" } }),
      }),
      get: op("list account margins", "admin", ok({ type: "object", required: ["accounts", "next"] }), [400], { parameters: [{ name: "after", in: "query", schema: { type: "string" } }, { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } }] }),
    },
    "/v1/accounts/{id}": { get: op("account state (exact balances, positions) and margin", "own", ok(ref("Account")), ACCOUNT, { parameters: idParam }) },
    "/v1/accounts/{id}/margin": { get: op("margin detail: summary, the core result, concentration charges, the binding component, and the insight (binding and distance to liquidation per underlying, with the margin seq it was computed from)", "own", ok({ type: "object", required: ["stateSeq", "summary", "result", "concentration", "binding"], properties: { stateSeq: { type: "integer", description: "sequence number of the engine state the answer was computed on" }, summary: ref("AccountMargin"), result: { anyOf: [ref("MarginResult"), { type: "null" }] }, concentration: { type: "array" }, binding: { anyOf: [ref("Binding"), { type: "null" }] }, insight: ref("Insight") } }), [...ACCOUNT, 409], { parameters: idParam }) },
    "/v1/accounts/{id}/greeks": { get: op("Greeks of the whole account per underlying and expiry, spot collateral included (1 per coin held), USD: the rows of dpm greeks --json", "own", ok(ref("AccountGreeks")), [...ACCOUNT, 409], { parameters: idParam }) },
    "/v1/accounts/{id}/scenarios": { get: op("scenario P&L grid per underlying (price moves × vol up/none/down)", "own", ok({ type: "object", required: ["account", "currency", "stateSeq", "units"], properties: { stateSeq: { type: "integer", description: "sequence number of the engine state the grids were computed on" } } }), ACCOUNT, { parameters: idParam }) },
    "/v1/accounts/{id}/fills": { post: op("a fill (position change); admin key, or the account's key with --trusted-fills", "trusted", { ...accepted, ...duplicate }, [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body(fill, { instrument: "BTC-PERPETUAL", size: "10000", price: 92050, fillId: "venue-fill-1" }) }) },
    "/v1/accounts/{id}/deposits": { post: op("deposit; admin key, or the account's key with --trusted-fills", "trusted", { ...accepted, ...duplicate }, [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body(transferReq, { asset: "USDC", amount: "1000", requestId: "dep-1" }) }) },
    "/v1/accounts/{id}/withdrawals": { post: op("withdrawal (409 when adjusted equity − excluded unrealised profit would fall below IM)", "own", { ...accepted, ...duplicate }, [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body(transferReq, { asset: "USDC", amount: "10", requestId: "wd-1" }) }) },
    "/v1/accounts/{id}/keys": { post: op("issue a new API key for the account (shown once); revokeExisting: true rotates", "admin", ok({ type: "object", required: ["account", "key", "keyId", "revoked"], properties: { account: { type: "string" }, key: { type: "string" }, keyId: { type: "string" }, revoked: { type: "array", items: { type: "string" } } } }, "201", "created"), [...BODY, ...ACCOUNT], { parameters: idParam, requestBody: body({ type: "object", properties: { revokeExisting: { type: "boolean" } }, additionalProperties: false }, { revokeExisting: false }) }) },
    "/v1/keys/{keyId}": { delete: op("revoke a key (401 from the next request; its WebSocket streams are closed); 409 for the last admin key", "admin", ok({ type: "object", required: ["keyId", "role", "revoked", "streamsClosed"] }), [400, 404, 409], { parameters: [{ name: "keyId", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{16}$" } }] }) },
    "/v1/accounts/{id}/orders": {
      post: op("place a resting order (margined until filled or cancelled); 409 when it would raise IM above adjusted equity or lies outside the price band", "own", accepted, [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body({ ...order, properties: { ...order.properties, orderId: { ...r.idempotency, description: "default: a generated UUID" } }, required: ["instrument", "size", "price"] }, { orderId: "o-1", instrument: "BTC-PERPETUAL", size: "-1000", price: 93000 }) }),
      get: op("the account's resting orders", "own", ok({ type: "object", required: ["account", "orders"] }), ACCOUNT, { parameters: idParam }),
    },
    "/v1/accounts/{id}/orders/{orderId}": { delete: op("cancel a resting order", "own", accepted, [...ACCOUNT, 409], { parameters: [...idParam, { name: "orderId", in: "path", required: true, schema: { type: "string" } }] }) },
    "/v1/accounts/{id}/orders/check": { post: op("pre-trade check: would the order keep adjusted equity ≥ IM? with the margin after (multi-venue accounts: the venue's own adjusted equity and IM)", "own", ok(ref("OrderCheck")), [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body(order, { instrument: "BTC-PERPETUAL", size: "10000" }) }) },
    "/v1/accounts/{id}/venues": { get: op("multi-venue accounts: dpm venues --json on the live account (each venue under its own preset, the unified profile, the allocation to MM usage ≤ target) and the book it was computed on; 409 for a single-venue account", "own", ok(ref("VenuesReport")), [400, ...ACCOUNT, 409], { parameters: [...idParam, { name: "target", in: "query", schema: { type: "number", exclusiveMinimum: 0, maximum: 1 }, description: "MM-usage target of the allocation (default 0.75)" }] }) },
    "/v1/accounts/{id}/venue-transfers": { post: op("multi-venue accounts: collateral moved between two venues (a venue_transfer event; 409 when more than the venue holds or when it would leave the sending venue below its own IM)", "own", { ...accepted, ...duplicate }, [...BODY, ...ACCOUNT, 409], { parameters: idParam, requestBody: body(venueTransfer, { asset: "USDC", from: "deribit", to: "okx", amount: "52882.73", fee: "1", requestId: "alloc-1" }) }) },
  };
}

/** Adaptive parameters (routes/params.ts; docs/adaptive.md "In the service"). */
function paramsPaths(): Json {
  const pid = [{ name: "proposalId", in: "path", required: true, schema: { type: "string", pattern: "^p-[1-9]\\d{0,11}$" } }];
  const proposal = ref("Proposal");
  return {
    "/v1/params/adaptive": { get: op("adaptive parameters: current vs static priceRange per asset, live features, regime test, the last applied proposal's features and model output, pending proposals (mode off without --adaptive)", "admin", ok({ type: "object", required: ["mode", "base", "assets", "pending", "lastRun", "applied"] }), []) },
    "/v1/params/proposals": {
      get: op("every proposal kept, newest first, with its status (pending, applied, rejected, superseded)", "admin", ok({ type: "object", required: ["mode", "proposals"], properties: { proposals: { type: "array", items: proposal } } }), []),
      post: op("compute a proposal now: 201 with it, 200 when nothing new would be logged; 409 without --adaptive or without enough history", "admin", { ...ok({ type: "object", required: ["run", "proposal"], properties: { proposal: proposal } }, "201", "proposed (logged as a params_proposal event)"), ...ok({ type: "object", required: ["run", "proposal"], properties: { proposal: { oneOf: [{ type: "null" }, proposal] } } }, "200", "nothing logged: no range would change (proposal null) or a pending proposal has the same ranges (that proposal)") }, [...BODY, 409], { requestBody: body({ type: "object", additionalProperties: false, properties: {} }, {}) }),
    },
    "/v1/params/proposals/{proposalId}/approve": { post: op("apply a pending proposal: a params event with its parameter file, features, model output, bounds and impact", "admin", accepted, [...BODY, 404, 409], { parameters: pid, requestBody: body({ type: "object", additionalProperties: false, properties: {} }, {}) }) },
    "/v1/params/proposals/{proposalId}/reject": { post: op("reject a pending proposal (logged as params_proposal_closed)", "admin", accepted, [...BODY, 404, 409], { parameters: pid, requestBody: body({ type: "object", additionalProperties: false, properties: { reason: { type: "string", minLength: 1, maxLength: 500 } } }, { reason: "range too wide for the desk" }) }) },
  };
}

export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: { title: "dpm service", version: "1", description: "Dynamic Portfolio Margin: real-time margin service. Every /v1 route needs Authorization: Bearer <key> (the scheme name is case-insensitive; checked before the body). Amounts in USD unless stated." },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: schemas(),
      responses: Object.fromEntries(ERROR_STATUSES.map(([c, d]) => [`E${c}`, { description: d, content: { "application/json": { schema: ref("Error") } } }])),
    },
    paths: {
      "/healthz": { get: { summary: "liveness (no key); quarantined: events replay skipped", responses: { ...ok(ref("Health")), ...errors(500) } } },
      "/metrics": { get: { summary: "Prometheus metrics (no key)", responses: { 200: { description: "text/plain exposition format" }, ...errors(500) } } },
      "/v1/openapi.json": { get: op("this document", "any", ok({ type: "object", required: ["openapi", "paths"] }), []) },
      ...marketPaths(),
      ...accountPaths(),
      ...paramsPaths(),
    },
  };
}
