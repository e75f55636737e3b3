import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amount, fixed, grouped, num, table } from "../../src/adapters/cli/format.js";
import { referenceTable } from "../helpers/textReference.js";

/** What the tables printed before: toLocaleString, with a negative zero shown as zero. */
function reference(v: number, d: number): string {
  const s = v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  return s === `-${(0).toFixed(d)}` ? (0).toFixed(d) : s;
}

describe("amounts in the text tables", () => {
  it("grouped() writes exactly what toLocaleString(\"en-US\") wrote, for any double", () => {
    const magnitudes = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: -12, max: 25 })).map(([m, e]) => m * 10 ** e);
    const halves = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(0.5, 0.005, 0.0000005, 0.125, 0.375)).map(([i, h]) => i + Math.sign(i || 1) * h);
    fc.assert(fc.property(fc.oneof(fc.double(), magnitudes, halves), fc.constantFrom(0, 2, 6), (v, d) => {
      expect(grouped(v, d)).toBe(reference(v, d));
    }), { numRuns: 20000 });
  });

  it("examples", () => {
    expect(amount(-22443.705, "USD")).toBe(reference(-22443.705, 2));
    expect(amount(1234567.891, "USD")).toBe("1,234,567.89");
    expect(amount(-0.004, "USD")).toBe("0.00");
    expect(amount(-0.0000004, "BTC")).toBe("0.000000");
    expect(amount(-1.5, "BTC")).toBe("-1.500000");
    expect(amount(999.995, "USDC")).toBe(reference(999.995, 2));
    expect(amount(Number.NaN, "USD")).toBe("NaN");
    expect(amount(-Infinity, "USD")).toBe("-∞");
    expect(amount(1e21, "USD")).toBe("1,000,000,000,000,000,000,000.00");
  });
});

describe("fixed decimals in the text tables (fixed = toFixed)", () => {
  const digits = fc.integer({ min: 0, max: 10 });
  it("equals toFixed on doubles of every magnitude and sign", () => {
    fc.assert(fc.property(fc.double({ noNaN: false }), digits, (v, d) => fixed(v, d) === v.toFixed(d)), { numRuns: 20_000 });
    fc.assert(fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), digits, (v, d) => fixed(v, d) === v.toFixed(d)), { numRuns: 20_000 });
  });

  it("equals toFixed at and next to halves of the last decimal, where the scaled double cannot decide", () => {
    const near = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), digits, fc.integer({ min: -3, max: 3 })).map(([n, d, k]) => {
      let v = (n + 0.5) / 10 ** d;
      for (let i = 0; i < Math.abs(k); i++) v = k > 0 ? nextUp(v) : -nextUp(-v);
      return [v, d] as const;
    });
    fc.assert(fc.property(near, ([v, d]) => fixed(v, d) === v.toFixed(d)), { numRuns: 20_000 });
    for (const [v, d] of [[0.00005, 4], [1.00005, 4], [2.5, 0], [-2.5, 0], [0.125, 2], [1.005, 2], [-0.00001, 4], [-0, 4], [999999.99995, 4], [1e15, 2], [Infinity, 4], [NaN, 2]] as const) {
      expect(fixed(v, d), `${v} with ${d} decimals`).toBe(v.toFixed(d));
    }
  });

  it("num keeps its forms: 0, exponent outside [1e-4, 1e6), else four (or the given) decimals", () => {
    expect([num(0), num(-0), num(1e6), num(-0.00009), num(1.23456789), num(-12.5), num(0.000123456789, 8)]).toEqual(["0", "0", "1.000e+6", "-9.000e-5", "1.2346", "-12.5000", "0.00012346"]);
  });
});

/** The next double above `v`. */
function nextUp(v: number): number {
  if (Number.isNaN(v) || v === Infinity) return v;
  if (v === 0) return Number.MIN_VALUE;
  const b = new Float64Array([v]), i = new BigInt64Array(b.buffer);
  i[0] += v > 0 ? 1n : -1n;
  return b[0];
}

describe("text tables", () => {
  const cell = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom("", " ", "a ", "\u00a0", "x\u3000", "é", "日本", "1,234.56", "-0.0001", "tab\t", "\u0001"),
  );
  it("table() writes what the string-built table wrote, for any cells (blanks, non-ASCII, short rows)", () => {
    fc.assert(fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }).chain((header) => fc.tuple(
      fc.constant(header),
      fc.array(fc.array(cell, { minLength: 1, maxLength: header.length }), { maxLength: 6 }),
    )), ([header, rows]) => {
      expect(table(header, rows)).toBe(referenceTable(header, rows));
    }), { numRuns: 5000 });
  });

  it("a row of blanks after a cell that ends in a non-ASCII blank is trimmed through it", () => {
    expect(table(["a", "b", "c"], [["x", "y\u00a0", ""]])).toBe("a   b  c\n-  --  -\nx  y");
  });
});
