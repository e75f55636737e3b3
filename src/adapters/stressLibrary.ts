/** The shipped library of historical stress scenarios (`presets/stress/historical.json`). */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StressScenario } from "../analytics/stress.js";
import { parseStressFile } from "../input/stressSchema.js";

function libraryPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if (readdirSync(join(dir, "presets", "stress")).includes("historical.json")) return join(dir, "presets", "stress", "historical.json");
    } catch {
      /* keep climbing */
    }
    dir = dirname(dir);
  }
  throw new Error("dpm: cannot find presets/stress/historical.json");
}

let cached: StressScenario[] | undefined;

/** The named historical scenarios (validated once). */
export function historicalScenarios(): StressScenario[] {
  cached ??= parseStressFile(JSON.parse(readFileSync(libraryPath(), "utf8")), "presets/stress/historical.json");
  return cached;
}
