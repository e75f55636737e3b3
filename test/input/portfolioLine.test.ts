/**
 * The JSON-line reader (src/input/portfolioLine.ts) against what it replaces, `parsePortfolioFast(JSON.parse(line))`:
 * on every line it either declines (undefined: the caller parses the line as before) or returns the same portfolio,
 * key for key, double for double (−0 included) and with the same shared Instrument objects; it never accepts a line
 * that the old path would not (a syntax error, a field left to the schema). And it takes the common lines: every line
 * of the generated books.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePortfolioFast } from "../../src/input/portfolioFast.js";
import { portfolioFromLine } from "../../src/input/portfolioLine.js";
import { syntheticBook } from "../../bench/book.js";
import { generatedBook } from "../../bench/bookFile.js";
import { syntheticMarket } from "../../bench/market.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The old path's answer: undefined where JSON.parse throws or the fast checks decline. */
function reference(line: string): unknown {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  return parsePortfolioFast(v);
}

/** The line as it sits in a chunk of input: other bytes around it (the reader must not look past its end). */
function fromLine(line: string): unknown {
  const pre = "7", post = "8}\n";
  const buf = Buffer.from(pre + line + post);
  return portfolioFromLine(buf, Buffer.byteLength(pre), buf.length - Buffer.byteLength(post));
}

/** Same keys in the same order, the same doubles (Object.is), the same instrument objects. */
function same(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} vs ${kb.join()}`;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k], y = (b as Record<string, unknown>)[k];
    if (k === "instrument") { if (x !== y) return `${path}.instrument: not the same object`; continue; }
    const d = same(x, y, `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function check(line: string): "taken" | "declined" {
  const want = reference(line), got = fromLine(line);
  if (got === undefined) return "declined";
  expect(want, `accepted a line the old path declines: ${line}`).toBeDefined();
  expect(same(got, want), line).toBeUndefined();
  return "taken";
}

