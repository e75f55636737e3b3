/**
 * `dpm serve --book FILE` (issue 12): each line of a portfolio JSON-lines file (the CLI's format, DESIGN.md
 * section 10) becomes an account exactly as it stands, one `book` event per account (src/engine/book.ts),
 * written in batches (`Engine.submitBatch`, one transaction per batch) so a restart replays it. Lines are read and
 * validated as `dpm margin` reads them (the same reader and checks, so the same `line N: path: message`); a bad
 * line is reported and the rest still load, or, with `strict`, nothing is loaded when any line is bad (every line
 * is first checked and tried on a fork of the state). Accounts that exist already are left as they are (a restart
 * on a loaded log loads nothing; an interrupted load resumes with the accounts not yet written).
 */
import type { Engine, SubmitResult } from "../engine/engine.js";
import { snapshotOf } from "../engine/marketState.js";
import { DpmInputError, type InputIssue } from "../input/issues.js";
import { checkPortfolio } from "../input/checkPortfolio.js";
import { placed } from "./cli/batch.js";
import { parseVenueBook } from "../input/venueBookSchema.js";
import { portfolioMarketIssues } from "../input/crossCheck.js";
import { presetLookup } from "../input/venuePresets.js";
import type { MarketSnapshot } from "../market/snapshot.js";
import type { VenueBook } from "../domain/venueBook.js";
import { streamDocuments, type Where } from "./cli/io.js";

/** What the loader reports to (the service's `/healthz`: `bookLoaded`). */
export interface BookStatus {
  bookLoaded?: boolean;
}

export interface BookLoadOptions {
  /** JSON-lines file of portfolios ("-": stdin). */
  readonly file: string;
  /** Refuse the whole file (DpmInputError, nothing written) when any line is bad. */
  readonly strict?: boolean;
  /** Events per batch (one append transaction each); default 500. */
  readonly batchSize?: number;
  /** Accounts this process owns (a scale-out worker's partition); the other lines are skipped. Default: all. */
  readonly owns?: (account: string) => boolean;
  /** Told of the problems of each refused line as they are found (already placed: `line` set). */
  readonly onIssue?: (issue: InputIssue) => void;
}

export interface BookLoadReport {
  readonly file: string;
  /** Documents (lines) read. */
  readonly lines: number;
  /** Accounts written by this load. */
  readonly loaded: number;
  /** Lines whose account existed already (loaded by an earlier start). */
  readonly existing: number;
  /** Lines of accounts another partition owns. */
  readonly otherPartitions: number;
  /** Lines refused, and their problems (at most 1,000 kept). */
  readonly refused: number;
  readonly issues: readonly InputIssue[];
  /** Wall time of the load (ms). */
  readonly ms: number;
}

interface Pending {
  readonly where: Where;
  readonly event: Record<string, unknown>;
}

const MAX_ISSUES = 1000;

/** Paths of a book event → paths of the portfolio line it came from. */
function portfolioPath(path: string): string {
  return path.replace(/^balances(?=\.|\[|$)/, "collateral").replace(/^orders(?=\.|\[|$)/, "openOrders");
}

/** The problems of a refused event, in the terms of the line (a refusal without issues: its reason, at the root). */
function refusalIssues(r: Extract<SubmitResult, { ok: false }>): InputIssue[] {
  if (r.issues && r.issues.length > 0) return r.issues.map((i) => ({ ...i, path: portfolioPath(i.path) }));
  return [{ path: "(root)", message: r.reason }];
}

/**
 * The `book` event of a validated portfolio line (raw values: decimal strings stay exact). Orders get ids `book-1`,
 * `book-2`, … A multi-venue line (`venues`, docs/venues.md) keeps its venues as they are written (the engine resolves
 * default presets) and every position and order its venue (`book`: the line as `dpm venues` parsed it, which tags
 * the legs of a one-venue book).
 */
export function bookEventOf(raw: Record<string, unknown>, book?: VenueBook): Record<string, unknown> {
  type Leg = { instrument: string; size: unknown; entryPrice?: number; price?: number };
  const tag = (v: string | undefined) => (v !== undefined ? { venue: v } : {});
  const positions = ((raw.positions ?? []) as Leg[]).map((p, i) => ({ instrument: p.instrument, size: p.size, ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}), ...tag(book?.positions[i]?.venue) }));
  const orders = ((raw.openOrders ?? []) as Leg[]).map((o, i) => ({ orderId: `book-${i + 1}`, instrument: o.instrument, size: o.size, ...(o.price !== undefined ? { price: o.price } : {}), ...tag(book?.openOrders[i]?.venue) }));
  const balances = book ? { balances: {}, venues: raw.venues } : { balances: raw.collateral ?? {} };
  return { type: "book", account: raw.account, ...balances, positions, ...(orders.length > 0 ? { orders } : {}) };
}

