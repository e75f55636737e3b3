import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInstrument } from "../../src/domain/instrument.js";
import { ROOT } from "../helpers/shared.js";
import { runCli, type CliRun } from "../helpers/cli.js";

// ------------------------------------------------------------------ harness

type Ran = CliRun;

const dpm = runCli;

/** Parse stdout as JSON lines. */
function lines(r: Ran): any[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(r.stdout.endsWith("\n")).toBe(true);
  return r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
}

/** Expect a usage / input error: exit 2, nothing on stdout, something on stderr. */
function usage(r: Ran): string {
  expect(r.code, `stderr: ${r.stderr}`).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.length).toBeGreaterThan(0);
  return r.stderr;
}

function ok(r: Ran): Ran {
  expect(r.code, `stderr: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe("");
  return r;
}

const MARKET = join(ROOT, "examples/market.json");
const BOOK = (n: string) => join(ROOT, `examples/books/${n}.json`);
const JSONL = join(ROOT, "examples/books.jsonl");

let dir: string;
const tmp = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const book = (n: string): unknown => JSON.parse(readFileSync(BOOK(n), "utf8"));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dpm-cli-test-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const STATUSES = ["healthy", "margin_call", "liquidation", "bankrupt"];

/** The DESIGN.md section 10 contract of one margin result. */
function expectContract(r: any, model: string, currency: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(typeof r.account).toBe("string");
  expect(r.model).toBe(model);
  expect(r.currency).toBe(currency);
  expect(r.asOf).toBe("2024-11-20T08:00:00.000Z");
  for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds"]) {
    expect(typeof r[k], k).toBe("number");
    expect(Number.isFinite(r[k]), k).toBe(true);
  }
  expect(r.marginRatio === null || typeof r.marginRatio === "number").toBe(true);
  expect(STATUSES).toContain(r.status);
  expect(r.availableFunds).toBeCloseTo(r.adjustedEquity - r.initialMargin, 6);
  if (r.adjustedEquity > 0) expect(r.marginRatio).toBeCloseTo(r.maintenanceMargin / r.adjustedEquity, 12);
  else expect(r.marginRatio).toBeNull();
  expect(Array.isArray(r.components)).toBe(true);
  for (const c of r.components) {
    expect(typeof c.name).toBe("string");
    expect(typeof c.amount).toBe("number");
  }
  expect(Array.isArray(r.positions)).toBe(true);
  for (const p of r.positions) {
    expect(typeof p.instrument).toBe("string");
    for (const k of ["size", "markPrice", "value", "delta", "gamma", "vega", "theta", "marginContribution"]) {
      expect(typeof p[k], `positions.${k}`).toBe("number");
      expect(Number.isFinite(p[k]), `positions.${k}`).toBe(true);
    }
  }
  expect(r.params !== null && typeof r.params === "object" && !Array.isArray(r.params)).toBe(true);
}

// ------------------------------------------------------------------ success paths

describe("dpm margin", () => {
  it("one portfolio → exit 0, one JSON line honouring the contract", async () => {
    const r = ok(await dpm("margin", BOOK("multi-asset"), "--market", MARKET, "--json"));
    const [res, ...rest] = lines(r);
    expect(rest).toHaveLength(0);
    expect(res.account).toBe("multi-asset");
    expectContract(res, "portfolio", "USD");
    expect(res.components.some((c: { name: string }) => c.name === "worstScenario")).toBe(true);
  });

  it("an array of 3 portfolios → 3 lines in input order", async () => {
    const arr = [book("multi-asset"), book("covered-call"), book("naked-short-put")];
    const p = tmp("three.json", JSON.stringify(arr, null, 2));
    const out = lines(ok(await dpm("margin", p, "--market", MARKET, "--json")));
    expect(out.map((x) => x.account)).toEqual(["multi-asset", "covered-call", "naked-short-put"]);
    for (const x of out) expectContract(x, "portfolio", "USD");
  });

  it("positions: one entry per input position, in input order (duplicates kept, open orders not included)", async () => {
    const positions = [
      { instrument: "SOL_USDC-PERPETUAL", size: 50 },
      { instrument: "BTC-27DEC24-92000-C", size: -1 },
      { instrument: "BTC-PERPETUAL", size: 10000 },
      { instrument: "BTC-27DEC24-92000-C", size: 2 },
      { instrument: "ETH-27DEC24", size: -3000 },
      { instrument: "BTC", size: 0.25 },
    ];
    const p = tmp("order.json", JSON.stringify({
      account: "order", collateral: { USDC: 100000 }, positions,
      openOrders: [{ instrument: "BTC-27DEC24-95000-C", size: -1 }],
    }));
    for (const model of ["portfolio", "standard", "isolated"]) {
      const [res] = lines(ok(await dpm("margin", p, "--market", MARKET, "--model", model, "--json")));
      expectContract(res, model, "USD");
      expect(res.positions.map((x: { instrument: string; size: number }) => [x.instrument, x.size])).toEqual(positions.map((x) => [x.instrument, x.size]));
    }
  });

  it("the models and --currency BTC", async () => {
    const [usd] = lines(ok(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--json")));
    const [btc] = lines(ok(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--currency", "BTC", "--json")));
    expectContract(btc, "portfolio", "BTC");
    expect(btc.equity).toBeCloseTo(usd.equity / 92000, 9);
    const [std] = lines(ok(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--model", "standard", "--currency", "BTC", "--json")));
    expectContract(std, "standard", "BTC");
  });

  it("JSON lines of the examples → 7 lines in file order", async () => {
    const accounts = readFileSync(JSONL, "utf8").trim().split("\n").map((l) => JSON.parse(l).account);
    expect(accounts).toHaveLength(7);
    const out = lines(ok(await dpm("margin", JSONL, "--market", MARKET, "--json")));
    expect(out).toHaveLength(7);
    expect(out.map((x) => x.account)).toEqual(accounts);
  });

  it("--params with extends changes the parameters reported", async () => {
    const p = tmp("params.json", JSON.stringify({ extends: "deribit", portfolio: { mmFactor: 0.5 } }));
    const [base] = lines(ok(await dpm("margin", BOOK("naked-short-put"), "--market", MARKET, "--json")));
    const [mod] = lines(ok(await dpm("margin", BOOK("naked-short-put"), "--market", MARKET, "--params", p, "--json")));
    expect(mod.initialMargin).toBeCloseTo(base.initialMargin, 6);
    expect(mod.maintenanceMargin).toBeLessThan(base.maintenanceMargin);
  });

  it("human-readable output names the account and the status", async () => {
    const r = ok(await dpm("margin", BOOK("short-straddle-hedged"), "--market", MARKET));
    const [json] = lines(ok(await dpm("margin", BOOK("short-straddle-hedged"), "--market", MARKET, "--json")));
    expect(r.stdout).toContain("short-straddle-hedged");
    expect(r.stdout).toContain(json.status);
    expect(r.stdout).toContain("BTC-27DEC24-92000-C");
    expect(() => JSON.parse(r.stdout)).toThrow();
  });

  it("--help exits 0", async () => {
    const r = await dpm("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("margin");
  });
});

describe("dpm compare", () => {
  it("--json prints {account, results: [isolated, standard, portfolio]}", async () => {
    const out = lines(ok(await dpm("compare", BOOK("put-credit-spread"), "--market", MARKET, "--json")));
    expect(out).toHaveLength(1);
    const o = out[0];
    expect(Object.keys(o).sort()).toEqual(["account", "results"]);
    expect(o.account).toBe("put-credit-spread");
    expect(o.results.map((r: { model: string }) => r.model)).toEqual(["isolated", "standard", "portfolio"]);
    for (const r of o.results) {
      expectContract(r, r.model, "USD");
      expect(r.account).toBe("put-credit-spread");
    }
    // each entry equals what `margin --model m` prints
    const [pm] = lines(ok(await dpm("margin", BOOK("put-credit-spread"), "--market", MARKET, "--model", "portfolio", "--json")));
    expect(o.results[2]).toEqual(pm);
  });

  it("on JSON lines: one object per portfolio, in order; --currency BTC carried into every result", async () => {
    const out = lines(ok(await dpm("compare", JSONL, "--market", MARKET, "--currency", "BTC", "--json")));
    expect(out).toHaveLength(7);
    expect(out[0].account).toBe("naked-short-put");
    expect(out[6].account).toBe("multi-asset");
    for (const o of out) for (const r of o.results) expect(r.currency).toBe("BTC");
  });

  it("human-readable lists every model and the status", async () => {
    const r = ok(await dpm("compare", BOOK("naked-short-put"), "--market", MARKET));
    expect(r.stdout).toContain("naked-short-put");
    for (const m of ["isolated", "standard", "portfolio", "healthy"]) expect(r.stdout).toContain(m);
  });
});

describe("dpm whatif", () => {
  it("--trade BTC-PERPETUAL:-10000 --json prints before / after / change", async () => {
    const out = lines(ok(await dpm("whatif", BOOK("multi-asset"), "--market", MARKET, "--trade", "BTC-PERPETUAL:-10000", "--json")));
    expect(out).toHaveLength(1);
    const { before, after, change } = out[0];
    expect(out[0].account).toBe("multi-asset");
    expect(out[0].trades).toEqual(["BTC-PERPETUAL:-10000"]);
    expectContract(before, "portfolio", "USD");
    expectContract(after, "portfolio", "USD");
    for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds"]) {
      expect(change[k], k).toBe(after[k] - before[k]);
    }
    expect(after.positions).toHaveLength(before.positions.length + 1);
    expect(after.positions.at(-1)).toMatchObject({ instrument: "BTC-PERPETUAL", size: -10000 });
    // `before` is the plain margin result
    const [plain] = lines(ok(await dpm("margin", BOOK("multi-asset"), "--market", MARKET, "--json")));
    expect(before).toEqual(plain);
    // reducing a long BTC perpetual (delta +1.09 BTC) by 10000 USD lowers the BTC exposure
    const delta = (r: { positions: { instrument: string; delta: number }[] }) =>
      r.positions.filter((p) => p.instrument.startsWith("BTC")).reduce((s, p) => s + p.delta, 0);
    expect(delta(after)).toBeLessThan(delta(before));
  });

  it("several --trade options are all applied", async () => {
    const out = lines(ok(await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-PERPETUAL:-10000", "--trade", "BTC-27DEC24:5000", "--json")));
    expect(out[0].after.positions.map((p: { instrument: string }) => p.instrument)).toEqual(["BTC-27DEC24-100000-C", "BTC-PERPETUAL", "BTC-27DEC24"]);
  });

  it("human-readable shows before, after and the account", async () => {
    const r = ok(await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-PERPETUAL:-10000"));
    for (const s of ["covered-call", "before", "after", "initial margin", "BTC-PERPETUAL:-10000"]) expect(r.stdout).toContain(s);
  });

  it.each([
    ["FOO:1", "FOO"],
    ["BTC-PERPETUAL:abc", "BTC-PERPETUAL:abc"],
    ["BTC-PERPETUAL:0", "BTC-PERPETUAL:0"],
    ["BTC-PERPETUAL", "BTC-PERPETUAL"],
    ["BTC-PERPETUAL:1e13", "BTC-PERPETUAL:1e13"],
    ["NOT-AN-INSTRUMENT:5", "NOT-AN-INSTRUMENT:5"],
  ])("bad --trade %s → exit 2", async (trade, shown) => {
    const err = usage(await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", trade, "--json"));
    expect(err).toContain(shown);
  });

  it("a malformed size names --trade and the value", async () => {
    const err = usage(await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-PERPETUAL:abc"));
    expect(err).toContain("--trade[0]");
    expect(err).toContain('"BTC-PERPETUAL:abc"');
  });

});

describe("dpm greeks", () => {
  type Row = { underlying: string; expiry: string; delta: number; gamma: number; vega: number; theta: number; positions: number; held?: number };

  it("--json: rows per underlying / expiry; each ALL row sums the position Greeks of `margin --json` and the collateral", async () => {
    const [g] = lines(ok(await dpm("greeks", BOOK("multi-asset"), "--market", MARKET, "--json")));
    const [m] = lines(ok(await dpm("margin", BOOK("multi-asset"), "--market", MARKET, "--json")));
    expect(g.account).toBe("multi-asset");
    expect(g.currency).toBe("USD");
    const rows: Row[] = g.greeks;
    const underlyings = [...new Set(rows.map((r) => r.underlying))];
    expect(underlyings).toEqual(["BTC", "ETH", "SOL"]);
    for (const u of underlyings) {
      const mine = m.positions.filter((p: { instrument: string }) => {
        const i = parseInstrument(p.instrument);
        return i.ok && i.value.underlying === u;
      });
      const all = rows.filter((r) => r.underlying === u && r.expiry === "ALL");
      expect(all, u).toHaveLength(1);
      // multi-asset holds 2 BTC (and USDC, which has no delta in USD terms): delta 1 per coin held.
      const held = u === "BTC" ? 2 : 0;
      for (const k of ["delta", "gamma", "vega", "theta"] as const) {
        const sum = mine.reduce((s: number, p: Record<string, number>) => s + p[k], 0) + (k === "delta" ? held : 0);
        expect(all[0][k], `${u} ${k}`).toBeCloseTo(sum, 9);
        // per-expiry rows (and the collateral row) add up to the total too
        const parts = rows.filter((r) => r.underlying === u && r.expiry !== "ALL").reduce((s, r) => s + r[k], 0);
        expect(parts, `${u} ${k} by expiry`).toBeCloseTo(all[0][k], 9);
      }
      expect(all[0].positions).toBe(mine.length);
    }
    expect(rows.find((r) => r.underlying === "BTC" && r.expiry === "COLLATERAL")).toEqual({ underlying: "BTC", expiry: "COLLATERAL", delta: 2, gamma: 0, vega: 0, theta: 0, positions: 0, held: 2 });
    expect(rows.find((r) => r.underlying === "ETH" && r.expiry === "27DEC24")?.positions).toBe(1);
    expect(rows.find((r) => r.underlying === "SOL" && r.expiry === "PERPETUAL")?.positions).toBe(1);
    expect(rows.some((r) => r.expiry === "NUMERAIRE")).toBe(false);
  });

  it("the covered call: 10 BTC held (delta +10 in USD) against 10 short calls, net BTC delta +6.23; in BTC terms the collateral's delta is 0", async () => {
    const [usd] = lines(ok(await dpm("greeks", BOOK("covered-call"), "--market", MARKET, "--json")));
    const [m] = lines(ok(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--json")));
    const calls = m.positions[0].delta;
    expect(calls).toBeCloseTo(-3.7657, 4);
    const row = (g: { greeks: Row[] }, e: string) => g.greeks.find((r) => r.expiry === e);
    expect(row(usd, "COLLATERAL")).toMatchObject({ underlying: "BTC", delta: 10, held: 10 });
    expect(row(usd, "ALL")?.delta).toBeCloseTo(10 + calls, 12);
    expect(row(usd, "ALL")?.delta).toBeCloseTo(6.2343, 4);
    const [btc] = lines(ok(await dpm("greeks", BOOK("covered-call"), "--market", MARKET, "--currency", "BTC", "--json")));
    const [mb] = lines(ok(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--currency", "BTC", "--json")));
    expect(btc.currency).toBe("BTC");
    expect(row(btc, "COLLATERAL")).toMatchObject({ underlying: "BTC", delta: 0, gamma: 0, held: 10 });
    expect(row(btc, "ALL")?.delta).toBeCloseTo(mb.positions[0].delta, 12);
    expect(row(btc, "ALL")?.delta).toBeCloseTo(-3.3587, 4);
    const t = ok(await dpm("greeks", BOOK("covered-call"), "--market", MARKET));
    expect(t.stdout).toMatch(/^BTC +COLLATERAL +10\.0000 +10\.0000 /m);
    expect(t.stdout).toMatch(/^BTC +ALL +1 +10\.0000 +6\.2343 /m);
  });

  it("--currency BTC: USDC and positions on other underlyings are a short-BTC exposure (the NUMERAIRE row), −value / BTC index", async () => {
    const [g] = lines(ok(await dpm("greeks", BOOK("multi-asset"), "--market", MARKET, "--currency", "BTC", "--json")));
    const [m] = lines(ok(await dpm("margin", BOOK("multi-asset"), "--market", MARKET, "--currency", "BTC", "--json")));
    const outside = 50000 / 92000 + m.positions.filter((p: { instrument: string }) => !p.instrument.startsWith("BTC")).reduce((s: number, p: { value: number }) => s + p.value, 0);
    const num = (g.greeks as Row[]).find((r) => r.expiry === "NUMERAIRE");
    expect(num?.underlying).toBe("BTC");
    expect(num?.delta).toBeCloseTo(-outside, 12);
    expect(num?.gamma).toBeCloseTo(outside / 92000, 15);
    expect((g.greeks as Row[]).find((r) => r.expiry === "COLLATERAL")?.delta).toBe(0);
  });

  it("human-readable names the account", async () => {
    const r = ok(await dpm("greeks", BOOK("calendar-spread"), "--market", MARKET));
    for (const s of ["calendar-spread", "27DEC24", "28MAR25", "ALL"]) expect(r.stdout).toContain(s);
  });
});

// ------------------------------------------------------------------ usage and input errors

describe("usage errors → exit 2", () => {
  it("unknown command", async () => {
    expect(usage(await dpm("frobnicate", BOOK("covered-call")))).toMatch(/unknown command/);
  });

  it("unknown flag", async () => {
    expect(usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--bogus"))).toContain("--bogus");
  });

  it("unknown --model value", async () => {
    expect(usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--model", "fancy"))).toContain("fancy");
  });

  it("--model var without history", async () => {
    expect(usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--model", "var", "--json"))).toContain("--model");
  });

  it("unknown --preset", async () => {
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--preset", "nope", "--json"));
    expect(err).toContain("--preset");
    expect(err).toContain('"nope"');
  });

  it("bad --currency", async () => {
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--currency", "XYZ", "--json"));
    expect(err).toContain("--currency");
    expect(err).toContain("XYZ");
  });

  it("missing --market", async () => {
    expect(usage(await dpm("margin", BOOK("covered-call")))).toContain("--market");
  });

  it("missing portfolio argument", async () => {
    usage(await dpm("margin", "--market", MARKET));
  });
});

describe("input errors → exit 2, nothing on stdout, every problem with its path", () => {
  it("several problems in one portfolio are all reported", async () => {
    const p = tmp("bad.json", JSON.stringify({
      account: "bad",
      colateral: {},
      collateral: { BTC: -1 },
      positions: [
        { instrument: "BTC-PERPETUAL", size: "5 BTC" },
        { instrument: "BTC-32DEC24", size: 1 },
        { instrument: "BTC-PERPETUAL", sizee: 1, size: 1 },
        { instrument: "BTC-27DEC24-92000-C", size: 1e13, entryPrice: 1 },
      ],
    }));
    const err = usage(await dpm("margin", p, "--market", MARKET));
    for (const s of [
      "colateral: unknown field",
      "collateral.BTC:",
      'positions[0].size: must be a number or an exact decimal string such as "-1.5" (at most 12 decimals, no exponent) (got "5 BTC")',
      'positions[1].instrument: unknown instrument: "BTC-32DEC24"',
      "positions[2].sizee: unknown field",
      "positions[3].size:",
      "(got 10000000000000)",
      "positions[3].entryPrice:",
    ]) expect(err).toContain(s);
    expect(err).toMatch(/7 problems/);
  });

  it("an array: the valid elements are margined, the invalid ones reported by index, exit 2", async () => {
    const arr = [{ account: "ok", positions: [] }, { account: "x", positions: [{ instrument: "BTC-PERPETUAL", size: "1x" }] }, { account: "" }, book("covered-call")];
    const r = await dpm("margin", tmp("arr.json", JSON.stringify(arr)), "--market", MARKET, "--json");
    expect(r.code).toBe(2);
    expect(lines(r).map((x) => x.account)).toEqual(["ok", "covered-call"]);
    const err = JSON.parse(r.stderr);
    expect(err.error).toMatch(/\(2 of 4 portfolios skipped\): 2 problems$/);
    expect(err.issues.map((i: { path: string }) => i.path)).toEqual(["[1].positions[0].size", "[2].account"]);
    expect(err.issues[0].value).toBe("1x");
    const t = await dpm("margin", tmp("arr.json", JSON.stringify(arr)), "--market", MARKET);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('  [1].positions[0].size: must be a number or an exact decimal string');
    expect(t.stdout).toContain("account covered-call");
  });

  it("cross-check problems against the market are reported with their path", async () => {
    const p = tmp("cross.json", JSON.stringify({
      account: "x",
      collateral: { DOGE: 5 },
      positions: [{ instrument: "BTC-PERPETUAL", size: 1 }, { instrument: "XRP-PERPETUAL", size: 1 }, { instrument: "BTC-27SEP24-60000-C", size: 1 }],
    }));
    const err = usage(await dpm("margin", p, "--market", MARKET));
    expect(err).toContain("positions[1].instrument: no index for XRP");
    expect(err).toMatch(/positions\[2\]\.instrument: .*expired/);
    expect(err).toContain("collateral.DOGE");
  });

  it("missing portfolio file", async () => {
    const missing = join(dir, "does-not-exist.json");
    const err = usage(await dpm("margin", missing, "--market", MARKET));
    expect(err).toContain("file not found");
    expect(err).toContain(missing);
  });

  it("missing market file", async () => {
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", join(dir, "nope.json")));
    expect(err).toContain("--market");
    expect(err).toContain("file not found");
  });

  it("a directory instead of a file", async () => {
    expect(usage(await dpm("margin", dir, "--market", MARKET))).toMatch(/directory/);
  });

  it("truncated JSON", async () => {
    const p = tmp("trunc.json", '{"account": "a", "positions": [');
    const err = usage(await dpm("margin", p, "--market", MARKET, "--json"));
    expect(err).toContain("<portfolio>");
    expect(err).toMatch(/not valid JSON/);
  });

  it("empty file and whitespace-only file", async () => {
    for (const content of ["", "  \n\n  "]) {
      const err = usage(await dpm("margin", tmp("empty.json", content), "--market", MARKET, "--json"));
      expect(err).toContain("<portfolio>");
      expect(err).toMatch(/is empty/);
    }
  });

  it("JSON lines with one unparseable line: every other line margined in order, `line N` on stderr, exit 2", async () => {
    const src = readFileSync(JSONL, "utf8").split("\n");
    src[2] = src[2].slice(0, 20); // truncate the third line
    const r = await dpm("margin", tmp("bad.jsonl", src.join("\n")), "--market", MARKET);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dpm: invalid portfolio file .*bad\.jsonl \(1 of 7 portfolios skipped\): 1 problem\n  line 3: <portfolio>: is not valid JSON/);
    expect(r.stderr).not.toContain("line 2");
    expect(r.stderr).not.toContain("line 4");
    const accounts = [...r.stdout.matchAll(/^account (\S+) \|/gm)].map((m) => m[1]);
    expect(accounts).toEqual(["naked-short-put", "covered-call", "calendar-spread", "cash-and-carry", "short-straddle-hedged", "multi-asset"]);
  });

  it("JSON lines with invalid portfolios: the rest equal their single-account results; `\"line\": N` in the JSON error", async () => {
    const src = readFileSync(JSONL, "utf8").split("\n");
    const o = JSON.parse(src[4]);
    o.positions[0].size = "big";
    src[4] = JSON.stringify(o);
    src[0] = "{\"account\": 5}";
    const r = await dpm("margin", tmp("invalid.jsonl", src.join("\n")), "--market", MARKET, "--json");
    expect(r.code).toBe(2);
    const out = lines(r);
    expect(out.map((x) => x.account)).toEqual(["covered-call", "put-credit-spread", "calendar-spread", "short-straddle-hedged", "multi-asset"]);
    const [alone] = lines(ok(await dpm("margin", BOOK("calendar-spread"), "--market", MARKET, "--json")));
    expect(out[2]).toEqual(alone);
    const err = JSON.parse(r.stderr);
    expect(err.issues).toEqual([
      { line: 1, path: "account", message: "must be a string", value: 5 },
      { line: 5, path: "positions[0].size", message: expect.stringContaining("exact decimal"), value: "big" },
    ]);
    const t = await dpm("margin", tmp("invalid.jsonl", src.join("\n")), "--market", MARKET);
    expect(t.stderr).toContain('  line 5: positions[0].size: must be a number or an exact decimal string');
    expect(t.stderr).toContain('(got "big")');
  });

  it("a JSON-lines file whose first line is bad still margins the others", async () => {
    const src = readFileSync(JSONL, "utf8").split("\n");
    src[0] = "{oops";
    const r = await dpm("margin", tmp("first-bad.jsonl", src.join("\n")), "--market", MARKET, "--json");
    expect(r.code).toBe(2);
    expect(lines(r)).toHaveLength(6);
    expect(JSON.parse(r.stderr).issues).toEqual([{ line: 1, path: "<portfolio>", message: expect.stringMatching(/^is not valid JSON/) }]);
  });

  it("a JSON-lines batch with blank lines and CRLF keeps its line numbers", async () => {
    const src = readFileSync(JSONL, "utf8").trim().split("\n");
    const text = ["", src[0], "", "[1, 2]", src[1]].join("\r\n");
    const r = await dpm("margin", tmp("crlf.jsonl", text), "--market", MARKET, "--json");
    expect(r.code).toBe(2);
    expect(lines(r).map((x) => x.account)).toEqual(["naked-short-put", "covered-call"]);
    expect(JSON.parse(r.stderr).issues).toEqual([{ line: 4, path: "(root)", message: expect.any(String), value: [1, 2] }]);
  });

  it("compare, whatif, greeks and stress skip the same bad lines", async () => {
    const src = readFileSync(JSONL, "utf8").split("\n");
    src[1] = "{\"account\": \"x\", \"positions\": [{\"instrument\": \"BTC-PERPETUAL\"}]}";
    const p = tmp("skip.jsonl", src.join("\n"));
    for (const cmd of [["compare"], ["whatif", "--trade", "BTC-PERPETUAL:1000"], ["greeks"], ["stress", "--scenario", "ftx-2022-11"]]) {
      const r = await dpm(cmd[0], p, "--market", MARKET, ...cmd.slice(1), "--json");
      expect(r.code, cmd[0]).toBe(2);
      expect(lines(r), cmd[0]).toHaveLength(6);
      expect(JSON.parse(r.stderr).issues, cmd[0]).toEqual([{ line: 2, path: "positions[0].size", message: expect.any(String) }]);
    }
  });

  it("invalid market snapshot: every problem with its path", async () => {
    const m = JSON.parse(readFileSync(MARKET, "utf8"));
    m.asOf = "yesterday";
    m.assets.BTC.index = -1;
    m.assets.SOL.vol = 20;
    m.extra = true;
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", tmp("market.json", JSON.stringify(m))));
    for (const s of ["asOf:", "assets.BTC.index:", "assets.SOL.vol:", "extra: unknown field"]) expect(err).toContain(s);
    const j = JSON.parse(usage(await dpm("margin", BOOK("covered-call"), "--market", tmp("market.json", JSON.stringify(m)), "--json")));
    expect(j.error).toMatch(/^invalid market snapshot .*: 4 problems$/);
    expect(j.issues).toEqual(expect.arrayContaining([{ path: "assets.BTC.index", message: expect.any(String), value: -1 }, { path: "extra", message: "unknown field", value: true }]));
  });

  it("truncated market snapshot", async () => {
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", tmp("m-trunc.json", '{"asOf": "2024-'), "--json"));
    expect(err).toContain("--market");
  });

  it("invalid --params file", async () => {
    const p = tmp("bad-params.json", JSON.stringify({ extends: "deribit", portfolio: { mmFactor: 5, bogus: 1 } }));
    const err = usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--params", p, "--json"));
    expect(err).toContain("portfolio.mmFactor");
    expect(err).toContain("portfolio.bogus");
    const q = tmp("bad-extends.json", JSON.stringify({ extends: "nope" }));
    expect(usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--params", q))).toContain("extends");
  });

  it("compare, whatif and greeks validate the same way", async () => {
    const p = tmp("bad2.json", JSON.stringify({ account: "b", positions: [{ instrument: "BTC-PERPETUAL", size: "1e3" }] }));
    for (const cmd of [["compare"], ["greeks"], ["whatif", "--trade", "BTC-PERPETUAL:1"]]) {
      expect(usage(await dpm(cmd[0], p, "--market", MARKET, ...cmd.slice(1)))).toContain("positions[0].size");
    }
  });
});