describe("portfolioFromLine = parsePortfolioFast(JSON.parse(line)) or declines", () => {
  it("takes every line of the generated books (the bench's 10-position book, the service's books, the examples)", () => {
    const { universe } = syntheticMarket(20241120);
    const lines = [
      ...syntheticBook(7, universe, 2000, 10).map((f) => JSON.stringify(f)),
      ...syntheticBook(11, universe, 500).map((f) => JSON.stringify(f)),
      ...generatedBook(500, 20, 3).map((f) => JSON.stringify(f)),
      ...readFileSync(join(import.meta.dirname, "../../examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== ""),
    ];
    const counts = { taken: 0, declined: 0 };
    for (const l of lines) counts[check(l)]++;
    expect(counts).toEqual({ taken: lines.length, declined: 0 });
  });

  it("edge cases: numbers, blanks, escapes, duplicates, syntax errors", () => {
    const P = (pos: string, extra = "") => `{"account":"a","positions":[${pos}]${extra}}`;
    const taken = [
      P(`{"instrument":"BTC-PERPETUAL","size":-0}`), P(`{"instrument":"BTC-PERPETUAL","size":-0.0}`), P(`{"size":1.5,"instrument":"BTC-PERPETUAL"}`),
      P(`{"instrument":"BTC-PERPETUAL","size":0.1}`), P(`{"instrument":"BTC-PERPETUAL","size":999999999999.999}`), P(`{"instrument":"BTC-PERPETUAL","size":1234567890.12345}`),
      P(`{"instrument":"BTC-PERPETUAL","size":0.0000000000000000000001}`), P(`{"instrument":"BTC-PERPETUAL","size":0.00000000000000000000001}`),
      `{"account":"a","collateral":{"BTC":123456789012345.6}}`, P(`{"instrument":"BTC-PERPETUAL","size":0.30000000000000004}`), P(`{"instrument":"BTC-PERPETUAL","size":1e3}`),
      P(`{"instrument":"BTC-PERPETUAL","size":2.5E-3}`), P(`{"instrument":"BTC-PERPETUAL","size":7e+2}`), `{"account":"a","collateral":{"BTC":900719925474099.3,"ETH":1e15}}`,
      P(`{"instrument":"BTC-PERPETUAL","size":1,"entryPrice":90500.5}`), ` \t{ "account" : "a" , "collateral" : { "BTC" : 1 , "USDC" : 0 } , "positions" : [ ] } \r`,
      `{"account":"a","collateral":{"BTC":-0}}`, P(`{"instrument":"BTC-PERPETUAL","size":"1.5"}`), P(`{"instrument":"BTC-PERPETUAL","size":"-2000000"}`), `{"account":"a","collateral":{"USDC":"2000000.25"}}`, `{"account":"a","collateral":{"BTC":" 1"}}`, `{"account":"a","openOrders":[{"instrument":"BTC-27DEC24","size":-10,"price":97000}]}`, `{"account":"${"x".repeat(200)}"}`,
    ];
    for (const l of taken) expect(check(l), l).toBe("taken");
    const declined = [
      P(`{"instrument":"BTC-PERPETUAL","size":01}`), P(`{"instrument":"BTC-PERPETUAL","size":1.}`), P(`{"instrument":"BTC-PERPETUAL","size":.5}`), P(`{"instrument":"BTC-PERPETUAL","size":+1}`),
      P(`{"instrument":"BTC-PERPETUAL","size":1e}`), P(`{"instrument":"BTC-PERPETUAL","size":1e400}`), P(`{"instrument":"BTC-PERPETUAL","size":-}`),
      P(`{"instrument":"BTC-PERPETUAL","size":1,"size":2}`), P(`{"instrument":"BTC-PERPETUAL"}`), P(`{"instrument":"BTC-PERP\\u0045TUAL","size":1}`), P(`{"instrument":"BTC-PERPETUAL","size":1,}`),
      P(`{"instrument":"BTC-27DEC24-95000-C","size":1,"entryPrice":5}`), P(`{"instrument":"BTC-PERPETUAL","size":1,"venue":"x"}`), P(`{"instrument":"NOPE-1","size":1}`),
      P(`{"instrument":"BTC-PERPETUAL","size":1e13}`), P(`{"instrument":"BTC-PERPETUAL","size":1,"entryPrice":0}`), `{"account":"a","openOrders":[{"instrument":"BTC-27DEC24","size":0}]}`,
      `{"account":"a","account":"b"}`, `{"account":"a","collateral":{"BTC":1,"BTC":2}}`, `{"account":"a","collateral":{"eth":1}}`, `{"account":"a","collateral":{"BTC":-1}}`, `{"account":"a","collateral":{"BTC":"1e3"}}`, P(`{"instrument":"BTC-PERPETUAL","size":"x"}`), P(`{"instrument":"BTC-PERPETUAL","size":1,"entryPrice":"90000"}`),
      `{"account":"a","collateral":{"__proto__":1}}`, `{"account":"a","venues":{}}`, `{"account":""}`, `{"account":"${"x".repeat(201)}"}`, `{"account":"é"}`, `{"account":"a\\"b"}`, `{"account":"a\\\\b"}`, `{"account":"a\\/b"}`,
      `{"account":"a"} x`, `{"account":"a"`, `{"account":"a",}`, `{}`, `[]`, `"a"`, ``, `{"account":1}`, `{"account":"a","positions":null}`, `{"account":"a","collateral":[]}`,
      `{"account":"a","positions":[{"instrument":"BTC-PERPETUAL","size":1}]]`, `{"account":"a","positions":[{"instrument":"BTC-PERPETUAL","size":1} {"instrument":"BTC","size":1}]}`,
    ];
    for (const l of declined) expect(fromLine(l), l).toBeUndefined();
    for (const l of declined) check(l);
  });

  it("any double written by JSON.stringify reads back as JSON.parse reads it", () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (x) => {
      const l = `{"account":"a","positions":[{"instrument":"BTC-PERPETUAL","size":${JSON.stringify(x)}}]}`;
      expect(check(l)).toBe("taken");
    }), { numRuns: 20_000 });
  });

  it("decimal texts of every length and exponent read back as JSON.parse reads them", () => {
    const text = fc.tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,24})$/), fc.option(fc.stringMatching(/^[0-9]{1,26}$/), { nil: undefined }), fc.option(fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), fc.integer({ min: 0, max: 30 })), { nil: undefined }))
      .map(([neg, i, f, e]) => `${neg ? "-" : ""}${i}${f !== undefined ? `.${f}` : ""}${e ? `${e[0]}${e[1]}${e[2]}` : ""}`);
    fc.assert(fc.property(text, (t) => { check(`{"account":"a","collateral":{"BTC":${t.replace(/^-/, "")}},"positions":[{"instrument":"BTC-PERPETUAL","size":${t}}]}`); }), { numRuns: 20_000 });
  });

  it("random portfolios, valid and broken, written with random blanks: taken only as the old path takes them", () => {
    const NAMES = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-27DEC24-95000-C", "ETH_USDC-PERPETUAL", "SOL_USDC-27DEC24-200-P", "BTC", "BTC-PERPETUAL", "BTC-27DEC24", "NOPE-1", "BTC-32DEC24"];
    const weird = fc.constantFrom<unknown>(null, "1", -1, 0, -0, 1e13, 1e-13, [], {}, true, "", "x".repeat(201), "a\"b", "é", "__proto__");
    const decimalText = fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 14 })).map(([x, d]) => x.toFixed(d));
    const num = fc.oneof({ arbitrary: fc.double({ min: 1e-3, max: 1e5, noNaN: true }), weight: 10 }, { arbitrary: fc.double({ min: -1e13, max: 1e13, noNaN: true }), weight: 2 }, { arbitrary: decimalText, weight: 2 }, { arbitrary: weird, weight: 1 });
    const rare = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a, weight: 15 }, { arbitrary: weird, weight: 1 });
    const entry = (px: string) => fc.record({ instrument: rare(fc.constantFrom(...NAMES)), size: num, [px]: fc.option(num, { nil: undefined }) }, { requiredKeys: ["instrument", "size"] });
    const pf = fc.record({
      account: rare(fc.constantFrom("a", "acct-1")),
      collateral: rare(fc.dictionary(fc.constantFrom("BTC", "USDC", "ETH", "eth", "A".repeat(13)), num, { maxKeys: 3 })),
      positions: rare(fc.array(entry("entryPrice"), { maxLength: 4 })),
      openOrders: rare(fc.array(entry("price"), { maxLength: 2 })),
      venues: fc.option(fc.constant({}), { nil: undefined, freq: 20 }),
    }, { requiredKeys: [] });
    const blanks = fc.array(fc.constantFrom("", "", "", " ", "\t", "\r"), { minLength: 64, maxLength: 64 });
    const seen = { taken: 0, declined: 0 };
    fc.assert(fc.property(pf, blanks, (p, ws) => {
      let k = 0;
      // Blanks between tokens (outside strings: JSON.stringify's output has no blank of its own outside strings).
      const line = JSON.stringify(p).replace(/"(?:[^"\\]|\\.)*"|[{}[\],:]/g, (t) => `${ws[k++ % ws.length]}${t}`);
      seen[check(line)]++;
    }), { numRuns: 10_000 });
    expect(seen.taken).toBeGreaterThan(200);
    expect(seen.declined).toBeGreaterThan(2000);
  });
});
