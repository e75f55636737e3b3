/**
 * Publishing a tick's entries column by column (`MarginColumns.copyRange`, engineMargins `publish` on a contiguous
 * run) must leave the published columns exactly as copying entry by entry (`copyFrom`) does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarginColumns } from "../../src/engine/marginColumns.js";

function filled(n: number, values: readonly number[]): MarginColumns {
  const c = new MarginColumns();
  c.grow(n);
  for (let i = 0; i < n; i++) {
    const v = values[i % values.length] + i;
    c.equity[i] = v; c.adjusted[i] = v - 1; c.im[i] = v / 3; c.mm[i] = v / 4; c.upnl[i] = -v;
    c.addOn[i] = v / 7; c.stableAddOn[i] = v / 9; c.status[i] = i % 5; c.seq[i] = 3; c.has[i] = i % 2;
  }
  return c;
}

const columns = (c: MarginColumns, n: number) => [c.equity, c.adjusted, c.im, c.mm, c.upnl, c.addOn, c.stableAddOn, c.status, c.seq, c.has].map((a) => Array.from(a.subarray(0, n)));

describe("MarginColumns.copyRange", () => {
  it("equals copyFrom entry by entry over the same run", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 20 }), fc.nat(), fc.nat(), (n, values, a, b) => {
      const lo = a % n, hi = lo + 1 + (b % (n - lo));
      const work = filled(n, values);
      const byEntry = filled(n, values.map((v) => v * 2)), byRange = filled(n, values.map((v) => v * 2));
      for (let i = lo; i < hi; i++) byEntry.copyFrom(work, i, `acct-${i}`, 42);
      byRange.copyRange(work, lo, hi, 42);
      expect(columns(byRange, n)).toEqual(columns(byEntry, n));
    }), { numRuns: 300 });
  });
});
