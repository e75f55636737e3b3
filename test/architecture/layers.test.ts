import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "../helpers/shared.js";

/**
 * One-way layers (DESIGN.md section 2): a module may import only from its own layer or a lower one. The
 * core (domain … liquidation) is pure: no Node modules, no clock, no unseeded randomness.
 */
const LAYERS = ["domain", "market", "pricing", "risk", "margin", "liquidation", "analytics", "input", "api.ts", "engine", "adapters", "index.ts"];
const CORE = new Set(["domain", "market", "pricing", "risk", "margin", "analytics", "liquidation"]);
const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function layerOf(p: string): string {
  const first = relative(SRC, p).split("/")[0];
  return first;
}

const sources = files(SRC).map((f) => ({ file: relative(ROOT, f), layer: layerOf(f), text: readFileSync(f, "utf8") }));

describe("layers", () => {
  it("every source file sits in a known layer", () => {
    const unknown = sources.filter((s) => !LAYERS.includes(s.layer)).map((s) => s.file);
    expect(unknown).toEqual([]);
  });

  it("no import points upward", () => {
    const upward: string[] = [];
    for (const s of sources) {
      for (const m of s.text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = layerOf(resolve(dirname(join(ROOT, s.file)), m[1]));
        if (LAYERS.indexOf(target) > LAYERS.indexOf(s.layer)) upward.push(`${s.file} (${s.layer}) imports ${m[1]} (${target})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("the core does no I/O, reads no clock and draws no unseeded random numbers", () => {
    const impure: string[] = [];
    for (const s of sources) {
      if (!CORE.has(s.layer)) continue;
      const code = s.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const re of [/from\s+["']node:/, /from\s+["'](fs|path|child_process|net|http)["']/, /Math\.random\(/, /Date\.now\(/, /new Date\(\s*\)/, /performance\.now\(/, /process\./]) {
        if (re.test(code)) impure.push(`${s.file}: ${re.source}`);
      }
    }
    expect(impure).toEqual([]);
  });

  it("the checker sees a real upward import (it can fail)", () => {
    const probe = { file: "src/risk/x.ts", layer: "risk", spec: "../margin/params.js" };
    const target = layerOf(resolve(dirname(join(ROOT, probe.file)), probe.spec));
    expect(LAYERS.indexOf(target)).toBeGreaterThan(LAYERS.indexOf(probe.layer));
  });
});
