/** The OpenAPI 3.1 document of the /v1 API (served at /v1/openapi.json; prose in docs/service.md). */

type Json = Record<string, unknown>;
const ref = (n: string): Json => ({ $ref: `#/components/schemas/${n}` });
const errors = (...codes: number[]): Json => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const body = (schema: Json): Json => ({ required: true, content: { "application/json": { schema } } });
const ok = (schema: Json, code = "200", description = "OK"): Json => ({ [code]: { description, content: { "application/json": { schema } } } });
const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
const decimal: Json = { oneOf: [{ type: "string", pattern: "^-?\\d+(\\.\\d{1,12})?$" }, { type: "number" }], description: "exact decimal (at most 12 decimals)" };
const accepted = ok({ type: "object", properties: { seq: { type: "integer" }, event: { type: "object" } } }, "201", "written to the log, applied and acknowledged");

function op(summary: string, extra: Json, access: "any" | "admin" | "own" | "trusted"): Json {
  const codes = access === "any" ? [401, 429] : [401, 403, 429];
  const merged = { ...extra } as { responses?: Json };
  return { summary, security: [{ bearer: [] }], "x-access": access, ...merged, responses: { ...merged.responses, ...errors(...codes) } };
}

export function openApiDocument(): Json {
  const order = { type: "object", required: ["instrument", "size"], properties: { instrument: { type: "string", example: "BTC-PERPETUAL" }, size: decimal, price: { type: "number" } }, additionalProperties: false };
  const transfer = { type: "object", required: ["asset", "amount"], properties: { asset: { type: "string", example: "USDC" }, amount: decimal }, additionalProperties: false };
  const idem = (field: string) => ({ [field]: { type: "string", minLength: 1, maxLength: 128, description: "idempotency key: a repeat answers 200 with the original seq and duplicate: true, nothing applied" } });
  const transferReq = { ...transfer, properties: { ...transfer.properties, ...idem("requestId") } };
  const duplicate = ok({ type: "object", properties: { seq: { type: "integer" }, event: { type: "object" }, duplicate: { const: true } } }, "200", "a repeated fillId / requestId: the original acknowledgement");
  return {
    openapi: "3.1.0",
    info: { title: "dpm service", version: "1", description: "Dynamic Portfolio Margin: real-time margin service. Every /v1 route needs Authorization: Bearer <key> (checked before the body). Amounts in USD unless stated." },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Issue: { type: "object", properties: { path: { type: "string" }, message: { type: "string" }, value: {} } },
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" }, issues: { type: "array", items: ref("Issue") }, detail: {} } },
        AccountMargin: {
          type: "object",
          properties: {
            account: { type: "string" }, owner: { type: "string" }, seq: { type: "integer" }, status: { enum: ["healthy", "margin_call", "liquidation", "bankrupt"] },
            marginRatio: { type: ["number", "null"] }, equity: { type: "number" }, adjustedEquity: { type: "number" }, initialMargin: { type: "number" },
            maintenanceMargin: { type: "number" }, availableFunds: { type: "number" }, concentrationAddOn: { type: "number" }, unrealisedPnl: { type: "number" }, greeks: { type: "object" },
          },
        },
        MarginResult: { type: "object", description: "exactly the JSON of `dpm margin --json` (DESIGN.md section 10)" },
      },
      responses: Object.fromEntries([[400, "invalid input: every problem with path, message and value"], [401, "missing or invalid API key"], [403, "the key may not use this route or account"], [404, "no such account"], [409, "refused by margin or state (e.g. would breach IM)"], [413, "request body too large"], [429, "rate limit (token bucket per key; per remote address for requests without a valid key)"]].map(([c, d]) => [`E${c}`, { description: d, content: { "application/json": { schema: ref("Error") } } }])),
    },
    paths: {
      "/healthz": { get: { summary: "liveness (no key)", responses: ok({ type: "object" }) } },
      "/metrics": { get: { summary: "Prometheus metrics (no key)", responses: { 200: { description: "text/plain exposition format" } } } },
      "/v1/openapi.json": { get: op("this document", { responses: ok({ type: "object" }) }, "any") },
      "/v1/margin": { post: op("stateless margin (same JSON as dpm margin --json)", { requestBody: body({ type: "object", required: ["portfolio"], properties: { portfolio: { type: "object" }, market: { type: "object", description: "default: the live snapshot" }, model: { enum: ["isolated", "standard", "portfolio", "var"] }, params: { type: "object" }, preset: { type: "string" }, currency: { type: "string" } } }), responses: { ...ok(ref("MarginResult")), ...errors(400, 413) } }, "any") },
      "/v1/market": { get: op("live market snapshot, per-asset valuation times, oracle states", { responses: ok({ type: "object" }) }, "any") },
      "/v1/market/ticks": { post: op("apply a market tick (index, vol, instrument marks, open interest, depth)", { requestBody: body({ type: "object", required: ["asset", "ts", "index"] }), responses: { ...accepted, ...errors(400, 409) } }, "admin") },
      "/v1/oracle/prices": { post: op("source prices through the oracle (median, staleness, outliers); accepted moves become ticks", { requestBody: body({ type: "object", properties: { ticks: { type: "array", items: { type: "object", required: ["source", "asset", "price", "ts"] } } } }), responses: { ...ok({ type: "object" }), ...errors(400) } }, "admin") },
      "/v1/funding": { post: op("funding payment on a perpetual for every holder", { requestBody: body({ type: "object", required: ["instrument", "rate"] }), responses: { ...accepted, ...errors(400, 409) } }, "admin") },
      "/v1/params": { put: op("parameter change event (preset, params file, service parameters)", { requestBody: body({ type: "object" }), responses: { ...accepted, ...errors(400, 409) } }, "admin") },
      "/v1/events": { get: op("event log paging", { parameters: [{ name: "from", in: "query", schema: { type: "integer", minimum: 1 } }, { name: "limit", in: "query", schema: { type: "integer", maximum: 1000 } }], responses: ok({ type: "object", properties: { events: { type: "array" }, next: { type: ["integer", "null"] }, lastSeq: { type: "integer" } } }) }, "admin") },
      "/v1/fleet": { get: op("fleet summary: by status, nearest liquidation, exposure and Greeks per underlying, liquidation queue, insurance fund", { responses: ok({ type: "object" }) }, "admin") },
      "/v1/liquidations": { get: op("liquidation queue (accounts in liquidation now, why held, the plan the engine would run), recent liquidations with their steps, insurance fund", { responses: ok({ type: "object", properties: { seq: { type: "integer" }, insuranceFund: { type: "object" }, queue: { type: "array" }, recent: { type: "array" } } }) }, "admin") },
      "/v1/insurance-fund/deposits": { post: op("deposit into the insurance fund", { requestBody: body(transfer), responses: { ...accepted, ...errors(400) } }, "admin") },
      "/v1/accounts": {
        post: op("create an account (returns its API key once)", { requestBody: body({ type: "object", required: ["id"], properties: { id: { type: "string" }, owner: { type: "string" }, collateral: { type: "object", additionalProperties: decimal } } }), responses: { ...ok({ type: "object" }, "201", "created"), ...errors(400, 409) } }, "admin"),
        get: op("list account margins", { parameters: [{ name: "after", in: "query", schema: { type: "string" } }, { name: "limit", in: "query", schema: { type: "integer" } }], responses: ok({ type: "object" }) }, "admin"),
      },
      "/v1/accounts/{id}": { get: op("account state (exact balances, positions) and margin", { parameters: idParam, responses: { ...ok({ type: "object" }), ...errors(404) } }, "own") },
      "/v1/accounts/{id}/margin": { get: op("margin detail: summary, the core result, concentration charges", { parameters: idParam, responses: { ...ok({ type: "object" }), ...errors(404) } }, "own") },
      "/v1/accounts/{id}/scenarios": { get: op("scenario P&L grid per underlying (price moves × vol up/none/down)", { parameters: idParam, responses: { ...ok({ type: "object" }), ...errors(404) } }, "own") },
      "/v1/accounts/{id}/fills": { post: op("a fill (position change); admin key, or the account's key with --trusted-fills", { parameters: idParam, requestBody: body({ ...order, properties: { ...order.properties, ...idem("fillId"), orderId: { type: "string", description: "the resting order this fill consumes" } }, required: ["instrument", "size", "price"] }), responses: { ...accepted, ...duplicate, ...errors(400, 404, 409) } }, "trusted") },
      "/v1/accounts/{id}/deposits": { post: op("deposit; admin key, or the account's key with --trusted-fills", { parameters: idParam, requestBody: body(transferReq), responses: { ...accepted, ...duplicate, ...errors(400, 404, 409) } }, "trusted") },
      "/v1/accounts/{id}/withdrawals": { post: op("withdrawal (409 when adjusted equity − excluded unrealised profit would fall below IM)", { parameters: idParam, requestBody: body(transferReq), responses: { ...accepted, ...duplicate, ...errors(400, 404, 409) } }, "own") },
      "/v1/accounts/{id}/keys": { post: op("issue a new API key for the account (shown once); revokeExisting: true rotates", { parameters: idParam, requestBody: body({ type: "object", properties: { revokeExisting: { type: "boolean" } }, additionalProperties: false }), responses: { ...ok({ type: "object", properties: { account: { type: "string" }, key: { type: "string" }, keyId: { type: "string" }, revoked: { type: "array", items: { type: "string" } } } }, "201", "created"), ...errors(400, 404) } }, "admin") },
      "/v1/keys/{keyId}": { delete: op("revoke a key (401 from the next request; its WebSocket streams are closed); 409 for the last admin key", { parameters: [{ name: "keyId", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{16}$" } }], responses: { ...ok({ type: "object" }), ...errors(400, 404, 409) } }, "admin") },
      "/v1/accounts/{id}/orders": {
        post: op("place a resting order (margined until filled or cancelled); 409 when it would raise IM above adjusted equity", { parameters: idParam, requestBody: body({ ...order, properties: { ...order.properties, orderId: { type: "string", description: "default: a generated UUID" } }, required: ["instrument", "size", "price"] }), responses: { ...accepted, ...errors(400, 404, 409) } }, "own"),
        get: op("the account's resting orders", { parameters: idParam, responses: { ...ok({ type: "object" }), ...errors(404) } }, "own"),
      },
      "/v1/accounts/{id}/orders/{orderId}": { delete: op("cancel a resting order", { parameters: [...idParam, { name: "orderId", in: "path", required: true, schema: { type: "string" } }], responses: { ...accepted, ...errors(404, 409) } }, "own") },
      "/v1/accounts/{id}/orders/check": { post: op("pre-trade check: would the order keep adjusted equity ≥ IM? with the margin after", { parameters: idParam, requestBody: body(order), responses: { ...ok({ type: "object", properties: { ok: { type: "boolean" }, before: ref("AccountMargin"), after: ref("AccountMargin") } }), ...errors(400, 404, 409) } }, "own") },
      "/v1/stream": { get: op("WebSocket: subscribe to accounts, fleet or market (key in Authorization or ?token=)", { responses: { 101: { description: "switching protocols" } } }, "any") },
    },
  };
}
