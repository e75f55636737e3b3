/**
 * The zod schemas of the fixed economic bounds of bounds.ts (the table of bounds is there): the same limits and
 * messages for every path that validates with zod (HTTP bodies, engine events, market and portfolio files).
 */
import { z } from "zod";
import { instrumentNameProblem, MAX_FUNDING_RATE, MAX_LIQUIDITY, MAX_PRICE, MAX_RATE, MAX_SPREAD, MAX_TIME, MAX_VOL, MIN_PRICE, MIN_VOL } from "./bounds.js";

const between = (lo: number, hi: number, message: string) =>
  z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite").refine((v) => v >= lo && v <= hi, message);

/** A price, index, mark or stable price in [1e-12, 1e12]. */
export const priceSchema = between(MIN_PRICE, MAX_PRICE, "must be a price > 0: at least 1e-12 (the ledger's resolution) and at most 1e12");
/** A volatility in [1e-4, 10]. */
export const volSchema = between(MIN_VOL, MAX_VOL, "must be a volatility in [0.0001, 10] (0.01 % to 1000 %)");
/** A rate in [-1, 1]. */
export const rateSchema = between(-MAX_RATE, MAX_RATE, "must be a rate in [-1, 1]");
/** A funding rate in [-0.1, 0.1]. */
export const fundingRateSchema = between(-MAX_FUNDING_RATE, MAX_FUNDING_RATE, "must be a funding rate in [-0.1, 0.1]");
/** Open interest or depth in [0, 1e18]. */
export const liquiditySchema = between(0, MAX_LIQUIDITY, "must be ≥ 0 and at most 1e18");

/** A relative book spread (ask − bid) / mid in [0, 2]. */
export const spreadSchema = between(0, MAX_SPREAD, "must be a relative spread (ask - bid) / mid in [0, 2]");

/** Epoch milliseconds. */
export const timeSchema = z.number({ error: "must be epoch milliseconds" }).int("must be an integer (epoch ms)").min(0, "must be ≥ 0").max(MAX_TIME, `must be at most ${MAX_TIME}`);

/** An instrument name (string) that parses, at most 64 characters, strike in range. */
export const instrumentNameSchema = z.string({ error: "must be an instrument name" }).superRefine((s, ctx) => {
  const p = instrumentNameProblem(s);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
