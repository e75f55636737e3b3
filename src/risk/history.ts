/**
 * Daily price history: parsing of CSV text (pure) and selection of return windows (DESIGN.md section 6).
 *
 * Two formats are read, both with a header row and columns found by name (case-insensitive):
 * - one file per asset with `Date` and `Close` columns (the Yahoo layout `Date,Close,High,Low,Open,Volume`
 *   of `<SYM>-USD_1d.csv`); other columns are ignored;
 * - a plain table `date,<ASSET>,<ASSET>,...` of closes, one column per asset; an empty cell means the
 *   asset has no close that day.
 *
 * Handling (documented in docs/risk.md): dates must be `YYYY-MM-DD` (a time part after `T` or a space is
 * ignored), strictly increasing (unsorted or duplicate dates are errors), closes finite and > 0.
 * Missing calendar days are allowed in a file, but a return window that spans one is an error: returns
 * are always over one calendar day (the data is 7 days a week).
 */
import type { Parsed } from "../domain/instrument.js";

/** Milliseconds per day. */
export const MS_PER_DAY = 86_400_000;

/** Daily closes of one asset, in USD, on strictly increasing UTC days. */
export interface PriceSeries {
  readonly asset: string;
  /** Day numbers (days since 1970-01-01 UTC), strictly increasing. */
  readonly days: Int32Array;
  /** Close of each day (USD, > 0). */
  readonly closes: Float64Array;
}

/** Price history by asset code. */
export type PriceHistory = ReadonlyMap<string, PriceSeries>;

/** One problem in a history file: the line (1-based) and what is wrong. */
export interface HistoryProblem {
  readonly line: number;
  readonly message: string;
  readonly value?: string;
}

export type HistoryParse = { ok: true; value: PriceSeries[] } | { ok: false; problems: HistoryProblem[] };

/** `YYYY-MM-DD` (optionally followed by a time) → day number, or undefined. */
export function parseDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(text.trim());
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return t / MS_PER_DAY;
}

/** Day number → `YYYY-MM-DD`. */
export function dayText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

const MAX_PROBLEMS = 20;

/**
 * Parse a history CSV. With a `close` column the file is one asset's series and `asset` names it
 * (from the file name); otherwise every column but `date` is an asset's closes.
 */
export function parseHistoryCsv(text: string, asset?: string): HistoryParse {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const lower = header.map((h) => h.toLowerCase());
  const dateCol = lower.indexOf("date");
  if (dateCol < 0) return { ok: false, problems: [{ line: 1, message: "the header has no Date column", value: lines[0] ?? "" }] };
  const closeCol = lower.indexOf("close");
  let cols: { col: number; asset: string }[];
  if (closeCol >= 0) {
    if (asset === undefined) return { ok: false, problems: [{ line: 1, message: "a Date,Close file needs its asset from the file name <SYM>-USD_1d.csv" }] };
    cols = [{ col: closeCol, asset }];
  } else {
    cols = header.map((h, col) => ({ col, asset: h.toUpperCase() })).filter((c) => c.col !== dateCol);
    const bad = cols.find((c) => !/^[A-Z][A-Z0-9]{0,11}$/.test(c.asset));
    if (cols.length === 0) return { ok: false, problems: [{ line: 1, message: "the header names no asset column (expected date,<ASSET>,... or Date,Close,...)" }] };
    if (bad) return { ok: false, problems: [{ line: 1, message: "column names must be asset codes such as BTC", value: header[bad.col] }] };
  }
  return parseRows(lines, dateCol, cols, header.length);
}