/** A multi-venue line checked as `dpm venues` checks its book: the schema, then every instrument and balance against the market. */
function validateVenueLine(value: unknown, market: MarketSnapshot): { ok: true; value: VenueBook } | { ok: false; issues: InputIssue[] } {
  const r = parseVenueBook(value, presetLookup());
  if (!r.ok) return r;
  const b = r.value;
  const issues = portfolioMarketIssues({ account: b.account, collateral: {}, positions: b.positions, openOrders: b.openOrders }, market);
  for (const v of b.venues) {
    const sides = v.kind === "lending" ? { supplied: v.supplied, borrowed: v.borrowed } : { collateral: v.collateral };
    for (const [side, bal] of Object.entries(sides)) for (const [asset, x] of Object.entries(bal)) if (asset !== "USD" && market.assets[asset] === undefined) issues.push({ path: `venues.${v.name}.${side}.${asset}`, message: `no index for ${asset} in market.assets`, value: x });
  }
  return issues.length > 0 ? { ok: false, issues } : r;
}

/** Load a book into the engine (see the file comment); sets `status.bookLoaded` once every line is applied or refused. */
export async function loadBook(target: { readonly engine: Engine; readonly status?: BookStatus }, o: BookLoadOptions): Promise<BookLoadReport> {
  const t0 = performance.now();
  const { engine } = target;
  const live = engine.state.market;
  if (!live) throw new DpmInputError("cannot load --book", [{ path: "--book", message: "the service has no market yet (give --market)", value: o.file }]);
  const market = snapshotOf(live);
  const size = o.batchSize ?? 500;
  const issues: InputIssue[] = [];
  let lines = 0, loaded = 0, existing = 0, otherPartitions = 0, refused = 0;
  const reject = (where: Where, found: readonly InputIssue[]) => {
    refused++;
    for (const i of placed(where, found)) {
      o.onIssue?.(i);
      if (issues.length < MAX_ISSUES) issues.push(i);
    }
  };
  const seen = new Map<string, number>();
  const pending: Pending[] = [];
  const submit = async (chunk: readonly Pending[], dryRun: boolean) => {
    const results = await engine.submitBatch(chunk.map((p) => p.event), { dryRun });
    results.forEach((r, k) => { if (r.ok) { if (!dryRun) loaded++; } else reject(chunk[k].where, refusalIssues(r)); });
  };
  for await (const d of streamDocuments(o.file, "<portfolio>").docs) {
    lines++;
    if ("issues" in d) { reject(d.where, d.issues); continue; }
    const raw = d.value as Record<string, unknown>;
    const multi = raw !== null && typeof raw === "object" && raw.venues !== undefined;
    const v = multi ? validateVenueLine(d.value, market) : checkPortfolio(d.value, market);
    if (!v.ok) { reject(d.where, v.issues); continue; }
    const id = v.value.account;
    const first = seen.get(id);
    if (first !== undefined) { reject(d.where, [{ path: "account", message: `already on line ${first}: each account once`, value: id }]); continue; }
    seen.set(id, d.where.line ?? lines);
    if (o.owns && !o.owns(id)) { otherPartitions++; continue; }
    if (engine.state.accounts.has(id)) { existing++; continue; }
    pending.push({ where: d.where, event: bookEventOf(raw, multi ? (v.value as VenueBook) : undefined) });
    if (!o.strict && pending.length >= size) await submit(pending.splice(0), false);
  }
  if (o.strict) {
    for (let k = 0; k < pending.length; k += size) await submit(pending.slice(k, k + size), true);
    if (refused > 0) throw new DpmInputError(`invalid book ${o.file} (${refused} of ${lines} lines refused; --strict: nothing loaded)`, issues);
  }
  for (let k = 0; k < pending.length; k += size) await submit(pending.slice(k, k + size), false);
  if (target.status) target.status.bookLoaded = true;
  return { file: o.file, lines, loaded, existing, otherPartitions, refused, issues, ms: performance.now() - t0 };
}
