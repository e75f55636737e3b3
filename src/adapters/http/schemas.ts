/** Request bodies of the HTTP API (zod; every problem answered as 400 with path, message and value). */
import { z } from "zod";
import { decimal, ownerSchema, requestIdSchema, tradeRefine } from "../../engine/events.js";
import { fundingRateSchema, instrumentNameSchema, liquiditySchema, priceSchema, timeSchema } from "../../input/boundSchemas.js";
import { fromZod } from "../../input/zodIssues.js";
import type { InputIssue } from "../../input/issues.js";
import { venueName } from "../../input/venueSpecSchema.js";
import { toUnits } from "../../domain/money.js";

const asset = z.string({ error: "must be an asset code" }).regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC or USDC");
const instrument = instrumentNameSchema;
const price = priceSchema;
const positive = decimal.refine((s) => !s.startsWith("-") && s !== "0", "must be > 0");
const nonZero = decimal.refine((s) => s !== "0", "must not be 0");
/** The venue of a multi-venue account a request applies to (required there; refused on a single-venue account). */
const venue = venueName.optional();

export const marginBody = z.strictObject({
  portfolio: z.unknown().refine((v) => v !== undefined, "is required"),
  market: z.unknown().optional(),
  model: z.enum(["isolated", "standard", "portfolio", "var"]).optional(),
  params: z.unknown().optional(),
  preset: z.string().optional(),
  currency: z.string().optional(),
});
/**
 * A multi-venue account's venues at creation: name → `{preset?, collateral?}` (derivatives venue) or
 * `{preset?, supplied?}` (lending venue), the amounts deposited at that venue.
 */
const createVenues = z.record(venueName, z.strictObject({ preset: z.string().optional(), collateral: z.record(asset, positive).optional(), supplied: z.record(asset, positive).optional() }));
export const createAccountBody = z.strictObject({
  id: z.string({ error: "must be a string" }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 characters of letters, digits, . _ - (starting with a letter or digit)"),
  owner: ownerSchema.optional(),
  collateral: z.record(asset, positive).optional(),
  venues: createVenues.optional(),
}).superRefine((b, ctx) => {
  if (b.venues !== undefined && b.collateral !== undefined) ctx.addIssue({ code: "custom", path: ["collateral"], message: "a multi-venue account holds every balance at a venue: put it in venues.<name>.collateral", input: b.collateral });
});
export const fillBody = z.strictObject({ instrument, size: nonZero, price, fillId: requestIdSchema.optional(), orderId: requestIdSchema.optional(), venue }).superRefine(tradeRefine);
/** A resting order to place: margined until filled (fills naming its `orderId`) or cancelled. */
export const restingOrderBody = z.strictObject({ orderId: requestIdSchema.optional(), instrument, size: nonZero, price, venue }).superRefine(tradeRefine);
/** Deposits and withdrawals of an account: `requestId` makes a retry return the original acknowledgement. */
export const transferBody = z.strictObject({ asset, amount: positive, requestId: requestIdSchema.optional(), venue });
/** Collateral moved between two venues of a multi-venue account (`venue_transfer`): `amount − fee` arrives. */
export const venueTransferBody = z.strictObject({
  asset, from: venueName, to: venueName, amount: positive, fee: decimal.refine((s) => !s.startsWith("-"), "must be ≥ 0").optional(), requestId: requestIdSchema.optional(),
}).superRefine((b, ctx) => {
  if (b.from === b.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must differ from `from`: a transfer moves collateral between two venues of the account", input: b.to });
  if (b.fee !== undefined && (toUnits(b.fee) ?? 0n) >= (toUnits(b.amount) ?? 0n)) ctx.addIssue({ code: "custom", path: ["fee"], message: "must be less than amount (what arrives is amount − fee)", input: b.fee });
});
/** GET /v1/accounts/:id/venues: the allocation's MM-usage target (default: the venue parameters', 0.75). */
export const venuesQuery = z.strictObject({ target: z.coerce.number({ error: "must be a number" }).gt(0, "must be in (0, 1]").max(1, "must be in (0, 1]").optional() });
/** Insurance fund deposits (no idempotency key). */
export const fundDepositBody = z.strictObject({ asset, amount: positive });
export const issueKeyBody = z.strictObject({ revokeExisting: z.boolean({ error: "must be true or false" }).optional() });
export const keyIdParam = z.string().regex(/^[0-9a-f]{16}$/, "must be a key id (16 hex digits)");
export const orderBody = z.strictObject({ instrument, size: nonZero, price: price.optional(), venue }).superRefine(tradeRefine);
export const fundingBody = z.strictObject({ instrument, rate: fundingRateSchema });
/** Oracle input: prices may be any JSON value so that the oracle itself reports NaN, strings, negatives. */
export const pricesBody = z.strictObject({
  ticks: z.array(z.strictObject({
    source: z.string().min(1).max(64), asset, ts: timeSchema, depthUsd: liquiditySchema.optional(),
    price: z.union([z.number(), z.string(), z.null()]).transform((v) => (typeof v === "number" ? v : v === null ? NaN : Number(v))),
  })).min(1).max(1000),
});
export const eventsQuery = z.strictObject({
  from: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
/** GET /v1/fleet: `top` accounts nearest liquidation (1-500, default 20); `all=1` on a scale-out worker. Other parameters are ignored. */
export const fleetQuery = z.object({
  all: z.string().optional(),
  top: z.coerce.number({ error: "must be an integer" }).int("must be an integer").min(1).max(500).default(20),
});
export const accountsQuery = z.strictObject({
  after: z.string().default(""),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Parse with a schema; problems as InputIssues (paths prefixed). */
export function parseBody<T extends z.ZodType>(schema: T, input: unknown, prefix = ""): { ok: true; value: z.output<T> } | { ok: false; issues: InputIssue[] } {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: fromZod(r.error, input, prefix) };
}
