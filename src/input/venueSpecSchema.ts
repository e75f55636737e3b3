/**
 * Zod schema of the `venues` block of a multi-venue book (docs/venues.md): venue name → margin preset and
 * collateral (a derivatives venue) or lending preset, supplied and borrowed assets (a lending venue).
 * Kept apart from portfolioSchema.ts so both the portfolio and the venue-book parsers use it.
 */
import { z } from "zod";

const MAX_AMOUNT = 1e15;
const assetCode = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC, USDC or WETH");
const amount = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite")
  .refine((v) => v >= 0 && v <= MAX_AMOUNT, `must be ≥ 0 and ≤ ${MAX_AMOUNT}`);
const balances = z.record(assetCode, amount);

/** A venue name: lower case, as ccxt names exchanges (`deribit`, `okx`, `binanceusdm`, `aave`). */
export const venueName = z.string({ error: "must be a venue name" }).regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be a venue name: lower-case letters, digits, - or _ (e.g. deribit, okx, aave)");

const presetName = z.string({ error: "must be a preset name" }).regex(/^[a-z0-9-]{1,64}$/, "must be a preset name such as deribit, okx or aave-v3-ethereum");

/** One venue: `collateral` for a derivatives venue, `supplied`/`borrowed` for a lending venue (not both). */
export const venueSpec = z.strictObject({
  preset: presetName.optional(),
  collateral: balances.optional(),
  supplied: balances.optional(),
  borrowed: balances.optional(),
}).superRefine((v, ctx) => {
  if (v.collateral !== undefined && (v.supplied !== undefined || v.borrowed !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["collateral"], message: "a venue holds either collateral (derivatives venue) or supplied/borrowed assets (lending venue), not both" });
  }
});

export type VenueSpec = z.infer<typeof venueSpec>;

/** The `venues` block: at most 32 venues. */
export const venuesBlock = z.record(venueName, venueSpec).refine((r) => Object.keys(r).length <= 32, "at most 32 venues");
