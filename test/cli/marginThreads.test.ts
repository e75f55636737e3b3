/**
 * The threads of `dpm margin` (src/adapters/cli/marginThreads.ts): which runs start worker threads before the CLI is
 * loaded, that a worker not taken is stopped, and that a worker answers a chunk with exactly the bytes this thread
 * writes for it (the worker protocol: its setup first, then "ready", then numbered chunks), that a chunk its fast
 * checks cannot decide comes back undecided until the worker has loaded the full checks, and that the worker's code
 * loads no zod at start.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextOf, type MarginFlags } from "../../src/adapters/cli/common.js";
import { checkPortfolio as validate } from "../../src/input/checkPortfolio.js";
import { checkPortfolioFast as fastCheck } from "../../src/input/checkFast.js";
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

  it("a worker answers a chunk with the bytes this thread writes for it, after its setup and its ready", async () => {
    const [w] = started([big, "--market", MARKET, "--workers", "2"]);
    const flags: MarginFlags = { market: MARKET, model: "portfolio", currency: "USD", json: true };
    const ctx = await contextOf(flags);
    const lines = readFileSync(big, "utf8").split("\n").slice(0, 60);
    lines[7] = '{"account": "cut';
    const chunk = { lines: lines.slice(0, 50), nos: lines.slice(0, 50).map((_, i) => i + 1) };
    // A size past its bound: the fast checks leave it to the zod schema, which words the problem.
    const pf = JSON.parse(lines[55]) as { positions: { size: number }[] };
    pf.positions[0].size = 2e12;
    const undecided = { lines: [lines[54], JSON.stringify(pf)], nos: [55, 56] };
    const inbox: WorkerMessage[] = [];
    let wake: (() => void) | undefined;
    w.on("message", (m: WorkerMessage) => { inbox.push(m); wake?.(); });
    const next = async (): Promise<WorkerMessage> => {
      while (inbox.length === 0) await new Promise<void>((r) => { wake = r; });
      return inbox.shift() as WorkerMessage;
    };
    w.postMessage({ setup: { market: ctx.market, params: ctx.params, currency: "USD", model: "portfolio", json: true } });
    w.postMessage({ id: 41, ...chunk });
    w.postMessage({ id: 42, ...undecided });
    expect(await next()).toEqual({ ready: true });
    const reply = await next();
    const here = marginChunk(ctx, "portfolio", true, chunk, validate);
    if (!("bytes" in reply)) throw new Error("the second message is not an answer");
    expect(reply.id).toBe(41);
    expect(Buffer.from(reply.bytes).equals(Buffer.from(here.bytes))).toBe(true);
    expect(Buffer.from(here.bytes).toString("utf8").split("\n").filter((x) => x !== "")).toHaveLength(49);
    expect(reply.rejects.map((r) => r.line)).toEqual([8]);
    expect(reply.rejects).toEqual(here.rejects);
    // The fast checks cannot decide it: the chunk goes back, and the worker loads the full checks.
    expect(await next()).toEqual({ id: 42, undecided: true });
    const full = marginChunk(ctx, "portfolio", true, undecided, validate);
    expect(full.rejects.map((r) => [r.line, r.issues[0].path, r.issues[0].message])).toEqual([[56, "positions[0].size", "|size| must be at most 1000000000000"]]);
    expect(Buffer.from(full.bytes).toString("utf8").split("\n").filter((x) => x !== "")).toHaveLength(1);
    // Once they are in, the worker margins such a chunk itself, byte for byte as this thread does.
    let answer: WorkerMessage | undefined;
    for (let id = 43; id < 43 + 200 && (answer === undefined || "undecided" in answer); id++) {
      w.postMessage({ id, ...undecided });
      answer = await next();
      if ("undecided" in answer) await new Promise((r) => setTimeout(r, 20));
    }
    await w.terminate();
    if (answer === undefined || !("bytes" in answer)) throw new Error("the worker never decided the chunk");
    expect(Buffer.from(answer.bytes).equals(Buffer.from(full.bytes))).toBe(true);
    expect(answer.rejects).toEqual(full.rejects);
  }, 30_000);

  it("the fast checks give validate's answer wherever they decide", async () => {
    const ctx = await contextOf({ market: MARKET, currency: "USD" });
    const docs: unknown[] = readFileSync(SMALL, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as unknown);
    const first = docs[0] as { positions: { instrument: string; size: number | string }[] };
    docs.push(
      { ...first, positions: [{ ...first.positions[0], instrument: "BTC-1JAN99" }] }, // not in the market: the cross-check
      { ...first, positions: [{ ...first.positions[0], size: "1.5" }] }, // a decimal string: decided
      { ...first, positions: [{ ...first.positions[0], size: 2e12 }] }, // past its bound: undecided (zod words it)
      { ...first, collateral: { USDC: -1e300 } }, // the same
      { account: 7 },
    );
    let decided = 0;
    for (const d of docs) {
      const fast = fastCheck(d, ctx.market);
      if (fast === undefined) continue;
      decided++;
      expect(fast).toEqual(validate(d, ctx.market));
    }
    expect(decided).toBeGreaterThan(docs.length - 4);
    expect(fastCheck(docs[docs.length - 3], ctx.market)).toBeUndefined();
  });

  it("the worker's code, and `dpm margin`'s, import no zod at start (its import is a third of a thread's start)", () => {
    // The worker checks with the fast checks; `dpm margin` reads the market by the fast reading and a shipped preset
    // from the cache of the build (contextLoad.ts). Each loads zod on demand, when an input needs the schema.
    expect(staticZodImports("adapters/cli/marginWorker.ts")).toEqual([]);
    expect(staticZodImports("adapters/cli/main.ts", "adapters/cli/commands/margin.ts")).toEqual([]);
    // The same walk finds zod where it is: the full checks and loaders.
    expect(staticZodImports("adapters/cli/load.ts").length).toBeGreaterThan(0);
  });
});

/** The modules under src/ that import zod, reached from `entries` by static (non-type) imports. */
function staticZodImports(...entries: string[]): string[] {
  const src = join(ROOT, "src");
  const seen = new Set<string>(), zod: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)";/gms)) {
      const spec = m[2];
      if (spec === "zod" || spec.startsWith("zod/")) zod.push(file.slice(src.length + 1));
      else if (spec.startsWith(".")) visit(join(file, "..", spec.replace(/\.js$/, ".ts")));
    }
  };
  for (const e of entries) visit(join(src, e));
  expect(seen.size).toBeGreaterThan(10);
  return zod;
}
