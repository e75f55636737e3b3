import { marginOf } from "../../src/analytics/models.js";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMarket, loadPortfolios } from "../../src/adapters/cli/load.js";
import { riskReportHtml } from "../../src/adapters/report/riskHtml.js";
import { riskReport, type RiskReportData } from "../../src/adapters/report/riskReport.js";
import { money } from "../../src/adapters/report/svg.js";
import { historicalScenarios } from "../../src/adapters/stressLibrary.js";
import { marginWith } from "../../src/margin/computeMargin.js";
import type { MarginResult } from "../../src/margin/result.js";
import { backtest } from "../../src/analytics/backtest.js";
import { runStress } from "../../src/analytics/stress.js";
import { runVar, type VarSpec } from "../../src/analytics/varReport.js";
import { ROOT } from "../helpers/shared.js";
import { context, history, PRICES } from "../risk/helpers.js";
import { runCli } from "../helpers/cli.js";

const BOOK = join(ROOT, "examples/books/multi-asset.json");
const MARKET = join(ROOT, "examples/market.json");

const dpm = runCli;

const market = loadMarket(MARKET);
const pf = loadPortfolios(BOOK, market)[0];
const ctx = context(market);
const hist = history(["BTC", "ETH", "SOL"]);
const spec = ctx.params.var as VarSpec;
const inputs = { history: hist, varSpec: spec, scenarios: historicalScenarios(), backtest: { window: 250, method: "hs" as const, confidence: 0.99 } };
const built = riskReport(ctx, pf, inputs);
if (!built.ok) throw new Error(built.reason);
const data: RiskReportData = built.value;
const must = <T>(r: { ok: true; value: T } | { ok: false; reason: string }): T => { if (!r.ok) throw new Error(r.reason); return r.value; };
const portfolio: MarginResult = must(marginWith(ctx, pf, "portfolio"));
const svgCount = (html: string) => (html.match(/<svg[\s>]/g) ?? []).length;

describe("dpm report: data behind the charts", () => {
  it("each heatmap's worst cell is the margin result's worstScenario (shock, vol state and loss); extended = extendedScenario", () => {
    const worst = portfolio.components.filter((c) => c.name === "worstScenario");
    expect(data.heatmaps.map((h) => h.underlying)).toEqual(worst.map((c) => c.underlying));
    for (const h of data.heatmaps) {
      const c = worst.find((x) => x.underlying === h.underlying);
      const msg = `${h.underlying}: heatmap ${JSON.stringify(h.worst)} vs component ${JSON.stringify(c)}`;
      expect(h.worst.priceShock, msg).toBe(c?.scenario?.priceShock);
      expect(h.worst.volShock, msg).toBe(c?.scenario?.volShock);
      expect(h.worst.loss, msg).toBeCloseTo(c?.amount ?? NaN, 6);
      // Independently: the worst cell is the grid's minimum P&L and sits at the stated shock.
      const min = Math.min(...h.pnl);
      expect(h.pnl[h.worst.cell], msg).toBe(min);
      expect(h.worst.loss, msg).toBeCloseTo(Math.max(0, -min), 9);
      expect(h.pnl).toHaveLength(h.priceShocks.length * 3);
      const ext = portfolio.components.find((x) => x.name === "extendedScenario" && x.underlying === h.underlying);
      expect(h.worstExtended?.weightedLoss, msg).toBeCloseTo(ext?.amount ?? NaN, 6);
      expect(h.worstExtended?.move, msg).toBe(ext?.scenario?.priceShock);
      const unweighted = ext?.detail?.unweightedLoss as number;
      expect(-(h.extended[h.worstExtended?.index ?? 0].pnl), msg).toBeCloseTo(unweighted, 6);
    }
    expect(data.heatmaps.find((h) => h.underlying === "BTC")?.worst).toMatchObject({ priceShock: -0.16, volShock: "up" });
  });
  it("every example book, in USD and in BTC (collateral in the scenarios or at its haircut; BTC adds the numeraire unit): heatmap worst cells = worstScenario components", () => {
    const books = readdirSync(join(ROOT, "examples/books")).filter((f) => f.endsWith(".json"));
    const counted = new Set<string>();
    for (const ctx of [context(market), context(market, "BTC")]) for (const f of books) for (const b of loadPortfolios(join(ROOT, "examples/books", f), market)) {
      const pm = must(marginWith(ctx, b, "portfolio"));
      const hs = must(riskReport(ctx, b, { ...inputs, history: undefined, scenarios: [] })).heatmaps;
      const worst = pm.components.filter((c) => c.name === "worstScenario");
      expect(hs.map((h) => h.underlying), f).toEqual(worst.map((c) => c.underlying));
      hs.forEach((h, i) => {
        counted.add(h.collateralCountedAs);
        const msg = `${f} ${h.underlying}: ${JSON.stringify(h.worst)} vs ${JSON.stringify(worst[i])}`;
        expect([h.worst.priceShock, h.worst.volShock], msg).toEqual([worst[i].scenario?.priceShock, worst[i].scenario?.volShock]);
        expect(h.worst.loss, msg).toBeCloseTo(worst[i].amount, 6);
        expect(h.collateralCountedAs, msg).toBe(worst[i].detail?.collateralCountedAs);
      });
    }
    expect(counted.has("scenario"), [...counted].join(",")).toBe(true);
  });
  it("margins, VaR/ES, backtest and stress equal the engine's own computations", () => {
    for (const m of data.margins) {
      const r = must(marginOf(ctx, pf, m.model, { history: hist }));
      expect([m.initialMargin, m.maintenanceMargin, m.equity, m.adjustedEquity, m.status], m.model).toEqual([r.initialMargin, r.maintenanceMargin, r.equity, r.adjustedEquity, r.status]);
    }
    expect(data.margins.map((m) => m.model)).toEqual(["isolated", "standard", "portfolio", "var"]);
    const v = must(runVar(ctx, pf, hist, spec));
    expect(data.lossDistribution?.report).toEqual(v.report);
    const bins = data.lossDistribution?.bins ?? [];
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(v.report.scenarios);
    expect(bins[0].lo).toBeCloseTo(-Math.max(...v.pnl), 9);
    expect(bins[bins.length - 1].hi).toBeCloseTo(-Math.min(...v.pnl), 9);
    // Scenarios beyond VaR in the histogram ≥ k − 1 (the k-th largest loss is VaR itself).
    const tail = Array.from(v.pnl).filter((x) => -x > v.report.var).length;
    expect(tail).toBe(v.report.k - 1);
    const gridRisk = portfolio.initialMargin - portfolio.components.filter((c) => c.name === "openOrders").reduce((s, c) => s + c.amount, 0);
    expect(data.backtest).toEqual(must(backtest(ctx, pf, hist, { window: 250, method: "hs", confidence: 0.99, ewmaLambda: spec.ewmaLambda }, gridRisk)));
    const sc = historicalScenarios();
    expect(data.stress.map((s) => s.scenario)).toEqual(sc.map((s) => s.name));
    data.stress.forEach((s, i) => expect(s).toEqual(must(runStress(ctx.market, ctx.params, "USD", pf, "portfolio", sc[i]))));
  });
  it("without history: grid margins, heatmaps and stress only, with a note", () => {
    const r = must(riskReport(ctx, pf, { ...inputs, history: undefined }));
    expect(r.lossDistribution).toBeNull();
    expect(r.backtest).toBeNull();
    expect(r.margins.map((m) => m.model)).toEqual(["isolated", "standard", "portfolio"]);
    expect(r.notes.join(" ")).toMatch(/no price history/);
    expect(svgCount(riskReportHtml([r]))).toBe(1 + r.heatmaps.length + 1);
  });
});

