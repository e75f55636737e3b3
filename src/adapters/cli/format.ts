import type { MarginResult } from "../../margin/result.js";
import type { GreeksRow } from "../../risk/greeksReport.js";
import { CELL_FIXED, CELL_GROUPED, CELL_NUM, Cells, cellsTableInto } from "./cellTable.js";
import { NEWLINE, tableInto, TextBuffer } from "./textTable.js";

/** Where the string formatters below lay out their tables (reused: one table at a time). */
const scratch = new TextBuffer();
const flat: string[] = [];

/** Fixed-width table: first column left-aligned, the rest right-aligned; a short row's missing cells are blank. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const n = header.length;
  flat.length = 0;
  for (const r of rows) for (let i = 0; i < n; i++) flat.push(r[i] ?? "");
  scratch.pos = 0;
  tableInto(scratch, header, flat, rows.length);
  return scratch.toString();
}

/** Fallback for |v| ≥ 1e21, NaN and infinities: one cached NumberFormat per number of decimals. */
const formatters = new Map<number, Intl.NumberFormat>();
function intl(v: number, d: number): string {
  let f = formatters.get(d);
  if (!f) formatters.set(d, (f = new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })));
  return f.format(v);
}

/** A string of decimal digits plus one in its last place ("0999" → "1000"). */
function plusOne(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === "9") i--;
  if (i < 0) return `1${"0".repeat(digits.length)}`;
  return `${digits.slice(0, i)}${String.fromCharCode(digits.charCodeAt(i) + 1)}${"0".repeat(digits.length - i - 1)}`;
}

/**
 * `v` with `d` decimals and thousands separators, exactly as `toLocaleString("en-US")` with d fraction digits
 * writes it: like ICU, it rounds the shortest decimal form of the double (`String(v)`), half away from zero;
 * a negative amount that rounds to zero is shown as zero. Hand-written because a NumberFormat call per
 * amount was most of a 20,000-account table's time (`toLocaleString` even built a new NumberFormat per call).
 */
export function grouped(v: number, d: number): string {
  const a = Math.abs(v), p = 10 ** d, x = a * p;
  if (x < 1e12) {
    // Fast path: below 1e12 the scaled value is off by less than 2^-13 from a·10^d, so away from a half
    // (more than 1e-3 from it) both roundings agree with the rounding of the integer part plus one.
    const f = Math.floor(x), r = x - f;
    if (Math.abs(r - 0.5) > 1e-3) {
      const q = r > 0.5 ? f + 1 : f, int = Math.floor(q / p);
      const text = d === 0 ? thousands(int) : `${thousands(int)}.${decimals(q - int * p, d)}`;
      return v < 0 && q > 0 ? `-${text}` : text;
    }
  }
  if (!Number.isFinite(v) || a >= 1e21) return intl(v, d);
  const s = String(a);
  const e = s.indexOf("e"), dot = s.indexOf(".");
  // Below 1e-6 String() writes m.mmme-k (k ≥ 7): 0.000…0mmm.
  const int = e >= 0 ? "0" : dot < 0 ? s : s.slice(0, dot);
  const frac = e >= 0 ? `${"0".repeat(-Number(s.slice(e + 1)) - 1)}${s.slice(0, e).replace(".", "")}` : dot < 0 ? "" : s.slice(dot + 1);
  let digits = int + frac.slice(0, d).padEnd(d, "0");
  if (frac.length > d && frac.charCodeAt(d) >= 53) digits = plusOne(digits);
  return withDigits(v, digits, d);
}

/** Three-digit groups "000" … "999", and two-digit decimals "00" … "99". */
const GROUPS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const CENTS = GROUPS.map((g) => g.slice(1)).slice(0, 100);

/** A non-negative integer below 2^53 with thousands separators. */
function thousands(q: number): string {
  if (q < 1000) return String(q);
  const hi = Math.floor(q / 1000);
  return `${thousands(hi)},${GROUPS[q - hi * 1000]}`;
}

