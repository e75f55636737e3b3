/** `dpm venues BOOK --market M [--target U] [--contagion] [--svg F] [--json]`: a multi-venue book, venue by venue and unified. */
import type { Cli } from "../context.js";
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { allocateBook } from "../../../analytics/venues/bookAllocation.js";
import { runContagion, type ContagionResult } from "../../../analytics/venues/contagion.js";
import { venueEnv, venueRows } from "../../../analytics/venues/profile.js";
import { unifiedProfile } from "../../../analytics/venues/unified.js";
import { portfolioMarketIssues } from "../../../input/crossCheck.js";
import { DpmInputError } from "../../../input/issues.js";
import { parseVenueBook } from "../../../input/venueBookSchema.js";
import { loadPreset } from "../../../input/presets.js";
import { contagionSvg } from "../../report/venuesSvg.js";
import { loadLendingPreset, loadVenuesParams, presetLookup } from "../../venueData.js";
import { formatVenueBook } from "../formatVenueBook.js";
import { parseJson, readText } from "../io.js";
import { loadMarket } from "../load.js";

interface Flags { market: string; target?: string; venueParams?: string; contagion: boolean; svg?: string; json: boolean }

function must<T>(r: { ok: true; value: T } | { ok: false; reason: string }, what: string): T {
  if (!r.ok) throw new DpmInputError(`cannot compute ${what}`, [{ path: "<book>", message: r.reason }]);
  return r.value;
}

/** Register `dpm venues`. */
export function registerVenuesCommand(p: Command, cli: Cli): void {
  const out = cli.out;
  p.command("venues").description("a multi-venue book: each venue's own margin, the unified profile, the collateral allocation and contagion stress")
    .argument("<book>", "multi-venue book JSON (docs/venues.md)")
    .requiredOption("--market <file>", "market snapshot JSON")
    .option("--target <ratio>", "MM-usage target of the allocation, in (0, 1] (default: the venue parameters' defaultTarget, 0.75)")
    .option("--venue-params <file>", "venue parameters (default presets/venues/default.json)")
    .option("--contagion", "run the contagion scenarios of the venue parameters", false)
    .option("--svg <file>", "write the contagion chart (SVG); implies --contagion")
    .option("--json", "machine-readable JSON output", false)
    .action((path: string, f: Flags) => {
      const market = loadMarket(f.market);
      const params = loadVenuesParams(f.venueParams);
      const target = f.target === undefined ? params.defaultTarget : Number(f.target);
      if (!(target > 0 && target <= 1)) throw new DpmInputError("invalid --target", [{ path: "--target", message: "must be a number in (0, 1]", value: f.target }]);
      const parsed = parseVenueBook(parseJson(readText(path, "<book>"), "<book>"), presetLookup());
      if (!parsed.ok) throw new DpmInputError(`invalid book ${path}`, parsed.issues);
      const book = parsed.value;
      const env = venueEnv(market, params, loadPreset, loadLendingPreset);
      const cross = book.venues.flatMap((v) => v.kind === "lending" ? [] : portfolioMarketIssues({ account: book.account, collateral: v.collateral, positions: book.positions.filter((x) => x.venue === v.name), openOrders: [] }, market, `venues.${v.name}`));
      if (cross.length > 0) throw new DpmInputError(`book ${path} does not match the market`, cross);
      const rows = must(venueRows(env, book), "the venues' margins");
      const unified = must(unifiedProfile(env, book, rows), "the unified profile");
      const { result: allocation } = allocateBook(env, book, target);
      let contagion: ContagionResult[] | undefined;
      if (f.contagion || f.svg !== undefined) contagion = params.contagion.map((sc) => must(runContagion(env, book, rows, sc, target), `scenario ${sc.name}`));
      if (f.svg !== undefined && contagion) {
        writeFileSync(f.svg, `${contagionSvg(book.account, contagion)}\n`);
        cli.wrote(f.svg);
      }
      const venues = rows.map(({ result: _r, lending, ...r }) => ({ ...r, ...(lending ? { lending } : {}) }));
      const { venues: _v, ...alloc } = allocation;
      if (f.json) out.push(`${JSON.stringify({ account: book.account, currency: "USD", asOf: new Date(market.asOf).toISOString(), venues, unified, allocation: alloc, ...(contagion ? { contagion } : {}) })}\n`);
      else out.push(formatVenueBook(book.account, rows, unified, allocation, contagion));
    });
}
