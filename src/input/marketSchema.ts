import { z } from "zod";
import type { MarketSnapshot } from "../market/snapshot.js";
import { sviProblems } from "../market/svi.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const price = finite.refine((v) => v > 0 && v <= 1e12, "must be a price > 0 and ≤ 1e12");
const vol = finite.refine((v) => v > 0 && v <= 10, "must be a volatility > 0 and ≤ 10 (1000 %)");
const svi = z.strictObject({ a: finite, b: finite, rho: finite, m: finite, sigma: finite }).superRefine((p, ctx) => {
  for (const msg of sviProblems(p)) ctx.addIssue({ code: "custom", message: msg });
});

const asset = z.strictObject({
  index: price,
  vol: vol.optional(),
  rate: finite.refine((v) => Math.abs(v) <= 1, "must be a rate between -1 and 1").optional(),
  surface: z.record(z.string().regex(/^\d{1,2}[A-Z]{3}\d{2}$/, "must be an expiry code such as 27DEC24"), svi).optional(),
});
const instrument = z.strictObject({ mark: price.optional(), markIv: vol.optional() });
const isoTime = z.string({ error: "must be an ISO-8601 UTC time" }).refine(
  (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  "must be an ISO-8601 time with a zone, e.g. 2024-11-20T08:00:00Z",
);

/** Zod schema of the market snapshot file (DESIGN.md section 10). Unknown fields are errors. */
export const marketSchema = z.strictObject({
  asOf: isoTime,
  assets: z.record(z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code"), asset),
  instruments: z.record(z.string(), instrument).default({}),
});

/** Parse and validate a market snapshot. */
export function parseMarket(input: unknown): { ok: true; value: MarketSnapshot } | { ok: false; issues: InputIssue[] } {
  const r = marketSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input) };
  return { ok: true, value: { ...r.data, asOf: Date.parse(r.data.asOf) } };
}

/** Like parseMarket, but throws a DpmInputError. */
export function marketFrom(input: unknown): MarketSnapshot {
  const r = parseMarket(input);
  if (!r.ok) throw new DpmInputError("invalid market snapshot", r.issues);
  return r.value;
}
