/**
 * Boundary validation of the multi-venue analytics' inputs: the book (a portfolio with a `venues` block and
 * venue-tagged positions), the venue parameters (`presets/venues/*.json`) and lending presets
 * (`presets/lending/*.json`). Every problem carries its path and value; economic bounds, not only types.
 */
import { z } from "zod";
import { DEFAULT_VENUE_PRESETS, type Venue, type VenueBook, type VenueOrder, type VenuePosition } from "../domain/venueBook.js";
import type { AaveParams } from "../margin/lending/aave.js";
import type { VenuesParams } from "../analytics/venues/types.js";
import type { InputIssue } from "./issues.js";
import { parsePortfolio } from "./portfolioSchema.js";
import { fromZod } from "./zodIssues.js";

type Result<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

/** Which presets exist: margin presets (`presets/*.json`) and lending presets (`presets/lending/*.json`). */
export interface PresetLookup {
  readonly margin: readonly string[];
  readonly lending: readonly string[];
}

interface RawVenue { preset?: string; collateral?: Record<string, number>; supplied?: Record<string, number>; borrowed?: Record<string, number> }

function resolveVenue(name: string, s: RawVenue, presets: PresetLookup, issues: InputIssue[]): Venue | undefined {
  const preset = s.preset ?? DEFAULT_VENUE_PRESETS[name];
  const path = `venues.${name}.preset`;
  if (preset === undefined) {
    issues.push({ path, message: `required: ${name} has no default preset (venues with one: ${Object.keys(DEFAULT_VENUE_PRESETS).join(", ")}); margin presets: ${presets.margin.join(", ")}` });
    return undefined;
  }
  const lending = presets.lending.includes(preset);
  if (!lending && !presets.margin.includes(preset)) {
    issues.push({ path, message: `unknown preset: margin presets ${presets.margin.join(", ")}; lending presets ${presets.lending.join(", ")}`, value: preset });
    return undefined;
  }
  if (lending && s.collateral !== undefined) issues.push({ path: `venues.${name}.collateral`, message: `a lending venue (${preset}) holds supplied and borrowed assets, not collateral`, value: s.collateral });
  if (!lending && (s.supplied !== undefined || s.borrowed !== undefined)) issues.push({ path: `venues.${name}.${s.supplied !== undefined ? "supplied" : "borrowed"}`, message: `a derivatives venue (${preset}) holds collateral, not supplied/borrowed assets` });
  return lending
    ? { kind: "lending", name, preset, supplied: s.supplied ?? {}, borrowed: s.borrowed ?? {} }
    : { kind: "derivatives", name, preset, collateral: s.collateral ?? {} };
}

/**
 * Parse a multi-venue book. A position without `venue` belongs to the only venue when there is one; positions
 * on a lending venue are errors; top-level collateral is not allowed (every balance sits at some venue).
 */
export function parseVenueBook(input: unknown, presets: PresetLookup): Result<VenueBook> {
  // The pooled account may owe an asset net (the allocation's fees can take it there): the unified profile margins it.
  const pf = parsePortfolio(input, "", true);
  if (!pf.ok) return pf;
  const raw = input as { venues?: Record<string, RawVenue>; collateral?: unknown };
  const issues: InputIssue[] = [];
  if (raw.venues === undefined || Object.keys(raw.venues).length === 0) return { ok: false, issues: [{ path: "venues", message: "a multi-venue book names its venues: {\"venues\": {\"deribit\": {\"collateral\": {...}}, ...}}" }] };
  if (raw.collateral !== undefined && Object.keys(raw.collateral as object).length > 0) issues.push({ path: "collateral", message: "in a multi-venue book every balance sits at a venue: move it into venues.<name>.collateral", value: raw.collateral });
  const venues: Venue[] = [];
  for (const [name, s] of Object.entries(raw.venues)) { const v = resolveVenue(name, s, presets, issues); if (v) venues.push(v); }
  const only = venues.length === 1 ? venues[0].name : undefined;
  const tag = <T extends { venue?: string }>(x: T, path: string): (T & { venue: string }) | undefined => {
    const venue = x.venue ?? only;
    const v = venues.find((w) => w.name === venue);
    if (venue === undefined) issues.push({ path, message: `required: the book has ${venues.length} venues (${venues.map((w) => w.name).join(", ")})` });
    else if (v?.kind === "lending") issues.push({ path, message: `${venue} is a lending venue: it holds no derivatives`, value: venue });
    else if (v) return { ...x, venue };
    return undefined;
  };
  const positions = pf.value.positions.map((p, i) => tag(p, `positions[${i}].venue`)).filter((p): p is VenuePosition => p !== undefined);
  const openOrders = pf.value.openOrders.map((o, i) => tag(o, `openOrders[${i}].venue`)).filter((o): o is VenueOrder => o !== undefined);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { account: pf.value.account, venues, positions, openOrders } };
}

