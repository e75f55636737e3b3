/**
 * Engine events (DESIGN.md section 9). Every event is validated here (zod, each problem with its path and
 * value), written to the append-only log, then applied. Amounts and sizes are canonical decimal strings
 * (exact, see money.ts); prices are float64 in the instrument's quote unit; times are epoch ms.
 *
 * Input events: `market` (initial snapshot), `account`, `book` (an account loaded as it stands, see book.ts),
 * `deposit`, `withdrawal`, `fill`, `tick`, `funding`, `params`. Derived events, written by the engine itself: `expiry` (settlement at 08:00 UTC
 * against the index), `margin_status` (margin call, liquidation trigger, restored) and the liquidation
 * records `liquidation_start`, `liquidation_step`, `liquidation_end` (see liquidation.ts). `insurance_deposit`
 * (admin) funds the insurance fund.
 */
import { z } from "zod";
import { instrumentNamed } from "../domain/instrument.js";
import { decimalStringProblem, isPrice, MAX_AMOUNT, tradePriceProblem } from "../input/bounds.js";
import { fundingRateSchema, instrumentNameSchema, liquiditySchema, priceSchema, rateSchema, spreadSchema, timeSchema, volSchema } from "../input/boundSchemas.js";
import type { InputIssue } from "../input/issues.js";
import { fromZod } from "../input/zodIssues.js";
import { formatUnits, toUnits } from "../domain/money.js";
import { adaptiveMetaSchema, paramsProposalClosedEvent, paramsProposalEvent } from "./adaptiveEvents.js";
import { venueName } from "../input/venueSpecSchema.js";
import { reservesOf, resolveVenuePreset } from "./venueLedger.js";
import { lendingPresetNames } from "../input/venuePresets.js";

const MAX_ABS = BigInt(MAX_AMOUNT) * 10n ** 12n;

/**
 * A decimal amount → canonical decimal string: a string matching DECIMAL_PATTERN (src/input/bounds.ts) or a
 * finite number, at most 12 decimals, |x| ≤ 1e15.
 */
