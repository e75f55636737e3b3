/**
 * Fixed economic bounds on every number that enters dpm, in one place (issue 11). Every path uses these:
 * HTTP bodies, engine events (and so the replay, simulated and Deribit feeds, which submit events), the
 * market and portfolio files of the CLI. A value outside a fixed bound is invalid input (HTTP 400, CLI exit 2)
 * with an issue naming the bound; bounds that depend on the current market (price bands around the mark or
 * index, the index move of a tick) live in src/engine/priceBands.ts and answer 409.
 *
 * | quantity | bound | why |
 * |---|---|---|
 * | price, index, mark, stable price, strike | 1e-12 ≤ x ≤ 1e12 | 1e-12 is the ledger's resolution (one unit per coin) |
 * | coin-settled option price | ≥ 0.0001 coin | the venue's tick (Deribit) |
 * | linear option price | ≥ 0.0001 quote | a tick floor |
 * | option premium size × price | ≥ 1e-12 once rounded | a premium that rounds to 0 units is not a trade |
 * | volatility, mark IV | 1e-4 ≤ σ ≤ 10 | 0.01 % to 1000 % a year |
 * | rate | −1 ≤ r ≤ 1 | a year's carry |
 * | funding rate | −0.1 ≤ r ≤ 0.1 | per payment |
 * | decimal amount or size | \|x\| ≤ 1e15, at most 12 decimals | exact 1e-12 units |
 * | open interest, depth | 0 ≤ x ≤ 1e18 | |
 * | relative book spread (ask − bid) / mid | 0 ≤ s ≤ 2 | a bid of 0 gives 2 |
 * | time | integer epoch ms in [0, 8.64e15] | the range of a JS Date |
 * | instrument name | ≤ 64 characters | |
 * | market file mark (future, perpetual) | within 100× of its index | a unit error beyond; options: no-arbitrage bounds |
 *
 * The zod schemas of these bounds are in boundSchemas.ts: this module loads no zod, so that a path that only checks
 * (the fast portfolio parser in a `dpm margin` worker thread) does not pay zod's import (~75-110 ms).
 */
import type { Instrument } from "../domain/instrument.js";
import type { InputIssue } from "./issues.js";
import { instrumentNamed } from "../domain/instrument.js";

/** Smallest price, index or mark: the ledger's resolution (1e-12 of the quote per coin). */
export const MIN_PRICE = 1e-12;
/** Largest price, index, mark or strike. */
export const MAX_PRICE = 1e12;
/** Smallest price of a coin-settled option (Deribit's tick: 0.0001 coin). */
export const INVERSE_OPTION_TICK = 0.0001;
/** Smallest price of a linear option (quote units). */
export const LINEAR_OPTION_TICK = 0.0001;
/** Volatility range (annualised). */
export const MIN_VOL = 1e-4;
export const MAX_VOL = 10;
/** |rate| bound (carry / discount rate, annualised). */
export const MAX_RATE = 1;
/** |funding rate| bound per payment. */
export const MAX_FUNDING_RATE = 0.1;
/** Largest |size| of a position or order in a portfolio file: anything larger is a unit error, not a position. */
export const MAX_ABS_SIZE = 1e12;
/** Largest |amount| or |size| of one input, exact decimal. */
export const MAX_AMOUNT = 1e15;
/** Decimals of exact amounts (1e-12 units). */
export const AMOUNT_DECIMALS = 12;
/** Largest |balance| or |position| the engine state may hold (the invariant's representable range). */
export const MAX_STATE_AMOUNT = 1e18;
/** Largest open interest or book depth. */
export const MAX_LIQUIDITY = 1e18;
/** Largest relative spread (ask − bid) / mid: 2 when the bid is 0. */
export const MAX_SPREAD = 2;
/** Longest instrument name. */
export const MAX_NAME_LENGTH = 64;
/** Latest time (ms since the epoch) a JS Date can hold. */
export const MAX_TIME = 8.64e15;

/**
 * Market files (and the engine's initial `market` event): a future's or perpetual's mark within this factor of its
 * index in the quote currency. Wide on purpose: venue test vectors price hypothetical depegs and bases (33× seen);
 * beyond 100× it is a unit error. Ticks, fills and orders on the live market use the tighter DEFAULT_PRICE_BAND.
 */
export const FILE_MARK_BAND = 100;
/** State-dependent defaults (src/engine/priceBands.ts): fills and marks of futures within this factor of the mark. */
export const DEFAULT_PRICE_BAND = 2;
/** State-dependent default: a tick moving the index by more than this fraction needs `force: true`. */
export const DEFAULT_MAX_INDEX_MOVE = 0.5;

/**
 * A decimal string the server accepts: an optional minus, at most 16 integer digits, at most 12 significant
 * decimals (trailing zeros beyond them allowed, up to 24 decimals in all). The OpenAPI document uses this
 * exact pattern; the range |x| ≤ 1e15 is checked after it.
 */
