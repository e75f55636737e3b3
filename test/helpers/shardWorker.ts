/**
 * The kernel's shard worker (src/engine/kernelShardWorker.ts) compiled with tsc from the current sources into a
 * temporary directory, for tests that start worker threads (no race with dist/ builds of other tests).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { ROOT } from "./shared.js";

/** Compile the worker before the file's tests (its URL in `.url`) and remove it after them. */
export function compiledShardWorker(prefix: string): { url: URL } {
  const out = { url: new URL("file:///nonexistent") };
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--ignoreConfig", "--outDir", dir, "--rootDir", ROOT, "--module", "nodenext", "--moduleResolution", "nodenext",
      "--target", "es2022", "--strict", "--skipLibCheck", "--types", "node", join(ROOT, "src/engine/kernelShardWorker.ts")], { cwd: ROOT, stdio: "pipe" });
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    out.url = pathToFileURL(join(dir, "src/engine/kernelShardWorker.js"));
  }, 120_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  return out;
}
