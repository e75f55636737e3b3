/** Validation of the oracle configuration (zod), filling omitted fields from DEFAULT_ORACLE_PARAMS. */
import { z } from "zod";
import { DEFAULT_ORACLE_PARAMS as D, type OracleConfig } from "../market/oracle/config.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const positive = finite.refine((v) => v > 0, "must be > 0");
const nonNegative = finite.refine((v) => v >= 0, "must be ≥ 0");
const fraction = finite.refine((v) => v > 0 && v < 1, "must be a fraction in (0, 1)");
const count = z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be ≥ 1").max(100, "must be ≤ 100");

const paramShape = {
  minSources: count,
  maxAgeMs: positive,
  maxDeviation: fraction,
  maxFutureMs: nonNegative,
  maxPrice: positive,
  emaHalfLifeMs: nonNegative,
  stableMaxMovePerSecond: fraction,
  breakerMove: fraction,
  breakerWindowMs: positive,
};

/** Zod schema of the oracle configuration. Every field is optional (defaults as in DEFAULT_ORACLE_PARAMS); unknown fields are errors. */
export const oracleConfigSchema = z.strictObject({
  minSources: paramShape.minSources.default(D.minSources),
  maxAgeMs: paramShape.maxAgeMs.default(D.maxAgeMs),
  maxDeviation: paramShape.maxDeviation.default(D.maxDeviation),
  maxFutureMs: paramShape.maxFutureMs.default(D.maxFutureMs),
  maxPrice: paramShape.maxPrice.default(D.maxPrice),
  emaHalfLifeMs: paramShape.emaHalfLifeMs.default(D.emaHalfLifeMs),
  stableMaxMovePerSecond: paramShape.stableMaxMovePerSecond.default(D.stableMaxMovePerSecond),
  breakerMove: paramShape.breakerMove.default(D.breakerMove),
  breakerWindowMs: paramShape.breakerWindowMs.default(D.breakerWindowMs),
  assets: z.record(z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code"), z.strictObject(paramShape).partial()).default({}),
});

/** Parse and validate an oracle configuration (`{}` or undefined gives the defaults). */
export function parseOracleConfig(input: unknown): { ok: true; value: OracleConfig } | { ok: false; issues: InputIssue[] } {
  const r = oracleConfigSchema.safeParse(input ?? {});
  if (!r.success) return { ok: false, issues: fromZod(r.error, input) };
  return { ok: true, value: r.data };
}

/** Like parseOracleConfig, but throws a DpmInputError listing every problem. */
export function oracleConfigFrom(input: unknown): OracleConfig {
  const r = parseOracleConfig(input);
  if (!r.ok) throw new DpmInputError("invalid oracle configuration", r.issues);
  return r.value;
}
