/**
 * Deribit API responses → dpm portfolio and market files. Inputs are the JSON of
 * `private/get_positions`, `public/get_book_summary_by_currency` and `public/ticker` as documented at
 * docs.deribit.com (either the JSON-RPC envelope `{ "result": ... }` or the bare result). Fields dpm does
 * not use are ignored (the API adds fields over time); those it uses are validated with their paths.
 */
import { z } from "zod";
import { parseInstrument } from "../../domain/instrument.js";
import type { InputIssue } from "../../input/issues.js";
import { fromZod } from "../../input/zodIssues.js";

const finite = z.number({ error: "must be a number" }).refine(Number.isFinite, "must be finite");
const positive = finite.refine((v) => v > 0, "must be > 0");
const name = z.string({ error: "must be an instrument name" }).min(1);

const position = z.looseObject({
  instrument_name: name,
  kind: z.string().optional(),
  size: finite,
  direction: z.enum(["buy", "sell", "zero"]).optional(),
  average_price: finite.optional(),
  mark_price: finite.optional(),
  index_price: positive.optional(),
});
const summary = z.looseObject({
  instrument_name: name,
  mark_price: finite.nullable().optional(),
  mark_iv: finite.nullable().optional(),
  estimated_delivery_price: finite.nullable().optional(),
  creation_timestamp: finite.optional(),
});
const ticker = z.looseObject({
  instrument_name: name,
  mark_price: finite.nullable().optional(),
  mark_iv: finite.nullable().optional(),
  index_price: positive.nullable().optional(),
  timestamp: finite.optional(),
});

