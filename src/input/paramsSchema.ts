import { z } from "zod";
import type { MarginParams } from "../margin/params.js";
import { deriveFeedsSchema, derivePm2Schema, deriveSrmSchema } from "./deriveParamsSchema.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";
import { crossCollateralSchema, METHOD_BLOCK, okxParamsSchema, spanParamsSchema, venueMethodSchema } from "./venueParamsSchema.js";

const num = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
/** A number within [lo, hi]: every parameter has explicit bounds. */
const within = (lo: number, hi: number) => num.refine((v) => v >= lo && v <= hi, `must be between ${lo} and ${hi}`);

const underlying = z.strictObject({
  priceRange: within(0.001, 0.95),
  buckets: within(1, 50).refine(Number.isInteger, "must be an integer"),
  volUp: within(0, 5),
  volDown: within(0, 1),
  shortTermPower: within(0, 2),
  longTermPower: within(0, 2),
  minVolUp: within(0, 5),
  annualMoveRisk: within(0, 5),
  minAnnualMove: within(0, 1),
  priceMoves: z.array(within(0.0001, 0.95)).min(1).max(50).optional(),
}).superRefine((u, ctx) => {
  const m = u.priceMoves;
  if (!m) return;
  if (m.length !== u.buckets) ctx.addIssue({ code: "custom", path: ["priceMoves"], message: `must have one move per bucket (${u.buckets})` });
  for (let i = 1; i < m.length; i++) {
    if (!(m[i] > m[i - 1])) ctx.addIssue({ code: "custom", path: ["priceMoves", i], message: "moves must be strictly increasing" });
  }
  if (m[m.length - 1] !== u.priceRange) ctx.addIssue({ code: "custom", path: ["priceMoves", m.length - 1], message: `the last move must equal priceRange (${u.priceRange})` });
});
const withDefault = <T extends z.ZodType>(s: T) =>
  z.record(z.string(), s).refine((r) => "default" in r, "must have a \"default\" entry for unlisted assets");

const portfolio = z.strictObject({
  underlyings: withDefault(underlying),
  extendedMoves: z.array(within(-0.99, 20).refine((v) => v !== 0, "must not be 0")).max(64),
  extendedWeights: z.array(within(0, 1)).max(64).nullable(),
  mmFactor: within(0.1, 1),
  deltaShock: z.strictObject({ thresholdUsd: within(0, 1e12), slopePerMillion: within(0, 1), cap: within(0, 1) }),
  shortOptionMinimum: within(0, 0.5),
  crossAsset: z.strictObject({
    mode: z.enum(["sum", "correlation"]),
    correlations: z.record(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, "must be a pair such as BTC/ETH"), within(-1, 1)),
    maxCredit: within(0, 1),
  }),
}).superRefine((p, ctx) => {
  if (p.extendedWeights !== null && p.extendedWeights.length !== p.extendedMoves.length) {
    ctx.addIssue({ code: "custom", path: ["extendedWeights"], message: `must have one weight per extended move (${p.extendedMoves.length})` });
  }
});

const futureRates = z.strictObject({ initial: within(0, 1), maintenance: within(0, 1), perCoin: within(0, 0.01) })
  .refine((r) => r.maintenance <= r.initial, "maintenance must not exceed initial");
