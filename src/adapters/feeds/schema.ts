/**
 * Zod schema of a FeedEvent as it crosses a boundary (a recorded JSON-lines file, a request body). Index
 * price observations are checked for shape only: whether a price is plausible is the oracle's job (so recorded
 * bad ticks replay to it). Instrument marks, mark IVs, vols and rates carry the fixed bounds of
 * src/input/bounds.ts; marks are banded against the index by the ingest (src/engine/ingest.ts).
 */
import { z } from "zod";
import type { FeedEvent } from "../../market/oracle/types.js";
import { fundingRateSchema, liquiditySchema, priceSchema, rateSchema, timeSchema, volSchema } from "../../input/boundSchemas.js";
import type { InputIssue } from "../../input/issues.js";
import { fromZod } from "../../input/zodIssues.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const time = timeSchema;
const name = z.string({ error: "must be a string" }).min(1, "must not be empty").max(64, "must be at most 64 characters");

/** A book level [price, amount]: price within the fixed bounds, amount ≥ 0. */
const level = z.tuple([priceSchema, liquiditySchema]);
const unit = z.enum(["usd", "coin"]);

/** Zod schema of one feed event; unknown fields are errors. */
export const feedEventSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("price"), tick: z.strictObject({ source: name, asset: name, price: finite, ts: time }) }),
  z.strictObject({
    kind: z.literal("instrument"),
    tick: z.strictObject({ source: name, instrument: name, mark: priceSchema.optional(), markIv: volSchema.optional(), funding: fundingRateSchema.optional(), ts: time }),
  }),
  z.strictObject({
    kind: z.literal("asset"),
    tick: z.strictObject({ source: name, asset: name, vol: volSchema.optional(), rate: rateSchema.optional(), ts: time }),
  }),
  z.strictObject({
    kind: z.literal("book"),
    tick: z.strictObject({ source: name, instrument: name, bids: z.array(level).max(100), asks: z.array(level).max(100), unit, ts: time }),
  }),
  z.strictObject({
    kind: z.literal("trade"),
    tick: z.strictObject({ source: name, instrument: name, price: priceSchema, amount: liquiditySchema, unit, side: z.enum(["buy", "sell"]), ts: time }),
  }),
], { error: 'must be a feed event with kind "price", "instrument", "asset", "book" or "trade"' });

/** Validate one feed event; issues carry paths prefixed with `prefix`. */
export function parseFeedEvent(input: unknown, prefix = ""): { ok: true; value: FeedEvent } | { ok: false; issues: InputIssue[] } {
  const r = feedEventSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input, prefix) };
  return { ok: true, value: r.data };
}

/** One JSON line (no newline) for a recording that the replay feed reads back. */
export function feedEventLine(e: FeedEvent): string {
  return JSON.stringify(e);
}
