import { Command, CommanderError } from "commander";
import { DpmInputError, formatIssue } from "../../input/issues.js";
import { commands } from "./commands/index.js";

/** Exit codes (DESIGN.md section 10). */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

function program(out: string[]): Command {
  const p = new Command("dpm")
    .description("Dynamic Portfolio Margin: explained margin for crypto derivatives portfolios")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);
  commands(p, out);
  return p;
}

/** Run the CLI; returns the exit code. stdout is written only on success. */
export async function run(argv: readonly string[]): Promise<number> {
  const out: string[] = [];
  try {
    await program(out).parseAsync([...argv], { from: "user" });
    flush(out);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help asked for (--help, `dpm help`) exits 0; help shown because of an error (bare `dpm`) is a usage error.
      if (e.exitCode === 0 && (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")) {
        flush(out);
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (e instanceof DpmInputError) {
      process.stderr.write(`dpm: ${e.message.split("\n")[0]}\n${e.issues.map(formatIssue).join("\n")}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`dpm: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.internal;
  }
}

function flush(out: string[]): void {
  const CHUNK = 4096;
  for (let i = 0; i < out.length; i += CHUNK) process.stdout.write(out.slice(i, i + CHUNK).join(""));
}
