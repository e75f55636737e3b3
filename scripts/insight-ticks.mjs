#!/usr/bin/env node
// Does the insight pump (binding component, distance to liquidation: src/adapters/http/insights.ts) slow the tick
// path? One service per run on a fresh copy of a book, ticks rotating BTC/ETH/SOL sent one after the other (each
// timed from the request to its acknowledgement), with a WebSocket client subscribed to the fleet page (top 20) and
// two accounts; runs alternate between the pump switched off (budget 0: nothing computed, the fleet pushes alone)
// and on (the defaults: each shown account at most once per second, at most 25 ms per 250 ms pass), three times.
// Build first: npx tsc -p tsconfig.build.json. Usage:
//   node --max-old-space-size=6000 scripts/insight-ticks.mjs [demo|ACCOUNTS] [TICKS=90]
// demo: the 7 example books (dpm serve --demo); a number: bench/service.ts's book of that many 20-position accounts.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import WebSocket from "ws";

const ROOT = resolve(import.meta.dirname, "..");
const [book = "demo", n = "90"] = process.argv.slice(2);
const { startService } = await import(`${ROOT}/dist/src/adapters/http/service.js`);
const ADMIN = "insight-ticks-admin-key-0123456789";
const market = JSON.parse(readFileSync(join(ROOT, "examples/market.json"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "dpm-insight-"));

async function seed(db) {
  if (book === "demo") return;
  const { bookEvents } = await import(`${ROOT}/dist/bench/service.js`);
  const { openSqliteStore } = await import(`${ROOT}/dist/src/adapters/store-sqlite/sqliteStore.js`);
  const store = openSqliteStore(db, { sync: "normal" });
  const events = bookEvents(Number(book), 20, 7);
  for (let i = 0; i < events.length; i += 5000) await store.appendEvents(events.slice(i, i + 5000), 0);
  await store.close();
}

async function run(pump, k) {
  const db = join(dir, `${k}.sqlite`);
  await seed(db);
  const svc = await startService({ db, port: 0, adminKey: ADMIN, initialMarket: market, rateLimit: 0, sync: "normal", quiet: true, ...(pump ? {} : { insights: { budgetMs: 0 } }) });
  if (book === "demo") {
    const { createDemoAccounts } = await import(`${ROOT}/dist/src/adapters/http/demo.js`);
    await createDemoAccounts(svc, join(ROOT, "examples/books"));
  }
  const ids = [...svc.engine.margins.keys()].slice(0, 2);
  const ws = new WebSocket(`${svc.url.replace("http", "ws")}/v1/stream`, { headers: { authorization: `Bearer ${ADMIN}` } });
  await new Promise((r) => ws.once("open", r));
  ws.send(JSON.stringify({ op: "subscribe", fleet: true, top: 20, accounts: ids }));
  const c0 = { ...svc.hub.insights.cache.counters };
  const lat = { BTC: [], ETH: [], SOL: [] };
  const t0 = performance.now();
  for (let i = 0; i < Number(n); i++) {
    const a = ["BTC", "ETH", "SOL"][i % 3];
    const ts = Math.max(...Object.values(svc.engine.state.market.asOf)) + 100;
    const index = svc.engine.state.market.assets[a].index * (1 + (((i * 7919) % 41) - 20) * 1e-4);
    const t = performance.now();
    const r = await fetch(`${svc.url}/v1/market/ticks`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ asset: a, ts, index }) });
    await r.text();
    if (i >= 6) lat[a].push(performance.now() - t);
    await new Promise((res) => setTimeout(res, 20));
  }
  const secs = (performance.now() - t0) / 1000;
  const c = svc.hub.insights.cache.counters;
  const q = (v, p) => [...v].sort((x, y) => x - y)[Math.min(v.length - 1, Math.floor(v.length * p))].toFixed(1);
  console.log(JSON.stringify({
    book, pump: pump ? "on" : "off", seconds: secs.toFixed(1),
    ...Object.fromEntries(Object.entries(lat).map(([a, v]) => [`${a} p50/p99 ms`, `${q(v, 0.5)} / ${q(v, 0.99)}`])),
    insights: c.computed - c0.computed, "insight ms total": (c.ms - c0.ms).toFixed(0), "ms per insight": ((c.ms - c0.ms) / Math.max(1, c.computed - c0.computed)).toFixed(2),
  }));
  ws.close();
  await svc.close();
}
try {
  for (let k = 0; k < 3; k++) { await run(false, `a${k}`); await run(true, `b${k}`); }
} finally { rmSync(dir, { recursive: true, force: true }); }
