/**
 * Service benchmarks (issue 4): ticks per second with 10,000 accounts of 20 positions; tick-to-margin
 * latency for all accounts on one underlying; pre-trade check latency over HTTP; WebSocket fan-out to
 * 100 subscribers. Each is compared with a baseline measured in the same run.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { openSqliteStore } from "../src/adapters/store-sqlite/sqliteStore.js";
import { startService } from "../src/adapters/http/service.js";
import { Engine } from "../src/engine/engine.js";
import { accountMargin, prepareAccount } from "../src/engine/accountMargin.js";
import { marginWith } from "../src/margin/computeMargin.js";
import { IncrementalRiskContext } from "../src/engine/incrementalContext.js";
import { mulberry32 } from "./prng.js";
import { instrumentPool } from "./bookFile.js";
import { Report, met } from "./report.js";
import { fmtFixed, fmtRatio, quantile } from "./stats.js";
import { bookId, nextBtcTick, writeBookFile } from "./engineBook.js";
import { loadBook } from "../src/adapters/bookLoader.js";
import { Floor, kernelData } from "./kernelData.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..").replace(/\/dist$/, "");
const marketJson = (): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, "examples", "market.json"), "utf8"));
const T0 = Date.parse("2024-11-20T08:00:00Z");

/** The event log of N accounts of P positions: 60 % BTC books, 25 % ETH, 15 % across all three (exported for profiling). */
export function bookEvents(n: number, p: number, seed: number): unknown[] {
  const rng = mulberry32(seed);
  const pool = instrumentPool();
  const all = [...pool.BTC, ...pool.ETH, ...pool.SOL];
  const idx: Record<string, number> = { BTC: 92000, ETH: 3100, SOL: 240 };
  const out: unknown[] = [{ type: "market", snapshot: marketJson() }];
  for (let a = 0; a < n; a++) {
    const id = `acct-${String(a).padStart(5, "0")}`;
    out.push({ type: "account", account: id }, { type: "deposit", account: id, asset: "USDC", amount: "2000000" }, { type: "deposit", account: id, asset: "BTC", amount: "3" });
    const r = rng.next();
    const src = r < 0.6 ? pool.BTC : r < 0.85 ? pool.ETH : all;
    const picks = new Set<string>();
    while (picks.size < Math.min(p, src.length)) picks.add(src[Math.floor(rng.next() * src.length)]);
    for (const inst of picks) {
      const u = inst.split(/[-_]/)[0];
      const opt = /-[CP]$/.test(inst);
      const size = Math.round((rng.next() * 2 - 1) * 20) || 1;
      const scaled = opt ? size / 2 : inst.includes("_USDC") ? size : size * (u === "BTC" ? 1000 : 100);
      out.push({ type: "fill", account: id, instrument: inst, size: scaled, price: opt ? 0.02 * (inst.includes("_USDC") ? idx[u] : 1) : idx[u] });
    }
  }
  return out;
}

