import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/shared.js";
import { PRICES } from "./helpers.js";
import { runCli } from "../helpers/cli.js";

const dpm = runCli;

const BOOK = join(ROOT, "examples/books/multi-asset.json");
const MARKET = join(ROOT, "examples/market.json");

describe("dpm var / backtest / stress / calibrate / margin --model var", () => {
  it("var --json prints the issue's fields", async () => {
    const r = await dpm("var", BOOK, "--market", MARKET, "--history", PRICES, "--method", "mc", "--paths", "2000", "--seed", "3", "--dist", "normal", "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ["method", "confidence", "horizon", "scenarios", "var", "es", "worstScenario"]) expect(j).toHaveProperty(k);
    expect(j.scenarios).toBe(2000);
    expect(j.var).toBeLessThanOrEqual(j.es);
  });
  it("bad inputs exit 2 with nothing on stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-risk-"));
    writeFileSync(join(dir, "BTC-USD_1d.csv"), "Date,Close\n2024-01-02,5\n2024-01-01,-1\n");
    for (const args of [
      ["var", BOOK, "--market", MARKET, "--history", PRICES, "--confidence", "1.2"],
      ["var", BOOK, "--market", MARKET, "--history", PRICES, "--lookback", "9000"],
      ["var", BOOK, "--market", MARKET, "--history", dir],
      ["backtest", BOOK, "--market", MARKET, "--history", PRICES, "--window", "5000"],
      ["margin", BOOK, "--market", MARKET, "--model", "var"],
    ]) {
      const r = await dpm(...args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/NaN/);
    }
  });
  it("compare --history adds the var result as the 4th", async () => {
    const r = await dpm("compare", BOOK, "--market", MARKET, "--history", PRICES, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { model: string }) => x.model)).toEqual(["isolated", "standard", "portfolio", "var"]);
  });
  it("backtest --json and stress --json have their shapes", async () => {
    const b = await dpm("backtest", BOOK, "--market", MARKET, "--history", PRICES, "--window", "250", "--json");
    expect(b.code, b.stderr).toBe(0);
    const j = JSON.parse(b.stdout);
    for (const k of ["observations", "breaches", "expectedBreaches", "trafficLight"]) expect(j).toHaveProperty(k);
    expect(Object.keys(j.kupiec)).toEqual(["lr", "pValue"]);
    const s = await dpm("stress", BOOK, "--market", MARKET, "--scenario", "ftx-2022-11", "--json");
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).results[0]).toMatchObject({ scenario: "ftx-2022-11", statusAfter: "healthy" });
  });
  it("calibrate writes a valid parameter file recording its inputs, usable by margin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-cal-"));
    const out = join(dir, "cal.json");
    const r = await dpm("calibrate", "--history", PRICES, "--assets", "BTC,ETH,SOL,USDC", "--market", MARKET, "--out", out);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(readFileSync(out, "utf8"));
    expect(p.calibration).toMatchObject({ asOf: "2024-11-20", apc: "stress", confidence: 0.99 });
    expect(p.portfolio.underlyings.BTC.priceRange).toBeGreaterThan(0.05);
    expect(p.portfolio.crossAsset.mode).toBe("correlation");
    const m = await dpm("margin", BOOK, "--market", MARKET, "--params", out, "--json");
    expect(m.code, m.stderr).toBe(0);
  });
});
