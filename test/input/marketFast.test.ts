/**
 * The fast path of parseMarket (src/input/marketFast.ts) against the zod schema: on random market files, valid and
 * broken one field at a time (bounds, unknown keys, bad codes and names, implausible marks, SVI smiles with and
 * without arbitrage), the fast path either declines (undefined: the schema then decides, with its own messages) or
 * returns exactly the schema's value, key order included; it never accepts what the schema refuses.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMarketFast } from "../../src/input/marketFast.js";
import { parseMarket, parseMarketSchema } from "../../src/input/marketSchema.js";

const weird = fc.constantFrom<unknown>(undefined, null, "1", -1, 0, 1e13, -1e13, Number.NaN, Infinity, 1e-13, 2e12, [], {}, true, "", 11, 0.00001, 1.5, -2);
/** Mostly inside [lo, hi], now and then anything. */
const num = (lo: number, hi: number) => fc.oneof({ arbitrary: fc.double({ min: lo, max: hi, noNaN: true }), weight: 40 }, { arbitrary: weird, weight: 1 });
const rare = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a, weight: 40 }, { arbitrary: weird, weight: 1 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const unknownKey = fc.oneof({ arbitrary: fc.constant(undefined), weight: 30 }, { arbitrary: fc.constant(1), weight: 1 });
/** Smiles near a calibrated one (free of arbitrage), and now and then far from it. */
const svi = fc.oneof(
  { arbitrary: fc.record({ a: num(0.02, 0.05), b: num(0.05, 0.15), rho: num(-0.5, 0), m: num(-0.05, 0.05), sigma: num(0.1, 0.3), extra: unknownKey }, { requiredKeys: ["a", "b", "rho", "m", "sigma"] }), weight: 8 },
  { arbitrary: fc.record({ a: num(-0.1, 0.2), b: num(0, 0.5), rho: num(-1.2, 1), m: num(-0.5, 0.5), sigma: num(-0.1, 0.5) }, { requiredKeys: [] }), weight: 1 },
);
const INDEX: Record<string, number> = { BTC: 92000, ETH: 3100, SOL: 240, USDC: 1 };
const asset = (code: string) => fc.record({
  index: fc.oneof({ arbitrary: fc.double({ min: 0.9, max: 1.1, noNaN: true }).map((f) => (INDEX[code] ?? 10) * f), weight: 30 }, { arbitrary: num(1e-12, 1e12), weight: 1 }),
  vol: opt(num(1e-4, 3)), rate: opt(num(-0.2, 0.2)),
  surface: opt(fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom("27DEC24", "28MAR25", "7JAN25"), weight: 20 }, { arbitrary: fc.constantFrom("DEC24", "27dec24", "__proto__"), weight: 1 }), svi, { maxKeys: 2 })),
  extra: unknownKey,
}, { requiredKeys: ["index"] });
const assets = fc.uniqueArray(fc.oneof({ arbitrary: fc.constantFrom("BTC", "ETH", "SOL", "USDC"), weight: 30 }, { arbitrary: fc.constantFrom("btc", "B-1", "A".repeat(13)), weight: 1 }), { minLength: 1, maxLength: 4 })
  .chain((codes) => fc.tuple(...codes.map((c) => asset(c))).map((xs) => Object.fromEntries(codes.map((c, i) => [c, xs[i]]))));
/** Names and plausible marks (a future near its index, an option's coin price), some implausible or unknown. */
const NAMED: [string, number][] = [["BTC-PERPETUAL", 92000], ["BTC-27DEC24", 93000], ["BTC-27DEC24-95000-C", 0.03], ["BTC-27DEC24-95000-P", 0.06], ["ETH_USDC-PERPETUAL", 3100], ["ETH-27DEC24", 3140], ["SOL_USDC-27DEC24-200-P", 2], ["NOPE-1", 1], ["BTC-32DEC24", 1], ["BTC", 92000], ["USDC", 1]];
const instrumentEntry = fc.constantFrom(...NAMED).chain(([name, mark]) => fc.record({
  mark: opt(fc.oneof({ arbitrary: fc.double({ min: 0.95, max: 1.05, noNaN: true }).map((f) => mark * f), weight: 20 }, { arbitrary: num(1e-12, 1e9), weight: 1 })),
  markIv: opt(num(1e-4, 3)), depthUsd: opt(num(0, 1e9)), spread: opt(num(0, 2)), extra: unknownKey,
}, { requiredKeys: [] }).map((v) => [name, v] as const));
const market = fc.record({
  asOf: rare(fc.oneof({ arbitrary: fc.constantFrom("2024-11-20T08:00:00Z", "2024-11-20T08:00:00.000Z", "2024-11-20T08:00+01:00"), weight: 20 }, { arbitrary: fc.constantFrom("2024-11-20", "2024-13-40T08:00:00Z", "2024-11-20T08:00:00"), weight: 1 })),
  assets: rare(assets),
  instruments: opt(rare(fc.array(instrumentEntry, { maxLength: 5 }).map((es) => Object.fromEntries(es)))),
  extra: unknownKey,
}, { requiredKeys: ["asOf", "assets"] }).map(clean);

/** Drop the keys the generators left undefined; `extra` becomes an unknown key. */
function clean(v: unknown): unknown {
  if (Array.isArray(v) || v === null || typeof v !== "object") return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k === "extra" ? "unknownKey" : k] = clean(x);
  return o;
}

function agrees(input: unknown): "accepted" | "declined" {
  const fast = parseMarketFast(input);
  if (fast === undefined) return "declined";
  const schema = parseMarketSchema(input);
  expect(schema.ok).toBe(true);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.ok ? schema.value : undefined));
  return "accepted";
}

describe("parseMarketFast", () => {
  it("declines or equals the schema, never accepts what it refuses (fast-check)", () => {
    const seen = { accepted: 0, declined: 0 };
    fc.assert(fc.property(market, (input) => { seen[agrees(input)]++; }), { numRuns: 5000 });
    expect(seen.accepted, JSON.stringify(seen)).toBeGreaterThan(500);
    expect(seen.declined).toBeGreaterThan(100);
  });

  it("accepts the example markets, equal to the schema, and declines explicit undefined values", () => {
    const files = ["examples/market.json", "examples/liquidity/market.json", "examples/venues/market.json"];
    for (const f of files) expect(agrees(JSON.parse(readFileSync(f, "utf8"))), f).toBe("accepted");
    const base = JSON.parse(readFileSync(files[0], "utf8"));
    for (const broken of [{ ...base, instruments: undefined }, { ...base, assets: { ...base.assets, BTC: { ...base.assets.BTC, vol: undefined } } }, { ...base, instruments: { ...base.instruments, "BTC-PERPETUAL": { mark: undefined } } }]) {
      expect(parseMarketFast(broken)).toBeUndefined();
    }
  });

  it("declines an implausible mark and a smile with arbitrage, which the schema words", () => {
    const base = JSON.parse(readFileSync("examples/market.json", "utf8"));
    const farMark = { ...base, instruments: { ...base.instruments, "BTC-27DEC24": { mark: 92050 * 1000 } } };
    expect(parseMarketFast(farMark)).toBeUndefined();
    const r = parseMarket(farMark);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].path).toBe('instruments["BTC-27DEC24"].mark');
    const badSmile = { ...base, assets: { ...base.assets, BTC: { ...base.assets.BTC, surface: { "27DEC24": { a: 0.01, b: 0.5, rho: 0.99, m: 0, sigma: 0.001 } } } } };
    expect(parseMarketFast(badSmile)).toBeUndefined();
  });
});