describe("usage edge cases", () => {
  it("bare `dpm` (help shown because no command was given) exits 2; `dpm help` exits 0", async () => {
    const r = await dpm();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect((await dpm("help")).code).toBe(0);
  });

  it("whatif without --trade is a usage error", async () => {
    expect(usage(await dpm("whatif", BOOK("covered-call"), "--market", MARKET))).toContain("--trade");
  });

  it("every bad --trade is reported, each with its index", async () => {
    const err = usage(await dpm("whatif", BOOK("covered-call"), "--market", MARKET, "--trade", "BTC-PERPETUAL:abc", "--trade", "BTC-PERPETUAL:0"));
    expect(err).toContain("--trade[0]");
    expect(err).toContain("--trade[1]");
  });

  it("an empty haircut schedule in --params is an input error (exit 2), not a crash", async () => {
    const p = tmp("empty-haircut.json", JSON.stringify({ extends: "deribit", collateral: { haircuts: { USDT: [] } } }));
    expect(usage(await dpm("margin", BOOK("covered-call"), "--market", MARKET, "--params", p))).toContain("collateral.haircuts.USDT");
  });

  it("a truncated multi-line JSON file reports the file's own syntax error, not one per line", async () => {
    const text = readFileSync(BOOK("multi-asset"), "utf8").slice(0, 200);
    const err = usage(await dpm("margin", tmp("trunc-multi.json", text), "--market", MARKET));
    expect(err).toContain("is not valid JSON");
    expect(err).not.toContain("line 2");
  });
});

describe("dpm compare --venues", () => {
  it("margins a book under each named preset; a venue that cannot margin it says why", async () => {
    const r = ok(await dpm("compare", BOOK("multi-asset"), "--market", MARKET, "--venues", "deribit,okx,derive", "--json"));
    const [line] = lines(r);
    expect(line.venues.map((v: { preset: string }) => v.preset)).toEqual(["deribit", "okx", "derive"]);
    const direct = lines(ok(await dpm("margin", BOOK("multi-asset"), "--market", MARKET, "--preset", "okx", "--json")))[0];
    expect(line.venues[1].result.initialMargin).toBe(direct.initialMargin);
    expect(line.venues[2].error).toMatch(/BTC-PERPETUAL/);
  });
  it("an unknown preset in --venues is a usage error", async () => {
    expect(usage(await dpm("compare", BOOK("put-credit-spread"), "--market", MARKET, "--venues", "deribit,nope"))).toContain("--preset");
  });
});