/** `q` (0 ≤ q < 10^d) as exactly `d` digits. */
function decimals(q: number, d: number): string {
  return d === 2 ? CENTS[q] : String(q).padStart(d, "0");
}

/** The rounded digits of |v| (the last `d` of them decimals) with separators and the sign of v unless zero. */
function withDigits(v: number, digits: string, d: number): string {
  const n = digits.length - d;
  let text = digits.slice(0, n % 3 || 3);
  for (let i = n % 3 || 3; i < n; i += 3) text += `,${digits.slice(i, i + 3)}`;
  if (d > 0) text += `.${digits.slice(n)}`;
  return v < 0 && /[1-9]/.test(digits) ? `-${text}` : text;
}

/** Decimals of an amount in a currency: 2 for USD and stablecoins, 6 for coins. */
const amountDecimals = (currency: string): number => (currency === "USD" || currency.startsWith("USD") ? 2 : 6);

/** An amount in a currency: 2 decimals for USD and stablecoins, 6 for coins. */
export function amount(v: number, currency: string): string {
  return grouped(v, amountDecimals(currency));
}

/** Four-digit decimals "0000" … "9999". */
const FOUR = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, "0"));

/**
 * `v.toFixed(d)` (0 ≤ d ≤ 20), the same string: the exact value of the double rounded to d decimals, half up.
 * Below 1e15 after scaling, `|v|·10^d` rounded to a double cannot cross k + ½ (a double itself: rounding is
 * monotonic), so unless the scaled double is exactly a half its nearest integer is that of the exact value, and
 * the digits are built from integers (a table for 4 decimals). At an exact half, and beyond 1e15, `toFixed` decides.
 * A quarter less time than `toFixed` per amount; a 20,000-account table writes 1.2 million of them.
 */
export function fixed(v: number, d: number): string {
  const p = 10 ** d, x = Math.abs(v) * p;
  if (x < 1e15) {
    const f = Math.floor(x), r = x - f;
    if (r !== 0.5) {
      const q = r > 0.5 ? f + 1 : f, int = Math.floor(q / p), frac = q - int * p;
      const t = d === 0 ? String(int) : `${int}.${d === 4 ? FOUR[frac] : String(frac).padStart(d, "0")}`;
      return v < 0 ? `-${t}` : t;
    }
  }
  return v.toFixed(d);
}

/** `v` with `digits` decimals (`toFixed`), or in exponent form (3 decimals) at 1e6 and above or below 1e-4; 0 as "0". */
export function num(v: number, digits = 4): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-4 ? v.toExponential(3) : fixed(v, digits);
}

/** The header line after the account: " | model … | currency | as of …" and the line end, kept for the last three. */
const lastHeader = { model: "", currency: "", asOf: "", tail: "" };
function headerTail(model: string, currency: string, asOf: string): string {
  const h = lastHeader;
  if (h.model !== model || h.currency !== currency || h.asOf !== asOf || h.tail === "") {
    h.model = model; h.currency = currency; h.asOf = asOf; h.tail = ` | model ${model} | ${currency} | as of ${asOf}\n`;
  }
  return h.tail;
}

const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);

const SUMMARY = ["equity", "adj. equity", "initial margin", "maint. margin", "available", "MM ratio", "status"];
const COMPONENTS = ["component", "underlying", "amount", "scenario / detail"];
const POSITIONS = ["instrument", "size", "mark", "value", "delta", "gamma", "vega", "theta", "margin +/-"];

/** Scenario texts by scenario object: results share one frozen object per grid cell or extended move. */
const scenarioTexts = new WeakMap<object, string>();

function componentDetail(k: MarginResult["components"][number]): string {
  const s = k.scenario;
  return s ? scenarioText(s) : detailText(k.detail);
}

