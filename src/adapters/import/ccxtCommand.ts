import type { Command } from "commander";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { parseVenueBook } from "../../input/venueBookSchema.js";
import { parseJson, readText } from "../cli/io.js";
import { presetLookup } from "../venueData.js";
import { importCcxt } from "./ccxt.js";

const collect = (v: string, acc: string[] | undefined) => [...(acc ?? []), v];
const PAIR = /^([a-z][a-z0-9_-]{0,31})=(.+)$/;

function pairs(texts: readonly string[], what: string): [string, string][] {
  const issues: InputIssue[] = [];
  const out = texts.flatMap((t, i): [string, string][] => {
    const m = PAIR.exec(t);
    if (!m) { issues.push({ path: `${what}[${i}]`, message: "must be VENUE=VALUE with a lower-case venue name (e.g. okx=okx.json)", value: t }); return []; }
    return [[m[1], m[2]]];
  });
  if (issues.length > 0) throw new DpmInputError(`invalid ${what}`, issues);
  return out;
}

/**
 * Add `ccxt` under `import`: `dpm import ccxt VENUE=FILE [VENUE=FILE ...] [--account NAME] [--preset VENUE=PRESET ...]`
 * prints a multi-venue book (validated) on stdout; notes (skipped zero positions, raw-size fallbacks) on stderr.
 */
export function addCcxtImport(importCmd: Command, out: Pick<string[], "push">): void {
  importCmd.command("ccxt").description("ccxt fetchPositions()/fetchBalance() dumps, one per venue → a multi-venue book (docs/venues.md)")
    .argument("<venue=file...>", "per venue a JSON file {\"positions\": [ccxt Position ...], \"balance\": ccxt Balance}")
    .option("--account <name>", "account name of the book", "desk")
    .option("--preset <venue=preset>", "margin preset of a venue without a default one (repeatable), e.g. binanceusdm=okx", collect, [])
    .action((args: string[], f: { account: string; preset: string[] }) => {
      const files = pairs(args, "<venue=file>");
      const presets = Object.fromEntries(pairs(f.preset, "--preset"));
      const docs = files.map(([venue, path]) => ({ venue, doc: parseJson(readText(path, `${venue}=${path}`), `${venue}=${path}`) }));
      const r = importCcxt(docs, f.account, presets);
      if (!r.ok) throw new DpmInputError("cannot import the ccxt files", r.issues);
      const check = parseVenueBook(r.value, presetLookup());
      if (!check.ok) throw new DpmInputError("the imported book is invalid", check.issues);
      for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
      out.push(`${JSON.stringify(r.value, null, 1)}\n`);
    });
}