export const DECIMAL_PATTERN = "^-?\\d{1,16}(\\.\\d{1,12}0{0,12})?$";
const DECIMAL_RE = new RegExp(DECIMAL_PATTERN);

/** Why a decimal string does not match the accepted form (the range is checked on the exact value), or undefined. */
export function decimalStringProblem(s: string): string | undefined {
  if (s.length > 42 || !DECIMAL_RE.test(s)) return `must be a decimal such as "12.5" (at most 16 integer digits and 12 significant decimals; no exponent, sign + or spaces)`;
  return undefined;
}

/** Is `x` a number inside the fixed price bounds? */
export const isPrice = (x: unknown): x is number => typeof x === "number" && x >= MIN_PRICE && x <= MAX_PRICE;

/** Why an instrument name is refused (unknown, too long, strike out of range), or undefined. */
export function instrumentNameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `unknown instrument name (longer than ${MAX_NAME_LENGTH} characters)`;
  const i = instrumentNamed(name);
  if (!i) return "unknown instrument name";
  if (i.strike !== undefined && (i.strike < MIN_PRICE || i.strike > MAX_PRICE)) return `strike must be in [${MIN_PRICE}, ${MAX_PRICE}]`;
  return undefined;
}

/** The tick floor of an instrument's price (options), or the smallest price. */
export function minPriceOf(inst: Instrument): number {
  if (inst.kind !== "option") return MIN_PRICE;
  return inst.settlement === "inverse" ? INVERSE_OPTION_TICK : LINEAR_OPTION_TICK;
}

/**
 * Fixed (market-independent) problems of a trade price on an instrument: below the tick of options, or an
 * option or spot trade whose cash flow rounds to 0 ledger units. `size` is the traded quantity (coins for
 * options and spot). Undefined when fine.
 */
export function tradePriceProblem(inst: Instrument, price: number, size: number | undefined): string | undefined {
  const min = minPriceOf(inst);
  if (price < min) return inst.kind === "option" ? `must be at least ${min} (the tick of ${inst.settlement === "inverse" ? "coin-settled" : "linear"} options)` : `must be at least ${min}`;
  if (size !== undefined && (inst.kind === "option" || inst.kind === "spot") && Math.abs(size * price) < 0.5e-12) return `size × price = ${size * price} rounds to 0 ledger units (1e-12): not a trade`;
  return undefined;
}

/** What a price of an instrument is compared with: the underlying's index (USD), the quote's USD value, a mark (quote). */
export interface PriceRef {
  readonly index: number;
  readonly quoteIndex: number;
  readonly mark?: number;
}

/** The allowed range of a price of `inst` and the rule it comes from. */
export interface PriceRange {
  readonly lo: number;
  readonly hi: number;
  readonly rule: string;
}

/** A bound or value for a message: plain below 1e15 and above 1e-4, else exponent notation. */
export const fmtBound = (x: number): string => (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e15 ? String(Number(x.toPrecision(10))) : x.toExponential(6));

/**
 * The range of a price of `inst` given the reference: futures, perpetuals and spot within `factor` of the mark
 * (or the index in the quote currency); options inside their no-arbitrage bounds, above their tick.
 */
export function priceRange(inst: Instrument, ref: PriceRef, factor: number): PriceRange {
  const inQuote = ref.index / ref.quoteIndex;
  if (inst.kind === "option") {
    const k = inst.strike ?? 0;
    const lo = minPriceOf(inst);
    if (inst.settlement === "inverse") {
      return inst.right === "call"
        ? { lo, hi: 1, rule: "a coin-settled call is worth less than 1 coin" }
        : { lo, hi: k / ref.index, rule: `a coin-settled put is worth less than strike / index = ${fmtBound(k)} / ${fmtBound(ref.index)} coins` };
    }
    return inst.right === "call"
      ? { lo, hi: inQuote, rule: `a linear call is worth less than the ${inst.underlying} price ${fmtBound(inQuote)} ${inst.quote}` }
      : { lo, hi: k, rule: `a linear put is worth less than its strike ${fmtBound(k)} ${inst.quote}` };
  }
  const m = inst.kind === "spot" ? ref.index : ref.mark ?? inQuote;
  const what = inst.kind === "spot" ? `the ${inst.underlying} index ${fmtBound(m)}` : ref.mark !== undefined ? `the mark ${fmtBound(m)}` : `the mark (the index ${fmtBound(m)} in ${inst.quote})`;
  return { lo: m / factor, hi: m * factor, rule: `within ${factor}× of ${what}` };
}

/** An issue when `price` lies outside its range. */
export function priceIssue(path: string, inst: Instrument, price: number, ref: PriceRef, factor: number): InputIssue | undefined {
  const r = priceRange(inst, ref, factor);
  if (price >= r.lo && price <= r.hi) return undefined;
  return { path, message: `must be between ${fmtBound(r.lo)} and ${fmtBound(r.hi)} (${r.rule})`, value: price };
}
