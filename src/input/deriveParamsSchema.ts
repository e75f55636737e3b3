/**
 * Zod schemas of the Derive parameter sections (`derive`, `deriveSrm`, `deriveFeeds`). Bounds are
 * those Derive's own setters enforce (PMRMLib_2 `set*Params`, PMRM_2 `setScenarios`,
 * github.com/derivexyz/v2-core); where a setter has no lower bound the field is unsigned (≥ 0).
 */
import { z } from "zod";

const num = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
/** Within [lo, hi] (inclusive). */
const within = (lo: number, hi: number) => num.refine((v) => v >= lo && v <= hi, `must be between ${lo} and ${hi}`);
/** Strictly between lo and hi. */
const between = (lo: number, hi: number) => num.refine((v) => v > lo && v < hi, `must be strictly between ${lo} and ${hi}`);
const unit = within(0, 1);

const scenario = z.strictObject({
  spotShock: num.refine((v) => v > 0 && v <= 100, "must be a multiplier > 0 and ≤ 100 (1.18 = +18 %)"),
  volShock: z.enum(["up", "down", "none", "linear", "abs"]),
  /** Derive's setter leaves it unbounded (tail cases use up to 5); dpm caps it at 100. */
  dampeningFactor: within(0, 100),
});

/** PMRM_2 scenarios: 1 to 40, at most one `linear` and one `abs`, both with spotShock 1 (PMRM_2.setScenarios). */
export const deriveScenarios = z.array(scenario).min(1, "needs at least one scenario").max(40, "at most 40 scenarios").superRefine((list, ctx) => {
  for (const shape of ["linear", "abs"] as const) {
    const idx = list.flatMap((s, i) => (s.volShock === shape ? [i] : []));
    if (idx.length > 1) ctx.addIssue({ code: "custom", path: [idx[1], "volShock"], message: `at most one "${shape}" scenario` });
    for (const i of idx) if (list[i].spotShock !== 1) ctx.addIssue({ code: "custom", path: [i, "spotShock"], message: `a "${shape}" skew scenario must have spotShock 1` });
  }
});

const collateral = z.strictObject({ MMHaircut: unit, IMHaircut: unit, riskCancelling: z.array(z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code")) });
const assetCode = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as USDC");

/** Derive PMRM_2 parameters (the `derive` section). */
export const derivePm2Schema = z.strictObject({
  scenarios: deriveScenarios,
  volShock: z.strictObject({
    volRangeUp: within(0, 10), volRangeDown: within(0, 10), shortTermPower: within(0, 10), longTermPower: within(0, 10),
    dteFloor: within(0, 400), minVolUpShock: within(0, 20),
  }),
  margin: z.strictObject({
    mmFactor: within(0.5, 10), imFactor: within(0.5, 10),
    longBaseStaticDiscount: within(0, 4), longRateMultScale: within(0, 10), longRateAddScale: within(0, 10),
    shortBaseStaticDiscount: within(0, 4), shortRateMultScale: within(0, 10), shortRateAddScale: within(0, 10),
  }),
  basisContingency: z.strictObject({
    scenarioSpotUp: between(1, 3), scenarioSpotDown: num.refine((v) => v >= 0 && v < 1, "must be ≥ 0 and < 1"),
    basisContAddFactor: within(0, 20), basisContMultFactor: within(0, 20),
  }),
  otherContingency: z.strictObject({
    pegLossThreshold: within(0, 100), pegLossFactor: within(0, 10), confThreshold: within(0, 1), confMargin: within(0, 20),
    mmPerpPercent: within(0, 3), imPerpPercent: within(0, 3), mmOptionPercent: within(0, 2), imOptionPercent: within(0, 2),
  }),
  skewShock: z.strictObject({
    linearBaseCap: within(0, 10), linearCBase: within(-10, 10), absBaseCap: within(0, 10), absCBase: within(-10, 10),
    minKStar: within(0, 10), widthScale: within(0, 10), volParamStatic: within(0, 10), volParamScale: within(-20, 20),
  }),
  collaterals: z.record(assetCode, collateral),
  cashAsset: assetCode,
});

/** StandardManager setters: setPerpMarginRequirements, setOptionMarginParams, setBaseAssetMarginFactor, setOracleContingencyParams. */
const srmMarket = z.strictObject({
  mmPerpReq: num.refine((v) => v > 0 && v < 1, "must be > 0 and < 1"), imPerpReq: num.refine((v) => v >= 0 && v < 1, "must be ≥ 0 and < 1"),
  option: z.strictObject({
    maxSpotReq: within(0, 1.2), minSpotReq: within(0, 1.2), mmCallSpotReq: unit, mmPutSpotReq: unit, MMPutMtMReq: unit,
    unpairedMMScale: within(1, 3), unpairedIMScale: within(1, 3), mmOffsetScale: within(1, 3),
  }),
  baseMarginFactor: unit, baseIMScale: unit,
  perpThreshold: unit, optionThreshold: unit, baseThreshold: unit, OCFactor: unit,
}).superRefine((m, ctx) => {
  if (m.imPerpReq < m.mmPerpReq) ctx.addIssue({ code: "custom", path: ["imPerpReq"], message: "must be at least mmPerpReq" });
});

/** Derive standard-manager parameters (the `deriveSrm` section). */
export const deriveSrmSchema = z.strictObject({
  markets: z.record(z.string(), srmMarket).refine((r) => "default" in r, "must have a \"default\" entry for unlisted underlyings"),
  depegThreshold: within(0, 1), depegFactor: within(0, 3),
  cashAsset: assetCode,
});

const svi = z.strictObject({ a: num, b: num, rho: num, m: num, sigma: num, forward: num.refine((v) => v > 0, "must be > 0"), tau: within(0, 100) });
const expiryFeed = z.strictObject({
  secondsToExpiry: within(0, 100 * 31_536_000).optional(),
  forward: num.refine((v) => v > 0 && v <= 1e12, "must be a price > 0").optional(),
  forwardConfidence: unit.optional(), rate: within(-10, 10).optional(), rateConfidence: unit.optional(), volConfidence: unit.optional(),
  svi: svi.optional(),
});

/** Venue oracle/account state per underlying (the `deriveFeeds` section; see DeriveFeedsEntry). */
export const deriveFeedsSchema = z.record(assetCode, z.strictObject({
  spotConfidence: unit.optional(), perpConfidence: unit.optional(),
  collateralConfidence: z.record(assetCode, unit).optional(),
  expiries: z.record(z.string().regex(/^\d{1,2}[A-Z]{3}\d{2}$/, "must be an expiry code such as 18JAN23"), expiryFeed).optional(),
  cashAdjustment: within(-1e15, 1e15).optional(),
  unsettledFunding: within(-1e15, 1e15).optional(),
}));
