import type { Command } from "commander";
import { registerMarginCommands } from "./margin.js";

/**
 * Register every CLI command. Each command family lives in its own file in this directory and adds one
 * line here; commands push their stdout text to `out` (written only on success).
 */
export function commands(p: Command, out: string[]): void {
  registerMarginCommands(p, out);
}