async function tickBench(r: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-"));
  try {
    const store = openSqliteStore(join(dir, "b.sqlite"));
    const events = bookEvents(10_000, 20, 7);
    for (let i = 0; i < events.length; i += 5000) await store.appendEvents(events.slice(i, i + 5000), 0);
    let t = performance.now();
    const engine = await Engine.open(store, { snapshotEvery: 1e9 });
    const replayS = (performance.now() - t) / 1000;
    const holders: Record<string, number> = { BTC: 0, ETH: 0, SOL: 0 };
    for (const a of engine.state.accounts.values()) {
      const us = new Set([...a.positions.keys()].map((k) => k.split(/[-_]/)[0]));
      for (const u of Object.keys(holders)) if (us.has(u)) holders[u]++;
    }
    const rng = mulberry32(11);
    const idx: Record<string, number> = { BTC: 92000, ETH: 3100, SOL: 240 };
    let ts = T0;
    const tick = async (u: string): Promise<number> => {
      idx[u] *= 1 + (rng.next() - 0.5) * 0.004;
      ts += 1000;
      const t0 = performance.now();
      const res = await engine.submit({ type: "tick", asset: u, ts, index: idx[u] });
      if (!res.ok) throw new Error(res.reason);
      return performance.now() - t0;
    };
    await tick("BTC");
    const N = 18;
    t = performance.now();
    for (let i = 0; i < N; i++) await tick(["BTC", "ETH", "SOL"][i % 3]);
    const mixedS = (performance.now() - t) / 1000;
    const btcLat: number[] = [];
    for (let i = 0; i < 10; i++) btcLat.push(await tick("BTC"));
    // Baseline: what a non-incremental engine does per tick: a fresh context and every account re-margined.
    const base: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      const ctx = new IncrementalRiskContext(engine.state.market!, engine.state.params).context();
      for (const a of engine.state.accounts.values()) accountMargin(engine.state, ctx, a, [a.id]);
      base.push(performance.now() - t1);
    }
    // Reference: the core alone (marginWith on prepared portfolios) for the accounts a BTC tick re-margins.
    const liveCtx = engine.riskContext()!.context();
    const btcBooks = [...engine.state.accounts.values()].filter((a) => [...a.positions.keys()].some((k) => k.startsWith("BTC"))).map((a) => prepareAccount(a).portfolio);
    const core: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      for (const pf of btcBooks) marginWith(liveCtx, pf, "portfolio", { contributions: false });
      core.push(((performance.now() - t1) * 1000) / btcBooks.length);
    }
    const tps = N / mixedS, baseTps = 1000 / quantile(base, 0.5);
    r.h3("Ticks with 10,000 accounts × 20 positions");
    r.p(`Book: 10,000 accounts, 200,000 positions on ${Object.values(instrumentPool()).flat().length} instruments (60 % BTC books, 25 % ETH, 15 % across BTC/ETH/SOL); accounts holding BTC ${holders.BTC}, ETH ${holders.ETH}, SOL ${holders.SOL}. SQLite WAL, synchronous=FULL (one fsync per tick). Startup replay of the ${events.length.toLocaleString("en-US")}-event log and margining every account: ${replayS.toFixed(1)} s.`);
    r.table(["figure", "value", "target", "met?"], [
      ["ticks/s, rotating BTC/ETH/SOL (incremental)", tps.toFixed(2), "—", "—"],
      ["ticks/s, baseline (fresh context, every account)", baseTps.toFixed(2), "baseline", "—"],
      ["ratio incremental / baseline", `${(tps / baseTps).toFixed(2)}×`, "> 1×", met(tps > baseTps)],
      [`tick-to-margin, BTC tick (${holders.BTC} accounts), p50 ms`, quantile(btcLat, 0.5).toFixed(0), "—", "—"],
      [`tick-to-margin, BTC tick, p99 ms (${btcLat.length} ticks)`, quantile(btcLat, 0.99).toFixed(0), "—", "—"],
      ["per account re-margined (BTC tick p50), µs", ((quantile(btcLat, 0.5) * 1000) / holders.BTC).toFixed(1), "—", "—"],
      ["core `marginWith` alone (no contributions, as the engine), same accounts, µs", quantile(core, 0.5).toFixed(1), "reference", "—"],
    ]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function httpAndWsBench(r: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-http-"));
  const key = "bench-admin-key-0123456789abcdef";
  const svc = await startService({ db: join(dir, "h.sqlite"), port: 0, adminKey: key, initialMarket: marketJson(), rateLimit: 0, sync: "normal" });
  try {
    const hdr = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(svc.url + path, { method, headers: hdr, body: body === undefined ? undefined : JSON.stringify(body) });
      return res.json() as Promise<{ ok?: boolean; seq?: number }>;
    };
    await call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "1000000", BTC: "2" } });
    const pool = instrumentPool().BTC;
    for (let i = 0; i < 20; i++) await call("POST", "/v1/accounts/alice/fills", { instrument: pool[i], size: pool[i].endsWith("-C") || pool[i].endsWith("-P") ? (i % 2 ? 1 : -1) : 10000, price: pool[i].includes("-C") || pool[i].endsWith("-P") ? 0.02 : 92000 });
    const { lat, health } = await clientChecks(svc.url, key, { account: "alice", order: { instrument: "BTC-27DEC24-95000-C", size: "-1" }, n: 2000, warm: 200, healthEvery: 4 });
    const p99 = quantile(lat, 0.99);
    // WebSocket fan-out: time from the tick request until every subscriber has the account update.
    const fanout = async (n: number): Promise<number[]> => {
      const clients = await Promise.all(Array.from({ length: n }, () => new Promise<WebSocket>((res, rej) => {
        const ws = new WebSocket(`${svc.url.replace("http", "ws")}/v1/stream`, { headers: { authorization: `Bearer ${key}` } });
        ws.on("open", () => { ws.send(JSON.stringify({ op: "subscribe", accounts: ["alice"] })); res(ws); });
        ws.on("error", rej);
      })));
      await new Promise((res) => setTimeout(res, 200));
      const out: number[] = [];
      for (let k = 0; k < 20; k++) {
        let ts = T0 + 1000 * (out.length + 1) + n * 100_000;
        const t0 = performance.now();
        const want = svc.engine.state.seq + 1; // the tick's sequence number (nothing else is in flight)
        const got = Promise.all(clients.map((ws) => new Promise<void>((res) => {
          const on = (d: Buffer) => { const m = JSON.parse(d.toString()); if (m.type === "account" && m.data.seq >= want) { ws.off("message", on); res(); } };
          ws.on("message", on);
        })));
        const ack = await call("POST", "/v1/market/ticks", { asset: "BTC", ts: ts++, index: 92000 + k });
        if (ack.seq !== want) throw new Error(`tick got seq ${String(ack.seq)}, expected ${want}`);
        await got;
        out.push(performance.now() - t0);
      }
      for (const ws of clients) ws.close();
      return out;
    };
    const one = await fanout(1);
    const hundred = await fanout(100);
    r.h3("Pre-trade check over HTTP and WebSocket fan-out");
    r.p("One account of 20 BTC positions; sequential keep-alive requests (`node:http`) from a client in a worker thread, 200 warm-up requests excluded; the baseline is GET /healthz (no key, no work) from the same client. WebSocket: 20 ticks, each timed from the tick request until every subscriber has received the account's new margin.");
    r.table(["figure", "value", "target", "met?"], [
      ["pre-trade check p50 (ms)", quantile(lat, 0.5).toFixed(2), "—", "—"],
      ["pre-trade check p99 (ms)", p99.toFixed(2), "< 5 ms", met(p99 < 5)],
      ["GET /healthz p50 (ms), baseline", quantile(health, 0.5).toFixed(2), "baseline", "—"],
      ["pre-trade / healthz (p50)", `${(quantile(lat, 0.5) / quantile(health, 0.5)).toFixed(1)}×`, "—", "—"],
      ["tick → 1 subscriber p50 / p99 (ms), baseline", `${quantile(one, 0.5).toFixed(2)} / ${quantile(one, 0.99).toFixed(2)}`, "baseline", "—"],
      ["tick → all 100 subscribers p50 / p99 (ms)", `${quantile(hundred, 0.5).toFixed(2)} / ${quantile(hundred, 0.99).toFixed(2)}`, "—", "—"],
      ["fan-out cost 100 / 1 (p50)", `${(quantile(hundred, 0.5) / quantile(one, 0.5)).toFixed(1)}×`, "—", "—"],
    ]);
  } finally {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Figures of the book service benchmark (bench/service.ts `bookFigures`). */
export interface BookFigures {
  startS: number; loadS: number; remargined: number; sent: number; busyS: number;
  ticks: number[]; floor: number[]; quiet: number[]; busy: number[];
}

/** The client of the pre-trade checks, in a worker thread: its own event loop and heap, so the latencies are the server's. */
const CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
/** One request on a kept-alive socket (node:http: a light client, so the figure is the server's more than undici's). */
function call(method, url, headers, body) {
  return new Promise((res, rej) => {
    const h = body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) };
    const q = http.request(url, { method, headers: h, agent }, (r) => {
      const chunks = [];
      r.on("data", (c) => chunks.push(c));
      r.on("end", () => { try { res(JSON.parse(Buffer.concat(chunks).toString())); } catch (e) { rej(e); } });
    });
    q.on("error", rej);
    q.end(body);
  });
}
(async () => {
  const { url, key, path, n, warm, order, healthEvery } = workerData;
  const hdr = { authorization: "Bearer " + key, "content-type": "application/json" };
  const body = JSON.stringify(order);
  const lat = [], health = [];
  for (let i = 0; i < warm + n; i++) {
    let t0 = performance.now();
    const r = await call("POST", url + path, hdr, body);
    if (r.ok === undefined) throw new Error("pre-trade check failed: " + JSON.stringify(r));
    if (i >= warm) lat.push(performance.now() - t0);
    if (healthEvery > 0 && i % healthEvery === 0) {
      t0 = performance.now();
      await call("GET", url + "/healthz", {});
      if (i >= warm) health.push(performance.now() - t0);
    }
  }
  parentPort.postMessage({ lat, health });
})();`;

/** Sequential pre-trade checks of `order` on `account` from a worker thread (and GET /healthz every `healthEvery`-th, 0: never). */
async function clientChecks(url: string, key: string, o: { account: string; order: unknown; n: number; warm: number; healthEvery?: number }): Promise<{ lat: number[]; health: number[] }> {
  const w = new Worker(CLIENT, { eval: true, workerData: { url, key, path: `/v1/accounts/${o.account}/orders/check`, n: o.n, warm: o.warm, order: o.order, healthEvery: o.healthEvery ?? 0 } });
  try {
    return await new Promise((res, rej) => { w.once("message", res); w.once("error", rej); });
  } finally {
    await w.terminate();
  }
}

async function checks(url: string, key: string, n: number, warm: number): Promise<number[]> {
  return (await clientChecks(url, key, { account: bookId(0), order: { instrument: "BTC-PERPETUAL", size: "1000" }, n, warm })).lat;
}

/**
 * Through the service on a 10,000 × 20 book (issue 10 "Must show"): client-side POST /v1/market/ticks against the
 * floor measured in this process; pre-trade checks over HTTP while ticks arrive at 10/s, against the same checks
 * with no ticks. The book (bench/engineBook.ts `writeBookFile`, portfolio JSON lines) is loaded as `dpm serve --book`
 * loads it (`loadBook`: book events in batches of 500) into the service's SQLite file (synchronous=FULL).
 */
export async function bookFigures(quick: boolean): Promise<BookFigures> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-book-"));
  const key = "bench-admin-key-0123456789abcdef", db = join(dir, "book.sqlite");
  const book = writeBookFile(join(dir, "book.jsonl"), 10_000, 2);
  let t = performance.now();
  const svc = await startService({ db, port: 0, adminKey: key, rateLimit: 0, sync: "full", snapshotEvery: 1e9, liquidation: { enabled: false }, quiet: true, initialMarket: book.marketFile, book: true });
  const startS = (performance.now() - t) / 1000;
  try {
    t = performance.now();
    const loaded = await loadBook(svc, { file: join(dir, "book.jsonl") });
    if (loaded.loaded !== 10_000) throw new Error(`book load: ${loaded.loaded} of 10,000 accounts loaded (${loaded.refused} refused: ${JSON.stringify(loaded.issues.slice(0, 3))})`);
    const loadS = (performance.now() - t) / 1000;
    const hdr = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const post = async (path: string, body: unknown) => (await fetch(svc.url + path, { method: "POST", headers: hdr, body: JSON.stringify(body) })).json() as Promise<{ seq?: number; remargined?: number; error?: string }>;
    const floor = new Floor(kernelData().floorInstruments, book.specs);
    const rng = mulberry32(13);
    let index = svc.engine.state.market!.assets.BTC.index, ts = Math.max(...Object.values(svc.engine.state.market!.asOf));
    const nextTick = () => { const e = nextBtcTick(index, ts, () => rng.next()); index = e.index; ts = e.ts; return { asset: "BTC", ts: e.ts, index: e.index }; };
    const TICKS = quick ? 60 : 300, ticks: number[] = [], floorMs: number[] = [];
    let remargined = 0;
    for (let i = 0; i < TICKS + 10; i++) {
      const t0 = performance.now();
      const a = await post("/v1/market/ticks", nextTick());
      const dt = performance.now() - t0;
      if (a.seq === undefined) throw new Error(`tick refused: ${a.error}`);
      remargined = a.remargined ?? 0;
      if (i < 10) continue;
      ticks.push(dt);
      floor.fill(svc.engine.riskContext()!.context());
      const f0 = performance.now();
      floor.run();
      floorMs.push(performance.now() - f0);
    }
    // Pre-trade checks: with no ticks (baseline), then while a tick is posted every 100 ms.
    const quiet = await checks(svc.url, key, quick ? 500 : 2000, 200);
    let ticking = true, sent = 0;
    const feeder = (async () => {
      while (ticking) {
        const t0 = performance.now();
        const a = await post("/v1/market/ticks", nextTick());
        if (a.seq === undefined) throw new Error(`tick refused: ${a.error}`);
        sent++;
        await new Promise((res) => setTimeout(res, Math.max(0, 100 - (performance.now() - t0))));
      }
    })();
    t = performance.now();
    const busy = await checks(svc.url, key, quick ? 1000 : 4000, 0);
    const busyS = (performance.now() - t) / 1000;
    ticking = false;
    await feeder;
    return { startS, loadS, remargined, sent, busyS, ticks, floor: floorMs, quiet, busy };
  } finally {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bookReport(r: Report, f: BookFigures): void {
  const p99 = quantile(f.ticks, 0.99), f50 = quantile(f.floor, 0.5), f99 = quantile(f.floor, 0.99), pre99 = quantile(f.busy, 0.99);
  const row = (name: string, xs: number[], target: string, status: string) => [name, fmtFixed(quantile(xs, 0.5), 2), fmtFixed(quantile(xs, 0.99), 2), fmtFixed(Math.max(...xs), 2), xs.length, target, status];
  r.h3("Through the service: POST /v1/market/ticks and pre-trade checks on a 10,000 × 20 book");
  r.p(`Book: 10,000 accounts × 20 BTC positions (bench/engineBook.ts, the engine benchmark's book) loaded as \`dpm serve --book\` loads it (book events in batches of 500) into the service's SQLite file, synchronous=FULL; ` +
    `service start: ${f.startS.toFixed(1)} s, book load: ${f.loadS.toFixed(1)} s; kernel in process (\`--workers auto\` below 20,000 accounts). Ticks: ` +
    `sequential keep-alive \`fetch\` from this process, each timed from the request until its answer \`{seq, event, remargined}\` (every tick: remargined = ${f.remargined.toLocaleString("en-US")}). ` +
    `The floor (80 × 35 loop over the same positions) runs in this process after each tick. Pre-trade checks: \`POST /v1/accounts/${bookId(0)}/orders/check\` ` +
    "(20 BTC positions), sequential, from a keep-alive `node:http` client in a worker thread (its own event loop and heap, and a lighter client than `fetch`: the latency is the server's), first without ticks (baseline), " +
    `then while a tick is posted every 100 ms (${f.sent} ticks in ${f.busyS.toFixed(1)} s, ${fmtFixed(f.sent / f.busyS, 1)}/s).`);
  const rows = [
    row("floor (baseline, same process)", f.floor, "baseline", "—"),
    row("tick, client side (POST → answer)", f.ticks, "p99 ≤ 4× floor", `${met(p99 <= 4 * f99)} vs floor p99 (${fmtRatio(p99 / f99)}); ${met(p99 <= 4 * f50)} vs floor p50 (${fmtRatio(p99 / f50)})`),
    row("pre-trade check, no ticks (baseline)", f.quiet, "baseline", "—"),
    row("pre-trade check, ticks at 10/s", f.busy, "p99 < 5 ms", met(pre99 < 5)),
  ];
  r.table(["figure", "p50 ms", "p99 ms", "max ms", "n", "target", "status"], rows);
  r.p("During a tick the in-process kernel re-margins in slices of at most 0.5 ms, prices the moved instruments and finishes the figures in slices too, " +
    "and turns the event loop before the append and before the derived events; the insight pump (binding component, distance to liquidation of the accounts whose status changed) " +
    "computes in slices of 0.5 ms: a check waits for one slice rather than a whole tick or a whole distance search.");
}

/** The service section of BENCHMARKS.md. */
export async function serviceBench(quick = process.env.DPM_BENCH_QUICK === "1"): Promise<string> {
  const r = new Report();
  r.h2("Service: engine ticks, pre-trade checks, WebSocket fan-out");
  bookReport(r, await bookFigures(quick));
  await tickBench(r);
  await httpAndWsBench(r);
  return r.toString();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serviceBench().then((s) => process.stdout.write(s), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
