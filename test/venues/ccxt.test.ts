import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { importCcxt, mapSymbol } from "../../src/adapters/import/ccxt.js";
import { runCli } from "../helpers/cli.js";

const fx = (v: string): unknown => JSON.parse(readFileSync(`test/venues/fixtures/ccxt/${v}.json`, "utf8"));
const F = "test/venues/fixtures/ccxt";

describe("ccxt symbols → dpm instruments", () => {
  it.each([
    ["BTC/USD:BTC", "BTC-PERPETUAL", true],
    ["BTC/USD:BTC-241227", "BTC-27DEC24", true],
    ["BTC/USD:BTC-241227-100000-C", "BTC-27DEC24-100000-C", true],
    ["ETH/USD:ETH-250307-2500-P", "ETH-7MAR25-2500-P", true],
    ["BTC/USDT:USDT", "BTC_USDT-PERPETUAL", false],
    ["ETH/USDC:USDC", "ETH_USDC-PERPETUAL", false],
    ["SOL/USDC:USDC-241227-240-P", "SOL_USDC-27DEC24-240-P", false],
    ["XRP/USDC:USDC-241227-0.625-C", "XRP_USDC-27DEC24-0d625-C", false],
  ])("%s → %s", (sym, name, inverse) => {
    const m = mapSymbol(sym);
    expect(m).toMatchObject({ ok: true, name, inverse });
  });
  it.each(["BTC/USDT", "BTC/EUR:EUR", "BTC/USDT:BTC", "BTC/USD:BTC-241232", "BTC/USD:BTC-241227-100000-X", "1000PEPE/USDT:USDT"])("%s is not mapped", (sym) => {
    expect(mapSymbol(sym).ok).toBe(false);
  });
});

describe("ccxt Position and Balance structures → sizes in dpm units", () => {
  it("Deribit: ccxt leaves contracts empty, so Deribit's own info.size (USD for the inverse perpetual, coins for options and linear) is used", () => {
    const r = importCcxt([{ venue: "deribit", doc: fx("deribit") }], "d");
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.positions).toEqual([
      { venue: "deribit", instrument: "BTC-PERPETUAL", size: 50, entryPrice: 7440.18 },
      { venue: "deribit", instrument: "BTC-27DEC24-100000-C", size: -5 },
      { venue: "deribit", instrument: "ETH_USDC-PERPETUAL", size: 12.5, entryPrice: 3050 },
    ]);
    expect(r.value.venues.deribit.collateral).toEqual({ BTC: 1.5, USDC: 25000 });
    expect(r.notes.filter((n) => n.includes("info.size"))).toHaveLength(3);
  });

  it("OKX: contracts × contractSize (0.01 BTC linear, 10 USD inverse ETH, 100 USD inverse BTC from info.pos); an unknown symbol is an error with its path", () => {
    const doc = fx("okx") as { positions: unknown[] };
    const r = importCcxt([{ venue: "okx", doc: { ...doc, positions: doc.positions.slice(0, 3) } }], "o");
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.positions).toEqual([
      { venue: "okx", instrument: "BTC_USDT-PERPETUAL", size: 0.01, entryPrice: 34131.1 },
      { venue: "okx", instrument: "ETH-30APR21", size: 10, entryPrice: 2566.31 },
      { venue: "okx", instrument: "BTC-PERPETUAL", size: -2500, entryPrice: 92100 },
    ]);
    expect(r.value.venues.okx.collateral).toEqual({ TUSD: 3000, BTC: 1.06126645222, ETH: 5 });
    const bad = importCcxt([{ venue: "okx", doc }], "o");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues).toEqual([expect.objectContaining({ path: "okx.positions[3].symbol", value: "BTC/EUR:EUR" })]);
  });

  it("Binance COIN-M: 1 contract of BTCUSD_201225 is 100 USD; ETHUSD_PERP -30 from info.positionAmt is -300 USD", () => {
    const r = importCcxt([{ venue: "binancecoinm", doc: fx("binancecoinm") }], "b", { binancecoinm: "deribit" });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.positions).toEqual([
      { venue: "binancecoinm", instrument: "BTC-25DEC20", size: 100, entryPrice: 11707.70000003 },
      { venue: "binancecoinm", instrument: "ETH-PERPETUAL", size: -300, entryPrice: 3050 },
    ]);
    expect(r.value.venues.binancecoinm).toEqual({ preset: "deribit", collateral: { BTC: 0.5, ETH: 2 } });
  });

  it("Binance USD-M: the documented zero position is skipped with a note, a short 0.01 BTC is -0.01", () => {
    const r = importCcxt([{ venue: "binanceusdm", doc: fx("binanceusdm") }], "b");
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.value.positions).toEqual([{ venue: "binanceusdm", instrument: "BTC_USDT-PERPETUAL", size: -0.01, entryPrice: 92000 }]);
    expect(r.notes).toEqual(["binanceusdm.positions[0]: BTC/USDT:USDT has size 0, skipped"]);
    expect(r.value.venues.binanceusdm.collateral).toEqual({ USDT: 5000 });
  });

  it("contracts without contractSize on a linear contract, or no raw fallback, are errors with their paths", () => {
    const r = importCcxt([{ venue: "bybit", doc: { positions: [{ symbol: "BTC/USDT:USDT", contracts: 2, side: "long" }, { symbol: "BTC/USDT:USDT", contracts: null, contractSize: 0.001, side: "long" }] } }], "x");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(["bybit.positions[0].contractSize", "bybit.positions[1].contracts"]);
  });
});

describe("dpm import ccxt", () => {
  it("prints a valid multi-venue book that dpm venues reads", async () => {
    const r = await runCli("import", "ccxt", `deribit=${F}/deribit.json`, `binanceusdm=${F}/binanceusdm.json`, "--preset", "binanceusdm=okx", "--account", "d1");
    expect(r.code).toBe(0);
    const book = JSON.parse(r.stdout);
    expect(book.account).toBe("d1");
    expect(Object.keys(book.venues)).toEqual(["deribit", "binanceusdm"]);
    expect(book.venues.binanceusdm.preset).toBe("okx");
    expect(book.positions).toHaveLength(4);
  });
  it("exits 2 naming the path of an unknown symbol, and of a venue without a preset", async () => {
    const a = await runCli("import", "ccxt", `okx=${F}/okx.json`);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("okx.positions[3].symbol: unknown symbol");
    const b = await runCli("import", "ccxt", `binanceusdm=${F}/binanceusdm.json`);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("venues.binanceusdm.preset: required");
  });
});
