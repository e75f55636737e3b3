/**
 * Components of the OpenAPI document: response schemas precise enough to check answers against (a number
 * that is not finite is JSON `null` and fails `type: number`), request schemas whose bounds and patterns are
 * exactly the server's (src/input/bounds.ts), the error responses.
 */
import { DECIMAL_PATTERN, MAX_AMOUNT, MAX_FUNDING_RATE, MAX_LIQUIDITY, MAX_NAME_LENGTH, MAX_PRICE, MAX_RATE, MAX_TIME, MAX_VOL, MIN_PRICE, MIN_VOL } from "../../input/bounds.js";

type Json = Record<string, unknown>;
/** A `$ref` to a schema of `components.schemas`. */
export const ref = (n: string): Json => ({ $ref: `#/components/schemas/${n}` });

const num: Json = { type: "number" };
const str: Json = { type: "string" };
const int: Json = { type: "integer" };
const obj = (properties: Json, required: string[] = [], extra: Json = {}): Json => ({ type: "object", properties, required, ...extra });
const closed = (properties: Json, required: string[] = []): Json => obj(properties, required, { additionalProperties: false });

/** Request-side building blocks, equal to what the server accepts. */
export const request = {
  decimal: ref("Decimal"),
  price: ref("Price"),
  asset: { type: "string", pattern: "^[A-Z][A-Z0-9]{0,11}$", example: "USDC" },
  instrument: { type: "string", minLength: 1, maxLength: MAX_NAME_LENGTH, description: "Deribit-style name (BTC-PERPETUAL, BTC-27DEC24, BTC-27DEC24-95000-C, SOL_USDC-PERPETUAL, BTC for spot)", example: "BTC-PERPETUAL" },
  accountId: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example: "alice" },
  venue: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$", example: "okx" },
  idempotency: { type: "string", minLength: 1, maxLength: 128 },
  time: { type: "integer", minimum: 0, maximum: MAX_TIME, description: "epoch milliseconds" },
  vol: { type: "number", minimum: MIN_VOL, maximum: MAX_VOL },
  rate: { type: "number", minimum: -MAX_RATE, maximum: MAX_RATE },
  fundingRate: { type: "number", minimum: -MAX_FUNDING_RATE, maximum: MAX_FUNDING_RATE },
  liquidity: { type: "number", minimum: 0, maximum: MAX_LIQUIDITY },
};

const nullable = (schema: Json): Json => ({ anyOf: [schema, { type: "null" }] });
const numOrNull: Json = { type: ["number", "null"] };
const greeks = obj({
  delta: { type: "number", description: "coins: positions + collateral held (1 per coin, USD numeraire)" }, gamma: num, vega: { type: "number", description: "USD per vol point" }, theta: { type: "number", description: "USD per day" },
  grossNotionalUsd: { type: "number", description: "Σ |notional| of the positions (USD)" }, netDeltaUsd: { type: "number", description: "delta × index (USD), collateral included" },
  collateralDelta: { type: "number", description: "coins of the asset held as collateral (included in delta)" },
}, ["delta", "gamma", "vega", "theta", "grossNotionalUsd", "netDeltaUsd", "collateralDelta"], { description: "Greeks of the account on one underlying, USD numeraire: positions and spot collateral (as the ALL row of dpm greeks)" });
const status = { enum: ["healthy", "margin_call", "liquidation", "bankrupt"] };
const headline = ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "marginRatio", "status"];
const headlineProps = { equity: num, adjustedEquity: num, initialMargin: num, maintenanceMargin: num, availableFunds: num, marginRatio: numOrNull, status };
const venueHead = { venue: str, preset: str, kind: { enum: ["derivatives", "lending"] }, ...headlineProps, healthFactor: { ...numOrNull, description: "lending venues: Aave's health factor (null without debt)" } };
const charges = closed({ basis: num, transferTime: num, venueDefault: num }, ["basis", "transferTime", "venueDefault"]);
const exact = { type: "object", additionalProperties: { type: "string", pattern: "^-?\\d+(\\.\\d{1,12})?$" } };

