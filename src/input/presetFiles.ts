/**
 * The shipped parameter presets as files: where they are, their names and their raw JSON. Loads no zod (presets.ts
 * validates them; presetCache.ts holds the validated form written when dpm is built).
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

const texts = new Map<string, string | undefined>();
const raw = new Map<string, unknown>();

/** Names of the shipped presets. */
export function presetNames(): string[] {
  return readdirSync(presetsDir()).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
}

/** The text of a shipped preset's file, or undefined (read once). */
export function presetText(name: string): string | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  if (!texts.has(name)) {
    try {
      texts.set(name, readFileSync(join(presetsDir(), `${name}.json`), "utf8"));
    } catch {
      texts.set(name, undefined);
    }
  }
  return texts.get(name);
}

/** Raw JSON of a shipped preset, or undefined. */
export function rawPreset(name: string): unknown | undefined {
  if (!raw.has(name)) {
    const text = presetText(name);
    if (text === undefined) return undefined;
    try {
      raw.set(name, JSON.parse(text));
    } catch {
      return undefined;
    }
  }
  return raw.get(name);
}

/** Default parameters: the `deribit` preset. */
export const DEFAULT_PRESET = "deribit";
