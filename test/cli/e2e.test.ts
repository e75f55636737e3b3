/**
 * End-to-end: the real `./bin/dpm` (which loads dist/). dist/ is rebuilt once, here, only when it is
 * missing or older than a file under src/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/shared.js";

const MAIN = join(ROOT, "dist/src/adapters/cli/main.js");
const BIN = join(ROOT, "bin/dpm");
const MARKET = join(ROOT, "examples/market.json");

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

function buildIfStale(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  try {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "pipe" });
  } catch (e) {
    // tsc still emits on type errors elsewhere in the tree; only a missing CLI is fatal here.
    if (!existsSync(MAIN)) throw e;
  }
}

function dpm(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  buildIfStale();
  dir = mkdtempSync(join(tmpdir(), "dpm-e2e-"));
}, 240_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("./bin/dpm end to end", () => {
  it("margin of examples/books.jsonl --json → exit 0, 7 JSON lines in file order", () => {
    const r = dpm("margin", "examples/books.jsonl", "--market", MARKET, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(out).toHaveLength(7);
    expect(out.map((o) => o.account)).toEqual([
      "naked-short-put", "covered-call", "put-credit-spread", "calendar-spread", "cash-and-carry", "short-straddle-hedged", "multi-asset",
    ]);
    for (const o of out) {
      expect(o.model).toBe("portfolio");
      expect(o.currency).toBe("USD");
      expect(typeof o.initialMargin).toBe("number");
    }
  });

  it("invalid input → exit 2, nothing on stdout, every problem with its path on stderr", () => {
    const p = join(dir, "bad.json");
    writeFileSync(p, JSON.stringify({ account: "x", positions: [{ instrument: "BTC-PERPETUAL", size: "5x" }, { instrument: "btc-perpetual", size: 1 }] }));
    const r = dpm("margin", p, "--market", MARKET);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("positions[0].size");
    expect(r.stderr).toContain("positions[1].instrument");
    // under --json the same problems come as one JSON object on stderr
    const j = dpm("margin", p, "--market", MARKET, "--json");
    expect(j.code).toBe(2);
    expect(j.stdout).toBe("");
    expect(JSON.parse(j.stderr).issues.map((i: { path: string }) => i.path)).toEqual(["positions[0].size", "positions[1].instrument"]);
  });

  it("JSON lines streamed from stdin; a bad line is skipped and reported, the others printed", () => {
    const lines = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").trim().split("\n");
    lines.splice(3, 0, "not json");
    const r = spawnSync(process.execPath, [BIN, "margin", "-", "--market", MARKET, "--json"], { cwd: ROOT, encoding: "utf8", input: lines.join("\n"), timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(7);
    expect(JSON.parse(r.stderr).issues).toEqual([{ line: 4, path: "<portfolio>", message: expect.stringMatching(/^is not valid JSON/) }]);
  });

  it("a reader that stops early (`| head`) ends the run quietly: exit 0, no EPIPE trace", async () => {
    const { spawn } = await import("node:child_process");
    const lines = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").trim().split("\n");
    const book = join(dir, "many.jsonl");
    writeFileSync(book, `${Array.from({ length: 300 }, (_, i) => lines[i % lines.length]).join("\n")}\n`);
    const child = spawn(process.execPath, [BIN, "margin", book, "--market", MARKET, "--json"], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((res) => child.on("close", res));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("progress bars stay off the terminal-less stderr of a pipeline", () => {
    const r = dpm("cascade", "--market", MARKET, "--accounts", "200");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("compare (human-readable) and an unknown command", () => {
    const r = dpm("compare", "examples/books/covered-call.json", "--market", MARKET);
    expect(r.code, r.stderr).toBe(0);
    for (const s of ["covered-call", "isolated", "standard", "portfolio", "healthy"]) expect(r.stdout).toContain(s);
    const u = dpm("frobnicate");
    expect(u.code).toBe(2);
    expect(u.stdout).toBe("");
  });
});

describe("dpm margin on worker threads (--workers, src/adapters/cli/parallelMargin.ts)", () => {
  const GOOD = 6000;
  /** A JSON-lines book over 1 MiB (the example books renamed, repeated) with bad lines, blank lines and a CRLF; and the bad lines' numbers. */
  function bigBook(): { file: string; bad: number[] } {
    const src = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const lines: string[] = [], bad: number[] = [];
    for (let i = 0; i < GOOD; i++) {
      const d = JSON.parse(src[i % src.length]);
      d.account = `${d.account}-${i}`;
      lines.push(JSON.stringify(d));
      if (i === 3) { lines.push('{"account": "cut', ""); bad.push(lines.length - 1); }
      if (i === 900) { lines.push(JSON.stringify({ ...d, account: "bad-size", positions: [{ instrument: "BTC-PERPETUAL", size: "1e999" }] }) + "\r"); bad.push(lines.length); }
      if (i === 4500) { lines.push("   ", JSON.stringify({ ...d, account: "bad-inst", positions: [{ instrument: "BTC-27DEC24-60000-Q", size: 1 }] })); bad.push(lines.length); }
    }
    const file = join(dir, "big.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    expect(statSync(file).size).toBeGreaterThan(1 << 20);
    return { file, bad };
  }

  it("prints exactly what the in-process loop prints: stdout, stderr (bad lines by number) and exit code, text and --json", () => {
    const { file, bad } = bigBook();
    for (const json of [[], ["--json"]]) {
      const one = dpm("margin", file, "--market", MARKET, ...json, "--workers", "1");
      expect(one.code).toBe(2);
      if (json.length) expect(one.stdout.split("\n").filter((x) => x !== "").length).toBe(GOOD);
      else expect(one.stdout).toContain(`-${GOOD - 1}`);
      for (const w of ["2", "3", "auto"]) {
        const par = dpm("margin", file, "--market", MARKET, ...json, "--workers", w);
        expect(par.code, `--workers ${w} ${json.join(" ")}`).toBe(2);
        expect(par.stdout === one.stdout, `--workers ${w} ${json.join(" ")}: stdout differs`).toBe(true);
        expect(par.stderr).toBe(one.stderr);
      }
      const said = one.stderr.replace(/"line":(\d+)/g, "line $1");
      for (const n of bad) expect(said).toContain(`line ${n}`);
      expect(said).toContain(`(3 of ${GOOD + 3} portfolios skipped)`);
    }
  }, 120_000);

  it("documents only the zod schema reads (multi-venue books) are margined in their place on two threads, zod loaded on demand", () => {
    // The fast checks decline a `venues` block, so each such chunk waits for the full checks, which this thread and
    // the workers import the first time one is needed (checkFast.ts); output and errors as on one thread.
    const src = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const d = JSON.parse(src[i % src.length]);
      d.account = `${d.account}-${i}`;
      if (i % 700 === 0) {
        d.positions = [{ instrument: "BTC-PERPETUAL", size: 1000, venue: "deribit" }];
        d.venues = { deribit: { preset: "deribit", collateral: { USDC: 100000 } } };
      }
      lines.push(JSON.stringify(d));
    }
    const file = join(dir, "venues.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const one = dpm("margin", file, "--market", MARKET, "--json", "--workers", "1");
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.split("\n").filter((x) => x !== "").length).toBe(3000);
    const first = JSON.parse(one.stdout.split("\n")[0]);
    expect(first.account).toMatch(/-0$/);
    expect(first.positions.map((p: { instrument: string }) => p.instrument)).toEqual(["BTC-PERPETUAL"]); // the venue book, margined
    const two = dpm("margin", file, "--market", MARKET, "--json", "--workers", "2");
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout === one.stdout, "stdout differs").toBe(true);
  }, 60_000);

  it("lines read straight into portfolios (portfolioLine.ts) and lines parsed as JSON give the same output as two threads (JSON.parse)", () => {
    // One thread reads a common line's bytes into its portfolio and parses the rest as before; the workers parse every
    // line with JSON.parse. Mixed: CRLF ends, escapes, decimal strings, blanks inside, a venue book, a bad line.
    const src = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const d = JSON.parse(src[i % src.length]);
      d.account = i % 7 === 0 ? `acct "${i}" \u00e9` : `acct-${i}`;
      if (i % 11 === 0) for (const p of d.positions ?? []) p.size = String(p.size);
      if (i % 11 === 5) d.collateral = Object.fromEntries(Object.entries(d.collateral ?? {}).map(([k, v]) => [k, String(v)]));
      if (i === 1500) { d.positions = [{ instrument: "BTC-PERPETUAL", size: 1000, venue: "deribit" }]; d.venues = { deribit: { preset: "deribit", collateral: { USDC: 100000 } } }; }
      let l = JSON.stringify(d);
      if (i % 13 === 0) l = l.replace(/[,:]/g, (c) => ` ${c}\t`);
      if (i === 2000) l = l.replace('"positions"', '"positions":[],"positions"');
      lines.push(i % 5 === 0 ? `${l}\r` : l);
    }
    const file = join(dir, "mixed.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const one = dpm("margin", file, "--market", MARKET, "--json", "--workers", "1");
    expect(one.stdout.split("\n").filter((x) => x !== "").length).toBe(3000);
    expect(JSON.parse(one.stdout.split("\n")[7]).account).toBe('acct "7" é');
    const two = dpm("margin", file, "--market", MARKET, "--json", "--workers", "2");
    expect(two.code).toBe(one.code);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stdout === one.stdout, "stdout differs").toBe(true);
  }, 60_000);

  it("in process, documents that wait for the full checks keep their place; bad lines are reported by line", () => {
    // A chunk of input is handed on without a promise per document (batch.ts portfolioBatches); one the fast checks
    // cannot decide stops the chunk until zod is loaded, then the chunk goes on from it. Two in a row at the start,
    // one deep in the second 1 MiB read, a bad line and a blank one between them: the accounts in input order.
    const src = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const lines: string[] = [], want: string[] = [];
    for (let i = 0; i < 4000; i++) {
      if (i === 7) { lines.push("{not json"); continue; }
      if (i === 8) { lines.push(""); continue; }
      const d = JSON.parse(src[i % src.length]);
      d.account = `acct-${i}`;
      if (i === 3 || i === 4 || i === 2500) {
        d.positions = [{ instrument: "BTC-PERPETUAL", size: 1000, venue: "deribit" }];
        d.venues = { deribit: { preset: "deribit", collateral: { USDC: 100000 } } };
      }
      lines.push(JSON.stringify(d));
      want.push(d.account);
    }
    const file = join(dir, "waiting.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    for (const json of [true, false]) {
      const r = dpm("margin", file, "--market", MARKET, ...(json ? ["--json"] : []), "--workers", "1");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/"line":8\b|line 8\b/);
      expect(r.stderr).toContain(`(1 of ${want.length + 1} portfolios skipped)`);
      if (json) expect(r.stdout.split("\n").filter((x) => x !== "").map((l) => JSON.parse(l).account)).toEqual(want);
      else expect([...r.stdout.matchAll(/acct-\d+/g)].map((m) => m[0]).filter((a, i, all) => all.indexOf(a) === i)).toEqual(want);
    }
  }, 60_000);

  it("--workers is checked; small files, stdin and non-JSON-lines inputs stay in process", async () => {
    const bad = dpm("margin", join(ROOT, "examples/books.jsonl"), "--market", MARKET, "--workers", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--workers: must be auto or an integer from 1 to 64");
    const { marginThreads } = await import("../../src/adapters/cli/marginThreads.js");
    const file = join(dir, "big.jsonl");
    // workers started early for a large file (bin/dpm) do not outlive a command that fails before it uses them
    const noMarket = dpm("margin", file, "--market", join(dir, "nope.json"), "--workers", "3");
    expect(noMarket.code).toBe(2);
    expect(noMarket.stderr).toContain("nope.json");
    expect(noMarket.stdout).toBe(""); // and it exited (spawnSync's timeout would leave the code null)
    expect(marginThreads(file, "auto")).toBe(1); // below 24 MiB one thread is quicker (marginThreads.ts)
    expect(marginThreads(file, "2")).toBe(2);
    expect(marginThreads(join(ROOT, "examples/books.jsonl"), "auto")).toBe(1);
    expect(marginThreads("-", "4")).toBe(1);
    const array = join(dir, "array.json");
    writeFileSync(array, `[\n${readFileSync(file, "utf8").trim().split("\n").filter((l) => l.startsWith("{") && l.endsWith("}")).join(",\n")}\n]\n`);
    expect(marginThreads(array, "auto")).toBe(1);
    expect(marginThreads(array, "2")).toBe(1);
  });
});

describe("./bin/dpm without WebAssembly (node --jitless)", () => {
  it("margin prints the same JSON lines and text tables, by JSON.stringify and the string formats", () => {
    for (const json of [["--json"], []]) {
      const args = [BIN, "margin", "examples/books.jsonl", "--market", MARKET, ...json];
      const plain = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
      const jitless = spawnSync(process.execPath, ["--jitless", ...args], { cwd: ROOT, encoding: "utf8" });
      expect(jitless.status, jitless.stderr).toBe(0);
      expect(plain.stdout.length).toBeGreaterThan(1000);
      expect(jitless.stdout).toBe(plain.stdout);
    }
  });
});

