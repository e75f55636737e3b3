import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeMargin } from "../../src/api.js";
import { loadPreset } from "../../src/input/presets.js";
import { depegRate } from "../../src/margin/venues/okx/okxMargin.js";
import { repoJson } from "../helpers/shared.js";

// Properties of the okx preset over random books on the example market (OKX's stated formula, MR9 curves).
const market = repoJson("examples/market.json");
const okx = loadPreset("okx").okx!;
const NAMES: Record<string, number> = {
  "BTC-27DEC24-85000-P": 1, "BTC-27DEC24-92000-C": 1, "BTC-28MAR25-95000-C": 1, "ETH-27DEC24-3500-C": 1,
  "BTC-PERPETUAL": 50_000, "BTC-27DEC24": 50_000, "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": 10, "SOL_USDC-PERPETUAL": 100,
};
const position = fc.record({ instrument: fc.constantFrom(...Object.keys(NAMES)), size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3) })
  .map((p) => ({ instrument: p.instrument, size: p.size * NAMES[p.instrument] }));
const book = fc.array(position, { minLength: 1, maxLength: 8 }).map((positions) => ({ account: "p", collateral: { USDC: 1_000_000 }, positions }));
const amount = (r: ReturnType<typeof computeMargin>, n: string, u: string) => r.components.find((c) => c.name === n && c.underlying === u)?.amount ?? NaN;

describe("okx preset properties (fast-check)", () => {
  it("every unit's MMR is max(max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7); MMR = Σ units; IMR = 1.3 × MMR; all finite, ≥ 0", () => {
    fc.assert(fc.property(book, (pf) => {
      const r = computeMargin(pf, market, { preset: "okx" });
      const units = r.components.filter((c) => c.name === "riskUnitMMR");
      let sum = 0;
      for (const c of units) {
        const u = c.underlying ?? "";
        const mr = (k: number) => amount(r, `MR${k}`, u);
        for (const k of [1, 2, 3, 4, 5, 6, 7, 9]) expect(mr(k), `MR${k} ${u}`).toBeGreaterThanOrEqual(0);
        const want = Math.max(Math.max(mr(1), mr(2), mr(6)) + mr(3) + mr(4) + mr(5) + mr(9), mr(7));
        expect(c.amount).toBeCloseTo(want, 9);
        sum += c.amount;
      }
      expect(r.maintenanceMargin).toBeCloseTo(sum, 9);
      expect(r.initialMargin).toBeCloseTo(1.3 * sum, 9);
    }), { numRuns: 150 });
  });

  it("each MR9 tier rate never falls as a stablecoin moves away from its peg, either way, and stays within [minimum, 40 %]", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: okx.depegTiers.length - 1 }), fc.double({ min: 0.5, max: 1, noNaN: true }), fc.double({ min: 0.5, max: 1, noNaN: true }), (i, a, b) => {
      const t = okx.depegTiers[i];
      const [near, far] = a >= b ? [a, b] : [b, a];
      expect(depegRate(t, far)).toBeGreaterThanOrEqual(depegRate(t, near) - 1e-15);
      expect(depegRate(t, 1 / far)).toBeCloseTo(depegRate(t, far), 12);
      expect(depegRate(t, far)).toBeGreaterThanOrEqual(t.value);
      expect(depegRate(t, far)).toBeLessThanOrEqual(0.4);
    }), { numRuns: 300 });
  });
});