function parseRows(lines: readonly string[], dateCol: number, cols: readonly { col: number; asset: string }[], width: number): HistoryParse {
  const problems: HistoryProblem[] = [];
  const days: number[][] = cols.map(() => []);
  const closes: number[][] = cols.map(() => []);
  let lastDay = -Infinity, prevDay = -Infinity;
  let lastText = "";
  for (let i = 1; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const raw = lines[i];
    if (raw.trim() === "") continue;
    const cells = raw.split(",");
    if (cells.length !== width) {
      problems.push({ line: i + 1, message: `expected ${width} columns, found ${cells.length}`, value: raw });
      continue;
    }
    const day = parseDay(cells[dateCol]);
    if (day === undefined) {
      problems.push({ line: i + 1, message: "date must be YYYY-MM-DD", value: cells[dateCol] });
      continue;
    }
    if (day === prevDay) problems.push({ line: i + 1, message: `duplicate date (also on the previous row)`, value: cells[dateCol] });
    else if (day < lastDay) problems.push({ line: i + 1, message: `dates must be increasing: ${cells[dateCol].trim()} comes after ${lastText}`, value: cells[dateCol] });
    lastDay = Math.max(day, lastDay);
    prevDay = day;
    lastText = cells[dateCol].trim();
    cols.forEach((c, j) => {
      const cell = cells[c.col].trim();
      if (cell === "" && cols.length > 1) return;
      const v = Number(cell);
      if (cell === "" || !Number.isFinite(v) || v <= 0) {
        problems.push({ line: i + 1, message: `${c.asset} close must be a finite number > 0`, value: cell });
        return;
      }
      days[j].push(day);
      closes[j].push(v);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const series = cols.map((c, j) => ({ asset: c.asset, days: Int32Array.from(days[j]), closes: Float64Array.from(closes[j]) }));
  const empty = series.find((s) => s.days.length < 2);
  if (empty) return { ok: false, problems: [{ line: 1, message: `${empty.asset} has fewer than 2 closes` }] };
  return { ok: true, value: series };
}

/** Index of the last day ≤ `day` in a series, or −1. */
export function lastIndexOnOrBefore(s: PriceSeries, day: number): number {
  let lo = 0, hi = s.days.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s.days[mid] <= day) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

/** Daily log returns of several assets over the same consecutive calendar days. */
export interface ReturnWindow {
  readonly assets: readonly string[];
  /** Day number of each return's end close (return t is ln(close[t] / close[t−1])). */
  readonly days: Int32Array;
  /** returns[a][t]: log return of asset a on day t. */
  readonly returns: readonly Float64Array[];
  /** Close of each asset on the last day of the window (USD). */
  readonly lastCloses: Float64Array;
}

function seriesOf(h: PriceHistory, asset: string): Parsed<PriceSeries> {
  const s = h.get(asset);
  return s ? { ok: true, value: s } : { ok: false, reason: `no price history for ${asset}` };
}

/**
 * The `n` daily log returns (n + 1 closes) of every asset, all ending at the last close dated on or before
 * `endDay` that every asset has. `n` = undefined takes the longest run of consecutive common days.
 * Errors: an asset without history, a window longer than the data, a gap inside the window.
 */
export function returnWindow(h: PriceHistory, assets: readonly string[], endDay: number, n?: number): Parsed<ReturnWindow> {
  if (assets.length === 0) return { ok: false, reason: "no risk factors: the portfolio has no non-stablecoin exposure" };
  if (n !== undefined && !(Number.isInteger(n) && n >= 2)) return { ok: false, reason: `lookback must be an integer ≥ 2 (got ${n})` };
  const all: PriceSeries[] = [];
  for (const a of assets) {
    const s = seriesOf(h, a);
    if (!s.ok) return s;
    all.push(s.value);
  }
  let end = endDay;
  for (const s of all) {
    const i = lastIndexOnOrBefore(s, end);
    if (i < 0) return { ok: false, reason: `${s.asset}: no close on or before ${dayText(endDay)} (history starts ${dayText(s.days[0])})` };
    end = Math.min(end, s.days[i]);
  }
  // Longest run of consecutive days ending at `end` common to all assets.
  let avail = Infinity;
  const ends = all.map((s) => lastIndexOnOrBefore(s, end));
  for (let k = 0; k < all.length; k++) {
    const s = all[k], e = ends[k];
    if (s.days[e] !== end) return { ok: false, reason: `${s.asset}: no close on ${dayText(end)}, the last day the other assets share` };
    let run = 0;
    while (e - run - 1 >= 0 && s.days[e - run - 1] === end - run - 1) run++;
    if (n !== undefined && run < n) {
      const gapAt = e - run - 1 >= 0 ? `a gap before ${dayText(end - run)} (previous close ${dayText(s.days[e - run - 1])})` : `history starting ${dayText(s.days[0])}`;
      return { ok: false, reason: `${s.asset}: the window needs ${n} daily returns (${n + 1} closes) ending ${dayText(end)}, but only ${run} are available (${gapAt})` };
    }
    avail = Math.min(avail, run);
  }
  const len = n ?? avail;
  if (len < 2) return { ok: false, reason: `fewer than 2 common daily returns ending ${dayText(end)}` };
  const days = new Int32Array(len);
  for (let t = 0; t < len; t++) days[t] = end - len + 1 + t;
  const returns = all.map((s, k) => {
    const r = new Float64Array(len);
    const base = ends[k] - len;
    for (let t = 0; t < len; t++) r[t] = Math.log(s.closes[base + t + 1] / s.closes[base + t]);
    return r;
  });
  return { ok: true, value: { assets: [...assets], days, returns, lastCloses: Float64Array.from(all.map((s, k) => s.closes[ends[k]])) } };
}

/** Returns of a window restricted to the days in [fromDay, toDay] (a stress window); null when not fully covered. */
export function subWindow(h: PriceHistory, assets: readonly string[], fromDay: number, toDay: number): ReturnWindow | null {
  const w = returnWindow(h, assets, toDay, toDay - fromDay);
  if (!w.ok || w.value.days[w.value.days.length - 1] !== toDay) return null;
  return w.value;
}
