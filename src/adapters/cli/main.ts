import { Command, CommanderError } from "commander";
import { DpmInputError, formatIssue, issueJson, type InputIssue } from "../../input/issues.js";
import { commands } from "./commands/index.js";
import { Cli, CliFailure } from "./context.js";
import { stopAllProgress } from "./progress.js";
import { stopEarlyWorkers } from "./marginThreads.js";

/** Exit codes (DESIGN.md section 10). */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

/** The command named in argv (its first word that is not an option), if any. */
function commandName(argv: readonly string[]): string | undefined {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).find((a) => !a.startsWith("-"));
}

async function program(cli: Cli, json: () => boolean, argv: readonly string[]): Promise<Command> {
  const p = new Command("dpm")
    .description("Dynamic Portfolio Margin: explained margin for crypto derivatives portfolios")
    .version("0.1.0")
    .option("--quiet", "no progress bars, notes or warnings on stderr (errors only)", false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.out.push(s),
      writeErr: (s) => process.stderr.write(s),
      // Under --json the error is written as JSON by run() instead.
      outputError: (s, write) => { if (!json()) write(s); },
    })
    .showSuggestionAfterError(true);
  p.hook("preAction", (_root, action) => {
    cli.mode.json = action.opts().json === true;
    cli.mode.quiet = action.optsWithGlobals().quiet === true;
  });
  const name = commandName(argv);
  await commands(p, cli, name, name === undefined && (argv.includes("--version") || argv.includes("-V")));
  return p;
}

/** True when the command named in argv takes --json and was given it (errors are then JSON on stderr). */
function wantsJson(p: Command, argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  const name = args.find((a) => !a.startsWith("-"));
  const cmd = p.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ""));
  return args.includes("--json") && cmd !== undefined && cmd.options.some((o) => o.long === "--json");
}

/** A commander usage error as one issue: the option it names (or the command) and the value it quotes. */
function usageIssue(e: CommanderError): InputIssue {
  const message = e.message.replace(/^error: /, "");
  const option = /'(--?[\w-]+)/.exec(message)?.[1];
  const value = /argument '([^']*)'/.exec(message)?.[1] ?? /command '([^']*)'/.exec(message)?.[1];
  return { path: option ?? "<command>", message, ...(value !== undefined ? { value } : {}) };
}

function fail(json: boolean, error: string, issues: readonly InputIssue[]): void {
  process.stderr.write(json ? `${JSON.stringify({ error, issues: issues.map(issueJson) })}\n` : `dpm: ${error}\n${issues.map((i) => `${formatIssue(i)}\n`).join("")}`);
}

/** The run writing to stdout now; a reader that goes away (EPIPE) closes its output instead of crashing the process. */
let current: Cli | undefined;
let listening = false;
function watchStdout(cli: Cli): void {
  current = cli;
  if (listening) return;
  listening = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    if (current) current.out.closed = true;
  });
}

/**
 * Run the CLI; returns the exit code. Results go to stdout as they are produced (a batch streams); errors
 * go to stderr, as JSON (`{"error", "issues": [{path, message, value}]}`) when the command was given --json.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const cli = new Cli();
  watchStdout(cli);
  let json = false;
  const p = await program(cli, () => json, argv);
  json = wantsJson(p, argv);
  try {
    await p.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (e) {
    // What was computed before the error (the valid accounts of a batch) comes first, then the error.
    cli.out.flush();
    if (e instanceof CommanderError) {
      // Help asked for (--help, `dpm help`) exits 0; help shown because of an error (bare `dpm`) is a usage error.
      if (e.exitCode === 0 && (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")) return EXIT.ok;
      if (json) fail(true, e.message.replace(/^error: /, ""), [usageIssue(e)]);
      return EXIT.usage;
    }
    if (e instanceof DpmInputError) {
      fail(json, e.message.split("\n")[0], e.issues);
      return EXIT.usage;
    }
    if (e instanceof CliFailure) {
      fail(json, e.message, []);
      return e.exitCode;
    }
    const why = e instanceof Error ? (json ? e.message : (e.stack ?? e.message)) : String(e);
    fail(json, `internal error: ${why}`, []);
    return EXIT.internal;
  } finally {
    stopAllProgress();
    cli.out.flush();
    await stopEarlyWorkers();
  }
}
