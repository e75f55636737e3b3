/**
 * The threads of `dpm margin` (src/adapters/cli/marginThreads.ts): which runs start worker threads before the CLI is
 * loaded, that a worker not taken is stopped, and that a worker answers a chunk with exactly the bytes this thread
 * writes for it (the worker protocol: flags first, then "ready", then numbered chunks).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextOf, type MarginFlags } from "../../src/adapters/cli/common.js";
import { marginChunk } from "../../src/adapters/cli/marginChunk.js";
import { PARALLEL_MIN_BYTES, startEarlyWorkers, stopEarlyWorkers, takeEarlyWorkers } from "../../src/adapters/cli/marginThreads.js";
import type { WorkerMessage } from "../../src/adapters/cli/marginWorker.js";
import { ROOT } from "../helpers/shared.js";

const MARKET = join(ROOT, "examples/market.json");
const SMALL = join(ROOT, "examples/books.jsonl");
let dir: string, big: string, middle: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dpm-threads-"));
  const src = readFileSync(SMALL, "utf8").split("\n").filter((l) => l.trim() !== "");
  const lines: string[] = [];
  for (let i = 0, bytes = 0; bytes <= PARALLEL_MIN_BYTES; i++) {
    lines.push(JSON.stringify({ ...JSON.parse(src[i % src.length]), account: `a-${i}` }));
    bytes += lines[i].length + 1;
  }
  big = join(dir, "big.jsonl");
  writeFileSync(big, `${lines.join("\n")}\n`);
  expect(statSync(big).size).toBeGreaterThan(PARALLEL_MIN_BYTES);
  middle = join(dir, "middle.jsonl");
  writeFileSync(middle, `${lines.slice(0, lines.length >> 2).join("\n")}\n`);
  expect(statSync(middle).size).toBeGreaterThan(1 << 20);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(takeEarlyWorkers(64).map((w) => w.terminate()));
});

/** Workers started for `dpm margin <args>`. */
function started(args: string[]): Worker[] {
  startEarlyWorkers(args);
  return takeEarlyWorkers(64);
}

describe("startEarlyWorkers: the workers a `dpm margin` run will want, started before the CLI loads", () => {
  it("starts threads − 1 workers for a large JSON-lines file, reading the portfolio and --workers as the command does", async () => {
    const ws = started([big, "--market", MARKET, "--workers", "3", "--json"]);
    expect(ws).toHaveLength(2);
    await Promise.all(ws.map((w) => w.terminate()));
    expect(started(["--market", MARKET, `--workers=2`, big])).toHaveLength(1);
    const asked = started([middle, "--market", MARKET, "--workers", "2"]);
    expect(asked).toHaveLength(1);
    await asked[0].terminate();
    const auto = started(["--preset", "okx", big, "--market", MARKET]);
    expect(auto).toHaveLength(availableParallelism() >= 2 ? Math.min(availableParallelism(), 4) - 1 : 0);
  });

  it("starts none where the command margins on this thread alone", () => {
    for (const args of [
      [big, "--market", MARKET, "--workers", "1"],
      [big, "--market", MARKET, "--workers=1"],
      [big, "--market", MARKET, "--model", "var", "--workers", "2"],
      [big, "--market", MARKET, "--history", "h.csv", "--workers", "2"],
      [SMALL, "--market", MARKET],
      [middle, "--market", MARKET], // JSON lines over 1 MiB but below 8: one thread is quicker under auto
      ["-", "--market", MARKET, "--workers", "2"],
      [join(dir, "missing.jsonl"), "--market", MARKET, "--workers", "2"],
      [big, "--market", MARKET, "--workers", "lots"],
      // a value-taking option's value is not the portfolio
      ["--market", big, SMALL],
      ["--market", MARKET],
    ]) expect(started(args), args.join(" ")).toHaveLength(0);
  });

  it("stops the workers no command took", async () => {
    startEarlyWorkers([big, "--market", MARKET, "--workers", "3"]);
    const [kept] = takeEarlyWorkers(1);
    expect(await stopEarlyWorkers()).toBe(1);
    expect(takeEarlyWorkers(64)).toHaveLength(0);
    expect(await stopEarlyWorkers()).toBe(0);
    expect(kept.threadId).toBeGreaterThan(0); // taken: still running until its taker stops it
    await kept.terminate();
  });

  it("a worker answers a chunk with the bytes this thread writes for it, after its flags and its ready", async () => {
    const [w] = started([big, "--market", MARKET, "--workers", "2"]);
    const flags: MarginFlags = { market: MARKET, model: "portfolio", currency: "USD", json: true };
    const lines = readFileSync(big, "utf8").split("\n").slice(0, 50);
    lines[7] = '{"account": "cut';
    const chunk = { lines, nos: lines.map((_, i) => i + 1) };
    const messages: WorkerMessage[] = [];
    const two = new Promise<void>((resolve) => w.on("message", (m: WorkerMessage) => { messages.push(m); if (messages.length === 2) resolve(); }));
    w.postMessage({ flags });
    w.postMessage({ id: 41, ...chunk });
    await two;
    await w.terminate();
    expect(messages[0]).toEqual({ ready: true });
    const here = marginChunk(contextOf(flags), "portfolio", true, chunk);
    const reply = messages[1];
    if ("ready" in reply) throw new Error("second message is not an answer");
    expect(reply.id).toBe(41);
    expect(Buffer.from(reply.bytes).equals(Buffer.from(here.bytes))).toBe(true);
    expect(Buffer.from(here.bytes).toString("utf8").split("\n").filter((x) => x !== "")).toHaveLength(49);
    expect(reply.rejects.map((r) => r.line)).toEqual([8]);
    expect(reply.rejects).toEqual(here.rejects);
  }, 30_000);
});
