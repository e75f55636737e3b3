/**
 * `sumRows` and `sumArrays` (unitEval.ts), Σ size × row over a unit's positions (the kernel's rows in one matrix, the
 * explanation path's in arrays of their own), against the loop they replaced: a zeroed
 * run plus one `axpy` per position, in position order. The same doubles, bit for bit (`Object.is`), for any width
 * (not only multiples of the eight elements summed at a time), any rows and sizes, including −0, huge and tiny sizes.
 * And `firstMinimum` (the worst cell of `evaluate`), two scenarios at a time, against the plain scan.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { axpy, firstMinimum, scaledLoss, sumArrays, sumRows, UnitEval } from "../../src/margin/kernel/unitEval.js";

const size = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 1e-300, -1e300, 5e-324));

describe("sumRows and sumArrays = zeroed run + axpy per position", () => {
  it("bit-identical on random matrices, rows, sizes and widths", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 43 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.nat(), size), { maxLength: 25 }), fc.integer({ min: 0, max: 5 }),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { minLength: 50, maxLength: 50 }), fc.nat(3),
      (n, nRows, positions, start, cells, off) => {
        const stride = n + 3;
        const data = Float64Array.from({ length: nRows * stride }, (_, i) => cells[i % cells.length] * (1 + i / 7));
        const rows = Int32Array.from([...Array(start).fill(0), ...positions.map(([r]) => (r % nRows) * stride)]);
        const sizes = Float64Array.from([...Array(start).fill(99), ...positions.map(([, s]) => s)]);
        const end = rows.length;
        const want = new Float64Array(off + n + 2).fill(7), got = new Float64Array(off + n + 2).fill(7);
        want.fill(0, off, off + n);
        for (let x = start; x < end; x++) axpy(want, off, sizes[x], data, rows[x], n);
        sumRows(got, off, data, rows, sizes, start, end, n);
        for (let i = 0; i < want.length; i++) expect(Object.is(got[i], want[i]), `element ${i} (n ${n}, off ${off}): ${got[i]} vs ${want[i]}`).toBe(true);
        // sumArrays: the same rows as arrays of their own (the explanation path's per-instrument vectors)
        const arrays = [...rows.subarray(start)].map((r) => data.slice(r, r + n));
        const got2 = new Float64Array(off + n + 2).fill(7);
        sumArrays(got2, off, arrays, sizes.slice(start), arrays.length, n);
        for (let i = 0; i < want.length; i++) expect(Object.is(got2[i], want[i]), `sumArrays element ${i} (n ${n}, off ${off})`).toBe(true);
      },
    ), { numRuns: 2000 });
  });
});

describe("firstMinimum = the scan `if (v < min) { min = v; best = i; }` from Infinity", () => {
  const scan = (v: Float64Array, off: number, n: number): number => {
    let best = 0, min = Infinity;
    for (let i = 0; i < n; i++) if (v[off + i] < min) { min = v[off + i]; best = i; }
    return best;
  };
  // Few distinct values, so that ties (also +0 against −0) are common; NaN and ±Infinity skipped or kept as the scan does.
  const cell = fc.constantFrom(-2, -1, -0, 0, 1, 3, -1e300, Infinity, -Infinity, NaN, 5e-324);
  it("the same index on random vectors with ties, signed zeros, NaN and infinities, any offset and length", () => {
    fc.assert(fc.property(fc.array(cell, { maxLength: 40 }), fc.nat(3), (cells, off) => {
      const v = Float64Array.from([...Array(off).fill(-9), ...cells]);
      expect(firstMinimum(v, off, cells.length), `cells ${cells.join(",")}`).toBe(scan(v, off, cells.length));
    }), { numRuns: 5000 });
  });
});

describe("scaledLoss = evaluate's loss of the vector amount × row, searched", () => {
  it("the same double for random rows and positive amounts (tiny, huge, subnormal products included)", () => {
    const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 5e-324, -5e-324, -1e-300));
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.oneof(fc.double({ min: 1e-12, max: 1e9, noNaN: true }), fc.constantFrom(5e-324, 1, 1e300)), (row, amount) => {
      fc.pre(amount > 0);
      const vec = Float64Array.from(row, (x) => 0 + amount * x);
      const ev = new UnitEval();
      ev.net = 0; ev.q = 0; ev.index = 1; ev.numIndex = 1;
      const rates = { G: row.length, E: 0, minAnnualMove: 0, annualMoveRisk: 0, deltaShock: { thresholdUsd: 0, slopePerMillion: 0, cap: 0 }, shortOptionMinimum: 0 };
      ev.evaluate(vec, 0, 0, rates);
      const least = row.reduce((m, x) => (x < m ? x : m), Infinity);
      expect(Object.is(scaledLoss(amount, least), ev.worstLoss), `amount ${amount}, row ${row.join(",")}`).toBe(true);
    }), { numRuns: 5000 });
  });
});
