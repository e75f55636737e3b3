/**
 * Bar series: open / high / low / close / volume per period, the one input of the adaptive-margin models.
 * Offline the periods are the UTC days of `<SYM>-USD_1d.csv` files; a live path aggregates ticks into the
 * same bars, so every feature is computed the same way offline and live. Optional live measurements
 * (implied-vol level, skew, book depth, spread, signed flow, funding, basis) ride along in `live` and are
 * absent offline. Pure: CSV text in, typed arrays out; no I/O.
 */
import { parseDay, type HistoryProblem } from "../../risk/history.js";

/** OHLCV bars of one asset on consecutive or increasing periods. Prices in USD (> 0), volume ≥ 0 (any unit). */
export interface Bars {
  readonly asset: string;
  /** Period number of each bar, strictly increasing (daily bars: days since 1970-01-01 UTC). */
  readonly periods: Int32Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** Optional live measurements per bar, one column per name (same length as `close`); absent offline. */
  readonly live?: Readonly<Record<string, Float64Array>>;
}

export type BarsParse = { ok: true; value: Bars } | { ok: false; problems: HistoryProblem[] };

const MAX_PROBLEMS = 20;
const COLUMNS = ["open", "high", "low", "close", "volume"] as const;
type Column = (typeof COLUMNS)[number];

function headerColumns(headerLine: string): { date: number; cols: Record<Column, number>; width: number } | HistoryProblem {
  const lower = headerLine.split(",").map((h) => h.trim().toLowerCase());
  const date = lower.indexOf("date") >= 0 ? lower.indexOf("date") : lower.indexOf("time");
  if (date < 0) return { line: 1, message: "the header has no Date (or time) column", value: headerLine };
  const cols = {} as Record<Column, number>;
  for (const c of COLUMNS) {
    const i = lower.indexOf(c);
    if (i < 0) return { line: 1, message: `the header has no ${c} column (expected Date,Open,High,Low,Close,Volume in any order)`, value: headerLine };
    cols[c] = i;
  }
  return { date, cols, width: lower.length };
}

function rowProblem(v: Record<Column, number>): string | undefined {
  for (const c of ["open", "high", "low", "close"] as const) if (!(Number.isFinite(v[c]) && v[c] > 0)) return `${c} must be a finite number > 0`;
  if (!(Number.isFinite(v.volume) && v.volume >= 0)) return "volume must be a finite number ≥ 0";
  if (v.low > Math.min(v.open, v.close) || v.high < Math.max(v.open, v.close)) return "must satisfy low ≤ min(open, close) ≤ max(open, close) ≤ high";
  return undefined;
}

/**
 * Parse an OHLCV CSV (columns found by header name, case-insensitive: Date or time, Open, High, Low, Close,
 * Volume; others ignored). Dates `YYYY-MM-DD` (a time part is ignored), strictly increasing. Every problem
 * is reported with its 1-based line (at most 20).
 */
export function parseBarsCsv(text: string, asset: string): BarsParse {
  const lines = text.split(/\r?\n/);
  const h = headerColumns(lines[0] ?? "");
  if ("line" in h) return { ok: false, problems: [h] };
  const problems: HistoryProblem[] = [];
  const rows: { day: number; v: Record<Column, number> }[] = [];
  let last = -Infinity;
  for (let i = 1; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    if (lines[i].trim() === "") continue;
    const cells = lines[i].split(",");
    if (cells.length !== h.width) { problems.push({ line: i + 1, message: `expected ${h.width} columns, found ${cells.length}`, value: lines[i] }); continue; }
    const day = parseDay(cells[h.date]);
    if (day === undefined) { problems.push({ line: i + 1, message: "date must be YYYY-MM-DD", value: cells[h.date] }); continue; }
    if (day <= last) { problems.push({ line: i + 1, message: day === last ? "duplicate date" : "dates must be increasing", value: cells[h.date] }); continue; }
    last = day;
    const v = {} as Record<Column, number>;
    for (const c of COLUMNS) { const s = cells[h.cols[c]].trim(); v[c] = s === "" ? NaN : Number(s); }
    const bad = rowProblem(v);
    if (bad) { problems.push({ line: i + 1, message: `${asset}: ${bad}`, value: lines[i] }); continue; }
    rows.push({ day, v });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (rows.length < 2) return { ok: false, problems: [{ line: 1, message: `${asset} has fewer than 2 bars` }] };
  const col = (c: Column): Float64Array => Float64Array.from(rows, (r) => r.v[c]);
  return { ok: true, value: { asset, periods: Int32Array.from(rows, (r) => r.day), open: col("open"), high: col("high"), low: col("low"), close: col("close"), volume: col("volume") } };
}

/** Bars `from` (inclusive) to `to` (exclusive), sharing no storage with the input. */
export function sliceBars(b: Bars, from: number, to: number): Bars {
  const s = <T extends Float64Array | Int32Array>(a: T): T => a.slice(from, to) as T;
  const live = b.live ? Object.fromEntries(Object.entries(b.live).map(([k, v]) => [k, s(v)])) : undefined;
  return { asset: b.asset, periods: s(b.periods), open: s(b.open), high: s(b.high), low: s(b.low), close: s(b.close), volume: s(b.volume), ...(live ? { live } : {}) };
}

/**
 * The longest run of consecutive periods ending at the last bar (a gap cuts everything before it), and
 * how many bars were dropped: every return of the models is then over exactly one period.
 */
export function consecutiveTail(b: Bars): { bars: Bars; dropped: number } {
  const p = b.periods;
  let start = p.length - 1;
  while (start > 0 && p[start - 1] === p[start] - 1) start--;
  return start === 0 ? { bars: b, dropped: 0 } : { bars: sliceBars(b, start, p.length), dropped: start };
}

/** Bars up to and including period `last` (none after it). */
export function barsUpTo(b: Bars, last: number): Bars {
  let n = 0;
  while (n < b.periods.length && b.periods[n] <= last) n++;
  return n === b.periods.length ? b : sliceBars(b, 0, n);
}