export const decimal = z.union([z.string(), z.number()], { error: "must be a decimal number or string" }).transform((v, ctx) => {
  const bad = typeof v === "string" ? decimalStringProblem(v) : undefined;
  if (bad) {
    ctx.addIssue({ code: "custom", message: bad });
    return z.NEVER;
  }
  const u = toUnits(v);
  if (u === undefined || u > MAX_ABS || u < -MAX_ABS) {
    ctx.addIssue({ code: "custom", message: "must be a finite decimal with at most 12 decimals and |x| ≤ 1e15" });
    return z.NEVER;
  }
  return formatUnits(u);
});
const positiveDecimal = decimal.refine((s) => !s.startsWith("-") && s !== "0", "must be > 0");
const nonZeroDecimal = decimal.refine((s) => s !== "0", "must not be 0");
const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
/** Liquidation outcomes; logs written before 2026-11-26 say `healthy` for what is now `restored`. */
const legacyOutcome = <T extends z.ZodType>(e: T) => z.preprocess((v) => (v === "healthy" ? "restored" : v), e);
const price = priceSchema;
const vol = volSchema;
const asset = z.string({ error: "must be an asset code" }).regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC or USDC");
const accountId = z.string({ error: "must be a string" }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 characters of letters, digits, . _ - (starting with a letter or digit)");
/** Owner of linked accounts: 1-64 characters, no control characters or lone surrogates (stored as text by every store). */
export const ownerSchema = z.string({ error: "must be a string" }).min(1, "must not be empty").max(64, "must be at most 64 characters").regex(/^[^\p{Cc}\p{Cs}]*$/u, "must not contain control characters or lone surrogates");
const instrumentName = instrumentNameSchema;
const time = timeSchema;

/** A trade's price must clear the instrument's tick, and an option or spot trade must move at least one ledger unit. */
export function tradeRefine(e: { instrument: string; size: string; price?: number }, ctx: z.RefinementCtx): void {
  const inst = instrumentNamed(e.instrument);
  // A price outside the fixed bounds is already reported by its own schema.
  const p = inst && e.price !== undefined && isPrice(e.price) ? tradePriceProblem(inst, e.price, Number(e.size)) : undefined;
  if (p) ctx.addIssue({ code: "custom", path: ["price"], message: p, input: e.price });
}
/** Sequence number of a market event on the market stream (scale-out, src/engine/marketBus.ts); set by the worker that applies it. */
const marketSeq = z.number({ error: "must be a market stream sequence number" }).int("must be an integer").min(1).max(Number.MAX_SAFE_INTEGER).optional();

export const marketEvent = z.strictObject({ type: z.literal("market"), snapshot: z.unknown() });
/** Most venues of a multi-venue account (as a `dpm venues` book). */
const MAX_VENUES = 32;
const presetName = z.string({ error: "must be a preset name" }).regex(/^[a-z0-9-]{1,64}$/, "must be a preset name such as deribit, okx or aave-v3-ethereum");
/** Every venue's preset resolved (known names default to theirs: docs/venues.md) and known; `check` adds the venue's own checks. */
function venuesRefine<T extends { preset?: string }>(check?: (name: string, v: T, kind: "derivatives" | "lending", preset: string, ctx: z.RefinementCtx) => void) {
  return (r: Record<string, T>, ctx: z.RefinementCtx): void => {
    const names = Object.keys(r);
    if (names.length === 0 || names.length > MAX_VENUES) ctx.addIssue({ code: "custom", message: `must name 1 to ${MAX_VENUES} venues`, input: names.length });
    for (const [name, v] of Object.entries(r)) {
      const p = resolveVenuePreset(name, v.preset);
      if (!p.ok) ctx.addIssue({ code: "custom", path: [name, "preset"], message: p.message, input: v.preset });
      else check?.(name, v, p.kind, p.preset, ctx);
    }
  };
}
/** The venues with their presets filled in (logged as resolved, so replay looks nothing up). */
const withPresets = <T extends { preset?: string }>(r: Record<string, T>): Record<string, T & { preset: string }> =>
  Object.fromEntries(Object.entries(r).map(([n, v]) => { const p = resolveVenuePreset(n, v.preset); return [n, { ...v, preset: p.ok ? p.preset : v.preset ?? "" }]; }));
/** A multi-venue account's venues: name → `{preset?}` (lower-case names as ccxt's; `deribit`, `okx`, `derive`, `aave` default to their presets). */
const accountVenues = z.record(venueName, z.strictObject({ preset: presetName.optional() })).superRefine(venuesRefine()).transform(withPresets);
export const accountEvent = z.strictObject({ type: z.literal("account"), account: accountId, owner: ownerSchema.optional(), venues: accountVenues.optional() });
/** Client idempotency key (fills: `fillId`, transfers: `requestId`): a repeat returns the original acknowledgement. */
export const requestIdSchema = z.string({ error: "must be a string" }).min(1, "must not be empty").max(128, "must be at most 128 characters");
/** Most positions of one `book` event (as many as a portfolio file may hold). */
export const MAX_BOOK_POSITIONS = 100_000;
/** Most resting orders of one account (also the limit of `order` events, orders.ts). */
const MAX_BOOK_ORDERS = 500;
const nonNegativeDecimal = decimal.refine((s) => !s.startsWith("-"), "must be ≥ 0 (borrowing is not supported)");
const bookPosition = z.strictObject({ instrument: instrumentName, size: nonZeroDecimal, entryPrice: price.optional(), venue: venueName.optional() });
const bookOrder = z.strictObject({ orderId: requestIdSchema, instrument: instrumentName, size: nonZeroDecimal, price: price.optional(), venue: venueName.optional() }).superRefine(tradeRefine);
const venueBalances = z.record(asset, decimal.refine((x) => !x.startsWith("-"), "must be ≥ 0"));
type BookVenueIn = { preset?: string; collateral?: Record<string, string>; supplied?: Record<string, string>; borrowed?: Record<string, string> };
/** A derivatives venue holds collateral, a lending venue supplied and borrowed reserves of its preset. */
function bookVenueCheck(name: string, v: BookVenueIn, kind: "derivatives" | "lending", preset: string, ctx: z.RefinementCtx): void {
  if (kind === "lending") {
    if (v.collateral !== undefined) ctx.addIssue({ code: "custom", path: [name, "collateral"], message: `a lending venue (${preset}) holds supplied and borrowed reserves, not collateral` });
    const reserves = reservesOf(preset);
    for (const side of ["supplied", "borrowed"] as const) for (const a of Object.keys(v[side] ?? {})) if (!reserves.includes(a)) ctx.addIssue({ code: "custom", path: [name, side, a], message: `not a reserve of ${preset} (${reserves.join(", ")})`, input: a });
  } else if (v.supplied !== undefined || v.borrowed !== undefined) ctx.addIssue({ code: "custom", path: [name, v.supplied !== undefined ? "supplied" : "borrowed"], message: `a derivatives venue (${preset}) holds collateral, not supplied or borrowed reserves` });
}
const bookVenues = z.record(venueName, z.strictObject({ preset: presetName.optional(), collateral: venueBalances.optional(), supplied: venueBalances.optional(), borrowed: venueBalances.optional() }))
  .superRefine(venuesRefine(bookVenueCheck)).transform(withPresets);

/** A leg of a book names a derivatives venue of the book when the book has venues, and no venue otherwise. */
function legVenue(e: { venues?: Record<string, { preset: string }> }, venue: string | undefined, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (e.venues === undefined) {
    if (venue !== undefined) ctx.addIssue({ code: "custom", path, message: "only in a multi-venue book (one with venues)", input: venue });
    return;
  }
  const v = venue !== undefined && Object.hasOwn(e.venues, venue) ? e.venues[venue] : undefined;
  if (!v) ctx.addIssue({ code: "custom", path, message: `${venue === undefined ? "required" : "unknown venue"}: the book's venues are ${Object.keys(e.venues).join(", ")}`, input: venue });
  else if (lendingPresetNames().includes(v.preset)) ctx.addIssue({ code: "custom", path, message: `${venue} is a lending venue: it holds no derivatives`, input: venue });
}

/** A book's positions and orders: one position per instrument (per venue), no spot (spot is a balance), distinct order ids; with venues, every balance at a venue. */
function bookRefine(e: { balances: Record<string, string>; venues?: Record<string, { preset: string }>; positions: { instrument: string; venue?: string }[]; orders?: { orderId: string; instrument: string; venue?: string }[] }, ctx: z.RefinementCtx): void {
  if (e.venues !== undefined && Object.keys(e.balances).length > 0) ctx.addIssue({ code: "custom", path: ["balances"], message: "a multi-venue book holds every balance at a venue: put it in venues.<name>.collateral", input: e.balances });
  const seen = new Map<string, number>();
  e.positions.forEach((p, i) => {
    const key = `${p.venue ?? ""}|${p.instrument}`, first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["positions", i, "instrument"], message: `duplicate of positions[${first}]: one position per instrument${e.venues ? " and venue" : ""} (merge them)`, input: p.instrument });
    else seen.set(key, i);
    if (instrumentNamed(p.instrument)?.kind === "spot") ctx.addIssue({ code: "custom", path: ["positions", i, "instrument"], message: "spot is held as a balance in the service: put it in the collateral", input: p.instrument });
    legVenue(e, p.venue, ["positions", i, "venue"], ctx);
  });
  const ids = new Set<string>();
  (e.orders ?? []).forEach((o, i) => {
    if (ids.has(o.orderId)) ctx.addIssue({ code: "custom", path: ["orders", i, "orderId"], message: "duplicate order id", input: o.orderId });
    ids.add(o.orderId);
    if (instrumentNamed(o.instrument)?.kind === "spot") ctx.addIssue({ code: "custom", path: ["orders", i, "instrument"], message: "spot orders are not margined (buy or sell the asset: a deposit or withdrawal)", input: o.instrument });
    legVenue(e, o.venue, ["orders", i, "venue"], ctx);
  });
}