/** The text of a component's scenario (kept per shared, frozen scenario object). */
export function scenarioText(s: NonNullable<MarginResult["components"][number]["scenario"]>): string {
  let text = scenarioTexts.get(s);
  if (text === undefined) {
    text = `move ${(s.priceShock * 100).toFixed(1)}%, vol ${s.volShock}${s.weight !== undefined ? `, weight ${s.weight.toFixed(3)}` : ""}`;
    if (Object.isFrozen(s)) scenarioTexts.set(s, text);
  }
  return text;
}

/** `grouped(v, d)` as a cell: its bytes, or the string where `grouped` leaves its fast path. */
export function amountCell(cells: Cells, v: number, d: number): void {
  one[0] = v;
  amountCellAt(cells, one, 0, d);
}

/** `num(v, digits)` as a cell: its bytes, or the string where the module declines the number (`Cells#numberCellAt`). */
export function numCell(cells: Cells, v: number, digits = 4): void {
  one[0] = v;
  numCellAt(cells, one, 0, digits);
}

/**
 * `amountCell` of `values[i]`, the double read where it is written (`Cells.numberCellAt`: a double passed to a call V8
 * does not inline is boxed, an allocation per number).
 */
function amountCellAt(cells: Cells, values: Float64Array, i: number, d: number): void {
  if (!cells.numberCellAt(CELL_GROUPED, values, i, d)) cells.text(grouped(values[i], d));
}

/** `numCell` of `values[i]` (see `amountCellAt`). */
function numCellAt(cells: Cells, values: Float64Array, i: number, digits: number): void {
  if (!cells.numberCellAt(CELL_NUM, values, i, digits)) cells.text(num(values[i], digits));
}

const one = new Float64Array(1);
const cells = new Cells();

/** A number cell's format: `AMOUNT` (grouped, the currency's decimals), else `num` with that many digits. */
const AMOUNT = -1;
const SUMMARY_FORMATS = Int8Array.of(AMOUNT, AMOUNT, AMOUNT, AMOUNT, AMOUNT);
/** size, mark, value, delta, gamma, vega, theta, margin +/-. */
const POSITION_FORMATS = Int8Array.of(4, 4, AMOUNT, 4, 8, 4, 4, AMOUNT);
const values = new Float64Array(8);

/**
 * `values[0…n-1]` as cells in `formats`. One call site for each format, not one per column: the compiled
 * `marginTextInto` stays small (each inlined copy of the byte writers was compiled again, on every thread).
 */
function numberCells(formats: Int8Array, d: number): void {
  for (let i = 0; i < formats.length; i++) {
    const f = formats[i];
    if (f === AMOUNT) amountCellAt(cells, values, i, d);
    else numCellAt(cells, values, i, f);
  }
}

/** A component row's first three cells: name, underlying, `amounts[i]` in `d` decimals. */
function componentHead(name: string, underlying: string, amounts: Float64Array, i: number, d: number): void {
  cells.text(name);
  cells.text(underlying);
  amountCellAt(cells, amounts, i, d);
}

/**
 * Positions read from elsewhere than a result's `positions` (the evaluated book: resultJson.ts): how many, and each
 * one's instrument and figures (size, mark, value, delta, gamma, vega, theta, margin contribution, into `into[0…7]`).
 */
export interface PositionSource {
  readonly count: number;
  instrument(i: number): string;
  figures(i: number, into: Float64Array): void;
}

/**
 * The text tables of one margin result, written in parts (`marginTextInto`, and resultJson.ts from the evaluated book):
 * `summaryInto` (figures in `figures[0…4]`: equity, adjusted equity, IM, MM, available), the components (`componentCell`
 * per component, then `componentsInto`), then `positionsInto`.
 */
