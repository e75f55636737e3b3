/**
 * The one shipped library of historical stress scenarios (`presets/stress/historical.json`), named the same
 * way in `dpm stress`, `dpm cascade` and `dpm report`. A scenario may keep former names as aliases. The
 * cascade walks a price path: the hand-made one in `presets/liquidation/<name>.json` when there is one,
 * else a straight path in eight 3-hour steps to the scenario's moves.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StressScenario } from "../analytics/stress.js";
import { parseScenario } from "../input/liquiditySchema.js";
import { parseStressFile } from "../input/stressSchema.js";
import type { PathStep, StressScenario as CascadePath } from "../liquidation/scenario.js";

/** The `presets` directory of this installation. */
function presetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) if (existsSync(join(dir, "presets", "stress", "historical.json"))) return join(dir, "presets");
  throw new Error("dpm: cannot find presets/stress/historical.json");
}

let cached: StressScenario[] | undefined;

/** The named historical scenarios (validated once). */
export function historicalScenarios(): StressScenario[] {
  cached ??= parseStressFile(JSON.parse(readFileSync(join(presetsDir(), "stress", "historical.json"), "utf8")), "presets/stress/historical.json");
  return cached;
}

/** A scenario found by name, and the former name it was asked for by, if any. */
export interface Found {
  readonly scenario: StressScenario;
  readonly alias?: string;
}

/** Find a scenario by its name or a former name (alias) in `list` (default: the shipped library). */
export function findScenario(name: string, list: readonly StressScenario[] = historicalScenarios()): Found | undefined {
  const byName = list.find((s) => s.name === name);
  if (byName) return { scenario: byName };
  const byAlias = list.find((s) => s.aliases?.includes(name));
  return byAlias ? { scenario: byAlias, alias: name } : undefined;
}

/** "a, b, c (former names: x → a)": what a user may type, for error messages. */
export function scenarioChoices(list: readonly StressScenario[] = historicalScenarios()): string {
  const aliases = list.flatMap((s) => (s.aliases ?? []).map((a) => `${a} → ${s.name}`));
  return `${list.map((s) => s.name).join(", ")}${aliases.length > 0 ? ` (former names: ${aliases.join(", ")})` : ""}`;
}

/** Steps of the straight path: eight 3-hour steps, moves and vol shocks growing linearly to the scenario's. */
function straightPath(sc: StressScenario): PathStep[] {
  const assets = [...new Set([...Object.keys(sc.moves), ...Object.keys(sc.volShocks ?? {})])];
  return Array.from({ length: 9 }, (_, k) => {
    const w = k / 8;
    const moves: Record<string, number> = { default: (sc.defaultMove ?? 0) * w };
    const volMultiplier: Record<string, number> = { default: 1 + (sc.volShock ?? 0) * w };
    for (const a of assets) {
      moves[a] = (sc.moves[a] ?? sc.defaultMove ?? 0) * w;
      volMultiplier[a] = 1 + (sc.volShocks?.[a] ?? sc.volShock ?? 0) * w;
    }
    return { label: `${String(3 * k).padStart(2, "0")}:00`, hours: 3 * k, moves, volMultiplier };
  });
}

/**
 * The cascade's price path of a library scenario: `presets/liquidation/<name>.json` when shipped (validated),
 * else the straight path (stablecoin and basis moves are not part of a cascade path).
 */
export function cascadePath(sc: StressScenario): CascadePath {
  const file = join(presetsDir(), "liquidation", `${sc.name}.json`);
  if (existsSync(file)) {
    const r = parseScenario(JSON.parse(readFileSync(file, "utf8")));
    if (!r.ok) throw new Error(`dpm: invalid ${file}: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    return r.value;
  }
  return {
    name: sc.name,
    description: `${sc.description ?? sc.name}. Cascade path: eight 3-hour steps in a straight line to the scenario's moves and vol shock (an assumption: the library gives the size of the moves, not their intraday shape)`,
    source: `presets/stress/historical.json, scenario ${sc.name}${sc.date ? ` (${sc.date})` : ""}: its moves and vol shock, each with its source there; the intraday shape is an assumption`,
    steps: straightPath(sc),
  };
}
