import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { portfolioMarketIssues } from "../../input/crossCheck.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { parseMarket } from "../../input/marketSchema.js";
import { parsePortfolio } from "../../input/portfolioSchema.js";
import { parseJson, readText } from "../cli/io.js";
import { importDeribit } from "./deribit.js";

interface Flags { positions: string; bookSummary: string[]; ticker: string[]; outDir: string; account: string; collateral: string[]; asOf?: string }

const collect = (v: string, acc: string[] | undefined) => [...(acc ?? []), v];

function parseCollateral(texts: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  const issues: InputIssue[] = [];
  texts.forEach((t, i) => {
    const m = /^([A-Z][A-Z0-9]{0,11}):(.+)$/.exec(t);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v) || v < 0) issues.push({ path: `--collateral[${i}]`, message: "must be ASSET:AMOUNT with an amount ≥ 0 (e.g. BTC:1.5)", value: t });
    else out[m[1]] = v;
  });
  if (issues.length > 0) throw new DpmInputError("invalid --collateral", issues);
  return out;
}

/**
 * Add `deribit` under an `import` command: `dpm import deribit --positions F --book-summary F [--ticker F ...]
 * --out-dir DIR [--account NAME] [--collateral ASSET:AMOUNT ...] [--as-of ISO]`. Writes DIR/portfolio.json
 * and DIR/market.json, both validated (and against each other) before anything is written.
 */
export function addDeribitImport(importCmd: Command, out: Pick<string[], "push">): void {
  importCmd.command("deribit").description("Deribit API responses (get_positions, get_book_summary_by_currency, ticker) → dpm portfolio and market files")
    .requiredOption("--positions <file>", "private/get_positions response (JSON)")
    .requiredOption("--book-summary <file>", "public/get_book_summary_by_currency response (repeatable, one per currency)", collect)
    .option("--ticker <file>", "public/ticker response (repeatable; gives index prices)", collect, [])
    .requiredOption("--out-dir <dir>", "directory for portfolio.json and market.json")
    .option("--account <name>", "account name of the portfolio", "deribit")
    .option("--collateral <ASSET:AMOUNT>", "collateral balance (repeatable), e.g. BTC:1.5", collect, [])
    .option("--as-of <time>", "valuation time when no response carries a timestamp (ISO-8601)")
    .action((f: Flags) => {
      const read = (p: string, what: string) => parseJson(readText(p, what), what);
      const r = importDeribit({
        positions: read(f.positions, "--positions"),
        bookSummaries: f.bookSummary.map((p) => read(p, "--book-summary")),
        tickers: f.ticker.map((p) => read(p, "--ticker")),
        account: f.account, collateral: parseCollateral(f.collateral), asOf: f.asOf,
      });
      if (!r.ok) throw new DpmInputError("cannot import the Deribit responses", r.issues);
      const m = parseMarket(r.value.market);
      if (!m.ok) throw new DpmInputError("the imported market is invalid", m.issues);
      const pf = parsePortfolio(r.value.portfolio);
      if (!pf.ok) throw new DpmInputError("the imported portfolio is invalid", pf.issues);
      const cross = portfolioMarketIssues(pf.value, m.value);
      if (cross.length > 0) throw new DpmInputError("the imported portfolio does not match the imported market", cross);
      try {
        mkdirSync(f.outDir, { recursive: true });
        writeFileSync(join(f.outDir, "market.json"), `${JSON.stringify(r.value.market, null, 2)}\n`);
        writeFileSync(join(f.outDir, "portfolio.json"), `${JSON.stringify(r.value.portfolio, null, 2)}\n`);
      } catch (e) {
        throw new DpmInputError("cannot write --out-dir", [{ path: "--out-dir", message: (e as Error).message, value: f.outDir }]);
      }
      const v = r.value;
      out.push(`imported ${v.portfolio.positions.length} positions, ${Object.keys(v.market.instruments).length} instrument marks, ${Object.keys(v.market.assets).length} indices (asOf ${v.market.asOf})\n`);
      out.push(`wrote ${join(f.outDir, "portfolio.json")} and ${join(f.outDir, "market.json")}\n`);
      for (const n of v.notes) out.push(`note: ${n}\n`);
    });
}
