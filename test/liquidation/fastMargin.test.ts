import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { DEFAULT_COST_MODEL } from "../../src/liquidation/costModel.js";
import { marginTracker, type MarginNumbers, type MarginTracker } from "../../src/liquidation/fastMargin.js";
import { fastMarginMismatch, planLiquidation } from "../../src/liquidation/planner.js";
import { hedgeInstrument } from "../../src/liquidation/steps.js";
import { applyTrades, priceTrade, toPortfolio, workAccount, type Trade } from "../../src/liquidation/workAccount.js";
import { marginWith, prepareContext } from "../../src/margin/computeMargin.js";
import type { MarginParams } from "../../src/margin/params.js";
import type { MarginModel } from "../../src/margin/result.js";
import type { RiskContext } from "../../src/margin/riskContext.js";
import { repoJson } from "../helpers/shared.js";

const market = parseMarket(repoJson("examples/market.json"));
if (!market.ok) throw new Error("examples/market.json does not parse");
function context(params: MarginParams): RiskContext {
  const c = prepareContext(market.ok ? market.value : (undefined as never), params);
  if (!c.ok) throw new Error(c.reason);
  return c.value;
}
const deribit = loadPreset("deribit");
// The shipped presets aggregate units by sum; a correlation variant exercises the cross-asset recombination.
const correlated: MarginParams = { ...deribit, portfolio: { ...deribit.portfolio, crossAsset: { mode: "correlation", correlations: { "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 }, maxCredit: 0.5 } } };
const CONTEXTS: Record<string, RiskContext> = { deribit: context(deribit), correlated: context(correlated) };

function pf(x: unknown): Portfolio {
  const r = parsePortfolio(x);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}
function engine(ctx: RiskContext, p: Portfolio, model: MarginModel): MarginNumbers {
  const r = marginWith(ctx, p, model);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300));
function expectSame(fast: MarginNumbers, full: MarginNumbers, msg: string): void {
  for (const k of ["equity", "adjustedEquity", "initialMargin", "maintenanceMargin"] as const) {
    expect(rel(fast[k], full[k]), `${msg} ${k}: fast ${fast[k]} engine ${full[k]}`).toBeLessThanOrEqual(1e-9);
  }
  expect(fast.marginRatio === null, msg).toBe(full.marginRatio === null);
}

const NAMES = ["BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-27DEC24", "ETH_USDC-PERPETUAL", "SOL_USDC-PERPETUAL", "BTC-27DEC24-92000-C", "BTC-27DEC24-92000-P", "BTC-27DEC24-85000-P", "BTC-27DEC24-100000-C"];
const UNIT: Record<string, number> = { "BTC-PERPETUAL": 92000, "BTC-27DEC24": 92000, "ETH_USDC-PERPETUAL": 30, "SOL_USDC-PERPETUAL": 400 };
const book = fc.record({
  positions: fc.array(fc.record({ instrument: fc.constantFrom(...NAMES), size: fc.double({ min: -5, max: 5, noNaN: true }).filter((x) => Math.abs(x) > 0.01), entry: fc.option(fc.double({ min: 0.9, max: 1.1, noNaN: true }), { nil: undefined }) }), { minLength: 1, maxLength: 8 }),
  usdc: fc.double({ min: 500, max: 200_000, noNaN: true }),
  btc: fc.option(fc.double({ min: 0, max: 3, noNaN: true }), { nil: undefined }),
  eth: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: undefined }),
  model: fc.constantFrom("portfolio" as const, "standard" as const, "isolated" as const),
  params: fc.constantFrom("deribit", "correlated"),
});
type Book = typeof book extends fc.Arbitrary<infer T> ? T : never;
const MARK: Record<string, number> = { "BTC-PERPETUAL": 92050, "BTC_USDC-PERPETUAL": 92050, "BTC-27DEC24": 93150, "ETH_USDC-PERPETUAL": 3100, "SOL_USDC-PERPETUAL": 240 };
function toBook(b: Book): Portfolio {
  const collateral: Record<string, number> = { USDC: b.usdc };
  if (b.btc !== undefined) collateral.BTC = b.btc;
  if (b.eth !== undefined) collateral.ETH = b.eth;
  return pf({ account: "r", collateral, positions: b.positions.map((x) => ({
    instrument: x.instrument, size: x.size * (UNIT[x.instrument] ?? 1),
    ...(x.entry !== undefined && MARK[x.instrument] !== undefined ? { entryPrice: MARK[x.instrument] * x.entry } : {}),
  })) });
}

/** Trades to replay: (position pick, fraction of it to trade; fraction > 1 closes), or a hedge of an underlying. */
const script = fc.array(fc.oneof(
  fc.record({ kind: fc.constant("position" as const), pick: fc.nat(), fraction: fc.double({ min: 0.05, max: 1.2, noNaN: true }) }),
  fc.record({ kind: fc.constant("hedge" as const), underlying: fc.constantFrom("BTC", "ETH", "SOL"), fraction: fc.double({ min: 0.05, max: 1, noNaN: true }), sign: fc.constantFrom(-1, 1) }),
), { minLength: 1, maxLength: 12 });
type Step = typeof script extends fc.Arbitrary<(infer T)[]> ? T : never;

function tradeOf(ctx: RiskContext, tr: MarginTracker, s: Step): Trade | null {
  const w = tr.work;
  if (s.kind === "position") {
    if (w.positions.length === 0) return null;
    const index = s.pick % w.positions.length;
    const p = w.positions[index];
    return { index, instrument: p.instrument, risk: p.risk, size: s.fraction >= 1 ? -p.size : -s.fraction * p.size };
  }
  const h = hedgeInstrument(ctx, s.underlying);
  if (!h || h.risk.delta === 0) return null;
  const size = (-tr.netDelta(s.underlying) / h.risk.delta) * s.fraction * s.sign;
  return size === 0 ? null : { index: -1, instrument: h.instrument, risk: h.risk, size };
}

describe("incremental margin (fast path) against the engine", () => {
  it("property: after every trade the tracker's figures equal a full marginWith to 1e-9 relative, and its estimate of the trade equals the engine's MM after it", () => {
    fc.assert(fc.property(book, script, (b, steps) => {
      const ctx = CONTEXTS[b.params];
      const p0 = toBook(b);
      const w0 = workAccount(ctx, p0);
      if (!w0.ok) throw new Error(w0.reason);
      let tr = marginTracker(ctx, w0.value, b.model);
      const msg0 = JSON.stringify({ b, steps });
      expectSame(tr.margin, engine(ctx, p0, b.model), `${msg0} start`);
      steps.forEach((s, k) => {
        const t0 = tradeOf(ctx, tr, s);
        if (!t0) return;
        const t = priceTrade(ctx, tr.work, t0, DEFAULT_COST_MODEL, 0.0015);
        const est = tr.estimate(t).mm;
        tr = tr.next(applyTrades(ctx, tr.work, [t]), t);
        const full = engine(ctx, toPortfolio(tr.work), b.model);
        const msg = `${msg0} after step ${k} (${t.instrument.name} ${t.size})`;
        expectSame(tr.margin, full, msg);
        expect(rel(tr.mm, full.maintenanceMargin), `${msg} tracker mm`).toBeLessThanOrEqual(1e-9);
        // The ranking estimate is the same MM, the traded unit evaluated on the fly (unitMargin with an adjustment).
        expect(Math.abs(est - full.maintenanceMargin) / Math.max(Math.abs(full.maintenanceMargin), 1e-6), `${msg} estimate ${est} engine ${full.maintenanceMargin}`).toBeLessThanOrEqual(1e-9);
      });
    }), { numRuns: 200, seed: 11 });
  });

  it("property: planning with verifyFastMargin (engine re-margin after every step) succeeds, and the steps chain (each step's before = the previous step's after)", () => {
    fc.assert(fc.property(book, (b) => {
      const ctx = CONTEXTS[b.params];
      const r = planLiquidation(ctx, toBook(b), { model: b.model, verifyFastMargin: true });
      const msg = JSON.stringify(b);
      expect(r.ok ? "" : r.reason, msg).toBe("");
      if (!r.ok) return;
      const trades = r.value.steps.filter((s) => s.action === "reduce" || s.action === "close" || s.action === "hedge");
      for (let i = 1; i < trades.length; i++) {
        expect(trades[i].maintenanceMarginBefore, msg).toBe(trades[i - 1].maintenanceMarginAfter);
        expect(trades[i].adjustedEquityBefore, msg).toBe(trades[i - 1].adjustedEquityAfter);
      }
      const last = trades.at(-1);
      if (last && r.value.fallback === null) {
        expect(rel(last.maintenanceMarginAfter, r.value.after.maintenanceMargin), msg).toBeLessThanOrEqual(1e-9);
        expect(rel(last.adjustedEquityAfter, r.value.after.adjustedEquity), msg).toBeLessThanOrEqual(1e-9);
      }
    }), { numRuns: 120, seed: 12 });
  });

  it("fastMarginMismatch accepts 1e-10 relative and reports 1e-8", () => {
    const a: MarginNumbers = { equity: 1000, adjustedEquity: 900, initialMargin: 500, maintenanceMargin: 400, marginRatio: 400 / 900 };
    expect(fastMarginMismatch(a, { ...a, maintenanceMargin: 400 * (1 + 1e-10) })).toBeNull();
    expect(fastMarginMismatch(a, { ...a, maintenanceMargin: 400 * (1 + 1e-8) })).toMatch(/^maintenanceMargin: /);
    expect(fastMarginMismatch(a, { ...a, equity: 0 })).toMatch(/^equity: /);
  });
});
