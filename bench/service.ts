/**
 * Service benchmarks (issue 4): ticks per second with 10,000 accounts of 20 positions; tick-to-margin
 * latency for all accounts on one underlying; pre-trade check latency over HTTP; WebSocket fan-out to
 * 100 subscribers. Each is compared with a baseline measured in the same run.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { quantile } from "./stats.js";

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
    const order = { instrument: "BTC-27DEC24-95000-C", size: "-1" };
    const lat: number[] = [];
    const health: number[] = [];
    for (let i = 0; i < 2200; i++) {
      let t0 = performance.now();
      const res = await call("POST", "/v1/accounts/alice/orders/check", order);
      if (i >= 200) lat.push(performance.now() - t0);
      if (res.ok === undefined) throw new Error("pre-trade check failed");
      if (i % 4 === 0) { t0 = performance.now(); await fetch(`${svc.url}/healthz`); health.push(performance.now() - t0); }
    }
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
    r.p("One account of 20 BTC positions; sequential keep-alive requests from the same process (fetch), 200 warm-up requests excluded; the baseline is GET /healthz (no key, no work). WebSocket: 20 ticks, each timed from the tick request until every subscriber has received the account's new margin.");
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

/** The service section of BENCHMARKS.md. */
export async function serviceBench(): Promise<string> {
  const r = new Report();
  r.h2("Service: engine ticks, pre-trade checks, WebSocket fan-out");
  await tickBench(r);
  await httpAndWsBench(r);
  return r.toString();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serviceBench().then((s) => process.stdout.write(s), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
