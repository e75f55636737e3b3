/**
 * Loading OHLCV bars from a directory of `<SYM>-USD_1d.csv` files (the layout of ../shared/data/prices) for
 * `dpm adapt`. Only the requested assets' files are read; any asset with such a file works. Other files
 * (e.g. `BTC-USD_1d_2010-2025_aipriceaction.csv`) do not match the pattern and are never read.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseBarsCsv, type Bars } from "../analytics/adaptive/bars.js";
import { DpmInputError, type InputIssue } from "../input/issues.js";

const FILE = /^([A-Z][A-Z0-9]{0,11})-USD_1d\.csv$/;

function directory(path: string): string[] {
  let ok = false;
  try { ok = statSync(path).isDirectory(); } catch { ok = false; }
  if (!ok) throw new DpmInputError("invalid --history", [{ path: "--history", message: "must be a directory of <SYM>-USD_1d.csv files", value: path }]);
  return readdirSync(path);
}

/** Assets with a `<SYM>-USD_1d.csv` file in the directory, sorted. */
export function barAssets(dir: string): string[] {
  return directory(dir).map((f) => FILE.exec(f)?.[1]).filter((a): a is string => a !== undefined).sort();
}

/** Read the bars of `assets` from `dir`; every missing or invalid file is reported at once (path and value). */
export function loadBars(dir: string, assets: readonly string[]): Bars[] {
  const available = new Set(barAssets(dir));
  const issues: InputIssue[] = [];
  const out: Bars[] = [];
  for (const a of assets) {
    if (!available.has(a)) {
      issues.push({ path: "--assets", message: `no ${a}-USD_1d.csv in ${dir} (available: ${[...available].join(", ") || "none"})`, value: a });
      continue;
    }
    const file = join(dir, `${a}-USD_1d.csv`);
    const r = parseBarsCsv(readFileSync(file, "utf8"), a);
    if (r.ok) out.push(r.value);
    else issues.push(...r.problems.map((p) => ({ path: `--history ${a}-USD_1d.csv line ${p.line}`, message: p.message, ...(p.value !== undefined ? { value: p.value } : {}) })));
  }
  if (issues.length > 0) throw new DpmInputError("cannot load price bars", issues);
  return out;
}