const frac = (lo: number, hi: number) => z.number({ error: "must be a number" }).refine((v) => Number.isFinite(v) && v >= lo && v <= hi, `must be in [${lo}, ${hi}]`);
const name = z.string().regex(/^[a-z0-9-]{1,64}$/, "must be a preset name");
const asset = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code");
const venue = z.string().regex(/^(\*|[a-z][a-z0-9_-]{0,31})$/, "must be a venue name or *");
const moves = z.record(asset, frac(-0.99, 10)).default({});

const reserve = z.strictObject({
  underlying: asset, ltv: frac(0, 0.99), liquidationThreshold: frac(0, 0.99), liquidationBonus: frac(0, 0.5), source: z.string().optional(),
}).refine((r) => r.ltv <= r.liquidationThreshold, { message: "ltv must not exceed liquidationThreshold (Aave's own rule)", path: ["ltv"] });

const lendingSchema = z.strictObject({
  name, source: z.string().min(1), closeFactor: frac(0.01, 1), fullCloseBelowHf: frac(0, 1), reserves: z.record(asset, reserve),
});

/** Validate a lending preset. */
export function parseLendingParams(input: unknown, prefix = ""): Result<AaveParams> {
  const r = lendingSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: fromZod(r.error, input, prefix) };
}

const scenario = z.discriminatedUnion("kind", [
  z.strictObject({ name: z.string().min(1), kind: z.literal("venueDefault"), venue, recovery: frac(0, 1), moves }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("withdrawalHalt"), venue, days: frac(0.01, 365), moves }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("depeg"), asset, ratio: frac(0, 1.5), moves }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("liquidityCrisis"), move: frac(0.001, 0.95), volShock: frac(-0.9, 5), costMultiplier: frac(1, 100) }),
]);

const venuesSchema = z.strictObject({
  name, source: z.string().min(1), unifiedPreset: name,
  basisShock: z.record(z.string(), frac(0, 0.5)).refine((r) => r.default !== undefined, "needs a default entry"),
  horizonDays: frac(0.01, 30), noRouteHours: frac(0, 24 * 30), venueDefaultAddOn: frac(0, 1), timeCostPerDay: frac(0, 0.1), defaultTarget: frac(0.05, 1),
  steps: z.record(z.string(), frac(1e-12, 1e6)).refine((r) => r.default !== undefined, "needs a default entry"),
  routes: z.array(z.strictObject({ asset, from: venue, to: venue, hours: frac(0, 24 * 30), fee: frac(0, 1e6) })).max(1000),
  contagion: z.array(scenario).max(100),
});

/** Validate venue parameters; the unified preset must be a known margin preset. */
export function parseVenuesParams(input: unknown, marginPresets: readonly string[]): Result<VenuesParams> {
  const r = venuesSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input) };
  if (!marginPresets.includes(r.data.unifiedPreset)) return { ok: false, issues: [{ path: "unifiedPreset", message: `unknown margin preset (${marginPresets.join(", ")})`, value: r.data.unifiedPreset }] };
  return { ok: true, value: r.data };
}