export const marginText = {
  /** Decimals of the result's amounts. */
  decimals: amountDecimals,
  /** The header line and the summary table. */
  summaryInto(out: TextBuffer, account: string, model: string, currency: string, asOf: string, figures: Float64Array, ratio: number | null, status: string): void {
    out.text("account ");
    out.text(account);
    out.text(headerTail(model, currency, asOf));
    cells.clear();
    for (let i = 0; i < 5; i++) values[i] = figures[i];
    numberCells(SUMMARY_FORMATS, amountDecimals(currency));
    if (ratio === null) cells.text(pct(ratio));
    else {
      values[5] = ratio * 100;
      if (!cells.numberCellAt(CELL_FIXED, values, 5, 1, "", "%")) cells.text(pct(ratio));
    }
    cells.text(status);
    cellsTableInto(out, SUMMARY, cells, 1);
    out.repeat(NEWLINE, 2);
    cells.clear();
  },
  /** A component row whose detail is `prefix` and `num(numbers[j])` (a figure read where it is written, not boxed). */
  componentCellNum(name: string, underlying: string, amounts: Float64Array, i: number, d: number, prefix: string, numbers: Float64Array, j: number): void {
    componentHead(name, underlying, amounts, i, d);
    if (!cells.numberCellAt(CELL_NUM, numbers, j, 4, prefix)) cells.text(prefix + num(numbers[j]));
  },
  /** One component row: name, underlying, `amounts[i]` in `d` decimals, detail. */
  componentCell(name: string, underlying: string, amounts: Float64Array, i: number, d: number, detail: string): void {
    componentHead(name, underlying, amounts, i, d);
    cells.text(detail);
  },
  /** The components table of the `rows` rows given. */
  componentsInto(out: TextBuffer, rows: number): void {
    cellsTableInto(out, COMPONENTS, cells, rows);
  },
  /** The positions table (nothing for none), each position from `source`. */
  positionsInto(out: TextBuffer, source: PositionSource, d: number): void {
    const n = source.count;
    if (n === 0) return;
    out.repeat(NEWLINE, 2);
    cells.clear();
    for (let i = 0; i < n; i++) {
      cells.text(source.instrument(i));
      source.figures(i, values);
      numberCells(POSITION_FORMATS, d);
    }
    cellsTableInto(out, POSITIONS, cells, n);
  },
};

/** A result's own positions as a `PositionSource`. */
class ResultPositions implements PositionSource {
  r!: MarginResult;
  get count(): number {
    return this.r.positions.length;
  }
  instrument(i: number): string {
    return this.r.positions[i].instrument;
  }
  figures(i: number, into: Float64Array): void {
    const p = this.r.positions[i];
    into[0] = p.size; into[1] = p.markPrice; into[2] = p.value; into[3] = p.delta;
    into[4] = p.gamma; into[5] = p.vega; into[6] = p.theta; into[7] = p.marginContribution;
  }
}
const resultPositions = new ResultPositions();
const summary = new Float64Array(5);

/** Summary, components and positions of one margin result, appended to `out` as UTF-8 (what `formatMargin` returns). */
export function marginTextInto(out: TextBuffer, r: MarginResult): void {
  const c = r.currency, d = amountDecimals(c);
  summary[0] = r.equity; summary[1] = r.adjustedEquity; summary[2] = r.initialMargin; summary[3] = r.maintenanceMargin; summary[4] = r.availableFunds;
  marginText.summaryInto(out, r.account, r.model, c, r.asOf, summary, r.marginRatio, r.status);
  for (const k of r.components) {
    cells.text(k.name);
    cells.text(k.underlying ?? k.instrument ?? "");
    amountCell(cells, k.amount, d);
    cells.text(componentDetail(k));
  }
  marginText.componentsInto(out, r.components.length);
  resultPositions.r = r;
  marginText.positionsInto(out, resultPositions, d);
}

/** Summary, components and positions of one margin result. */
export function formatMargin(r: MarginResult): string {
  scratch.pos = 0;
  marginTextInto(scratch, r);
  return scratch.toString();
}

function detailText(d: Readonly<Record<string, unknown>> | undefined): string {
  if (!d) return "";
  let out = "";
  for (const k in d) {
    const v = d[k];
    if (v === null) continue;
    out += `${out === "" ? "" : ", "}${k} ${typeof v === "number" ? num(v) : String(v)}`;
  }
  return out;
}

