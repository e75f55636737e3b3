import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatUnits, toUnits } from "../../src/domain/money.js";
import { decimalNumber } from "../../src/input/decimal.js";

/** The number the service would hold for a decimal string: its exact units, as a double. */
const viaUnits = (s: string): number | undefined => {
  const u = toUnits(s);
  return u === undefined ? undefined : Number(formatUnits(u));
};

describe("decimal strings in input files follow the service's exact-amount rules (engine/money.ts toUnits)", () => {
  it("agree with toUnits on accepted and refused strings", () => {
    const digits = fc.stringMatching(/^\d{1,16}$/);
    const decimalLike = fc.tuple(fc.constantFrom("", "-", "+", " ", "--"), digits, fc.option(fc.tuple(fc.constantFrom(".", ","), fc.stringMatching(/^\d{0,15}$/)), { nil: undefined }), fc.constantFrom("", " ", "e3", "x"))
      .map(([sign, int, frac, tail]) => `${sign}${int}${frac ? frac.join("") : ""}${tail}`);
    fc.assert(fc.property(fc.oneof(decimalLike, fc.string()), (s) => {
      const mine = decimalNumber(s);
      expect(mine).toBe(viaUnits(s));
    }), { numRuns: 5000 });
  });

  it("examples", () => {
    expect(decimalNumber("-1")).toBe(-1);
    expect(decimalNumber(" 0.100000000000 ")).toBe(0.1);
    expect(decimalNumber("-0")).toBe(0);
    expect(decimalNumber("1.0000000000001")).toBeUndefined();
    expect(decimalNumber("1e3")).toBeUndefined();
  });
});
