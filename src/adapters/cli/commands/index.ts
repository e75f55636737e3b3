import type { Command } from "commander";
import type { Cli } from "../context.js";
import { registerMarginCommands } from "./margin.js";
import { registerRiskCommands } from "./risk.js";
import { registerImpactCommand } from "./impact.js";
import { registerImportCommands } from "./import.js";
import { registerServeCommand } from "./serve.js";
import { registerLiquidationCommands } from "./liquidation.js";
import { registerReportCommand } from "./report.js";
import { registerVenuesCommand } from "./venues.js";
import { registerAdaptCommands } from "./adapt.js";

/**
 * Register every CLI command. Each command family lives in its own file in this directory and adds one
 * line here; commands write results through `cli.out` (stdout) and notes through `cli` (stderr).
 */
export function commands(p: Command, cli: Cli): void {
  registerMarginCommands(p, cli);
  registerRiskCommands(p, cli);
  registerImpactCommand(p, cli);
  registerImportCommands(p, cli.out);
  registerServeCommand(p, cli.out);
  registerLiquidationCommands(p, cli);
  registerReportCommand(p, cli);
  registerVenuesCommand(p, cli);
  registerAdaptCommands(p, cli);
}
