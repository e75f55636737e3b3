import { z } from "zod";

/**
 * Zod schemas of the venue method blocks of a parameter file (`okx`, `span`, `crossCollateral`), every
 * value with explicit bounds (as venues' own setters check them). Merged into `paramsSchema`.
 */
const num = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const within = (lo: number, hi: number) => num.refine((v) => v >= lo && v <= hi, `must be between ${lo} and ${hi}`);
const withDefault = <T extends z.ZodType>(s: T) =>
  z.record(z.string(), s).refine((r) => "default" in r, "must have a \"default\" entry for unlisted assets");

/** Tiers start at 0 and increase strictly. */
function ordered(s: readonly { fromUsd: number }[], ctx: z.RefinementCtx): void {
  if (s.length > 0 && s[0].fromUsd !== 0) ctx.addIssue({ code: "custom", path: [0, "fromUsd"], message: "the first tier must start at 0" });
  for (let i = 1; i < s.length; i++) {
    if (!(s[i].fromUsd > s[i - 1].fromUsd)) ctx.addIssue({ code: "custom", path: [i, "fromUsd"], message: "tiers must be in increasing fromUsd" });
  }
}
const tiers = (lo: number, hi: number) =>
  z.array(z.strictObject({ fromUsd: within(0, 1e15), value: within(lo, hi) })).min(1).max(32).superRefine(ordered);

/** Bounds of every numeric OKX parameter (documented in docs/presets.md). */
export const OKX_BOUNDS = {
  extremeMove: [0.01, 0.95], extremeWeight: [0, 1], termShock: [0, 2], termPower: [0, 2], termPivotDays: [1, 3650],
  rateShock: [0, 0.5], minChargeDeltaOne: [0, 0.1], minChargeShortOption: [0, 0.1], minChargeLongOption: [0, 1],
  thetaDays: [0, 30], imFactor: [1, 5], minChargeMultiplier: [1, 100], depegRate: [0, 0.5],
} as const satisfies Record<string, readonly [number, number]>;
const b = (k: keyof typeof OKX_BOUNDS) => within(OKX_BOUNDS[k][0], OKX_BOUNDS[k][1]);

const okxUnderlying = z.strictObject({
  extremeMove: b("extremeMove"), extremeWeight: b("extremeWeight"), termShock: b("termShock"), termPower: b("termPower"),
  termPivotDays: b("termPivotDays"), rateShock: b("rateShock"), minChargeDeltaOne: b("minChargeDeltaOne"),
  minChargeShortOption: b("minChargeShortOption"), minChargeLongOption: b("minChargeLongOption"),
  minChargeTiers: tiers(OKX_BOUNDS.minChargeMultiplier[0], OKX_BOUNDS.minChargeMultiplier[1]),
});
const pair = z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, "must be a pair such as USDT/USD");

/** MR9 tiers; each may carry `byIndex` points (index in (0, 1], descending; rates within the depeg bounds, not falling). */
function depegTiers() {
  const point = z.strictObject({ index: within(0.01, 1), value: b("depegRate") });
  const tier = z.strictObject({ fromUsd: within(0, 1e15), value: b("depegRate"), byIndex: z.array(point).min(1).max(32).optional() })
    .superRefine((t, ctx) => {
      const pts = t.byIndex ?? [];
      for (let i = 1; i < pts.length; i++) {
        if (!(pts[i].index < pts[i - 1].index)) ctx.addIssue({ code: "custom", path: ["byIndex", i, "index"], message: "points must be in decreasing index" });
        if (pts[i].value < pts[i - 1].value) ctx.addIssue({ code: "custom", path: ["byIndex", i, "value"], message: "rates must not fall as the index leaves the peg" });
      }
    });
  return z.array(tier).min(1).max(32).superRefine(ordered);
}

/** `okx` block: OKX portfolio margin (MR1..MR9). */
export const okxParamsSchema = z.strictObject({
  underlyings: withDefault(okxUnderlying),
  thetaDays: b("thetaDays"),
  imFactor: b("imFactor"),
  depegPairs: z.array(pair).max(16),
  depegTiers: depegTiers(),
});

/** Bounds of every numeric SPAN parameter. */
export const SPAN_BOUNDS = {
  extremeMultiple: [1, 10], extremeCover: [0, 1], shortOptionMinimum: [0, 1e9], intraSpreadCharge: [0, 1e9],
  deltaRatio: [0.001, 1000], credit: [0, 1], riskArray: [-1e12, 1e12], delta: [-1e6, 1e6],
  tierEndDays: [0, 3650], spotMonthDays: [0, 366],
} as const satisfies Record<string, readonly [number, number]>;
const sb = (k: keyof typeof SPAN_BOUNDS) => within(SPAN_BOUNDS[k][0], SPAN_BOUNDS[k][1]);

/** `span` block: CME SPAN. */
export const spanParamsSchema = z.strictObject({
  extremeMultiple: sb("extremeMultiple"),
  extremeCover: sb("extremeCover"),
  shortOptionMinimum: withDefault(sb("shortOptionMinimum")),
  intraSpreadCharge: withDefault(sb("intraSpreadCharge")),
  interSpreads: z.array(z.strictObject({
    legs: z.tuple([z.string().min(1), z.string().min(1)]),
    deltaRatio: z.tuple([sb("deltaRatio"), sb("deltaRatio")]),
    credit: sb("credit"),
  })).max(100),
  riskArrays: z.record(z.string().min(1), z.array(sb("riskArray")).length(16, "a SPAN risk array has 16 scenarios")).default({}),
  deltas: z.record(z.string().min(1), sb("delta")).default({}),
  intraTiers: z.record(z.string().min(1), intraTiers()).optional(),
  spotMonth: z.record(z.string().min(1), z.strictObject({ days: sb("spotMonthDays"), charge: sb("intraSpreadCharge") })).optional(),
});

/** Tiers end at strictly increasing days; each charge names two existing tiers. */
function intraTiers() {
  return z.strictObject({
    tierEndDays: z.array(sb("tierEndDays")).min(1).max(12),
    charges: z.array(z.strictObject({
      tiers: z.tuple([within(0, 11).refine(Number.isInteger, "must be an integer"), within(0, 11).refine(Number.isInteger, "must be an integer")]),
      charge: sb("intraSpreadCharge"),
    })).max(78),
  }).superRefine((t, ctx) => {
    for (let i = 1; i < t.tierEndDays.length; i++) {
      if (!(t.tierEndDays[i] > t.tierEndDays[i - 1])) ctx.addIssue({ code: "custom", path: ["tierEndDays", i], message: "tier ends must increase strictly" });
    }
    t.charges.forEach((c, i) => c.tiers.forEach((k, j) => {
      if (k >= t.tierEndDays.length) ctx.addIssue({ code: "custom", path: ["charges", i, "tiers", j], message: `must name a tier 0..${t.tierEndDays.length - 1}` });
    }));
  });
}

/** `crossCollateral` block: Deribit cross-collateral portfolio margin. */
export const crossCollateralSchema = z.strictObject({ pnlOffset: within(0, 1) });

/** The method modules a parameter file may name. */
export const venueMethodSchema = z.enum(["grid", "okx", "span", "deribit-cross", "derive-pm2", "derive-srm"]);

/** Each method needs its block. */
export const METHOD_BLOCK: Readonly<Record<string, string>> = { okx: "okx", span: "span", "deribit-cross": "crossCollateral", "derive-pm2": "derive", "derive-srm": "deriveSrm" };
