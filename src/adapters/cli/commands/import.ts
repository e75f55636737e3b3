/** `dpm import <venue> ...`: venue data → dpm portfolio / market (/ params) files. One function per venue. */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { addDeribitImport } from "../../import/deribitCommand.js";
import { addCcxtImport } from "../../import/ccxtCommand.js";
import { importDerive } from "../../import/derive.js";
import { portfolioMarketIssues } from "../../../input/crossCheck.js";
import { DpmInputError } from "../../../input/issues.js";
import { parseMarket } from "../../../input/marketSchema.js";
import { parseParams } from "../../../input/paramsSchema.js";
import { parsePortfolio } from "../../../input/portfolioSchema.js";
import { rawPreset } from "../../../input/presets.js";
import { parseJson, readText } from "../io.js";

interface DeriveFlags { outDir: string; case?: string; underlying?: string; account?: string }

/** `dpm import derive <case.json> --out-dir DIR [--case NAME]`: validates all three files before writing any. */
export function addDeriveImport(importCmd: Command, out: Pick<string[], "push">): void {
  importCmd.command("derive").description("a Derive test case (v2-core PMRM_2 case file, or --case of a standard-manager file) → portfolio.json, market.json, params.json")
    .argument("<case>", "Derive test-case JSON file")
    .requiredOption("--out-dir <dir>", "directory for portfolio.json, market.json and params.json")
    .option("--case <name>", "case name inside a standard-manager file (Test7, test_short_ITM_call, ...)")
    .option("--underlying <code>", "underlying of a PMRM_2 case (default: inferred from its collateral, else BTC above 20,000 USD, else ETH)")
    .option("--account <name>", "account name (default: the case name)")
    .action((path: string, f: DeriveFlags) => {
      const doc = parseJson(readText(path, "<case>"), "<case>");
      if (f.underlying !== undefined && !/^[A-Z][A-Z0-9]{0,11}$/.test(f.underlying)) {
        throw new DpmInputError("invalid --underlying", [{ path: "--underlying", message: "must be an asset code such as ETH", value: f.underlying }]);
      }
      const name = f.account ?? f.case ?? basename(path).replace(/\.json$/, "");
      const r = importDerive(doc, { name, caseName: f.case, underlying: f.underlying });
      if (!r.ok) throw new DpmInputError("cannot import the Derive case", r.issues);
      const m = parseMarket(r.value.market);
      if (!m.ok) throw new DpmInputError("the imported market is invalid", m.issues);
      const pf = parsePortfolio(r.value.portfolio);
      if (!pf.ok) throw new DpmInputError("the imported portfolio is invalid", pf.issues);
      const pr = parseParams(r.value.params, rawPreset);
      if (!pr.ok) throw new DpmInputError("the imported parameters are invalid (Derive's setters would reject them too)", pr.issues);
      const cross = portfolioMarketIssues(pf.value, m.value);
      if (cross.length > 0) throw new DpmInputError("the imported portfolio does not match the imported market", cross);
      mkdirSync(f.outDir, { recursive: true });
      for (const [file, json] of [["portfolio.json", r.value.portfolio], ["market.json", r.value.market], ["params.json", r.value.params]] as const) {
        writeFileSync(join(f.outDir, file), `${JSON.stringify(json, null, 2)}\n`);
      }
      out.push(`wrote ${join(f.outDir, "portfolio.json")}, market.json and params.json (${pf.value.positions.length} positions; margin with: dpm margin ${join(f.outDir, "portfolio.json")} --market ${join(f.outDir, "market.json")} --params ${join(f.outDir, "params.json")})\n`);
    });
}

/** Register `dpm import` and its venues. */
export function registerImportCommands(p: Command, out: Pick<string[], "push">): void {
  const importCmd = p.command("import").description("convert venue data into dpm portfolio, market and parameter files");
  addDeriveImport(importCmd, out);
  addDeribitImport(importCmd, out);
  addCcxtImport(importCmd, out);
}