/** Schemas of `components.schemas`. */
export function schemas(): Json {
  return {
    Decimal: {
      oneOf: [
        { type: "string", pattern: DECIMAL_PATTERN, maxLength: 42 },
        { type: "number", minimum: -MAX_AMOUNT, maximum: MAX_AMOUNT },
      ],
      description: `exact decimal, |x| ≤ ${MAX_AMOUNT}, at most 12 decimals (a string matching the pattern, or a JSON number)`,
    },
    Price: { type: "number", minimum: MIN_PRICE, maximum: MAX_PRICE, description: "a price bounded as src/input/bounds.ts; fills, orders and marks must also lie in the band of the current market (409)" },
    Issue: obj({ path: str, message: str, value: { description: "the offending value (strings cut at 200 characters, large values summarised)" } }, ["path", "message"]),
    Error: obj({ error: str, issues: { type: "array", items: ref("Issue") }, detail: {} }, ["error"]),
    Event: obj({ type: str }, ["type"]),
    Accepted: closed({ seq: { type: "integer", minimum: 1 }, event: ref("Event") }, ["seq", "event"]),
    TickAccepted: closed({ seq: { type: "integer", minimum: 1 }, event: ref("Event"), remargined: { type: "integer", minimum: 0, description: "accounts re-margined after the tick (all of them before this answer)" } }, ["seq", "event", "remargined"]),
    Duplicate: closed({ seq: { type: "integer", minimum: 1 }, event: ref("Event"), duplicate: { const: true } }, ["seq", "event", "duplicate"]),
    AccountMargin: obj({
      account: str, owner: str, seq: int, status, marginRatio: { type: ["number", "null"] }, equity: num, adjustedEquity: num, initialMargin: num,
      maintenanceMargin: num, availableFunds: num, concentrationAddOn: num, stableAddOn: num, liquidityAddOn: num, liquidityHaircut: num, unrealisedPnl: num,
      greeks: { type: "object", additionalProperties: greeks }, error: str, liquidationHold: str,
      venues: { type: "array", description: "multi-venue accounts: each venue under its own preset, with only its own collateral (the figures above are the unified profile's)", items: closed({ ...venueHead, unrealisedPnl: num }, ["venue", "preset", "kind", ...headline]) },
      unified: closed({ preset: str, status, pooledInitialMargin: num, pooledMaintenanceMargin: num, charges, sumOfVenues: closed({ initialMargin: num, maintenanceMargin: num }, ["initialMargin", "maintenanceMargin"]) }, ["preset", "status", "pooledInitialMargin", "pooledMaintenanceMargin", "charges", "sumOfVenues"]),
      statusVenue: { ...str, description: "multi-venue accounts: the venue whose own status (worse than the unified one) sets the account's status" },
    }, ["account", "owner", "seq", ...headline, "concentrationAddOn", "stableAddOn", "unrealisedPnl", "greeks"]),
    MarginResult: obj({
      account: str, model: str, currency: str, asOf: str, equity: num, adjustedEquity: num, initialMargin: num, maintenanceMargin: num,
      availableFunds: num, marginRatio: { type: ["number", "null"] }, status, components: { type: "array" }, positions: { type: "array", items: obj({ instrument: str, size: num, markPrice: num, value: num, delta: num }, ["instrument", "size", "markPrice", "value"]) }, collateral: { type: "array" }, params: { type: "object" },
    }, ["account", "model", "currency", "asOf", ...headline, "components", "positions", "params"], { description: "exactly the JSON of `dpm margin --json` (DESIGN.md section 10)" }),
    AccountView: obj({
      id: str, owner: str, balances: { type: "object", additionalProperties: { type: "string", pattern: "^-?\\d+(\\.\\d{1,12})?$" } },
      positions: { type: "array", items: obj({ instrument: str, size: str, entryPrice: num }, ["instrument", "size"]) },
      orders: { type: "array", items: obj({ orderId: str, instrument: str, size: str, price: num, venue: str }, ["orderId", "instrument", "size", "price"]) },
      venues: {
        type: "object", description: "multi-venue accounts: per venue its preset, kind, exact balances (collateral, or supplied reserves), debts (lending) and positions; the account's own balances and positions are then empty",
        additionalProperties: closed({ preset: str, kind: { enum: ["derivatives", "lending"] }, balances: exact, debts: exact, positions: { type: "object", additionalProperties: closed({ size: str, entryPrice: num }, ["size"]) } }, ["preset", "kind", "balances", "positions"]),
      },
    }, ["id", "owner", "balances", "positions", "orders"]),
    Account: obj({ account: ref("AccountView"), margin: ref("AccountMargin") }, ["account"]),
    OrderCheck: obj({ ok: { type: "boolean" }, reason: str, venue: { ...str, description: "multi-venue accounts: the venue checked (ok: its adjusted equity stays ≥ its IM)" }, instrument: str, size: str, price: num, before: ref("AccountMargin"), after: ref("AccountMargin") }, ["ok", "instrument", "size", "price", "before", "after"]),
    VenuesReport: obj({
      account: str, currency: { const: "USD" }, asOf: str, seq: int,
      venues: { type: "array", items: obj({ ...venueHead, lending: { type: "object" } }, ["venue", "preset", "kind", ...headline]) },
      unified: obj({ preset: str, ...headlineProps, pooledInitialMargin: num, pooledMaintenanceMargin: num, charges, hedged: { type: "array" }, sumOfVenues: obj({ initialMargin: num, maintenanceMargin: num }, ["initialMargin", "maintenanceMargin"]), standaloneInitialMargin: num }, ["preset", ...headline, "pooledInitialMargin", "charges", "hedged", "sumOfVenues"]),
      allocation: obj({
        target: num, feasible: { type: "boolean" }, costUsd: num,
        transfers: { type: "array", items: closed({ asset: str, from: str, to: str, amount: str, fee: str, received: str, hours: num, costUsd: num }, ["asset", "from", "to", "amount", "fee", "received", "hours", "costUsd"]) },
        after: { type: "array", items: obj({ venue: str, marginRatio: numOrNull, status, adjustedEquity: num, initialMargin: num }, ["venue", "marginRatio", "status"]) },
        shortfall: { type: "array", items: closed({ venue: str, usd: num }, ["venue", "usd"]) },
      }, ["target", "transfers", "after", "shortfall", "feasible", "costUsd"]),
      book: { type: "object", description: "the account as a dpm venues book file: dpm venues BOOK --market M --json reproduces these figures on the same market" },
    }, ["account", "currency", "asOf", "seq", "venues", "unified", "allocation", "book"], { description: "dpm venues --json on the live account (docs/venues.md)" }),
    Health: obj({
      status: { const: "ok" }, seq: int, accounts: int, market: { type: "boolean" }, quarantined: { type: "integer", minimum: 0 },
      bookLoaded: { type: "boolean", description: "with --book only: false while the book loads, true once every line is applied or refused" },
    }, ["status", "seq", "accounts", "market", "quarantined"]),
    EventsPage: obj({
      events: { type: "array", items: obj({ seq: int, ts: int, event: {}, quarantined: { const: true }, reason: str }, ["seq", "ts", "event"]) },
      next: { type: ["integer", "null"] }, lastSeq: int,
    }, ["events", "next", "lastSeq"]),
    Binding: closed({
      name: { ...str, description: "the IM term that sets the most margin: worstScenario, extendedScenario, rollShock, deltaShock, shortOptionMinimum, openOrders, riskUnitMMR (OKX), commodityRequirement (SPAN), worstLoss (Derive), concentration, stablePrice, …" },
      term: { ...str, description: "the sub-term that sets a venue unit total (OKX MR1, MR2, MR6, MR7; SPAN scanRisk or shortOptionMinimum)" },
      underlying: str, instrument: str, amount: { ...num, description: "USD, > 0" }, share: { ...numOrNull, description: "amount / initial margin" },
      scenario: closed({ priceShock: num, volShock: str, weight: num }, ["priceShock", "volShock"]), label: { ...str, example: "worstScenario BTC −16.0 % vol down" },
    }, ["name", "amount", "share", "label"]),
    UnderlyingDistance: closed({
      down: { ...numOrNull, maximum: 0, description: "the index move (fraction, ≤ 0) of this underlying alone that takes the account to liquidation; null: none down to −95 %" },
      up: { ...numOrNull, minimum: 0, description: "the same upwards (≥ 0); null: none up to +100 %" },
      index: { ...num, description: "the index now (USD)" },
    }, ["down", "up", "index"]),
    Nearest: closed({ underlying: str, move: num }, ["underlying", "move"]),
    Insight: closed({
      account: str, seq: { ...int, description: "the margin seq it was computed from" }, computedAt: { ...num, description: "epoch ms" },
      binding: nullable(ref("Binding")), distance: { type: "object", additionalProperties: ref("UnderlyingDistance") }, nearest: nullable(ref("Nearest")),
      probes: { ...int, description: "margin computations the distance search ran" }, ms: num, error: str,
    }, ["account", "seq", "computedAt", "binding", "distance", "nearest", "probes", "ms"]),
    FleetRow: closed({
      account: str, owner: str, seq: int, status, marginRatio: numOrNull, equity: num, adjustedEquity: num, initialMargin: num, maintenanceMargin: num, availableFunds: num,
      binding: nullable(ref("Binding")), distance: nullable({ type: "object", additionalProperties: ref("UnderlyingDistance") }), nearest: nullable(ref("Nearest")),
      insight: nullable(closed({ seq: int, ageMs: { ...num, minimum: 0 }, current: { type: "boolean", description: "false: the margin changed since (a newer one is on its way)" }, error: str }, ["seq", "ageMs", "current"])),
    }, ["account", "owner", "seq", ...headline]),
    Fleet: obj({ seq: int, accounts: int, byStatus: { type: "object", additionalProperties: int }, totals: obj({ equity: num, initialMargin: num, maintenanceMargin: num }, ["equity", "initialMargin", "maintenanceMargin"]), nearestLiquidation: { type: "array", items: ref("FleetRow") }, byUnderlying: { type: "object", additionalProperties: obj({ ...greeks.properties as Json, accounts: int }, ["accounts"]) }, liquidation: { type: "object" } }, ["seq", "accounts", "byStatus", "totals", "nearestLiquidation", "byUnderlying"]),
    FleetAll: closed({
      count: int, missing: { type: "array", items: int },
      totals: closed({ accounts: int, equity: num, initialMargin: num, maintenanceMargin: num }, ["accounts", "equity", "initialMargin", "maintenanceMargin"]),
      partitions: { type: "array", items: closed({ index: int, publisher: { type: "boolean" }, marketSeq: int, ageMs: num, summary: ref("Fleet") }, ["index", "publisher", "marketSeq", "ageMs", "summary"]) },
    }, ["count", "missing", "totals", "partitions"]),
    GreeksRow: obj({
      underlying: str, expiry: { type: "string", description: "an expiry code, PERPETUAL, SPOT, COLLATERAL (spot collateral of the underlying) or ALL (the underlying's total: positions and collateral)" },
      delta: { type: "number", description: "coins" }, gamma: { type: "number", description: "per coin per USD" }, vega: { type: "number", description: "USD per vol point" }, theta: { type: "number", description: "USD per day" },
      positions: { type: "integer", minimum: 0 }, held: { type: "number", description: "coins held as collateral (COLLATERAL and ALL rows)" },
    }, ["underlying", "expiry", "delta", "gamma", "vega", "theta", "positions"]),
    AccountGreeks: obj({ account: str, currency: { const: "USD" }, seq: int, greeks: { type: "array", items: ref("GreeksRow") } }, ["account", "currency", "seq", "greeks"]),
    InsuranceFund: obj({ balances: { type: "object", additionalProperties: str }, valueUsd: num }, ["balances", "valueUsd"]),
    Proposal: obj({
      id: { type: "string", pattern: "^p-[1-9]\\d{0,11}$" }, status: { enum: ["pending", "applied", "rejected", "superseded"] }, seq: int, closedSeq: int,
      mode: { enum: ["propose", "auto"] }, trigger: { enum: ["schedule", "regime", "manual"] }, feedTime: int, effectiveAt: { type: ["integer", "null"] },
      params: { type: "object" }, adaptive: obj({ proposalId: str, base: str, assets: { type: "object" }, impact: { type: "object" } }, ["proposalId", "base", "assets", "impact"]),
      decidedBy: { enum: ["admin", "auto"] }, decidedAt: int, reason: str,
    }, ["id", "status", "seq", "mode", "trigger", "feedTime", "effectiveAt", "params", "adaptive"]),
  };
}

/** Statuses and what they mean, for `components.responses` (E400 …). */
export const ERROR_STATUSES: readonly [number, string][] = [
  [400, "invalid input: every problem with path, message and value (fixed bounds of src/input/bounds.ts, nesting deeper than 64, more than 100,000 values, keys named __proto__)"],
  [401, "missing or invalid API key (answered before the body is read, with Connection: close)"],
  [403, "the key may not use this route or account (answered before the body is read, with Connection: close)"],
  [404, "no such account, key or order (or, for /v1/partition, not a scale-out worker)"],
  [409, "refused by the state, a price band of the current market, the state invariant or margin (e.g. would breach IM); issues name the bound"],
  [413, "request body too large (--body-limit)"],
  [415, "unsupported content type (send application/json)"],
  [421, "scale-out worker: the account belongs to another partition, or market data is published by another worker"],
  [429, "rate limit: token bucket per key, or per remote address for requests without a valid key (answered before the body is read)"],
  [500, "internal error (written to the operator log; never after the request's event was logged)"],
  [503, "scale-out worker: the market write was published but not applied here within the timeout"],
];