/** The capital-efficiency table of `dpm compare`: one row per model. */
export function formatCompare(account: string, results: readonly MarginResult[]): string {
  const c = results[0]?.currency ?? "USD";
  const std = results.find((r) => r.model === "standard")?.initialMargin;
  return [`account ${account} (${c})`, table(["model", "equity", "adj. equity", "IM", "MM", "available", "IM vs standard", "status"], results.map((r) => [
    r.model, amount(r.equity, c), amount(r.adjustedEquity, c), amount(r.initialMargin, c), amount(r.maintenanceMargin, c),
    amount(r.availableFunds, c), std && std > 0 ? `${((r.initialMargin / std) * 100).toFixed(1)}%` : "n/a", r.status,
  ]))].join("\n");
}

/** Greeks of the whole account per underlying and expiry, collateral and numeraire rows included. */
export function formatGreeks(account: string, currency: string, rows: readonly GreeksRow[]): string {
  const notes = [`account ${account} (${currency}; delta in coins, vega per vol point, theta per day; spot collateral counts as spot)`];
  const table_ = table(
    ["underlying", "expiry", "positions", "held", "delta", "gamma", "vega", "theta"],
    rows.map((g) => [g.underlying, g.expiry, g.positions === 0 && g.expiry !== "ALL" ? "" : String(g.positions), g.held === undefined ? "" : num(g.held), num(g.delta), num(g.gamma, 8), num(g.vega), num(g.theta)]),
  );
  const out = [...notes, table_];
  if (rows.some((g) => g.expiry === "NUMERAIRE")) out.push(`NUMERAIRE: everything held outside ${currency} (stablecoins, other assets, positions on other underlyings), revalued by ${currency}'s moves`);
  return out.join("\n");
}

/** Before / after / change of a what-if trade. */
export function formatWhatIf(before: MarginResult, after: MarginResult, trades: readonly string[]): string {
  const c = before.currency;
  const row = (name: string, a: number, b: number) => [name, amount(a, c), amount(b, c), amount(b - a, c)];
  return [`account ${before.account} | model ${before.model} | trade ${trades.join(", ")} (${c})`, table(["", "before", "after", "change"], [
    row("equity", before.equity, after.equity),
    row("adjusted equity", before.adjustedEquity, after.adjustedEquity),
    row("initial margin", before.initialMargin, after.initialMargin),
    row("maintenance margin", before.maintenanceMargin, after.maintenanceMargin),
    row("available funds", before.availableFunds, after.availableFunds),
    ["status", before.status, after.status, before.status === after.status ? "" : "changed"],
  ])].join("\n");
}

/** One account's row of the `dpm compare` summary: IM per model and what portfolio margin saves against standard. */
export function compareSummaryRow(account: string, results: readonly MarginResult[]): string[] {
  const c = results[0]?.currency ?? "USD";
  const im = (m: string) => results.find((r) => r.model === m);
  const s = im("standard"), p = im("portfolio"), i = im("isolated");
  return [account, amount(i?.initialMargin ?? 0, c), amount(s?.initialMargin ?? 0, c), amount(p?.initialMargin ?? 0, c),
    s && p && s.initialMargin > 0 ? `${((p.initialMargin / s.initialMargin) * 100).toFixed(1)}%` : "n/a",
    amount(s?.availableFunds ?? 0, c), amount(p?.availableFunds ?? 0, c), p?.status ?? ""];
}

/** Several accounts: the rows of `compareSummaryRow` under one header. */
export function formatCompareSummary(currency: string, rows: readonly (readonly string[])[]): string {
  return [`initial margin (IM) and available funds by model (${currency})`,
    table(["account", "IM isolated", "IM standard", "IM portfolio", "portfolio/standard", "available standard", "available portfolio", "status (portfolio)"], rows)].join("\n");
}
