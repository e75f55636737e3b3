/**
 * A fast path of `parsePortfolio` for the common portfolio (a plain object with an account, numeric collateral,
 * positions and open orders with numeric prices, sizes and amounts as numbers or exact decimal strings, no venues):
 * the same checks as the zod schema (portfolioSchema.ts) written as plain code, and the same value. Anything it does
 * not recognise as valid (a bad field, a venue) returns undefined, and the caller runs the zod schema, whose messages are the
 * only error messages: so the errors are identical and the fast path never decides that an input is invalid.
 * Instruments are parsed once per name (the `Instrument` objects are shared, immutable values).
 */
import { parseInstrument, type Instrument } from "../domain/instrument.js";
import type { OpenOrder, Portfolio, Position } from "../domain/portfolio.js";
import { instrumentNameProblem, MAX_ABS_SIZE, MAX_AMOUNT, MAX_PRICE, MIN_PRICE } from "./bounds.js";
import { decimalNumber } from "./decimal.js";

const ASSET = /^[A-Z][A-Z0-9]{0,11}$/;
const names = new Map<string, Instrument | null>();

/** The parsed instrument of a valid name, or null (cached; at most 10,000 names). */
export function instrumentNamed(name: unknown): Instrument | null {
  if (typeof name !== "string") return null;
  let i = names.get(name);
  if (i !== undefined) return i;
  const p = parseInstrument(name);
  i = p.ok && instrumentNameProblem(name) === undefined ? p.value : null;
  if (names.size < 10_000) names.set(name, i);
  return i;
}

/** A plain JSON object (not null, not an array, no prototype but Object's). */
export const plain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const price = (v: unknown): boolean => num(v) && v >= MIN_PRICE && v <= MAX_PRICE;

/** A size or amount as the schema's `amountOf` reads it (a finite number, or an exact decimal string), else undefined. */
function amount(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string") return undefined;
  const n = decimalNumber(v);
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** Every own key of `o` is one of `keys`. */
export function only(o: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const k in o) if (!keys.includes(k)) return false;
  return true;
}

/*
 * The rules of one position, one order and one collateral amount (sizes and amounts already read: `amount`), shared with
 * the JSON-line reader (portfolioLine.ts), which reads the same fields from bytes.
 */

/** The position of an instrument (null: no valid name), a size and an entry price (undefined: none), or undefined. */
export function fastPosition(inst: Instrument | null, size: number | undefined, entry: unknown): Position | undefined {
  if (!inst || size === undefined || Math.abs(size) > MAX_ABS_SIZE) return undefined;
  if (entry === undefined) return { instrument: inst, size };
  if (!price(entry) || (inst.kind !== "future" && inst.kind !== "perpetual")) return undefined;
  return { instrument: inst, size, entryPrice: entry as number };
}

/** The resting order of an instrument, a size (≠ 0) and a limit price (undefined: none), or undefined. */
export function fastOrder(inst: Instrument | null, size: number | undefined, px: unknown): OpenOrder | undefined {
  if (!inst || size === undefined || Math.abs(size) > MAX_ABS_SIZE || size === 0) return undefined;
  if (px === undefined) return { instrument: inst, size };
  if (!price(px)) return undefined;
  return { instrument: inst, size, price: px as number };
}

/** A collateral amount the fast checks accept: 0 to MAX_AMOUNT. */
export const collateralAmount = (x: number | undefined): x is number => x !== undefined && x >= 0 && x <= MAX_AMOUNT;

/** An asset code as the schema takes it. */
export const isAssetCode = (code: string): boolean => ASSET.test(code);

const POSITION_KEYS = ["instrument", "size", "entryPrice"], ORDER_KEYS = ["instrument", "size", "price"], TOP_KEYS = ["account", "collateral", "positions", "openOrders"];

function positions(v: unknown): Position[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 100_000) return undefined;
  const out: Position[] = new Array(v.length);
  for (let j = 0; j < v.length; j++) {
    const p: unknown = v[j];
    if (!plain(p) || !only(p, POSITION_KEYS)) return undefined;
    const x = fastPosition(instrumentNamed(p.instrument), amount(p.size), p.entryPrice);
    if (x === undefined) return undefined;
    out[j] = x;
  }
  return out;
}

function orders(v: unknown): OpenOrder[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 100_000) return undefined;
  const out: OpenOrder[] = new Array(v.length);
  for (let j = 0; j < v.length; j++) {
    const o: unknown = v[j];
    if (!plain(o) || !only(o, ORDER_KEYS)) return undefined;
    const x = fastOrder(instrumentNamed(o.instrument), amount(o.size), o.price);
    if (x === undefined) return undefined;
    out[j] = x;
  }
  return out;
}

function collateral(v: unknown): Record<string, number> | undefined {
  if (v === undefined) return {};
  if (!plain(v)) return undefined;
  const out: Record<string, number> = {};
  for (const k in v) {
    const x = amount(v[k]);
    if (!ASSET.test(k) || !collateralAmount(x)) return undefined;
    out[k] = x;
  }
  return out;
}

/** The portfolio when `input` is a valid common portfolio, else undefined (then parse with the zod schema). */
export function parsePortfolioFast(input: unknown): Portfolio | undefined {
  if (!plain(input) || !only(input, TOP_KEYS)) return undefined;
  const account = input.account;
  if (typeof account !== "string" || account.length < 1 || account.length > 200) return undefined;
  const c = collateral(input.collateral), p = positions(input.positions), o = orders(input.openOrders);
  if (!c || !p || !o) return undefined;
  return { account, collateral: c, positions: p, openOrders: o };
}
