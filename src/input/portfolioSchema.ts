import { z } from "zod";
import { parseInstrument, type Instrument } from "../domain/instrument.js";
import type { OpenOrder, Portfolio, Position } from "../domain/portfolio.js";
import { decimalNumber } from "./decimal.js";
import { instrumentNameProblem, MAX_ABS_SIZE, MAX_AMOUNT } from "./bounds.js";
import { priceSchema } from "./boundSchemas.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";
import { venueName, venuesBlock, type VenueSpec } from "./venueSpecSchema.js";
import { parsePortfolioFast } from "./portfolioFast.js";

export { MAX_ABS_SIZE };

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const AMOUNT_FORMAT = 'must be a number or an exact decimal string such as "-1.5" (at most 12 decimals, no exponent)';
/** A size or amount: a JSON number, or an exact decimal string (`"-1"`, `"0.25"`) as the service accepts them. */
const amountOf = z.unknown().transform((v, ctx): number => {
  const n = typeof v === "number" ? v : typeof v === "string" ? decimalNumber(v) : undefined;
  if (n === undefined || !Number.isFinite(n)) {
    ctx.addIssue({ code: "custom", message: n === undefined ? AMOUNT_FORMAT : "must be finite" });
    return z.NEVER;
  }
  return n;
});
const size = amountOf.refine((v) => Math.abs(v) <= MAX_ABS_SIZE, `|size| must be at most ${MAX_ABS_SIZE}`);
const price = priceSchema;

const instrument = z.string({ error: "must be an instrument name" }).transform((name, ctx): Instrument => {
  const p = parseInstrument(name);
  const bound = p.ok ? instrumentNameProblem(name) : undefined;
  if (!p.ok || bound) {
    ctx.addIssue({ code: "custom", message: p.ok ? bound ?? "" : `unknown instrument: ${p.reason}` });
    return z.NEVER;
  }
  return p.value;
});

const position = z.strictObject({ instrument, size, entryPrice: price.optional(), venue: venueName.optional() }).superRefine((p, ctx) => {
  if (p.entryPrice !== undefined && p.instrument.kind !== "future" && p.instrument.kind !== "perpetual") {
    ctx.addIssue({ code: "custom", path: ["entryPrice"], message: "entryPrice is only for futures and perpetuals" });
  }
});
const order = z.strictObject({ instrument, size: size.refine((v) => v !== 0, "an order needs a non-zero size"), price: price.optional(), venue: venueName.optional() });
const assetCode = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC or USDC");

/** Zod schema of the portfolio file (DESIGN.md section 10). Unknown fields are errors. */
export const portfolioSchema = z.strictObject({
  account: z.string({ error: "must be a string" }).min(1, "must not be empty").max(200, "at most 200 characters"),
  collateral: z.record(assetCode, amountOf.refine((v) => v >= 0 && v <= MAX_AMOUNT, `must be ≥ 0 and ≤ ${MAX_AMOUNT} (borrowing is not supported)`)).default({}),
  positions: z.array(position).max(100_000, "at most 100,000 positions").default([]),
  openOrders: z.array(order).max(100_000, "at most 100,000 open orders").default([]),
  /** Multi-venue book (docs/venues.md): venue → preset and balances. The portfolio is then the pooled account. */
  venues: venuesBlock.optional(),
});

/**
 * Parse and validate one portfolio; problems carry their JSON path, prefixed with `prefix`. `netDebt`: a multi-venue
 * book whose pooled account owes an asset net is accepted (its debt left out of the pooled collateral), for
 * `dpm venues`, which margins the debt (the unified profile's short spot); `dpm margin` refuses it.
 */
export function parsePortfolio(input: unknown, prefix = "", netDebt = false): { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } {
  const fast = parsePortfolioFast(input);
  if (fast) return { ok: true, value: fast };
  const r = portfolioSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input, prefix) };
  const v = r.data;
  const positions: Position[] = v.positions.map((p) => (p.entryPrice === undefined ? { instrument: p.instrument, size: p.size, ...(p.venue ? { venue: p.venue } : {}) } : p));
  const openOrders: OpenOrder[] = v.openOrders.map((o) => (o.price === undefined ? { instrument: o.instrument, size: o.size, ...(o.venue ? { venue: o.venue } : {}) } : o));
  if (v.venues === undefined) return { ok: true, value: { account: v.account, collateral: v.collateral, positions, openOrders } };
  const pooled = pooledCollateral(v.collateral, v.venues, [...positions, ...openOrders].map((x) => x.venue), v.positions.length, prefix, netDebt);
  if (!pooled.ok) return pooled;
  return { ok: true, value: { account: v.account, collateral: pooled.value, positions, openOrders } };
}

/**
 * A multi-venue book read as one account (the pooled view `dpm margin` shows): the top-level collateral plus every
 * venue's collateral and supplied assets, less borrowed assets. A net debt cannot be margined here (`dpm venues` can).
 */
function pooledCollateral(top: Record<string, number>, venues: Record<string, VenueSpec>, tags: readonly (string | undefined)[], nPositions: number, prefix: string, netDebt: boolean): { ok: true; value: Record<string, number> } | { ok: false; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const at = (s: string) => (prefix ? `${prefix}.${s}` : s);
  tags.forEach((t, i) => {
    const path = i < nPositions ? `positions[${i}].venue` : `openOrders[${i - nPositions}].venue`;
    if (t !== undefined && venues[t] === undefined) issues.push({ path: at(path), message: `unknown venue: not in venues (${Object.keys(venues).join(", ")})`, value: t });
  });
  const pool: Record<string, number> = { ...top };
  const add = (b: Record<string, number> | undefined, sign: number) => { for (const [a, x] of Object.entries(b ?? {})) pool[a] = (pool[a] ?? 0) + sign * x; };
  for (const s of Object.values(venues)) { add(s.collateral, 1); add(s.supplied, 1); }
  for (const s of Object.values(venues)) add(s.borrowed, -1);
  for (const [name, s] of Object.entries(venues)) {
    for (const a of Object.keys(s.borrowed ?? {})) {
      if (!netDebt && (pool[a] ?? 0) < 0) issues.push({ path: at(`venues.${name}.borrowed.${a}`), message: `the pooled account would owe ${-(pool[a] ?? 0)} ${a} net: dpm margin does not margin debt (use dpm venues)`, value: s.borrowed?.[a] });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  for (const [a, x] of Object.entries(pool)) if (x <= 0) delete pool[a];
  return { ok: true, value: pool };
}

/** Like parsePortfolio, but throws a DpmInputError. */
export function portfolioFrom(input: unknown): Portfolio {
  const r = parsePortfolio(input);
  if (!r.ok) throw new DpmInputError("invalid portfolio", r.issues);
  return r.value;
}
