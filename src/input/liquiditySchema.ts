/**
 * Boundary validation of the liquidation inputs (zod): cost-model parameter files, order-book snapshots
 * and stress scenarios / price paths. Every problem carries its JSON path and offending value.
 */
import { z } from "zod";
import type { CostModelParams } from "../liquidation/costModel.js";
import type { StressScenario } from "../liquidation/scenario.js";
import type { InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

type Result<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const fraction = (max: number) => finite.refine((v) => v >= 0 && v <= max, `must be between 0 and ${max}`);
const depthPoint = z.strictObject({ notionalUsd: finite.refine((v) => v >= 0 && v <= 1e13, "must be ≥ 0 and ≤ 1e13"), impact: fraction(1) });
const depth = z.array(depthPoint).min(1, "needs at least one point").max(1000).refine(
  (pts) => pts.every((p, i) => i === 0 || (p.notionalUsd > pts[i - 1].notionalUsd && p.impact >= pts[i - 1].impact)),
  "notionals must increase and impact must not decrease",
);
const kindLiquidity = z.strictObject({ halfSpread: fraction(0.5), depth });
const instrumentLiquidity = z.strictObject({ halfSpread: fraction(0.5), buy: depth, sell: depth });
const assetKey = z.string().regex(/^([A-Z][A-Z0-9]{0,11}|default)$/, "must be an asset code or default");

/** Cost-model parameter file; unspecified parts fall back to the defaults. */
export const costModelSchema = z.strictObject({
  kinds: z.strictObject({ spot: kindLiquidity, perpetual: kindLiquidity, future: kindLiquidity, option: kindLiquidity, default: kindLiquidity }).partial().optional(),
  depthScale: z.record(assetKey, finite.refine((v) => v > 0 && v <= 1e6, "must be > 0 and ≤ 1e6")).optional(),
  instruments: z.record(z.string().min(1), instrumentLiquidity).optional(),
});

/** Parse a cost-model file over the defaults. */
export function parseCostModel(input: unknown, defaults: CostModelParams): Result<CostModelParams> {
  const r = costModelSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input) };
  return { ok: true, value: { kinds: { ...defaults.kinds, ...r.data.kinds }, depthScale: { ...defaults.depthScale, ...r.data.depthScale }, instruments: { ...defaults.instruments, ...r.data.instruments } } };
}

const level = z.tuple([finite.refine((v) => v > 0, "price must be > 0"), finite.refine((v) => v > 0, "size must be > 0")]);
/** Order-book snapshot: per instrument name, bids and asks as [price, size] levels. */
export const orderBookSchema = z.strictObject({
  asOf: z.string().optional(),
  instruments: z.record(z.string().min(1), z.strictObject({ bids: z.array(level).min(1, "needs at least one level"), asks: z.array(level).min(1, "needs at least one level") })),
});
export type OrderBookFile = z.infer<typeof orderBookSchema>;

export function parseOrderBook(input: unknown): Result<OrderBookFile> {
  const r = orderBookSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: fromZod(r.error, input) };
}

const moves = z.record(assetKey, finite.refine((v) => v > -1 && v <= 10, "a move must be > -1 and ≤ 10"));
const step = z.strictObject({
  label: z.string().min(1).max(40),
  hours: finite.refine((v) => v >= 0 && v <= 24 * 365, "must be between 0 and 8760"),
  moves,
  volMultiplier: z.record(assetKey, finite.refine((v) => v > 0 && v <= 10, "must be > 0 and ≤ 10")).optional(),
});
/** Stress scenario / price path file. */
export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100),
  description: z.string().max(2000).default(""),
  source: z.string().max(4000).default("user-supplied path"),
  steps: z.array(step).min(1, "needs at least one step").max(1000).refine((s) => s.every((x, i) => i === 0 || x.hours >= s[i - 1].hours), "hours must not decrease"),
});

export function parseScenario(input: unknown): Result<StressScenario> {
  const r = scenarioSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: fromZod(r.error, input) };
}