/** The result of a JSON-RPC response, or the document itself when it has no envelope. */
function unwrap(doc: unknown): unknown {
  return doc !== null && typeof doc === "object" && !Array.isArray(doc) && "result" in doc ? (doc as { result: unknown }).result : doc;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

function parseWith<T extends z.ZodType>(schema: T, doc: unknown, what: string): Parsed<z.infer<T>> {
  const body = unwrap(doc);
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  const prefix = body === doc ? what : `${what}: result`;
  return { ok: false, issues: fromZod(r.error, body).map((i) => ({ ...i, path: `${prefix}${i.path.startsWith("[") ? "" : "."}${i.path}` })) };
}

/** Inputs of the importer (raw JSON documents). */
export interface DeribitImportInput {
  readonly positions: unknown;
  readonly bookSummaries: readonly unknown[];
  readonly tickers: readonly unknown[];
  readonly account: string;
  readonly collateral: Readonly<Record<string, number>>;
  /** Fallback valuation time (ISO) when no response carries a timestamp. */
  readonly asOf?: string;
}

/** dpm files produced: a portfolio (DESIGN.md section 10) and a market snapshot. */
export interface DeribitImport {
  readonly portfolio: { account: string; collateral: Record<string, number>; positions: { instrument: string; size: number; entryPrice?: number }[] };
  readonly market: { asOf: string; assets: Record<string, { index: number }>; instruments: Record<string, { mark?: number; markIv?: number }> };
  /** What was skipped and why (zero positions, ...). */
  readonly notes: string[];
}

const STABLE_DEFAULT = ["USDC", "USDT"];

/** Convert Deribit responses to dpm files; every problem with its path. Pure. */
export function importDeribit(inp: DeribitImportInput): { ok: true; value: DeribitImport } | { ok: false; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const pos = parseWith(z.array(position), inp.positions, "--positions");
  if (!pos.ok) issues.push(...pos.issues);
  const sums = inp.bookSummaries.map((d, i) => parseWith(z.array(summary), d, `--book-summary[${i}]`));
  const ticks = inp.tickers.map((d, i) => parseWith(ticker, d, `--ticker[${i}]`));
  for (const s of [...sums, ...ticks]) if (!s.ok) issues.push(...s.issues);
  if (!pos.ok || issues.length > 0) return { ok: false, issues };
  const notes: string[] = [];
  const assets: Record<string, { index: number }> = {};
  const instruments: Record<string, { mark?: number; markIv?: number }> = {};
  let ts = -Infinity;
  const setMarket = (n: string, mark: number | null | undefined, iv: number | null | undefined, path: string) => {
    const inst = parseInstrument(n);
    if (!inst.ok) { notes.push(`${path}: skipped ${n} (${inst.reason})`); return; }
    if (inst.value.kind === "option") { if (iv != null && iv > 0) instruments[n] = { markIv: iv / 100 }; }
    else if (inst.value.kind !== "spot" && mark != null && mark > 0) instruments[n] = { mark };
  };
  for (const s of sums) if (s.ok) s.value.forEach((x, i) => { setMarket(x.instrument_name, x.mark_price, x.mark_iv, `--book-summary[${i}]`); if (x.creation_timestamp) ts = Math.max(ts, x.creation_timestamp); });
  for (const [i, t] of ticks.entries()) {
    if (!t.ok) continue;
    const x = t.value;
    setMarket(x.instrument_name, x.mark_price, x.mark_iv, `--ticker[${i}]`);
    const inst = parseInstrument(x.instrument_name);
    if (inst.ok && x.index_price != null) assets[inst.value.underlying] = { index: x.index_price };
    if (x.timestamp) ts = Math.max(ts, x.timestamp);
  }
  const positions: DeribitImport["portfolio"]["positions"] = [];
  pos.value.forEach((p, i) => {
    const path = `--positions[${i}]`;
    const inst = parseInstrument(p.instrument_name);
    if (!inst.ok) { issues.push({ path: `${path}.instrument_name`, message: `not a dpm instrument (combos are not supported): ${inst.reason}`, value: p.instrument_name }); return; }
    if (p.size === 0 || p.direction === "zero") { notes.push(`${path}: ${p.instrument_name} has size 0, skipped`); return; }
    if ((p.direction === "sell" && p.size > 0) || (p.direction === "buy" && p.size < 0)) {
      issues.push({ path: `${path}.size`, message: `sign disagrees with direction "${p.direction}"`, value: p.size }); return;
    }
    const k = inst.value.kind;
    const entry = (k === "future" || k === "perpetual") && p.average_price !== undefined && p.average_price > 0 ? { entryPrice: p.average_price } : {};
    positions.push({ instrument: p.instrument_name, size: p.size, ...entry });
    const u = inst.value.underlying;
    if (!assets[u] && p.index_price !== undefined) assets[u] = { index: p.index_price };
    if (!instruments[p.instrument_name] && p.mark_price !== undefined && p.mark_price > 0 && k !== "option" && k !== "spot") instruments[p.instrument_name] = { mark: p.mark_price };
    if (inst.value.settlement === "linear" && !assets[inst.value.quote] && STABLE_DEFAULT.includes(inst.value.quote)) {
      assets[inst.value.quote] = { index: 1 };
      notes.push(`${inst.value.quote} index set to 1 (no ${inst.value.quote} index in the responses)`);
    }
  });
  for (const a of Object.keys(inp.collateral)) if (!assets[a] && (a === "USDC" || a === "USDT")) assets[a] = { index: 1 };
  for (const [j, p] of positions.entries()) {
    const inst = parseInstrument(p.instrument);
    if (inst.ok && !assets[inst.value.underlying]) issues.push({ path: `--positions[${j}]`, message: `no index price for ${inst.value.underlying}: give its public/ticker or positions with index_price`, value: p.instrument });
  }
  const asOf = Number.isFinite(ts) ? new Date(ts).toISOString() : inp.asOf;
  if (asOf === undefined) issues.push({ path: "--as-of", message: "no response carries a timestamp: give --as-of ISO-TIME" });
  if (issues.length > 0 || asOf === undefined) return { ok: false, issues };
  return { ok: true, value: { portfolio: { account: inp.account, collateral: { ...inp.collateral }, positions }, market: { asOf, assets, instruments }, notes } };
}
