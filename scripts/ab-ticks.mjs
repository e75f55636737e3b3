#!/usr/bin/env node
// A/B timing of the engine's tick path: two builds (each a directory holding dist/ from `tsc -p tsconfig.build.json
// --outDir DIR/dist`, plus examples/ presets/ node_modules/ next to it) open copies of the same 230,001-event log
// (bench/service.ts bookEvents: 10,000 accounts × 20 positions) in ONE process, and ticks are sent to both,
// interleaved, so that load on a shared machine hits both alike. Usage:
//   node --max-old-space-size=6000 scripts/ab-ticks.mjs BEFORE_DIR AFTER_DIR [TICKS=60]
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [before, after, n = "60"] = process.argv.slice(2);
if (!before || !after) { console.error("usage: ab-ticks.mjs BEFORE_DIR AFTER_DIR [TICKS]"); process.exit(2); }
const dir = mkdtempSync(join(tmpdir(), "dpm-ab-"));
const log = join(dir, "log.sqlite");
{
  const { bookEvents } = await import(`${before}/dist/bench/service.js`);
  const { openSqliteStore } = await import(`${before}/dist/src/adapters/store-sqlite/sqliteStore.js`);
  const store = openSqliteStore(log, { sync: "normal" });
  const events = bookEvents(10_000, 20, 7);
  for (let i = 0; i < events.length; i += 5000) await store.appendEvents(events.slice(i, i + 5000), 0);
  await store.close();
}
async function open(root, name) {
  const { openSqliteStore } = await import(`${root}/dist/src/adapters/store-sqlite/sqliteStore.js`);
  const { Engine } = await import(`${root}/dist/src/engine/engine.js`);
  const db = join(dir, `${name}.sqlite`);
  copyFileSync(log, db);
  const store = openSqliteStore(db);
  const t = performance.now();
  const engine = await Engine.open(store, { snapshotEvery: 1e9 });
  return { name, engine, store, openS: (performance.now() - t) / 1000 };
}
const A = await open(before, "before"), B = await open(after, "after");
let ts = Date.parse("2024-11-20T08:00:00Z"), seed = 11;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const idx = { BTC: 92000, ETH: 3100, SOL: 240 };
const lat = { before: { BTC: [], ETH: [], SOL: [] }, after: { BTC: [], ETH: [], SOL: [] } };
for (let i = 0; i < Number(n); i++) {
  const u = ["BTC", "ETH", "SOL", "BTC"][i % 4];
  idx[u] *= 1 + (rnd() - 0.5) * 0.004;
  ts += 1000;
  for (const x of i % 2 ? [A, B] : [B, A]) {
    const t0 = performance.now();
    const r = await x.engine.submit({ type: "tick", asset: u, ts, index: idx[u] });
    if (!r.ok) throw new Error(r.reason);
    if (i >= 4) lat[x.name][u].push(performance.now() - t0);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const sum = (o) => Object.values(o).flat().reduce((a, b) => a + b, 0);
for (const u of ["BTC", "ETH", "SOL"]) console.log(`${u} tick p50 ms: before ${med(lat.before[u]).toFixed(1)}, after ${med(lat.after[u]).toFixed(1)}, ratio ${(med(lat.after[u]) / med(lat.before[u])).toFixed(3)}`);
console.log(`all ticks ms: before ${sum(lat.before).toFixed(0)}, after ${sum(lat.after).toFixed(0)}, ratio ${(sum(lat.after) / sum(lat.before)).toFixed(3)}`);
console.log(`startup s: before ${A.openS.toFixed(2)}, after ${B.openS.toFixed(2)}`);
for (const x of [A, B]) await x.store.close();
rmSync(dir, { recursive: true, force: true });
