/**
 * Books and trades (issue 13 item 1): Deribit's `book.{instrument}.none.10.100ms` and `trades.{instrument}.100ms`
 * notifications (shapes from Deribit's API documentation) become `book` and `trade` feed events; a DeribitFeed
 * subscribes to them; the ingest turns a book into the next tick's `depthUsd` and `spread`; the simulated market's
 * books are seeded, leave the price path unchanged, and widen and thin with the simulated vol.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { DeribitFeed } from "../../src/adapters/feeds/deribit.js";
import { amountUnit, dpmName, mapNotification } from "../../src/adapters/feeds/deribitMessages.js";
import { parseFeedEvent } from "../../src/adapters/feeds/schema.js";
import { simulatedPath, SimulatedMarket } from "../../src/adapters/feeds/simulated.js";
import { SimulatedMicrostructure } from "../../src/adapters/feeds/simulatedBook.js";
import { simulatedConfigFrom } from "../../src/adapters/feeds/simulatedConfig.js";
import { bookMetrics } from "../../src/analytics/adaptive/microstructure.js";
import { Engine } from "../../src/engine/engine.js";
import { MarketIngest } from "../../src/engine/ingest.js";
import type { FeedEvent } from "../../src/market/oracle/types.js";

const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));

/** Deribit's documented grouped-book notification (book.{instrument_name}.{group}.{depth}.{interval}). */
const BOOK = { timestamp: 1732089600500, instrument_name: "BTC-PERPETUAL", change_id: 109615, bids: [[92040, 250000], [92000, 1_200_000], [91500, 3_000_000]], asks: [[92060, 400000], [92500, 900000], [93500, 5_000_000]] };
/** Deribit's documented public trades notification (trades.{instrument_name}.{interval}). */
const TRADES = [
  { trade_seq: 30289432, trade_id: "48079254", timestamp: 1732089600400, tick_direction: 0, price: 92060, mark_price: 92052.86, instrument_name: "BTC-PERPETUAL", index_price: 92001.73, direction: "buy", amount: 20000 },
  { trade_seq: 30289433, trade_id: "48079255", timestamp: 1732089600400, tick_direction: 1, price: 92040, mark_price: 92052.86, instrument_name: "BTC-PERPETUAL", index_price: 92001.73, direction: "sell", amount: 5000 },
];

describe("Deribit book and trades messages", () => {
  it("map to book and trade events in the venue's units, and validate as recorded feed events", () => {
    const book = mapNotification("book.BTC-PERPETUAL.none.10.100ms", BOOK, "deribit") as FeedEvent[];
    expect(book).toEqual([{ kind: "book", tick: { source: "deribit", instrument: "BTC-PERPETUAL", bids: BOOK.bids, asks: BOOK.asks, unit: "usd", ts: BOOK.timestamp } }]);
    const trades = mapNotification("trades.BTC-PERPETUAL.100ms", TRADES, "deribit") as FeedEvent[];
    expect(trades.map((t) => (t.kind === "trade" ? [t.tick.side, t.tick.amount, t.tick.unit] : null))).toEqual([["buy", 20000, "usd"], ["sell", 5000, "usd"]]);
    for (const e of [...book, ...trades]) expect(parseFeedEvent(JSON.parse(JSON.stringify(e))).ok).toBe(true);
    const spot = mapNotification("book.BTC_USDC.none.10.100ms", { ...BOOK, instrument_name: "BTC_USDC", bids: [[92000, 3.5]], asks: [[92010, 2]] }, "deribit") as FeedEvent[];
    expect(spot[0]).toMatchObject({ kind: "book", tick: { instrument: "BTC", unit: "coin" } });
    expect([amountUnit("SOL_USDC-PERPETUAL"), amountUnit("BTC-27DEC24"), amountUnit("BTC-27DEC24-90000-C"), dpmName("ETH_USDT")]).toEqual(["coin", "usd", "coin", "ETH"]);
    const tick = mapNotification("ticker.BTC-PERPETUAL.100ms", { instrument_name: "BTC-PERPETUAL", mark_price: 92050, current_funding: 0.00012, timestamp: 1 }, "deribit") as FeedEvent[];
    expect(tick[0]).toMatchObject({ kind: "instrument", tick: { mark: 92050, funding: 0.00012 } });
  });

  it("report malformed data with the path", () => {
    expect(mapNotification("book.BTC-PERPETUAL.none.10.100ms", { ...BOOK, bids: [[92040]] }, "deribit")).toMatch(/^book\.BTC-PERPETUAL\.none\.10\.100ms: bids\.0/);
    expect(mapNotification("trades.BTC-PERPETUAL.100ms", [{ ...TRADES[0], direction: "up" }], "deribit")).toMatch(/0\.direction/);
  });

  it("a DeribitFeed subscribes to books and trades and emits them", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    let asked: string[] = [];
    wss.on("connection", (ws) => ws.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as { id: number; method: string; params: { channels?: string[] } };
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: m.method === "public/subscribe" ? m.params.channels : "ok" }));
      if (m.method !== "public/subscribe") return;
      asked = m.params.channels ?? [];
      ws.send(JSON.stringify({ jsonrpc: "2.0", method: "subscription", params: { channel: "book.BTC-PERPETUAL.none.10.100ms", data: BOOK } }));
      ws.send(JSON.stringify({ jsonrpc: "2.0", method: "subscription", params: { channel: "trades.BTC-PERPETUAL.100ms", data: TRADES } }));
    }));
    const events: FeedEvent[] = [];
    const feed = new DeribitFeed({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, indices: ["btc_usd"], books: ["BTC-PERPETUAL", "BTC_USDC"], trades: ["BTC-PERPETUAL"] });
    try {
      await feed.start((e) => events.push(e));
      for (let i = 0; i < 200 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
      expect(asked).toEqual(["deribit_price_index.btc_usd", "book.BTC-PERPETUAL.none.10.100ms", "book.BTC_USDC.none.10.100ms", "trades.BTC-PERPETUAL.100ms"]);
      expect(events.map((e) => e.kind)).toEqual(["book", "trade", "trade"]);
    } finally {
      await feed.stop();
      await new Promise((r) => wss.close(r));
    }
  });
});

