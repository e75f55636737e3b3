/**
 * Helpers for the multi-process test of the PostgreSQL store: compiles src/adapters/store-pg/pgStore.ts
 * alone with tsc (the native compiler has no JS API) into node_modules/.cache, where `pg` resolves, and
 * writes a child script that appends events through that compiled store and prints every acknowledged
 * sequence number. Not a test file itself (no `.test.ts`).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const CHILD = `
import { openPgStore } from "./adapters/store-pg/pgStore.js";
const [url, schema, worker, rounds, batch] = process.argv.slice(2);
const store = await openPgStore(url, { schema, maxConnections: 4 });
const acks = [];
try {
  // Two appends in flight at a time from this process, each of \`batch\` events.
  for (let r = 0; r < Number(rounds); r += 2) {
    const make = (k) => Array.from({ length: Number(batch) }, (_, j) => ({ w: worker, r: k, j }));
    const done = await Promise.all([r, r + 1].filter((k) => k < Number(rounds)).map(async (k) => [k, await store.appendEvents(make(k), Date.now())]));
    for (const [k, seqs] of done) seqs.forEach((seq, j) => acks.push([seq, k, j]));
  }
} finally { await store.close(); }
process.stdout.write(JSON.stringify(acks));
`;

/** Compile the PG store once; returns the path of the child script. */
export function buildPgChild(): string {
  const out = join(ROOT, "node_modules/.cache/dpm-pg-store-test", String(process.pid));
  mkdirSync(out, { recursive: true });
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  const r = spawnSync(tsc, ["--outDir", out, "--rootDir", join(ROOT, "src"), "--module", "nodenext", "--moduleResolution", "nodenext",
    "--target", "es2022", "--strict", "--skipLibCheck", "--types", "node", "--declaration", "false", "--ignoreConfig", join(ROOT, "src/adapters/store-pg/pgStore.ts")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tsc of pgStore.ts failed (${r.status}): ${r.stdout}${r.stderr}`);
  writeFileSync(join(out, "package.json"), '{"type":"module"}\n');
  const script = join(out, "child.js");
  writeFileSync(script, CHILD);
  return script;
}

/** One acknowledged event of a child: [seq, round, index in batch]. */
export type Ack = [number, number, number];

/** Run the child script; resolves with its acknowledgements. */
export function runPgChild(script: string, url: string, schema: string, worker: string, rounds: number, batch: number): Promise<Ack[]> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [script, url, schema, worker, String(rounds), String(batch)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    p.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    p.on("error", rej);
    p.on("close", (code) => (code === 0 ? res(JSON.parse(out) as Ack[]) : rej(new Error(`child ${worker} exited ${code}: ${err}`))));
  });
}
