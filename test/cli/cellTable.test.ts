/**
 * The text tables' numbers written as bytes (`Cells#fixed`, `Cells#grouped`, `Cells#numberCellAt` with `num`'s
 * exponent form, a prefix and a suffix: the WebAssembly module of native/shortestDigits.c) against their strings
 * (format.ts `fixed`, `grouped`, `num`, the summary's percentage): the same bytes wherever the byte
 * writer answers, a decline exactly where the string leaves its fast path; and a table of `Cells` filled by
 * format.ts's `numCell` / `amountCell` (text and byte cells) against `tableInto` of the same cells as strings
 * (`num`, `grouped`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amountCell, fixed, grouped, num, numCell } from "../../src/adapters/cli/format.js";
import { CELL_FIXED, CELL_NUM, Cells, cellsTableInto } from "../../src/adapters/cli/cellTable.js";
import { tableInto, TextBuffer } from "../../src/adapters/cli/textTable.js";

const doubles = fc.oneof(fc.double(), fc.double({ min: -1e7, max: 1e7 }), fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 100), fc.constantFrom(0, -0, 0.5, -2.5, 1e15, 999999.99995, 0.00005, 1.005, 1e12 / 100));
const one = new Cells();
/** The cell `write` adds to an empty `Cells`, as a string; undefined when it declines (and then adds no cell). */
function cell(write: (c: Cells) => boolean): string | undefined {
  one.clear();
  const ok = write(one);
  expect(one.n).toBe(ok ? 1 : 0);
  return ok ? one.at(0) : undefined;
}

describe("numbers as bytes = their strings", () => {
  it("Cells#fixed = fixed (toFixed) where it answers; it declines only exact halves, 1e15 and beyond, NaN", () => {
    fc.assert(fc.property(doubles, fc.integer({ min: 0, max: 20 }), (v, d) => {
      const got = cell((c) => c.fixed(v, d));
      const x = Math.abs(v) * 10 ** d;
      if (got === undefined) expect(!(x < 1e15) || x - Math.floor(x) === 0.5, `${v} ${d}`).toBe(true);
      else expect(got, `${v} with ${d} decimals`).toBe(fixed(v, d));
      if (got !== undefined && x < 1e15) expect(got).toBe(v.toFixed(d));
    }), { numRuns: 30_000 });
  });

  it("Cells#grouped = grouped (toLocaleString en-US) where it answers, including thousands separators and −0.00", () => {
    fc.assert(fc.property(doubles, fc.constantFrom(0, 2, 6, 8), (v, d) => {
      const got = cell((c) => c.grouped(v, d));
      if (got !== undefined) expect(got, `${v} with ${d} decimals`).toBe(grouped(v, d));
      else expect(!(Math.abs(v) * 10 ** d < 1e12) || !(Math.abs(Math.abs(v) * 10 ** d % 1 - 0.5) > 1e-3), `${v} ${d}`).toBe(true);
    }), { numRuns: 30_000 });
    for (const [v, d, text] of [[1234567.891, 2, "1,234,567.89"], [-999.996, 2, "-1,000.00"], [-0.001, 2, "0.00"], [123, 0, "123"], [1000, 0, "1,000"], [0.1234567, 6, "0.123457"], [999999999.99, 2, "999,999,999.99"]] as const) {
      expect(cell((c) => c.grouped(v, d))).toBe(text);
      expect(grouped(v, d)).toBe(text);
    }
  });
});

