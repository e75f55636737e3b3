/**
 * `dpm margin --json` writes the portfolio model's lines straight from the evaluated book (explainedBytes.ts), with
 * no result object built, and its text tables with the positions read off the book. Each line must be the bytes of
 * `JSON.stringify(marginWith(ctx, pf, "portfolio"))` and a newline, the text `formatMargin` of it and a blank line,
 * and an account that cannot be margined must fail with the same reason: on the example books in four
 * numeraires, under sum and correlation aggregation, on random books (fast-check) with names that need escaping,
 * under every preset whose portfolio result is the explanation path's, and with more risk units than the shared
 * `params` objects cover (a `params` built per result).
 */
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedBook } from "../../bench/bookFile.js";
import { syntheticMarket } from "../../bench/market.js";
import { formatMargin } from "../../src/adapters/cli/format.js";
import { explainedOutputInto } from "../../src/adapters/cli/resultJson.js";
import { TextBuffer } from "../../src/adapters/cli/textTable.js";
import { instrumentNamed } from "../../src/domain/instrument.js";
import type { Portfolio } from "../../src/domain/portfolio.js";
import { checkPortfolio } from "../../src/input/checkPortfolio.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { loadPreset, presetNames } from "../../src/input/presets.js";
import { marginWith, portfolioResultIsExplained, prepareContext } from "../../src/margin/computeMargin.js";
import type { MarginParams } from "../../src/margin/params.js";
import type { RiskContext } from "../../src/margin/riskContext.js";
import type { MarketSnapshot } from "../../src/market/snapshot.js";
import { ROOT, repoJson } from "../helpers/shared.js";

function market(raw: unknown): MarketSnapshot {
  const m = parseMarket(raw);
  if (!m.ok) throw new Error(`market does not parse: ${JSON.stringify(m.issues)}`);
  return m.value;
}
function ctxOf(m: MarketSnapshot, params: MarginParams, currency = "USD"): RiskContext {
  const c = prepareContext(m, params, currency);
  if (!c.ok) throw new Error(c.reason);
  return c.value;
}

/** The line written from the book, and the one of the result object (or each failure's reason); `json` false: text tables. */
function both(ctx: RiskContext, pf: Portfolio, json = true): [string, string] {
  const out = new TextBuffer(64); // small: lines make it grow
  const reason = explainedOutputInto(out, ctx, pf, json);
  const r = marginWith(ctx, pf, "portfolio");
  return [reason ?? out.toString(), r.ok ? (json ? `${JSON.stringify(r.value)}\n` : `${formatMargin(r.value)}\n\n`) : r.reason];
}

function same(ctx: RiskContext, pf: Portfolio): void {
  for (const json of [true, false]) {
    const [got, want] = both(ctx, pf, json);
    expect(got, `${pf.account} in ${ctx.numeraire.currency} under ${ctx.params.name}, ${json ? "JSON" : "text"}`).toBe(want);
  }
}

const deribit = loadPreset("deribit");
const correlated: MarginParams = { ...deribit, portfolio: { ...deribit.portfolio, crossAsset: { mode: "correlation", correlations: { "BTC/ETH": 0.8, "BTC/SOL": 0.6, "ETH/SOL": 0.7 }, maxCredit: 0.5 } } };
const exampleMarket = market(repoJson("examples/market.json"));
const synthetic = syntheticMarket(20241120);
const synthMarket = market(synthetic.file);

