/**
 * Loading daily price history from disk (`--history DIR|FILE`). A directory holds one `<SYM>-USD_1d.csv`
 * per asset (Date,Close,... as in ../shared/data/prices); only the files of the requested assets are
 * read. A file is either one such per-asset file or a plain `date,<ASSET>,...` table of closes.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseHistoryCsv, type PriceHistory, type PriceSeries } from "../risk/history.js";
import { DpmInputError, type InputIssue } from "../input/issues.js";

const PER_ASSET = /^([A-Z][A-Z0-9]{0,11})-USD_1d\.csv$/;

function read(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DpmInputError(`cannot read ${what}`, [{ path: what, message: code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`, value: path }]);
  }
}

function parseFile(path: string, asset: string | undefined): PriceSeries[] {
  const r = parseHistoryCsv(read(path, "--history"), asset);
  if (!r.ok) {
    throw new DpmInputError(`invalid history file ${path}`, r.problems.map((p): InputIssue => ({
      path: `--history ${basename(path)} line ${p.line}`, message: p.message, ...(p.value !== undefined ? { value: p.value } : {}),
    })));
  }
  return r.value;
}

/**
 * Read the history of `assets` from a directory or a file. Every asset must be found; the problems of all
 * missing assets are reported at once.
 */
export function loadHistory(path: string, assets: readonly string[]): PriceHistory {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new DpmInputError("cannot read --history", [{ path: "--history", message: "no such file or directory", value: path }]);
  }
  const out = new Map<string, PriceSeries>();
  if (isDir) {
    const missing: InputIssue[] = [];
    for (const a of assets) {
      const file = join(path, `${a}-USD_1d.csv`);
      let exists = false;
      try { exists = statSync(file).isFile(); } catch { exists = false; }
      if (!exists) { missing.push({ path: "--history", message: `no price history for ${a}: expected ${a}-USD_1d.csv in the directory`, value: path }); continue; }
      for (const s of parseFile(file, a)) out.set(s.asset, s);
    }
    if (missing.length > 0) throw new DpmInputError("missing price history", missing);
    return out;
  }
  const m = PER_ASSET.exec(basename(path));
  for (const s of parseFile(path, m ? m[1] : undefined)) out.set(s.asset, s);
  const missing = assets.filter((a) => !out.has(a));
  if (missing.length > 0) {
    throw new DpmInputError("missing price history", missing.map((a) => ({ path: "--history", message: `no column or file for ${a}`, value: path })));
  }
  return out;
}
