import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { parseScenario } from "../../src/input/liquiditySchema.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { runCascade } from "../../src/liquidation/cascade.js";
import { generateAccounts } from "../../src/liquidation/generator.js";
import { fromMoney, Ledger, toMoney } from "../../src/liquidation/money.js";
import { planLiquidation } from "../../src/liquidation/planner.js";
import { AdlQueue, FUND, MARKET, settle } from "../../src/liquidation/settlement.js";
import { marginWith } from "../../src/margin/computeMargin.js";
import { repoJson } from "../helpers/shared.js";

const engine = createMarginEngine(repoJson("examples/market.json"));
const ctx = engine.context;
const pf = (x: unknown): Portfolio => { const r = parsePortfolio(x); if (!r.ok) throw new Error(JSON.stringify(r.issues)); return r.value; };
const equity = (p: Portfolio) => { const r = marginWith(ctx, p, "portfolio"); if (!r.ok) throw new Error(r.reason); return r.value.equity; };

describe("money", () => {
  it("round-trips and rounds half away from zero", () => {
    expect(toMoney(1.234567891)).toBe(123456789n);
    expect(toMoney(-0.000000005)).toBe(-1n);
    expect(fromMoney(toMoney(92050.12345678))).toBe(92050.12345678);
  });
});

describe("settlement: fees, fund, ADL (conservation)", () => {
  // A bankrupt short-call seller; opposite (short-delta) profitable positions on BTC to deleverage.
  const fundCases = fc.record({ fund: fc.double({ min: 0, max: 20_000, noNaN: true }), cps: fc.integer({ min: 0, max: 4 }) });
  it("property: Δ accounts + Δ fund + slippage to the market = 0 exactly in the ledger and to 1e-6 in equity", () => {
    fc.assert(fc.property(fundCases, ({ fund, cps }) => {
      const accounts: Portfolio[] = [pf({ account: "bankrupt", collateral: { USDC: 1000 }, positions: [{ instrument: "BTC-27DEC24-92000-C", size: -5 }] })];
      for (let i = 0; i < cps; i++) accounts.push(pf({ account: `cp${i}`, collateral: { USDC: 50_000 }, positions: [{ instrument: "BTC-PERPETUAL", size: -(i + 1) * 100_000, entryPrice: 99_000 + 1000 * i }] }));
      const before = accounts.map(equity);
      const ledger = new Ledger();
      ledger.open(FUND, toMoney(fund));
      const p = planLiquidation(ctx, accounts[0], {});
      if (!p.ok) throw new Error(p.reason);
      accounts[0] = p.value.final;
      const s = settle(ctx, ledger, accounts, 0, p.value, new AdlQueue(ctx, accounts));
      const after = accounts.map(equity);
      const msg = JSON.stringify({ fund, cps, s: { ...s, fees: String(s.fees), slippage: String(s.slippage), deficit: String(s.deficit), coveredByFund: String(s.coveredByFund), coveredByAdl: String(s.coveredByAdl), uncovered: String(s.uncovered) } });
      expect(ledger.total(), msg).toBe(0n);
      expect(s.deficit, msg).toBe(s.coveredByFund + s.coveredByAdl + s.uncovered);
      expect(s.deficit > 0n, msg).toBe(true);
      const dAccounts = after.reduce((a, v, i) => a + v - before[i], 0);
      const dFund = fromMoney(ledger.balance(FUND)) - fund;
      expect(Math.abs(dAccounts + dFund + fromMoney(ledger.balance(MARKET))), msg).toBeLessThan(1e-6);
      // The bankrupt account ends at zero unless the deficit could not be covered.
      expect(after[0], msg).toBeCloseTo(-fromMoney(s.uncovered), 6);
      // ADL takes from the most profitable × leveraged first: the last counterparty (largest, best entry).
      if (s.adl.length > 0) expect(s.adl[0].account, msg).toBe(`cp${cps - 1}`);
    }), { numRuns: 40, seed: 11 });
  });
});

describe("cascade", () => {
  const sc = parseScenario(JSON.parse(readFileSync("presets/liquidation/black-thursday-2020-03-12.json", "utf8")));
  if (!sc.ok) throw new Error(JSON.stringify(sc.issues));
  it("2020-03-12 on 300 generated accounts: ledgers balance, prices fall, portfolio margin leaves the least bad debt", () => {
    const book = generateAccounts(engine.market, 300, 7);
    const r = runCascade(engine.market, engine.params, book, sc.value, { models: ["isolated", "standard", "portfolio"], plan: {}, insuranceFund: 0, impactPermanence: 0.5, marketDepthScale: 50, scaleToUtilization: true });
    if (!r.ok) throw new Error(r.reason);
    for (const run of r.value.runs) {
      const t = run.totals;
      expect(t.ledgerTotal, run.model).toBe("0");
      expect(t.badDebt, run.model).toBeCloseTo(t.coveredByFund + t.coveredByAdl + t.uncovered, 4);
      expect(run.ticks.at(-2)!.prices.BTC / 92000 - 1, run.model).toBeLessThanOrEqual(-0.372 + 1e-9);
      expect(t.liquidations, run.model).toBeGreaterThan(0);
    }
    const bad = Object.fromEntries(r.value.runs.map((x) => [x.model, x.totals.badDebt]));
    expect(bad.portfolio, JSON.stringify(bad)).toBeLessThan(bad.standard);
  });
  it("rejects an invalid scenario with paths", () => {
    const bad = parseScenario({ name: "x", steps: [{ label: "a", hours: 2, moves: { BTC: -1.5 } }, { label: "b", hours: 1, moves: {} }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["steps[0].moves.BTC", "steps"]));
  });
});
