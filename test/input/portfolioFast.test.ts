/**
 * The fast path of parsePortfolio (src/input/portfolioFast.ts) against the zod schema: on random portfolios, valid
 * and broken one field at a time (sizes and amounts as numbers and as decimal strings, well and badly formed), the fast path either declines (undefined: the schema then decides, with its own
 * messages) or returns exactly the schema's value; it never accepts what the schema refuses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePortfolioFast } from "../../src/input/portfolioFast.js";
import { portfolioSchema } from "../../src/input/portfolioSchema.js";

const NAMES = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-27DEC24-95000-C", "ETH_USDC-PERPETUAL", "SOL_USDC-27DEC24-200-P", "BTC", "NOPE-1", "BTC-27DEC24-0-C", "BTC-32DEC24"];
const weird = fc.constantFrom<unknown>(undefined, null, "1", "0.5", -1, 0, 1e13, -1e13, Number.NaN, Infinity, 1e-13, 2e12, [], {}, true, "x".repeat(201), "", "__proto__",
  " 2.50 ", "-0", "-0.0", "+1", "1e3", "1.", ".5", "0.1234567890123", "1.230000000000000", "9999999999999999", "99999999999999999", "1 000", "0x10", "Infinity", "NaN");
/** Sizes and amounts as exact decimal strings (the form the service accepts), some with more decimals than allowed. */
const decimalText = fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 14 })).map(([x, d]) => x.toFixed(d));
const value = fc.oneof({ arbitrary: fc.double({ min: 1e-3, max: 1e5, noNaN: true }), weight: 12 }, { arbitrary: fc.double({ min: -1e13, max: 1e13, noNaN: true }), weight: 2 }, { arbitrary: decimalText, weight: 3 }, { arbitrary: weird, weight: 1 });
const rare = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a, weight: 20 }, { arbitrary: weird, weight: 1 });
const position = fc.record({ instrument: rare(fc.constantFrom(...NAMES)), size: value, entryPrice: fc.option(value, { nil: undefined }), extra: fc.option(fc.constantFrom("venue", "x"), { nil: undefined }) }, { requiredKeys: ["instrument", "size"] });
const portfolio = fc.record({
  account: rare(fc.constantFrom("a", "acct-1")),
  collateral: rare(fc.dictionary(fc.constantFrom("BTC", "USDC", "BTC", "USDC", "eth", "ETH", "A".repeat(13)), value, { maxKeys: 2 })),
  positions: rare(fc.array(position, { maxLength: 3 })),
  openOrders: rare(fc.array(fc.record({ instrument: fc.constantFrom(...NAMES), size: value, price: fc.option(value, { nil: undefined }) }, { requiredKeys: ["instrument", "size"] }), { maxLength: 1 })),
  venues: fc.option(fc.constant({}), { nil: undefined, freq: 20 }),
}, { requiredKeys: [] }).map((p) => {
  const o: Record<string, unknown> = { ...p };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  if (Array.isArray(o.positions)) o.positions = (o.positions as Record<string, unknown>[]).map((x) => { const y = { ...x }; if (y.extra) { y[y.extra as string] = "v"; } delete y.extra; if (y.entryPrice === undefined) delete y.entryPrice; return y; });
  return o;
});

/** The schema's value as parsePortfolio builds it (positions without an entry price have no such key). */
function schemaValue(input: unknown): unknown {
  const r = portfolioSchema.safeParse(input);
  if (!r.success) return "invalid";
  const v = r.data;
  return {
    account: v.account, collateral: v.collateral,
    positions: v.positions.map((p) => (p.entryPrice === undefined ? { instrument: p.instrument, size: p.size } : p)),
    openOrders: v.openOrders.map((o) => (o.price === undefined ? { instrument: o.instrument, size: o.size } : o)),
  };
}

describe("parsePortfolioFast", () => {
  it("declines or equals the schema, never accepts what it refuses (fast-check)", () => {
    let accepted = 0, declined = 0;
    fc.assert(fc.property(portfolio, (input) => {
      const fast = parsePortfolioFast(input);
      if (fast === undefined) { declined++; return; }
      accepted++;
      expect(JSON.stringify(fast)).toBe(JSON.stringify(schemaValue(input)));
    }), { numRuns: 5000 });
    expect(accepted).toBeGreaterThan(50);
    expect(declined).toBeGreaterThan(50);
  });

  it("reads sizes and amounts written as exact decimal strings as the schema does", () => {
    const input = JSON.parse('{"account":"a","collateral":{"BTC":"1.5","USDC":" 1000 "},"positions":[{"instrument":"BTC-PERPETUAL","size":"-10000","entryPrice":90000},{"instrument":"BTC-27DEC24-95000-C","size":"0.25"},{"instrument":"BTC-27DEC24","size":"-0"}],"openOrders":[{"instrument":"BTC-27DEC24","size":"100.000","price":93000}]}');
    const fast = parsePortfolioFast(input);
    expect(fast?.positions.map((p) => p.size)).toEqual([-10000, 0.25, 0]);
    expect(fast?.collateral).toEqual({ BTC: 1.5, USDC: 1000 });
    expect(JSON.stringify(fast)).toBe(JSON.stringify(schemaValue(input)));
    for (const bad of ["1e3", "0.1234567890123", "1 000", ""]) expect(parsePortfolioFast({ ...input, positions: [{ instrument: "BTC-27DEC24", size: bad }] }), bad).toBeUndefined();
  });

  it("accepts the common portfolio and gives the schema's value", () => {
    const input = JSON.parse('{"account":"a","collateral":{"BTC":1.5,"USDC":1000},"positions":[{"instrument":"BTC-PERPETUAL","size":-10000,"entryPrice":90000},{"instrument":"BTC-27DEC24-95000-C","size":2}],"openOrders":[{"instrument":"BTC-27DEC24","size":100,"price":93000}]}');
    const fast = parsePortfolioFast(input);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(schemaValue(input)));
  });
});
