import type { Command } from "commander";
import type { Cli } from "../context.js";

type Register = (p: Command, cli: Cli) => void;

/**
 * The command families: the names each registers and how to load it. Each family lives in its own file in this
 * directory and adds one entry here; commands write results through `cli.out` (stdout) and notes through `cli`
 * (stderr). Modules are loaded when needed: `dpm margin` does not load the service (fastify, pg, nats, ws,
 * better-sqlite3), which halves its start.
 */
const FAMILIES: readonly { readonly names: readonly string[]; readonly load: () => Promise<Register> }[] = [
  { names: ["margin", "compare", "whatif", "greeks"], load: async () => (await import("./margin.js")).registerMarginCommands },
  { names: ["var", "stress", "backtest", "calibrate"], load: async () => (await import("./risk.js")).registerRiskCommands },
  { names: ["impact"], load: async () => (await import("./impact.js")).registerImpactCommand },
  { names: ["import"], load: async () => { const { registerImportCommands } = await import("./import.js"); return (p, cli) => registerImportCommands(p, cli.out); } },
  { names: ["serve"], load: async () => { const { registerServeCommand } = await import("./serve.js"); return (p, cli) => registerServeCommand(p, cli.out); } },
  { names: ["liquidate", "cascade"], load: async () => (await import("./liquidation.js")).registerLiquidationCommands },
  { names: ["report"], load: async () => (await import("./report.js")).registerReportCommand },
  { names: ["venues"], load: async () => (await import("./venues.js")).registerVenuesCommand },
  { names: ["adapt"], load: async () => (await import("./adapt.js")).registerAdaptCommands },
];

/**
 * Register the commands: only the family of `name` when it names a command, none for a bare `--version`, every
 * family otherwise (help, an unknown command and its suggestion), in this order.
 */
export async function commands(p: Command, cli: Cli, name: string | undefined, versionOnly = false): Promise<void> {
  if (versionOnly) return;
  const one = name === undefined ? undefined : FAMILIES.find((f) => f.names.includes(name));
  for (const f of one ? [one] : FAMILIES) (await f.load())(p, cli);
}
