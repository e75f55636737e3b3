/**
 * Batches of portfolios that survive bad documents: every valid portfolio is handed on (in input order) as
 * it is read, every invalid one is recorded with its line number (JSON lines) or index (JSON array) and its
 * paths, and the command ends with exit 2 when any was invalid.
 */
import type { Portfolio } from "../../domain/portfolio.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { checkPortfolioFast, fullPortfolioChecks, type FullCheck } from "../../input/checkFast.js";
import { marketChecked } from "../../input/crossCheck.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import type { Cli } from "./context.js";
import { streamDocuments, type Doc, type Where } from "./io.js";

/** A valid portfolio and where it came from. */
export interface Item {
  readonly portfolio: Portfolio;
  readonly where: Where;
}

/** Issues of one document, placed: a line number of JSON lines, or `[i]` before the paths of an array element. */
export function placed(where: Where, issues: readonly InputIssue[]): InputIssue[] {
  if (where.line !== undefined) return issues.map((i) => ({ ...i, line: where.line }));
  if (where.index === undefined) return [...issues];
  const at = `[${where.index}]`;
  return issues.map((i) => ({ ...i, path: i.path === "(root)" ? at : `${at}${i.path.startsWith("[") ? "" : "."}${i.path}` }));
}

/** Stored problems are capped; the rest are counted. */
const MAX_ISSUES = 1000;

/** The documents of a batch that were left out, and why. */
export class Rejects {
  private readonly issues: InputIssue[] = [];
  private more = 0;
  private rejected = 0;
  private seen = 0;
  private single = true;

  /** A document was read (valid or not). */
  count(where: Where): void {
    this.seen++;
    if (where.line !== undefined || where.index !== undefined) this.single = false;
  }

  /** Leave out one document because of these problems. */
  reject(where: Where, issues: readonly InputIssue[]): void {
    this.rejected++;
    for (const i of placed(where, issues)) {
      if (this.issues.length < MAX_ISSUES) this.issues.push(i);
      else this.more++;
    }
  }

  /** Documents left out so far. */
  get size(): number {
    return this.rejected;
  }

  /** Throw the input error (exit 2) naming every left-out document, if there is one. */
  finish(path: string, what = "portfolio file"): void {
    if (this.rejected === 0) return;
    const extra: InputIssue[] = this.more > 0 ? [{ path: "<portfolio>", message: `${this.more} more problems not shown` }] : [];
    const head = this.single ? `invalid ${what} ${path}` : `invalid ${what} ${path} (${this.rejected} of ${this.seen} portfolios skipped)`;
    throw new DpmInputError(head, [...this.issues, ...extra]);
  }
}

/**
 * The valid portfolios of `path` ("-" for stdin), streamed a chunk of input at a time (`batches` of `streamDocuments`;
 * take each batch's items before asking for the next); invalid documents go to `rejects`. A progress bar (by bytes
 * read) is shown for long batches on a terminal. Documents are checked by the fast checks, and by the full ones (zod,
 * loaded the first time a document needs them) where those cannot decide: `checkPortfolio`'s answers. A batch's items
 * are handed on with no promise per document (a JSON-lines book of 20,000 accounts went through two async generators
 * per document: ~1 KB allocated and ~1 µs per account).
 */
export async function* portfolioBatches(cli: Cli, path: string, market: MarketSnapshot, rejects: Rejects, label: string): AsyncGenerator<Iterable<Item>> {
  const src = streamDocuments(path, "<portfolio>", { portfolios: true });
  const bar = cli.progress(label, "MB");
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  const st: BatchState = { n: 0, full: undefined, waiting: undefined, stop: false };
  const counted = (d: Doc) => {
    rejects.count(d.where);
    if (src.size !== undefined && ++st.n % 64 === 0) bar.update(Math.min(mb(src.consumed()), mb(src.size)), mb(src.size), () => `${st.n.toLocaleString("en-US")} accounts`);
  };
  try {
    for await (const docs of src.batches) {
      const it = docs[Symbol.iterator]();
      for (;;) {
        yield checkedItems(it, st, market, rejects, () => cli.out.closed, counted);
        if (st.stop) return;
        if (st.waiting === undefined) break;
        st.full = await fullPortfolioChecks();
      }
    }
  } finally {
    bar.stop();
  }
}

/** Where a batch of documents stopped: a document waiting for the full checks to load, or the output closed. */
interface BatchState {
  n: number;
  full: FullCheck | undefined;
  waiting: Doc | undefined;
  stop: boolean;
}

/**
 * The items of `docs` (the one waiting in `st` first), until one needs the full checks before they are loaded (it is
 * left in `st.waiting`), the output closes (`st.stop`) or the documents end.
 */
function* checkedItems(docs: Iterator<Doc>, st: BatchState, market: MarketSnapshot, rejects: Rejects, closed: () => boolean, counted: (d: Doc) => void): Generator<Item> {
  let d = st.waiting;
  st.waiting = undefined;
  for (;;) {
    if (d === undefined) {
      if (closed()) { st.stop = true; return; }
      const r = docs.next();
      if (r.done === true) return;
      d = r.value;
      counted(d);
    }
    if ("issues" in d) rejects.reject(d.where, d.issues);
    else {
      const r = d.portfolio !== undefined ? marketChecked(d.portfolio, market) : checkPortfolioFast(d.value, market) ?? st.full?.(d.value, market);
      if (r === undefined) { st.waiting = d; return; }
      if (r.ok) yield { portfolio: r.value, where: d.where };
      else rejects.reject(d.where, r.issues);
    }
    d = undefined;
  }
}

/** `portfolioBatches`, one item at a time. */
export async function* portfolios(cli: Cli, path: string, market: MarketSnapshot, rejects: Rejects, label: string): AsyncGenerator<Item> {
  for await (const items of portfolioBatches(cli, path, market, rejects, label)) yield* items;
}