describe("dpm report: HTML", () => {
  const html = riskReportHtml([data]);
  it("one <svg> per chart, self-contained (no scripts, no URLs), well-formed enough", () => {
    expect(svgCount(html)).toBe(1 + data.heatmaps.length + 3);
    expect((html.match(/<\/svg>/g) ?? []).length).toBe(svgCount(html));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<link|@import|url\(/i);
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.trim().endsWith("</html>")).toBe(true);
    for (const tag of ["table", "section", "figure", "svg", "tbody"]) expect((html.match(new RegExp(`<${tag}[\\s>]`, "g")) ?? []).length, tag).toBe((html.match(new RegExp(`</${tag}>`, "g")) ?? []).length);
  });
  it("contains the VaR, ES and worst-cell numbers it states", () => {
    const r = data.lossDistribution?.report;
    expect(r).toBeDefined();
    if (!r) return;
    expect(html).toContain(`VaR ${money(r.var)}`);
    expect(html).toContain(`ES ${money(r.es)}`);
    expect(money(r.var)).toBe("29,623.30");
    for (const h of data.heatmaps) expect(html).toContain(`loss ${money(h.worst.loss)}`);
    expect(html).toContain(`${data.backtest?.breaches} breaches`);
  });
  it.skipIf(!existsSync("/usr/bin/chromium"))("renders in headless chromium: every chart has a visible box", async () => {
    const { chromium } = await import("playwright-core");
    const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    try {
      const page = await b.newPage({ viewport: { width: 1040, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => { if (!r.url().startsWith("data:") && !r.url().startsWith("about:")) requests.push(r.url()); });
      await page.setContent(html);
      const boxes = await page.$$eval("svg", (els) => els.map((e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; }));
      expect(boxes).toHaveLength(svgCount(html));
      for (const [w, h] of boxes) { expect(w).toBeGreaterThan(300); expect(h).toBeGreaterThan(100); }
      expect(requests).toEqual([]);
    } finally {
      await b.close();
    }
  }, 30_000);
});

describe("dpm report: CLI", () => {
  it("--json prints the data behind the charts; --out writes the HTML", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-report-"));
    const file = join(dir, "r.html");
    const r = await dpm("report", BOOK, "--market", MARKET, "--history", PRICES, "--out", file, "--json");
    expect(r.code, r.stderr).toBe(0);
    // Under --json, the one line saying where the file went is JSON too.
    expect(JSON.parse(r.stderr)).toEqual({ note: expect.stringMatching(/^wrote .*r\.html \(1 account, \d+ charts, \d+ KB\)$/), wrote: file });
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(data)));
    expect(readFileSync(file, "utf8")).toBe(html());
    const t = await dpm("report", BOOK, "--market", MARKET, "--out", file);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toBe("");
    expect(t.stderr).toBe(`dpm: wrote ${file} (1 account, 5 charts, ${(Buffer.byteLength(readFileSync(file)) / 1024).toFixed(0)} KB)\n`);
    expect((await dpm("--quiet", "report", BOOK, "--market", MARKET, "--out", file)).stderr).toBe("");
    const s = await dpm("report", BOOK, "--market", MARKET);
    expect(s.stdout.startsWith("<!doctype html>")).toBe(true);
    function html(): string { return riskReportHtml([data]); }
  });
  it("bad inputs exit 2 with nothing on stdout", async () => {
    for (const args of [
      ["report", BOOK, "--market", MARKET, "--history", "/nonexistent-dir"],
      ["report", BOOK, "--market", MARKET, "--history", PRICES, "--window", "5000"],
      ["report", BOOK, "--market", MARKET, "--window", "3"],
      ["report", BOOK, "--market", MARKET, "--out", "/nonexistent-dir/x.html"],
    ]) {
      const r = await dpm(...args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/NaN/);
    }
  });
});
