import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { computeMargin, createMarginEngine } from "../../src/api.js";
import { importDeribit } from "../../src/adapters/import/deribit.js";
import { addDeribitImport } from "../../src/adapters/import/deribitCommand.js";
import { impactHtml, impactReport, histogram } from "../../src/adapters/report/impact.js";
import { parsePortfolio } from "../../src/input/portfolioSchema.js";
import { repoJson, ROOT } from "../helpers/shared.js";

const fx = (n: string) => JSON.parse(readFileSync(join(ROOT, "test/presets/fixtures/deribit", n), "utf8")) as unknown;
const dir = mkdtempSync(join(tmpdir(), "dpm-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dpm import deribit (hand-written fixtures from the documented schemas)", () => {
  const input = { positions: fx("positions.json"), bookSummaries: [fx("book_summary_btc.json")], tickers: [fx("ticker_btc_perpetual.json")], account: "acct", collateral: { BTC: 1.5 } };
  it("positions, marks, IVs (percent → fraction), index and asOf", () => {
    const r = importDeribit(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.portfolio.positions).toEqual([
      { instrument: "BTC-PERPETUAL", size: 50000, entryPrice: 90500 },
      { instrument: "BTC-27DEC24-100000-C", size: -2 },
    ]);
    expect(r.value.market.asOf).toBe("2024-11-20T08:00:00.000Z");
    expect(r.value.market.assets.BTC).toEqual({ index: 92000 });
    expect(r.value.market.instruments["BTC-27DEC24-100000-C"]).toEqual({ markIv: 0.585 });
    expect(r.value.market.instruments["BTC-27DEC24"]).toEqual({ mark: 93150 });
    expect(r.value.notes.some((n) => n.includes("size 0"))).toBe(true);
    const m = computeMargin(r.value.portfolio, r.value.market, { preset: "deribit" });
    expect(m.initialMargin).toBeGreaterThan(0);
  });
  it("problems carry their paths: bad size sign, missing fields", () => {
    const bad = { result: [{ instrument_name: "BTC-PERPETUAL", size: 100, direction: "sell" }, { instrument_name: "BTC-PERPETUAL", size: "x" }] };
    const r = importDeribit({ ...input, positions: bad });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(["--positions: result[1].size"]);
    const r2 = importDeribit({ ...input, positions: { result: [{ instrument_name: "BTC-PERPETUAL", size: 100, direction: "sell" }] } });
    expect(!r2.ok && r2.issues[0]).toMatchObject({ path: "--positions[0].size", value: 100 });
  });
  it("the CLI subcommand writes files that validate", async () => {
    const out: string[] = [];
    const p = new Command("dpm").exitOverride();
    addDeribitImport(p.command("import"), out);
    const f = (n: string) => join(ROOT, "test/presets/fixtures/deribit", n);
    await p.parseAsync(["import", "deribit", "--positions", f("positions.json"), "--book-summary", f("book_summary_btc.json"), "--ticker", f("ticker_btc_perpetual.json"), "--out-dir", dir, "--collateral", "BTC:1.5"], { from: "user" });
    expect(out.join("")).toContain("imported 2 positions");
    const pf = parsePortfolio(JSON.parse(readFileSync(join(dir, "portfolio.json"), "utf8")));
    expect(pf.ok).toBe(true);
  });
});

describe("parameter-impact report", () => {
  const market = repoJson("examples/market.json");
  const books = readFileSync(join(ROOT, "examples/books.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);
  const a = createMarginEngine(market, { preset: "deribit" }), b = createMarginEngine(market, { preset: "okx" });
  const pfs = books.map((x) => { const r = parsePortfolio(x); if (!r.ok) throw new Error("bad book"); return r.value; });
  const rep = impactReport({ name: "deribit", ctx: a.context }, { name: "okx", ctx: b.context }, pfs);
  it("each row equals the margins computed one by one under each parameter set", () => {
    for (const [i, row] of rep.rows.entries()) {
      expect(row.imFrom).toBeCloseTo(a.margin(books[i]).initialMargin, 9);
      expect(row.mmTo).toBeCloseTo(b.margin(books[i]).maintenanceMargin, 9);
    }
    expect(rep.summary.accounts).toBe(7);
    expect(rep.summary.imUp + rep.summary.imDown).toBeLessThanOrEqual(7);
  });
  it("a tighter parameter set pushes accounts into margin call / liquidation and the report says which", () => {
    const tight = createMarginEngine(market, { params: { extends: "deribit", portfolio: { mmFactor: 1, underlyings: { BTC: { priceRange: 0.6 } } } } });
    const r = impactReport({ name: "deribit", ctx: a.context }, { name: "tight", ctx: tight.context }, pfs);
    const crossed = r.rows.filter((x) => x.crosses !== null);
    expect(crossed.length).toBeGreaterThan(0);
    for (const x of crossed) expect(["margin_call", "liquidation"]).toContain(x.statusTo);
    expect(r.summary.intoMarginCall + r.summary.intoLiquidation).toBe(crossed.length);
  });
  it("HTML has an inline SVG histogram holding every account; bins count all changes", () => {
    const html = impactHtml(rep);
    expect(html).toContain("<svg");
    expect(html).not.toContain("<script");
    const bins = histogram(rep.rows.map((r) => r.imChange ?? 0));
    expect(bins.reduce((s, x) => s + x.count, 0)).toBe(7);
  });
});