/**
 * An account loaded as it stands (`dpm serve --book`, src/engine/book.ts): balances as given, positions held
 * without any cash flow (a snapshot, not a trade), resting orders. One event per account, applied atomically,
 * only for an account that does not exist yet. Entry prices and order prices left out are filled in by the
 * engine from the live market before the event is logged (futures: the mark; options: the mark premium; orders:
 * the mark, at least the tick), so the log holds what was applied.
 */
export const bookEvent = z.strictObject({
  type: z.literal("book"), account: accountId, owner: ownerSchema.optional(),
  balances: z.record(asset, nonNegativeDecimal),
  /** A multi-venue account (docs/venues.md): every balance at a venue, every position and order naming its venue. */
  venues: bookVenues.optional(),
  positions: z.array(bookPosition).max(MAX_BOOK_POSITIONS, `at most ${MAX_BOOK_POSITIONS} positions`),
  orders: z.array(bookOrder).max(MAX_BOOK_ORDERS, `at most ${MAX_BOOK_ORDERS} resting orders per account`).optional(),
}).superRefine(bookRefine);
/** The venue of a multi-venue account an event applies to (required there, refused on a single-venue account: venueLedger.ts). */
const venue = venueName.optional();
export const depositEvent = z.strictObject({ type: z.literal("deposit"), account: accountId, asset, amount: positiveDecimal, requestId: requestIdSchema.optional(), venue });
export const withdrawalEvent = z.strictObject({ type: z.literal("withdrawal"), account: accountId, asset, amount: positiveDecimal, requestId: requestIdSchema.optional(), venue });
export const fillEvent = z.strictObject({ type: z.literal("fill"), account: accountId, instrument: instrumentName, size: nonZeroDecimal, price, fillId: requestIdSchema.optional(), orderId: requestIdSchema.optional(), venue }).superRefine(tradeRefine);
/** A resting order: `size` (signed) on `instrument` at limit `price`; margined as if it could fill until a fill with its `orderId` consumes it or it is cancelled. */
export const orderEvent = z.strictObject({ type: z.literal("order"), account: accountId, orderId: requestIdSchema, instrument: instrumentName, size: nonZeroDecimal, price, venue }).superRefine(tradeRefine);
/**
 * Collateral moved between two venues of a multi-venue account: `amount` of `asset` leaves `from`, `amount − fee`
 * arrives at `to` (the fee is the network's or the venue's, paid out of the account); into a lending venue it first
 * repays debt in that asset. `requestId`: idempotency key, as deposits'.
 */