const optionRates = z.strictObject({ initialBase: within(0, 1), initialFloor: within(0, 1), maintenance: within(0, 1) });
const haircutSchedule = z.array(z.strictObject({ fromUsd: within(0, 1e15), haircut: within(0, 1) })).min(1).superRefine((s, ctx) => {
  if (s.length === 0) return;
  if (s[0].fromUsd !== 0) ctx.addIssue({ code: "custom", path: [0, "fromUsd"], message: "the first point must start at 0" });
  for (let i = 1; i < s.length; i++) {
    if (!(s[i].fromUsd > s[i - 1].fromUsd)) ctx.addIssue({ code: "custom", path: [i, "fromUsd"], message: "points must be in increasing fromUsd" });
  }
});

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(d)), "must be a calendar date");
const varModel = z.strictObject({
  method: z.enum(["hs", "fhs", "mc"]),
  confidence: num.refine((v) => v > 0.5 && v < 1, "must be strictly between 0.5 and 1"),
  horizonDays: within(1, 30).refine(Number.isInteger, "must be an integer"),
  lookbackDays: within(20, 10000).refine(Number.isInteger, "must be an integer"),
  ewmaLambda: num.refine((v) => v >= 0.5 && v < 1, "must be in [0.5, 1)"),
  shrinkage: within(0, 1),
  paths: within(100, 1000000).refine(Number.isInteger, "must be an integer"),
  seed: within(0, 4294967295).refine(Number.isInteger, "must be an integer"),
  distribution: z.enum(["normal", "t"]),
  dof: num.refine((v) => v > 2 && v <= 1000, "must be in (2, 1000]"),
  stressMultiplier: within(0, 5),
  stressWindows: z.array(z.strictObject({ name: z.string().min(1), from: isoDay, to: isoDay }).refine((w) => w.from < w.to, "from must be before to")).max(32),
  mmFactor: within(0.1, 1),
});

/** Liquidity-adaptive charges (src/margin/liquidityCharge.ts); absent in every shipped preset (off). */
const liquidity = z.strictObject({
  impact: within(0, 10),
  maxRate: within(0, 1),
  defaultVol: within(0.01, 10),
  positions: z.boolean(),
  collateral: z.boolean(),
});

/** Zod schema of a parameter file (`presets/*.json`), with explicit bounds on every value. */
export const paramsSchema = z.strictObject({
  name: z.string().min(1),
  source: z.string().min(1, "cite the public source of the parameters"),
  portfolio,
  standard: z.strictObject({ futures: withDefault(futureRates), options: withDefault(optionRates) }),
  collateral: z.strictObject({ haircuts: withDefault(haircutSchedule), stablecoins: z.array(z.string()) }),
  method: venueMethodSchema.optional(),
  okx: okxParamsSchema.optional(),
  span: spanParamsSchema.optional(),
  crossCollateral: crossCollateralSchema.optional(),
  var: varModel.optional(),
  calibration: z.record(z.string(), z.unknown()).optional(),
  derive: derivePm2Schema.optional(),
  deriveSrm: deriveSrmSchema.optional(),
  deriveFeeds: deriveFeedsSchema.optional(),
  liquidity: liquidity.optional(),
}).superRefine((p, ctx) => {
  const block = p.method === undefined ? undefined : METHOD_BLOCK[p.method];
  if (block !== undefined && !(block in p)) ctx.addIssue({ code: "custom", path: [block], message: `method "${p.method}" needs its "${block}" parameters` });
});

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge of plain objects (arrays and scalars replace). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

/**
 * Parse a parameter set. A file may say `"extends": "<preset>"` and give only what it changes;
 * `resolvePreset` supplies the named preset's raw JSON.
 */
export function parseParams(input: unknown, resolvePreset: (name: string) => unknown | undefined): { ok: true; value: MarginParams } | { ok: false; issues: InputIssue[] } {
  let raw = input;
  if (isPlain(input) && "extends" in input) {
    const { extends: ext, ...rest } = input;
    const base = typeof ext === "string" ? resolvePreset(ext) : undefined;
    if (base === undefined) return { ok: false, issues: [{ path: "extends", message: "must name a known preset", value: ext }] };
    raw = deepMerge(base, rest);
  }
  const r = paramsSchema.safeParse(raw);
  if (!r.success) return { ok: false, issues: fromZod(r.error, raw) };
  return { ok: true, value: r.data };
}

export function paramsFrom(input: unknown, resolvePreset: (name: string) => unknown | undefined): MarginParams {
  const r = parseParams(input, resolvePreset);
  if (!r.ok) throw new DpmInputError("invalid parameters", r.issues);
  return r.value;
}
