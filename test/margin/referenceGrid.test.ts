import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { spotInstrument } from "../../src/margin/riskContext.js";
import { addToUnit, emptyUnit } from "../../src/margin/riskUnit.js";
import { cellScenario } from "../../src/risk/scenarioGrid.js";
import { sharedJson } from "../helpers/shared.js";

type Cell = [number, string, number];
interface Case {
  name: string;
  portfolio: unknown;
  optionValuesUSD: Record<string, number>;
  grid: Record<string, Record<string, Cell[]>>;
}
const ref = sharedJson<{ market: unknown; cases: Case[] }>("data/reference/grid-cases.json");

/** Raw 9×3 grid P&L of one risk unit, collateral of its own asset included (DESIGN.md section 5). */
function unitGrid(c: Case, underlying: string, currency: string): readonly number[] {
  const engine = createMarginEngine(ref.market, { currency });
  const ctx = engine.context;
  const pf = parsePortfolio(c.portfolio);
  if (!pf.ok) throw new Error(JSON.stringify(pf.issues));
  const unit = emptyUnit(underlying, ctx.grid(underlying));
  for (const p of pf.value.positions) {
    if (p.instrument.underlying !== underlying) continue;
    const r = ctx.risk(p.instrument);
    if (!r.ok) throw new Error(r.reason);
    addToUnit(unit, r.value, p.size);
  }
  const coll = pf.value.collateral[underlying];
  if (coll) {
    const r = ctx.risk(spotInstrument(underlying));
    if (!r.ok) throw new Error(r.reason);
    addToUnit(unit, r.value, coll);
  }
  return unit.grid;
}

describe("scenario grid against independent reference values (shared/data/reference)", () => {
  for (const c of ref.cases) {
    for (const [underlying, byCcy] of Object.entries(c.grid)) {
      for (const [currency, cells] of Object.entries(byCcy)) {
        it(`${c.name}: ${underlying} unit in ${currency}`, () => {
          const g = unitGrid(c, underlying, currency);
          const engine = createMarginEngine(ref.market, { currency });
          const sg = engine.context.grid(underlying);
          expect(g.length).toBe(cells.length);
          cells.forEach(([shock, vol, pnl], k) => {
            const sc = cellScenario(sg, k);
            expect(sc.priceShock, `cell ${k}`).toBeCloseTo(shock, 12);
            expect(sc.volShock, `cell ${k}`).toBe(vol);
            const tol = 1e-6 * Math.max(1, Math.abs(pnl));
            expect(Math.abs(g[k] - pnl), `${c.name} ${currency} cell ${k} (${shock}, ${vol}): got ${g[k]}, want ${pnl}`).toBeLessThanOrEqual(tol);
          });
        });
      }
    }
    for (const [name, usd] of Object.entries(c.optionValuesUSD)) {
      it(`${c.name}: value of ${name} = ${usd} USD`, () => {
        const r = createMarginEngine(ref.market).margin(c.portfolio);
        const pos = r.positions.find((p) => p.instrument === name);
        expect(pos, name).toBeDefined();
        expect(Math.abs((pos?.value ?? 0) - usd)).toBeLessThanOrEqual(1e-6 * Math.abs(usd));
      });
    }
  }
});
