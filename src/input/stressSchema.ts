import { z } from "zod";
import type { StressScenario } from "../analytics/stress.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

const num = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const within = (lo: number, hi: number) => num.refine((v) => v >= lo && v <= hi, `must be between ${lo} and ${hi}`);
const asset = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC");

/** One stress scenario: moves are relative (−0.37 = −37 %); a move of −1 or less would make a price non-positive. */
export const stressScenarioSchema = z.strictObject({
  name: z.string().min(1).max(80),
  aliases: z.array(z.string().min(1).max(80)).max(20).optional(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").optional(),
  description: z.string().max(500).optional(),
  moves: z.record(asset, within(-0.99, 10)),
  defaultMove: within(-0.99, 10).optional(),
  volShock: within(-0.95, 10).optional(),
  volShocks: z.record(asset, within(-0.95, 10)).optional(),
  realisedVolChange: num.optional(),
  basis: z.record(asset, within(-0.5, 0.5)).optional(),
  stablecoins: z.record(asset, within(0.01, 2)).optional(),
  sources: z.record(z.string(), z.string()).optional(),
});

/** A scenario file: `{ "scenarios": [...] }` (optionally with name and description) or a bare array. */
export const stressFileSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  scenarios: z.array(stressScenarioSchema).min(1).max(1000),
});

/** Validate a scenario file; every problem with its JSON path. */
export function parseStressFile(input: unknown, what: string): StressScenario[] {
  const doc = Array.isArray(input) ? { scenarios: input } : input;
  const r = stressFileSchema.safeParse(doc);
  if (!r.success) throw new DpmInputError(`invalid stress scenarios ${what}`, fromZod(r.error, doc));
  const list = r.data.scenarios;
  const seen = new Set<string>();
  const issues: InputIssue[] = [];
  list.forEach((s, i) => {
    if (seen.has(s.name)) issues.push({ path: `scenarios[${i}].name`, message: "duplicate scenario name", value: s.name });
    seen.add(s.name);
  });
  list.forEach((s, i) => s.aliases?.forEach((a, k) => {
    if (seen.has(a)) issues.push({ path: `scenarios[${i}].aliases[${k}]`, message: "already the name or alias of a scenario", value: a });
    seen.add(a);
  }));
  if (issues.length > 0) throw new DpmInputError(`invalid stress scenarios ${what}`, issues);
  return list;
}