describe("num and the percentage as bytes = their strings", () => {
  const values = new Float64Array(1);
  const numOf = (prefix: string, v: number, d: number) => { values[0] = v; return cell((c) => c.numberCellAt(CELL_NUM, values, 0, d, prefix)); };
  /** Doubles across the exponent form's range and beyond it, and n.5 × 10^k (halves after scaling, decimal or not). */
  const wide = fc.oneof(doubles, fc.double({ min: -1e-4, max: 1e-4 }), fc.double({ min: 1e6, max: 1e22 }), fc.double({ min: -1e-15, max: 1e-15 }),
    fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: -22, max: 24 }), fc.boolean()).map(([n, k, neg]) => (neg ? -1 : 1) * (n + 0.5) * 10 ** k));

  it("Cells#numberCellAt(CELL_NUM) = prefix + num (0, toFixed, toExponential(3)); it declines only halves after scaling, out of range, NaN", () => {
    fc.assert(fc.property(wide, fc.constantFrom(4, 8), fc.constantFrom("", "netDelta "), (v, d, prefix) => {
      const got = numOf(prefix, v, d), a = Math.abs(v);
      if (got !== undefined) { expect(got, `${prefix}${v} with ${d} digits`).toBe(prefix + num(v, d)); return; }
      const inFixed = a < 1e6 && a >= 1e-4, x = a * 10 ** d;
      if (inFixed) expect(x - Math.floor(x), `${v} ${d}`).toBe(0.5);
      else if (a >= 1e-16 && a < 1e21) {
        const y = a * 10 ** (3 - Math.floor(Math.log10(a)));
        expect(Math.abs(y - Math.floor(y) - 0.5), `${v}: declined away from a half`).toBeLessThan(1e-6);
      }
    }), { numRuns: 50_000 });
  });

  it("the exponent form at its edges: rounding up to the next exponent, exact halves, the range's ends, −0, NaN, infinities", () => {
    // [value, the cell (undefined: declined), num's string]
    const cases: [number, string | undefined, string][] = [
      [9.99951e-5, "1.000e-4", "1.000e-4"], [9.99941e-5, "9.999e-5", "9.999e-5"], [1e6, "1.000e+6", "1.000e+6"], [999999.9, "999999.9000", "999999.9000"],
      [-4.0535e-5, undefined, "-4.053e-5"], [-4.05349e-5, "-4.053e-5", "-4.053e-5"], [1.00151e6, "1.002e+6", "1.002e+6"], [1.0005e6, undefined, "1.001e+6"], [1e-16, "1.000e-16", "1.000e-16"],
      [9.99999e20, "1.000e+21", "1.000e+21"], [123456789, "1.235e+8", "1.235e+8"], [0, "0", "0"], [-0, "0", "0"],
      [1e21, undefined, "1.000e+21"], [9e-17, undefined, "9.000e-17"], [NaN, undefined, "NaN"], [Infinity, undefined, "Infinity"], [-Infinity, undefined, "-Infinity"],
    ];
    for (const [v, cellText, text] of cases) {
      expect(numOf("", v, 4), String(v)).toBe(cellText);
      expect(num(v, 4), String(v)).toBe(text);
    }
  });

  it("Cells#numberCellAt(CELL_FIXED, v, 1, suffix \"%\") = the summary's percentage, (v).toFixed(1) + \"%\"", () => {
    fc.assert(fc.property(fc.oneof(fc.double({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e7 }).map((n) => n / 1000)), (ratio) => {
      values[0] = ratio * 100;
      const got = cell((c) => c.numberCellAt(CELL_FIXED, values, 0, 1, "", "%"));
      if (got !== undefined) expect(got, String(ratio)).toBe(`${(ratio * 100).toFixed(1)}%`);
    }), { numRuns: 30_000 });
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

describe("Cells in the thread's WebAssembly memory", () => {
  it("a table too wide for the module (70 columns), one of 8,100 cells (laid out there; the memory grows) and one of 60,000 (strings) lay out as tableInto", () => {
    for (const [n, rows] of [[70, 3], [9, 900], [3, 20_000]] as const) {
      const header = Array.from({ length: n }, (_, i) => `c${i}`), cells = new Cells(), strings: string[] = [];
      for (let j = 0; j < rows; j++) for (let i = 0; i < n; i++) {
        if (i % 2 === 0) { cells.text(`r${j}`); strings.push(`r${j}`); } else { numCell(cells, j * 1.25 + i, 4); strings.push(num(j * 1.25 + i, 4)); }
      }
      const a = new TextBuffer(16), b = new TextBuffer(16);
      cellsTableInto(a, header, cells, rows);
      tableInto(b, header, strings, rows);
      expect(a.toString()).toBe(b.toString());
    }
  });

  it("one table at a time: a Cells used after another took the memory throws instead of writing over it", () => {
    const first = new Cells();
    first.text("a");
    const second = new Cells();
    second.text("b");
    expect(() => first.text("c")).toThrow(/another table/);
    first.clear();
    first.text("c");
    expect(first.at(0)).toBe("c");
    expect(() => cellsTableInto(new TextBuffer(16), ["x", "y"], first, 1)).toThrow(/1 cells for 1 rows of 2/);
  });
});
