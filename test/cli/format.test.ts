import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amount, grouped, table } from "../../src/adapters/cli/format.js";
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
