/**
 * Scale-out benchmark (`scaleOutBench()`): market ticks applied per second by the whole fleet when 10,000
 * accounts × 20 positions are held by one `dpm serve` process, against the same book split over two
 * partitioned worker processes on NATS JetStream (each its own SQLite log). Ticks go in through the
 * publishing worker's HTTP API; a tick counts once every worker has applied it (its `GET /v1/partition`
 * market sequence). Needs a NATS JetStream server (DPM_BENCH_NATS_URL, default nats://127.0.0.1:4222).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "nats";
import { NatsBus } from "../src/adapters/bus-nats/natsBus.js";
import { openSqliteStore } from "../src/adapters/store-sqlite/sqliteStore.js";
import { ownerOf } from "../src/engine/partition.js";
import { mulberry32 } from "./prng.js";
import { Report } from "./report.js";
import { bookEvents } from "./service.js";

const NATS = process.env.DPM_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
/** The repository's `bin/dpm` (dist/bench/ → ../../bin/dpm). */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "dpm");
const KEY = "bench-admin-key-0123456789abcdef";
const T0 = Date.parse("2024-11-20T08:00:00Z");
const TICKS = 30;

interface Worker { readonly proc: ChildProcess; readonly url: string }

/** Start `dpm serve` as a child process; resolves with its URL once it prints it. */
function startWorker(args: string[]): Promise<Worker> {
  const proc = spawn(process.execPath, [MAIN, "serve", ...args], { env: { ...process.env, DPM_ADMIN_KEY: KEY }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((res, rej) => {
    let out = "", err = "";
    const timer = setTimeout(() => rej(new Error(`worker did not start in 180 s: ${err || out}`)), 180_000);
    proc.stderr?.on("data", (d: Buffer) => { err += d.toString(); });
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); res({ proc, url: m[1] }); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); rej(new Error(`worker exited (${code}): ${err || out}`)); });
  });
}

async function marketSeq(w: Worker): Promise<number> {
  const r = await fetch(`${w.url}/v1/partition`);
  return ((await r.json()) as { marketSeq: number }).marketSeq;
}

/** Seed each worker's SQLite log with the market and the events of the accounts it owns. */
async function seedLogs(dir: string, count: number, events: readonly unknown[]): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const mine = events.filter((e) => { const a = (e as { account?: string }).account; return a === undefined || ownerOf(a, count) === i; });
    const store = openSqliteStore(join(dir, `w${i}.sqlite`));
    for (let k = 0; k < mine.length; k += 5000) await store.appendEvents(mine.slice(k, k + 5000), 0);
    await store.close();
    files.push(join(dir, `w${i}.sqlite`));
  }
  return files;
}

/** Ticks/s of a fleet of `count` workers over the book; also each worker's account count. */
async function fleetRate(count: number, events: readonly unknown[]): Promise<{ tps: number; startS: number }> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-bench-scaleout-"));
  const tag = `${process.pid}_${randomBytes(4).toString("hex")}`;
  const stream = `DPM_BENCH_${tag}`, prefix = `dpmbench_${tag}`;
  const workers: Worker[] = [];
  try {
    const files = await seedLogs(dir, count, events);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      workers.push(await startWorker(["--db", files[i], "--port", "0", "--sync", "normal", "--quiet", "--rate-limit", "0", "--no-liquidate",
        "--nats", NATS, "--partition", `${i}/${count}`, "--nats-stream", stream, "--nats-prefix", prefix, "--consumer", `w${i}`, ...(i === 0 ? ["--publish-market"] : [])]));
    }
    const startS = (performance.now() - t0) / 1000;
    const rng = mulberry32(11);
    const idx: Record<string, number> = { BTC: 92000, ETH: 3100, SOL: 240 };
    const post = async (i: number) => {
      const u = ["BTC", "ETH", "SOL"][i % 3];
      idx[u] *= 1 + (rng.next() - 0.5) * 0.004;
      const r = await fetch(`${workers[0].url}/v1/market/ticks`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ asset: u, ts: T0 + (i + 1) * 1000, index: idx[u] }) });
      if (r.status !== 201) throw new Error(`tick ${i}: ${r.status} ${await r.text()}`);
    };
    await post(0);
    const waitAll = async (seq: number) => { for (const w of workers) while ((await marketSeq(w)) < seq) await new Promise((r) => setTimeout(r, 5)); };
    await waitAll(1);
    const t1 = performance.now();
    for (let i = 1; i <= TICKS; i++) await post(i);
    await waitAll(TICKS + 1);
    return { tps: TICKS / ((performance.now() - t1) / 1000), startS };
  } finally {
    for (const w of workers) w.proc.kill("SIGTERM");
    await Promise.all(workers.map((w) => new Promise((r) => (w.proc.exitCode !== null ? r(null) : w.proc.on("exit", r)))));
    const bus = await NatsBus.open({ servers: NATS, stream, prefix }).catch(() => null);
    if (bus) { await bus.deleteStream().catch(() => undefined); await bus.close(); }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function scaleOutBench(): Promise<string> {
  const nc = await connect({ servers: NATS, timeout: 1500, reconnect: false });
  await nc.close();
  const events = bookEvents(10_000, 20, 7);
  const one = await fleetRate(1, events);
  const two = await fleetRate(2, events);
  const r = new Report();
  r.h2("Scale-out: partitioned workers on NATS JetStream");
  r.p(`10,000 accounts × 20 positions (the service book above), ${TICKS} ticks rotating BTC/ETH/SOL posted one after another to the publishing worker; a tick counts when every worker has applied it. Each worker is a \`dpm serve\` process with its own SQLite log (synchronous=NORMAL); the NATS server runs on the same machine.`);
  r.table(["fleet", "ticks/s", "start-up (replay + margin), s"], [
    ["1 process, all 10,000 accounts (baseline)", one.tps.toFixed(2), one.startS.toFixed(1)],
    ["2 worker processes, ~5,000 accounts each", two.tps.toFixed(2), two.startS.toFixed(1)],
  ]);
  r.p(`Two workers / one process: ${(two.tps / one.tps).toFixed(2)}× the tick throughput on this machine (the NATS server and the HTTP client share its cores).`);
  return r.toString();
}
