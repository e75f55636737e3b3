import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MarginParams } from "../margin/params.js";
import { DpmInputError } from "./issues.js";
import { paramsFrom } from "./paramsSchema.js";

/** The package's `presets/` directory (works from src/ under vitest and from dist/src/ when built). */
export function presetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if (readdirSync(join(dir, "presets")).some((f) => f.endsWith(".json"))) return join(dir, "presets");
    } catch {
      /* keep climbing */
    }
    dir = dirname(dir);
  }
  throw new Error("dpm: cannot find the presets/ directory of the package");
}

const raw = new Map<string, unknown>();
const parsed = new Map<string, MarginParams>();

/** Names of the shipped presets. */
export function presetNames(): string[] {
  return readdirSync(presetsDir()).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
}

/** Raw JSON of a shipped preset, or undefined. */
export function rawPreset(name: string): unknown | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  if (!raw.has(name)) {
    try {
      raw.set(name, JSON.parse(readFileSync(join(presetsDir(), `${name}.json`), "utf8")));
    } catch {
      return undefined;
    }
  }
  return raw.get(name);
}

/** A shipped preset, validated (cached). Throws DpmInputError for an unknown name. */
export function loadPreset(name: string): MarginParams {
  let p = parsed.get(name);
  if (!p) {
    const r = rawPreset(name);
    if (r === undefined || !presetNames().includes(name)) throw new DpmInputError("unknown preset", [{ path: "preset", message: `must be one of ${presetNames().join(", ")}`, value: name }]);
    p = paramsFrom(r, rawPreset);
    parsed.set(name, p);
  }
  return p;
}

/** Default parameters: the `deribit` preset. */
export const DEFAULT_PRESET = "deribit";