describe("JSON lines written from the book = JSON.stringify of the result", () => {
  it("every example book, in USD, BTC, USDC and ETH, summed and correlated", () => {
    const docs: unknown[] = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
    for (const dir of ["examples/books", "examples/stressed"]) for (const f of readdirSync(join(ROOT, dir))) docs.push(repoJson(join(dir, f)));
    const books = docs.map((d) => { const r = parsePortfolio(d); if (!r.ok) throw new Error(JSON.stringify(r.issues)); return r.value; });
    expect(books.length).toBeGreaterThan(10);
    for (const currency of ["USD", "BTC", "USDC", "ETH"]) for (const params of [deribit, correlated]) for (const pf of books) same(ctxOf(exampleMarket, params, currency), pf);
  });

  it("generated books with open orders under every preset whose portfolio result is the explanation path's", () => {
    let presets = 0, lines = 0;
    for (const name of presetNames()) {
      const ctx = ctxOf(exampleMarket, loadPreset(name));
      if (!portfolioResultIsExplained(ctx)) continue;
      presets++;
      for (const l of generatedBook(60, 8, 17, { orderShare: 0.4 })) {
        const v = checkPortfolio(JSON.parse(JSON.stringify(l)), exampleMarket);
        if (!v.ok) throw new Error(JSON.stringify(v.issues));
        same(ctx, v.value);
        lines++;
      }
    }
    expect(presets).toBeGreaterThanOrEqual(1); // deribit; the others margin by a venue's method or add liquidity charges
    expect(lines).toBeGreaterThan(50);
  });

  // Random books on the synthetic universe (inverse and linear futures, perpetuals, options), as explainEquality.test.ts.
  const NAMES = [...synthetic.universe.map((e) => e.name), "BTC", "ETH", "SOL", "USDC", "USDT"];
  const position = fc.record({ name: fc.constantFrom(...NAMES), size: fc.double({ min: -500, max: 500, noNaN: true }).filter((x) => Math.abs(x) > 1e-3) });
  const book = fc.record({
    account: fc.oneof(fc.string(), fc.constantFrom('q"uote', "back\\slash", "tab\t", "\u0001", "lone \ud800", "日本", "e\u0301")),
    positions: fc.array(position, { maxLength: 16 }),
    orders: fc.array(position, { maxLength: 3 }),
    collateral: fc.dictionary(fc.constantFrom("USDC", "USDT", "BTC", "ETH", "SOL"), fc.oneof(fc.double({ min: -50, max: 5000, noNaN: true }), fc.constant(0)), { maxKeys: 5 }),
  });
  const contexts = ["USD", "BTC", "USDC"].flatMap((c) => [ctxOf(synthMarket, deribit, c), ctxOf(synthMarket, correlated, c)]);

  it("random books, account names that need escaping, every numeraire (fast-check)", () => {
    fc.assert(fc.property(book, fc.nat({ max: contexts.length - 1 }), (b, ci) => {
      same(contexts[ci], {
        account: b.account, collateral: b.collateral,
        positions: b.positions.map((p) => ({ instrument: instrumentNamed(p.name)!, size: p.size })),
        openOrders: b.orders.map((o) => ({ instrument: instrumentNamed(o.name)!, size: o.size })),
      });
    }), { numRuns: 500, seed: 20261206 });
  });

  it("more risk units than the shared params objects cover, and a failure with the result path's reason", () => {
    // Nine coins with an index and a vol: collateral in each makes nine units, and `params` is built per result.
    const assets: Record<string, unknown> = { USDC: { index: 1 } };
    const coins = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"];
    coins.forEach((c, i) => { assets[c] = { index: 10 + i, vol: 0.5 + i / 20 }; });
    const wide = market({ asOf: "2024-11-20T08:00:00Z", assets, instruments: {} });
    const ctx = ctxOf(wide, deribit);
    const many: Portfolio = { account: "nine", collateral: Object.fromEntries(coins.map((c, i) => [c, (i + 1) * 3])), positions: [], openOrders: [] };
    same(ctx, many);
    // Nothing at all (adjusted equity exactly 0: marginRatio null), and only a debt.
    same(ctx, { account: "empty", collateral: {}, positions: [], openOrders: [] });
    same(ctx, { account: "debt", collateral: { USDC: -5 }, positions: [], openOrders: [] });
    expect(JSON.stringify(marginWith(ctx, many, "portfolio"))).toContain('"C9"');
    // Collateral in an asset the market has no index for: no line, the same reason as the result path.
    const [got, want] = both(ctx, { ...many, collateral: { ...many.collateral, XYZ: 1 } });
    expect(got).toBe(want);
    expect(got).toContain("no index for XYZ");
  });
});
