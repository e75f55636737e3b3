import { z } from "zod";
import type { MarketSnapshot } from "../market/snapshot.js";
import { sviProblems } from "../market/svi.js";
import { fileMarkProblem, parseMarketFast } from "./marketFast.js";
import { instrumentNameSchema, liquiditySchema, priceSchema, rateSchema, spreadSchema, volSchema } from "./boundSchemas.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const price = priceSchema;
const vol = volSchema;
const svi = z.strictObject({ a: finite, b: finite, rho: finite, m: finite, sigma: finite }).superRefine((p, ctx) => {
  for (const msg of sviProblems(p)) ctx.addIssue({ code: "custom", message: msg });
});

const asset = z.strictObject({
  index: price,
  vol: vol.optional(),
  rate: rateSchema.optional(),
  surface: z.record(z.string().regex(/^\d{1,2}[A-Z]{3}\d{2}$/, "must be an expiry code such as 27DEC24"), svi).optional(),
});
/** `depthUsd` and `spread` describe the instrument's book (spot books under the asset code); they drive the liquidity charges of parameters that enable them. */
const instrument = z.strictObject({ mark: price.optional(), markIv: vol.optional(), depthUsd: liquiditySchema.optional(), spread: spreadSchema.optional() });
const isoTime = z.string({ error: "must be an ISO-8601 UTC time" }).refine(
  (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  "must be an ISO-8601 time with a zone, e.g. 2024-11-20T08:00:00Z",
);

/**
 * Marks must be plausible against the snapshot's own indexes (src/input/bounds.ts): futures and perpetuals
 * within 100× of the index in their quote currency (FILE_MARK_BAND), options inside their no-arbitrage bounds.
 */
function markIssues(m: { assets: Record<string, { index: number }>; instruments: Record<string, { mark?: number }> }, ctx: z.RefinementCtx): void {
  for (const [name, x] of Object.entries(m.instruments)) {
    const message = fileMarkProblem(m.assets, name, x.mark);
    if (message !== undefined) ctx.addIssue({ code: "custom", path: ["instruments", name, "mark"], message, input: x.mark });
  }
}

/** Zod schema of the market snapshot file (DESIGN.md section 10). Unknown fields are errors. */
export const marketSchema = z.strictObject({
  asOf: isoTime,
  assets: z.record(z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code"), asset),
  instruments: z.record(instrumentNameSchema, instrument).default({}),
}).superRefine(markIssues);

/** Parse and validate a market snapshot (the fast path of marketFast.ts where it decides, the schema otherwise). */
export function parseMarket(input: unknown): { ok: true; value: MarketSnapshot } | { ok: false; issues: InputIssue[] } {
  const fast = parseMarketFast(input);
  if (fast !== undefined) return { ok: true, value: fast };
  return parseMarketSchema(input);
}

/** `parseMarket` by the zod schema alone (what the fast path is tested against). */
export function parseMarketSchema(input: unknown): { ok: true; value: MarketSnapshot } | { ok: false; issues: InputIssue[] } {
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
