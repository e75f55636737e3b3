import { z } from "zod";
import { parseInstrument, type Instrument } from "../domain/instrument.js";
import type { OpenOrder, Portfolio, Position } from "../domain/portfolio.js";
import { instrumentNameProblem, MAX_AMOUNT, priceSchema } from "./bounds.js";
import { DpmInputError, type InputIssue } from "./issues.js";
import { fromZod } from "./zodIssues.js";

/** Largest |size| accepted: anything larger is a unit error, not a position. */
export const MAX_ABS_SIZE = 1e12;

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const size = finite.refine((v) => Math.abs(v) <= MAX_ABS_SIZE, `|size| must be at most ${MAX_ABS_SIZE}`);
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

const position = z.strictObject({ instrument, size, entryPrice: price.optional() }).superRefine((p, ctx) => {
  if (p.entryPrice !== undefined && p.instrument.kind !== "future" && p.instrument.kind !== "perpetual") {
    ctx.addIssue({ code: "custom", path: ["entryPrice"], message: "entryPrice is only for futures and perpetuals" });
  }
});
const order = z.strictObject({ instrument, size: size.refine((v) => v !== 0, "an order needs a non-zero size"), price: price.optional() });
const assetCode = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be an asset code such as BTC or USDC");

/** Zod schema of the portfolio file (DESIGN.md section 10). Unknown fields are errors. */
export const portfolioSchema = z.strictObject({
  account: z.string({ error: "must be a string" }).min(1, "must not be empty").max(200, "at most 200 characters"),
  collateral: z.record(assetCode, finite.refine((v) => v >= 0 && v <= MAX_AMOUNT, `must be ≥ 0 and ≤ ${MAX_AMOUNT} (borrowing is not supported)`)).default({}),
  positions: z.array(position).max(100_000, "at most 100,000 positions").default([]),
  openOrders: z.array(order).max(100_000, "at most 100,000 open orders").default([]),
});

/** Parse and validate one portfolio; problems carry their JSON path, prefixed with `prefix`. */
export function parsePortfolio(input: unknown, prefix = ""): { ok: true; value: Portfolio } | { ok: false; issues: InputIssue[] } {
  const r = portfolioSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: fromZod(r.error, input, prefix) };
  const v = r.data;
  const positions: Position[] = v.positions.map((p) => (p.entryPrice === undefined ? { instrument: p.instrument, size: p.size } : p));
  const openOrders: OpenOrder[] = v.openOrders.map((o) => (o.price === undefined ? { instrument: o.instrument, size: o.size } : o));
  return { ok: true, value: { account: v.account, collateral: v.collateral, positions, openOrders } };
}

/** Like parsePortfolio, but throws a DpmInputError. */
export function portfolioFrom(input: unknown): Portfolio {
  const r = parsePortfolio(input);
  if (!r.ok) throw new DpmInputError("invalid portfolio", r.issues);
  return r.value;
}
