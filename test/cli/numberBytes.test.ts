/**
 * The text tables' numbers written as bytes (src/adapters/cli/numberBytes.ts) against their strings (format.ts
 * `fixed`, `grouped`): the same bytes wherever the byte writer answers, −1 exactly where the string leaves its fast
 * path; and a table of `Cells` filled by format.ts's `numCell` / `amountCell` (text and byte cells) against
 * `tableInto` of the same cells as strings (`num`, `grouped`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amountCell, fixed, grouped, num, numCell } from "../../src/adapters/cli/format.js";
import { fixedBytes, groupedBytes } from "../../src/adapters/cli/numberBytes.js";
import { Cells, cellsTableInto, tableInto, TextBuffer } from "../../src/adapters/cli/textTable.js";

const buf = new Uint8Array(128);
const written = (end: number, at: number): string => Buffer.from(buf.subarray(at, end)).toString("latin1");
const doubles = fc.oneof(fc.double(), fc.double({ min: -1e7, max: 1e7 }), fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100), fc.constantFrom(0, -0, 0.5, -2.5, 1e15, 999999.99995, 0.00005, 1.005, 1e12 / 100));

describe("numbers as bytes = their strings", () => {
  it("fixedBytes = fixed (toFixed) where it answers; it declines only exact halves, 1e15 and beyond, NaN", () => {
    fc.assert(fc.property(doubles, fc.integer({ min: 0, max: 10 }), fc.nat(8), (v, d, at) => {
      const end = fixedBytes(buf, at, v, d);
      const x = Math.abs(v) * 10 ** d;
      if (end < 0) expect(!(x < 1e15) || x - Math.floor(x) === 0.5, `${v} ${d}`).toBe(true);
      else expect(written(end, at), `${v} with ${d} decimals`).toBe(fixed(v, d));
    }), { numRuns: 30_000 });
  });

  it("groupedBytes = grouped (toLocaleString en-US) where it answers, including thousands separators and −0.00", () => {
    fc.assert(fc.property(doubles, fc.constantFrom(0, 2, 6, 8), fc.nat(8), (v, d, at) => {
      const end = groupedBytes(buf, at, v, d);
      if (end >= 0) expect(written(end, at), `${v} with ${d} decimals`).toBe(grouped(v, d));
    }), { numRuns: 30_000 });
    for (const [v, d, text] of [[1234567.891, 2, "1,234,567.89"], [-999.996, 2, "-1,000.00"], [-0.001, 2, "0.00"], [123, 0, "123"], [1000, 0, "1,000"], [0.1234567, 6, "0.123457"]] as const) {
      const end = groupedBytes(buf, 0, v, d);
      expect(written(end, 0)).toBe(text);
      expect(grouped(v, d)).toBe(text);
    }
  });
});

describe("cellsTableInto = tableInto of the same cells as strings", () => {
  const cell = fc.oneof(
    fc.string({ maxLength: 10 }).map((s) => ({ s })),
    fc.constantFrom("", " ", "x\u3000", "é", "日本", "\u00a0").map((s) => ({ s })),
    doubles.map((v) => ({ v, d: 4 })),
    doubles.map((v) => ({ v, d: 8 })),
    doubles.map((v) => ({ g: v, d: 2 })),
  );
  it("for any mix of text and number cells, blanks and non-ASCII included", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.array(fc.string({ maxLength: 8 }), { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 5 }))), ([header, rows]) => {
      const cells = new Cells(), strings: string[] = [];
      for (const row of rows) for (const c of row) {
        if ("s" in c) { cells.text(c.s); strings.push(c.s); continue; }
        if ("g" in c) { amountCell(cells, c.g, c.d); strings.push(grouped(c.g, c.d)); continue; }
        numCell(cells, c.v, c.d);
        strings.push(num(c.v, c.d));
      }
      const a = new TextBuffer(16), b = new TextBuffer(16);
      cellsTableInto(a, header, cells, rows.length);
      tableInto(b, header, strings, rows.length);
      expect(a.toString()).toBe(b.toString());
    }), { numRuns: 5000 });
  });
});