describe("the ingest", () => {
  it("turns a book into the next tick's depthUsd (thinner side within ±1 %) and spread, logged and applied", async () => {
    const e = await Engine.open(openSqliteStore(":memory:", { sync: "normal" }));
    expect((await e.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
    const ingest = new MarketIngest(e);
    const seen: string[] = [];
    ingest.observers.add((x) => seen.push(x.kind));
    ingest.onFeed({ kind: "book", tick: { source: "deribit", instrument: "BTC-PERPETUAL", bids: BOOK.bids as [number, number][], asks: BOOK.asks as [number, number][], unit: "usd", ts: Date.parse("2024-11-20T08:00:01Z") } });
    ingest.onFeed({ kind: "trade", tick: { source: "deribit", instrument: "BTC-PERPETUAL", price: 92060, amount: 100, unit: "usd", side: "buy", ts: Date.parse("2024-11-20T08:00:01Z") } });
    const [r] = await ingest.flush();
    expect(r.ok).toBe(true);
    // mid 92,050; within 1 %: bids ≥ 91,129.5 → 250,000 + 1,200,000 + 3,000,000; asks ≤ 92,970.5 → 400,000 + 900,000
    expect(e.state.market!.liquidity["BTC-PERPETUAL"]).toEqual({ depthUsd: 1_300_000, spread: 20 / 92050 });
    expect(seen).toEqual(["book", "trade"]);
    ingest.onFeed({ kind: "book", tick: { source: "x", instrument: "BTC-PERPETUAL", bids: [[92100, 1]], asks: [[92000, 1]], unit: "usd", ts: Date.parse("2024-11-20T08:00:02Z") } });
    expect(ingest.counters.rejected).toBe(1);
  });
});

describe("the simulated books", () => {
  const cfg = simulatedConfigFrom({ seed: 5, instruments: ["BTC-PERPETUAL", "SOL_USDC-PERPETUAL", "BTC-27DEC24-90000-C"], startTs: Date.UTC(2024, 10, 20, 8) });

  it("are seeded, cover the perpetuals and the moving assets' spot, and do not change the price path", () => {
    const run = () => { const m = new SimulatedMarket(cfg), micro = new SimulatedMicrostructure(cfg); return Array.from({ length: 20 }, (_, i) => { const s = m.step(cfg.startTs + i * 1000); return { s, extra: micro.events(s) }; }); };
    const a = run(), b = run();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.map((x) => x.s))).toBe(JSON.stringify(simulatedPath(5, 20, { instruments: cfg.instruments })));
    const books = new Set(a[0].extra.filter((e) => e.kind === "book").map((e) => (e.kind === "book" ? `${e.tick.instrument}:${e.tick.unit}` : "")));
    expect([...books].sort()).toEqual(["BTC-PERPETUAL:usd", "BTC:coin", "ETH:coin", "SOL:coin", "SOL_USDC-PERPETUAL:coin"]);
    expect(a.some((x) => x.extra.some((e) => e.kind === "trade"))).toBe(true);
  });

  it("widen and thin as vol rises: spread ∝ σ/σ̄, depth ∝ σ̄/σ (averages over 400 books)", () => {
    const micro = (volMult: number) => {
      const m = new SimulatedMicrostructure(cfg, { levels: 10, baseSpread: 0.0002, levelStep: 0.001, levelUsd: 1e6, tradesPerStep: 0, tradeUsd: 1 });
      let spread = 0, depth = 0;
      for (let i = 0; i < 400; i++) {
        const ev = m.events({ ts: cfg.startTs + i, truth: { BTC: { index: 92000, vol: 0.55 * volMult } }, events: [] });
        const b = ev.find((e) => e.kind === "book" && e.tick.instrument === "BTC");
        if (b?.kind !== "book") throw new Error("no BTC book");
        const x = bookMetrics(b.tick.bids, b.tick.asks, (p, a) => p * a)!;
        spread += x.spread / 400; depth += x.depth[1].minUsd / 400;
      }
      return { spread, depth };
    };
    const calm = micro(1), stressed = micro(3);
    expect(stressed.spread / calm.spread).toBeGreaterThan(2.6);
    expect(stressed.spread / calm.spread).toBeLessThan(3.4);
    expect(calm.depth / stressed.depth).toBeGreaterThan(2.6);
    expect(calm.depth / stressed.depth).toBeLessThan(3.4);
  });
});
