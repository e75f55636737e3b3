/**
 * Batches of portfolios that survive bad documents: every valid portfolio is handed on (in input order) as
 * it is read, every invalid one is recorded with its line number (JSON lines) or index (JSON array) and its
 * paths, and the command ends with exit 2 when any was invalid.
 */
import type { Portfolio } from "../../domain/portfolio.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { checkPortfolioFast, fullPortfolioChecks, type FullCheck } from "../../input/checkFast.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import type { Cli } from "./context.js";
import { streamDocuments, type Where } from "./io.js";

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
 * The valid portfolios of `path` ("-" for stdin), streamed; invalid documents go to `rejects`. A progress
 * bar (by bytes read) is shown for long batches on a terminal. Documents are checked by the fast checks, and by the
 * full ones (zod, loaded the first time a document needs them) where those cannot decide: `checkPortfolio`'s answers.
 */
export async function* portfolios(cli: Cli, path: string, market: MarketSnapshot, rejects: Rejects, label: string): AsyncGenerator<Item> {
  const src = streamDocuments(path, "<portfolio>");
  const bar = cli.progress(label, "MB");
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  let n = 0;
  let full: FullCheck | undefined;
  try {
    for await (const d of src.docs) {
      if (cli.out.closed) return;
      rejects.count(d.where);
      if (src.size !== undefined && ++n % 64 === 0) bar.update(Math.min(mb(src.consumed()), mb(src.size)), mb(src.size), () => `${n.toLocaleString("en-US")} accounts`);
      if ("issues" in d) {
        rejects.reject(d.where, d.issues);
        continue;
      }
      const r = checkPortfolioFast(d.value, market) ?? (full ??= await fullPortfolioChecks())(d.value, market);
      if (r.ok) yield { portfolio: r.value, where: d.where };
      else rejects.reject(d.where, r.issues);
    }
  } finally {
    bar.stop();
  }
}
