import type { Command } from "commander";
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
 * line here; commands push their stdout text to `out` (written only on success).
 */
export function commands(p: Command, out: string[]): void {
  registerMarginCommands(p, out);
  registerRiskCommands(p, out);
  registerImpactCommand(p, out);
  registerImportCommands(p, out);
  registerServeCommand(p, out);
  registerLiquidationCommands(p, out);
  registerReportCommand(p, out);
  registerVenuesCommand(p, out);
  registerAdaptCommands(p, out);
}