export const venueTransferEvent = z.strictObject({
  type: z.literal("venue_transfer"), account: accountId, asset, from: venueName, to: venueName, amount: positiveDecimal,
  fee: decimal.refine((x) => !x.startsWith("-"), "must be ≥ 0").optional(), requestId: requestIdSchema.optional(),
}).superRefine((e, ctx) => {
  if (e.from === e.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must differ from `from`: a transfer moves collateral between two venues of the account", input: e.to });
  if (e.fee !== undefined && (toUnits(e.fee) ?? 0n) >= (toUnits(e.amount) ?? 0n)) ctx.addIssue({ code: "custom", path: ["fee"], message: "must be less than amount (what arrives is amount − fee)", input: e.fee });
});
export const cancelEvent = z.strictObject({ type: z.literal("cancel"), account: accountId, orderId: requestIdSchema });
export const tickEvent = z.strictObject({
  type: z.literal("tick"), asset, ts: time, index: price, vol: vol.optional(), rate: rateSchema.optional(),
  instruments: z.record(instrumentName, z.strictObject({
    mark: price.optional(), markIv: vol.optional(),
    openInterest: liquiditySchema.optional(), depthUsd: liquiditySchema.optional(), spread: spreadSchema.optional(),
  })).optional(),
  /** Oracle: smoothed stable price (IM values at the more conservative of index and stable). */
  stable: price.optional(),
  /** Oracle: too few valid sources. Liquidations on the asset are held, risk-adding orders refused. */
  degraded: z.boolean().optional(),
  /** Oracle: the index moved more than the breaker allows within its window. Same effect as `degraded`. */
  circuitBreaker: z.boolean().optional(),
  /** Admin: apply an index move larger than the engine's limit (default 50 % from the last index). */
  force: z.boolean().optional(),
  marketSeq,
});
export const fundingEvent = z.strictObject({ type: z.literal("funding"), instrument: instrumentName.refine((s) => s.endsWith("-PERPETUAL"), "must be a perpetual"), rate: fundingRateSchema, marketSeq });
export const paramsEvent = z.strictObject({
  type: z.literal("params"), preset: z.string().optional(), params: z.unknown().optional(),
  service: z.strictObject({
    withdrawalUpnlHaircut: finite.refine((v) => v >= 0 && v <= 1, "must be in [0, 1]").optional(),
    concentration: z.strictObject({
      threshold: finite.refine((v) => v >= 0 && v <= 1, "must be in [0, 1]").optional(),
      slope: finite.refine((v) => v >= 0 && v <= 100, "must be in [0, 100]").optional(),
      cap: finite.refine((v) => v >= 0 && v <= 1, "must be in [0, 1]").optional(),
    }).optional(),
  }).optional(),
  /** An adaptive proposal applied (src/engine/adaptiveEvents.ts): its features, model output, bounds and impact. */
  adaptive: adaptiveMetaSchema.optional(),
  marketSeq,
});
export const expiryEvent = z.strictObject({ type: z.literal("expiry"), underlying: asset, expiryCode: z.string().regex(/^\d{1,2}[A-Z]{3}\d{2}$/), price, ts: time });
export const marginStatusEvent = z.strictObject({
  type: z.literal("margin_status"), account: accountId, kind: z.enum(["margin_call", "liquidation_trigger", "bankrupt", "restored"]),
  status: z.enum(["healthy", "margin_call", "liquidation", "bankrupt"]), initialMargin: finite, maintenanceMargin: finite, adjustedEquity: finite,
  /** Multi-venue accounts: the venue whose own status sets the account's; the figures are that venue's (else the unified profile's). */
  venue: venueName.optional(),
});

/** Deposit into the insurance fund (admin). */
export const insuranceDepositEvent = z.strictObject({ type: z.literal("insurance_deposit"), asset, amount: positiveDecimal });
const ratio = finite.nullable();
/** Derived: the engine starts liquidating an account (the plan's summary; its steps follow). */
export const liquidationStartEvent = z.strictObject({
  type: z.literal("liquidation_start"), account: accountId, steps: z.number().int().min(0), rounds: z.number().int().min(1),
  outcome: legacyOutcome(z.enum(["restored", "closed", "bankrupt"])), cost: finite, closeAllCost: finite, fallback: z.string().max(500).nullable(),
  adjustedEquity: finite, maintenanceMargin: finite, marginRatio: ratio,
});
/**
 * Derived: one executed liquidation trade. Applied as a fill of `size` at `price` whose cash flows in other
 * assets are converted into `cashAsset` at `rates[asset]` (cash-asset units per unit), then `fee` (exact,
 * in `cashAsset`) moves to the insurance fund. `cost` (USD, vs mark) and `marginRatioAfter` (planner) are informational.
 */
export const liquidationStepEvent = z.strictObject({
  type: z.literal("liquidation_step"), account: accountId, step: z.number().int().min(1),
  action: z.enum(["reduce", "close", "hedge", "close_all"]), instrument: instrumentName, size: nonZeroDecimal, price: finite.refine((v) => v >= 0 && v <= 1e12, "must be a price ≥ 0"),
  cost: finite, fee: decimal, cashAsset: asset, rates: z.record(asset, finite.refine((v) => v > 0, "must be > 0")), marginRatioAfter: ratio, why: z.string().max(1000),
});
/**
 * Derived: auto-deleveraging. What the insurance fund cannot cover of `bankrupt`'s deficit is taken from
 * `account`'s profitable opposite position: a fill of `size` (reducing it) at the mark `price` realises its
 * profit (flows in other assets converted into `cashAsset` at `rates`), and `amount` (exact, `cashAsset`,
 * that realised profit) moves to the bankrupt account.
 */
export const adlEvent = z.strictObject({
  type: z.literal("adl"), account: accountId, bankrupt: accountId, instrument: instrumentName, size: nonZeroDecimal,
  price: finite.refine((v) => v > 0 && v <= 1e12, "must be a price > 0"), cashAsset: asset,
  rates: z.record(asset, finite.refine((v) => v > 0, "must be > 0")), amount: positiveDecimal,
});
/**
 * Derived: the liquidation ended; a deficit (USD) is covered by the fund (`fundCover`, exact, in `cashAsset`)
 * as far as it goes, then by the `adl` events before this one (`adlCover`, their total); `uncoveredUsd` is what is left.
 */
export const liquidationEndEvent = z.strictObject({
  type: z.literal("liquidation_end"), account: accountId, outcome: legacyOutcome(z.enum(["restored", "closed", "bankrupt", "incomplete"])),
  fees: decimal, deficitUsd: finite, fundCover: decimal, adlCover: decimal.optional(), cashAsset: asset, uncoveredUsd: finite,
  equity: finite, adjustedEquity: finite, maintenanceMargin: finite, marginRatio: ratio,
});

/** Every event the log can hold. */
export const engineEvent = z.discriminatedUnion("type", [
  marketEvent, accountEvent, bookEvent, depositEvent, withdrawalEvent, fillEvent, orderEvent, cancelEvent, venueTransferEvent, tickEvent, fundingEvent, paramsEvent, expiryEvent, marginStatusEvent,
  insuranceDepositEvent, liquidationStartEvent, liquidationStepEvent, adlEvent, liquidationEndEvent, paramsProposalEvent, paramsProposalClosedEvent,
], { error: "type must be one of market, account, book, deposit, withdrawal, fill, order, cancel, venue_transfer, tick, funding, params, insurance_deposit, expiry, margin_status, liquidation_start, liquidation_step, liquidation_end, params_proposal, params_proposal_closed" });

export type EngineEvent = z.infer<typeof engineEvent>;
export type TickEvent = z.infer<typeof tickEvent>;
export type FillEvent = z.infer<typeof fillEvent>;
export type VenueTransferEvent = z.infer<typeof venueTransferEvent>;
export type AccountEvent = z.infer<typeof accountEvent>;
export type BookEvent = z.infer<typeof bookEvent>;
export type OrderEvent = z.infer<typeof orderEvent>;
export type CancelEvent = z.infer<typeof cancelEvent>;
export type ExpiryEvent = z.infer<typeof expiryEvent>;
export type ParamsEvent = z.infer<typeof paramsEvent>;
export type MarginStatusEvent = z.infer<typeof marginStatusEvent>;
export type LiquidationStartEvent = z.infer<typeof liquidationStartEvent>;
export type LiquidationStepEvent = z.infer<typeof liquidationStepEvent>;
export type LiquidationEndEvent = z.infer<typeof liquidationEndEvent>;
export type AdlEvent = z.infer<typeof adlEvent>;

/** Events the engine writes itself (never accepted from clients). */
export const DERIVED_TYPES: ReadonlySet<string> = new Set(["expiry", "margin_status", "liquidation_start", "liquidation_step", "adl", "liquidation_end"]);

/** Validate an event; problems carry their JSON path (prefixed) and value. */
export function parseEvent(input: unknown, prefix = ""): { ok: true; value: EngineEvent } | { ok: false; issues: InputIssue[] } {
  const r = engineEvent.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input, prefix) };
  return { ok: true, value: r.data };
}
