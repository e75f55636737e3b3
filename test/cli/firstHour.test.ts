/**
 * A user's first hour (issue 12): JSON errors under --json, --quiet, decimal-string sizes, one stress
 * library for stress / cascade / report, liquidate on a healthy book, what-if fallbacks, file writers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/shared.js";
import { runCli, type CliRun } from "../helpers/cli.js";

const dpm = runCli;
const MARKET = join(ROOT, "examples/market.json");
const BOOK = (n: string) => join(ROOT, `examples/books/${n}.json`);
const JSONL = join(ROOT, "examples/books.jsonl");

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "dpm-first-hour-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const json = (r: CliRun): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;
const jsonErr = (r: CliRun): { error: string; issues: { path: string; message: string; value?: unknown; line?: number }[] } => JSON.parse(r.stderr);

describe("errors as JSON under --json", () => {
  it.each([
    [["margin", BOOK("covered-call"), "--market", MARKET, "--bogus", "--json"], "--bogus", undefined],
    [["margin", BOOK("covered-call"), "--json"], "--market", undefined],
    [["margin", BOOK("covered-call"), "--market", MARKET, "--model", "fancy", "--json"], "--model", "fancy"],
    [["stress", BOOK("covered-call"), "--market", MARKET, "--scenario", "nope", "--json"], "--scenario", "nope"],
    [["cascade", "--market", MARKET, "--scenario", "nope", "--json"], "--scenario", "nope"],
    [["var", BOOK("covered-call"), "--market", MARKET, "--history", "/nonexistent", "--json"], "--history", undefined],
    [["liquidate", BOOK("covered-call"), "--market", MARKET, "--target", "7", "--json"], "--target", "7"],
    [["impact", "--book", BOOK("covered-call"), "--market", MARKET, "--from", "deribit", "--to", "nope.json", "--json"], "--to", undefined],
  ])("%j → exit 2, nothing on stdout, one JSON object on stderr", async (args, path, value) => {
    const r = await dpm(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    const e = jsonErr(r);
    expect(typeof e.error).toBe("string");
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.issues[0].path.startsWith(path), JSON.stringify(e)).toBe(true);
    if (value !== undefined) expect(e.issues[0].value).toBe(value);
  });

  it("the same error without --json is text", async () => {
    const r = await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--model", "fancy");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--model <model>' argument 'fancy' is invalid/);
  });
});

describe("sizes as exact decimal strings", () => {
  it("a book with string sizes and amounts margins exactly like the same book with numbers", async () => {
    const numbers = { account: "s", collateral: { BTC: 10, USDC: 2500.5 }, positions: [{ instrument: "BTC-27DEC24-100000-C", size: -10 }, { instrument: "BTC-PERPETUAL", size: 12340 }], openOrders: [{ instrument: "BTC-27DEC24", size: -1000 }] };
    const strings = { account: "s", collateral: { BTC: "10", USDC: "2500.50" }, positions: [{ instrument: "BTC-27DEC24-100000-C", size: "-10" }, { instrument: "BTC-PERPETUAL", size: "12340.0" }], openOrders: [{ instrument: "BTC-27DEC24", size: "-1000" }] };
    const a = await dpm("margin", tmp("n.json", JSON.stringify(numbers)), "--market", MARKET, "--json");
    const b = await dpm("margin", tmp("s.json", JSON.stringify(strings)), "--market", MARKET, "--json");
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it("a malformed decimal string is an input error with its path and value", async () => {
    const r = await dpm("margin", tmp("bad-dec.json", JSON.stringify({ account: "x", collateral: { USDC: "1e5" } })), "--market", MARKET, "--json");
    expect(r.code).toBe(2);
    expect(jsonErr(r).issues).toEqual([{ path: "collateral.USDC", message: expect.stringContaining("exact decimal string"), value: "1e5" }]);
  });
});

describe("one stress library: the same names in stress, cascade and report", () => {
  it("stress: the former name 2020-03-12 selects black-thursday-2020-03-12, with a note (none with --quiet)", async () => {
    const r = await dpm("stress", BOOK("multi-asset"), "--market", MARKET, "--scenario", "2020-03-12", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect((json(r).results as { scenario: string }[]).map((x) => x.scenario)).toEqual(["black-thursday-2020-03-12"]);
    expect(JSON.parse(r.stderr)).toEqual({ note: expect.stringContaining("now named \"black-thursday-2020-03-12\""), alias: "2020-03-12", scenario: "black-thursday-2020-03-12" });
    const q = await dpm("--quiet", "stress", BOOK("multi-asset"), "--market", MARKET, "--scenario", "2020-03-12");
    expect(q.code).toBe(0);
    expect(q.stderr).toBe("");
  });

  it("cascade: the default is black-thursday-2020-03-12; the former name gives the same run; any library name works", async () => {
    const base = ["cascade", "--market", MARKET, "--accounts", "150", "--json"];
    const byDefault = await dpm(...base);
    const byOld = await dpm(...base, "--scenario", "2020-03-12");
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byOld.stdout).toBe(byDefault.stdout);
    expect((json(byDefault).scenario as { name: string }).name).toBe("black-thursday-2020-03-12");
    const ftx = await dpm(...base, "--scenario", "ftx-2022-11");
    expect(ftx.code, ftx.stderr).toBe(0);
    const res = json(ftx) as { scenario: { name: string }; runs: { ticks: { prices: Record<string, number> }[] }[] };
    expect(res.scenario.name).toBe("ftx-2022-11");
    // the straight path ends at the library's moves (before the liquidations' own impact), from BTC 92,000
    const lib = JSON.parse(readFileSync(join(ROOT, "presets/stress/historical.json"), "utf8")).scenarios.find((s: { name: string }) => s.name === "ftx-2022-11");
    expect(res.runs[0].ticks[0].prices.BTC).toBe(92000);
    expect(res.runs[0].ticks.length).toBe(10);
    expect(res.runs[0].ticks[8].prices.BTC / 92000 - 1).toBeLessThanOrEqual(lib.moves.BTC + 1e-9);
  });

  it("an unknown name lists the valid ones, former names included", async () => {
    for (const cmd of [["cascade", "--market", MARKET], ["stress", BOOK("covered-call"), "--market", MARKET], ["report", BOOK("covered-call"), "--market", MARKET]]) {
      const r = await dpm(...cmd, "--scenario", "black-thursday");
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr, cmd[0]).toContain("black-thursday-2020-03-12, china-ban-2021-05-19");
      expect(r.stderr, cmd[0]).toContain("2020-03-12 → black-thursday-2020-03-12");
    }
  });

  it("report --scenario narrows the stress chart to the named scenarios", async () => {
    const r = await dpm("report", BOOK("multi-asset"), "--market", MARKET, "--scenario", "ftx-2022-11", "--scenario", "2020-03-12", "--json", "--quiet");
    expect(r.code, r.stderr).toBe(0);
    expect((json(r).stress as { scenario: string }[]).map((s) => s.scenario)).toEqual(["black-thursday-2020-03-12", "ftx-2022-11"]);
  });
});

describe("liquidate on a healthy book", () => {
  it("says there is nothing to do, in text and in --json", async () => {
    const t = await dpm("liquidate", BOOK("covered-call"), "--market", MARKET);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^account covered-call \| model portfolio \| USD \| health healthy \| nothing to do: MM ratio 13\.3% is within the target 90\.0%/);
    expect(t.stdout).not.toContain("action");
    const j = json(await dpm("liquidate", BOOK("covered-call"), "--market", MARKET, "--json"));
    expect(j).toMatchObject({ account: "covered-call", nothingToDo: true, steps: [] });
    const s = json(await dpm("liquidate", join(ROOT, "examples/stressed/leveraged.json"), "--market", MARKET, "--model", "standard", "--json"));
    expect(s.nothingToDo).toBe(false);
  });
});

describe("whatif warns about fallbacks of traded instruments", () => {
  it("one stderr line per instrument valued without a mark or vol of its own; none for those with their own", async () => {
    const r = await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-27DEC24-90000-C:-1", "--trade", "BTC-28JUN25:1000", "--trade", "BTC-27DEC24-95000-C:1", "--trade", "ETH-27DEC24-3000-P:2");
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "dpm: warning: BTC-27DEC24-90000-C: no markIv in the market, valued at BTC's flat vol 55.0%",
      "dpm: warning: BTC-28JUN25: no mark for its expiry in the market, forward carried from the BTC index (92000.00)",
      "dpm: warning: ETH-27DEC24-3000-P: no markIv in the market, valued at 57.9% from the ETH vol surface",
    ]);
    const j = await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-27DEC24-90000-C:-1", "--json");
    expect(JSON.parse(j.stderr)).toEqual({ warning: expect.stringContaining("flat vol"), instrument: "BTC-27DEC24-90000-C" });
    expect((await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-27DEC24-90000-C:-1", "--quiet")).stderr).toBe("");
  });
});

describe("file writers say where they wrote", () => {
  it("cascade --html/--svg and impact --html: one stderr line each with the absolute path", async () => {
    const html = join(dir, "c.html"), svg = join(dir, "c.svg"), ih = join(dir, "i.html");
    const c = await dpm("cascade", "--market", MARKET, "--accounts", "100", "--html", html, "--svg", svg);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toBe(`dpm: wrote ${html}\ndpm: wrote ${svg}\n`);
    expect(readFileSync(html, "utf8")).toContain("black-thursday-2020-03-12");
    const i = await dpm("impact", "--book", JSONL, "--market", MARKET, "--from", "deribit", "--to", "okx", "--html", ih);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stderr).toBe(`dpm: wrote ${ih}\n`);
  });
});

describe("books with bad lines: impact and cascade use the valid accounts", () => {
  it("impact reports the bad line and still covers the others", async () => {
    const src = readFileSync(JSONL, "utf8").split("\n");
    src[3] = "{\"account\": \"broken\", \"positions\": [{\"instrument\": \"NOPE\", \"size\": 1}]}";
    const r = await dpm("impact", "--book", tmp("imp.jsonl", src.join("\n")), "--market", MARKET, "--from", "deribit", "--to", "okx", "--json");
    expect(r.code).toBe(2);
    expect((json(r).summary as { accounts: number }).accounts).toBe(6);
    expect(jsonErr(r).issues).toEqual([{ line: 4, path: "positions[0].instrument", message: expect.stringContaining("NOPE"), value: "NOPE" }]);
  });
});
