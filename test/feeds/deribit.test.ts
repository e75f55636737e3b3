import { describe, it, expect, afterEach } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { backoffMs, DeribitFeed } from "../../src/adapters/feeds/deribit.js";
import { mapNotification } from "../../src/adapters/feeds/deribitMessages.js";
import { DpmInputError } from "../../src/input/issues.js";
import type { FeedEvent } from "../../src/market/oracle/types.js";

interface Rpc { jsonrpc: string; id?: number; method?: string; params?: Record<string, unknown> }

/** A local server speaking Deribit's JSON-RPC v2 subset: set_heartbeat, subscribe, test; pushes notifications. */
class FakeDeribit {
  readonly wss: WebSocketServer;
  readonly received: Rpc[][] = [];
  readonly sockets: WebSocket[] = [];
  price = 92_000;

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    this.wss.on("connection", (ws) => {
      const log: Rpc[] = [];
      this.received.push(log);
      this.sockets.push(ws);
      ws.on("message", (raw) => {
        const m = JSON.parse(String(raw)) as Rpc;
        log.push(m);
        const reply = (result: unknown): void => ws.send(JSON.stringify({ jsonrpc: "2.0", id: m.id, result, usIn: 1, usOut: 2, usDiff: 1, testnet: false }));
        if (m.method === "public/set_heartbeat") {
          reply("ok");
          ws.send(JSON.stringify({ jsonrpc: "2.0", method: "heartbeat", params: { type: "heartbeat" } }));
          ws.send(JSON.stringify({ jsonrpc: "2.0", method: "heartbeat", params: { type: "test_request" } }));
        } else if (m.method === "public/subscribe") {
          const channels = (m.params?.channels ?? []) as string[];
          reply(channels);
          for (const channel of channels) this.notify(ws, channel);
        } else if (m.method === "public/test") {
          reply({ version: "1.2.26" });
        } else {
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found" } }));
        }
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  notify(ws: WebSocket, channel: string): void {
    const ts = 1_732_089_600_000 + this.received.length;
    let data: unknown;
    if (channel.startsWith("deribit_price_index.")) data = { index_name: channel.split(".")[1], price: this.price, timestamp: ts };
    else if (channel.includes("-C.") || channel.includes("-P.")) {
      data = { instrument_name: channel.split(".")[1], mark_price: 0.0377, mark_iv: 62.5, underlying_price: 92_100, timestamp: ts, greeks: { delta: 0.5 } };
    } else data = { instrument_name: channel.split(".")[1], mark_price: 92_150.5, index_price: this.price, timestamp: ts, funding_8h: 0.0001 };
    ws.send(JSON.stringify({ jsonrpc: "2.0", method: "subscription", params: { channel, data } }));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

async function until(cond: () => boolean, what: string, ms = 3_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

async function setup(opts: Record<string, unknown> = {}): Promise<{ server: FakeDeribit; feed: DeribitFeed; events: FeedEvent[]; errors: string[] }> {
  const server = new FakeDeribit();
  await new Promise((r) => server.wss.once("listening", r));
  const errors: string[] = [];
  const feed = new DeribitFeed({
    url: server.url, indices: ["btc_usd", "eth_usd"], instruments: ["BTC-PERPETUAL", "BTC-27DEC24-60000-C"],
    heartbeatSeconds: 10, reconnect: { initialMs: 10, maxMs: 100, factor: 2 }, ...opts,
  }, { onError: (m) => errors.push(m) });
  cleanup.push(() => server.close(), () => feed.stop());
  return { server, feed, events: [], errors };
}

describe("DeribitFeed against a local Deribit-protocol server", () => {
  it("sets the heartbeat, subscribes, maps notifications to events and answers test_request", async () => {
    const { server, feed, events, errors } = await setup();
    await feed.start((e) => events.push(e));
    expect(feed.status()).toMatchObject({ connected: true, connections: 1, subscribed: feed.channels() });
    const sent = server.received[0];
    expect(sent[0]).toMatchObject({ jsonrpc: "2.0", method: "public/set_heartbeat", params: { interval: 10 } });
    expect(sent[1]).toMatchObject({
      jsonrpc: "2.0", method: "public/subscribe",
      params: { channels: ["deribit_price_index.btc_usd", "deribit_price_index.eth_usd", "ticker.BTC-PERPETUAL.100ms", "ticker.BTC-27DEC24-60000-C.100ms"] },
    });
    await until(() => events.length === 4 && sent.some((m) => m.method === "public/test"), "events and public/test");
    expect(events).toEqual([
      { kind: "price", tick: { source: "deribit", asset: "BTC", price: 92_000, ts: 1_732_089_600_001 } },
      { kind: "price", tick: { source: "deribit", asset: "ETH", price: 92_000, ts: 1_732_089_600_001 } },
      { kind: "instrument", tick: { source: "deribit", instrument: "BTC-PERPETUAL", mark: 92_150.5, ts: 1_732_089_600_001 } },
      { kind: "instrument", tick: { source: "deribit", instrument: "BTC-27DEC24-60000-C", markIv: 0.625, ts: 1_732_089_600_001 } },
    ]);
    expect(sent.filter((m) => m.method === "public/test")).toHaveLength(1);
    expect(feed.status().testRequestsAnswered).toBe(1);
    expect(errors).toEqual([]);
  });

  it("reconnects with backoff after a server drop and re-subscribes", async () => {
    const { server, feed, events } = await setup();
    await feed.start((e) => events.push(e));
    await until(() => events.length === 4, "first events");
    server.price = 93_000;
    server.sockets[0].terminate();
    await until(() => server.received.length === 2 && events.length === 8, "reconnection and new events");
    expect(server.received[1].slice(0, 2).map((m) => m.method)).toEqual(["public/set_heartbeat", "public/subscribe"]);
    expect(server.received[1][1].params).toEqual(server.received[0][1].params);
    expect(events[4]).toMatchObject({ kind: "price", tick: { asset: "BTC", price: 93_000 } });
    await until(() => feed.status().subscribed.length === 4, "re-subscribed");
    expect(feed.status()).toMatchObject({ connected: true, connections: 2, failedAttempts: 0 });
  });

  it("keeps retrying while the server is down (backoff grows to the cap), and stop() ends it", async () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, { initialMs: 10, maxMs: 100, factor: 2 }))).toEqual([10, 20, 40, 80, 100]);
    const { server, feed, events } = await setup();
    const url = server.url;
    await server.close();
    const down = new DeribitFeed({ url, reconnect: { initialMs: 5, maxMs: 20, factor: 2 } });
    cleanup.push(() => down.stop());
    await down.start((e) => events.push(e)); // resolves after the first failed attempt
    await until(() => down.status().failedAttempts >= 3, "several failed attempts");
    expect(down.status().connected).toBe(false);
    await down.stop();
    const n = down.status().failedAttempts;
    await new Promise((r) => setTimeout(r, 60));
    expect(down.status().failedAttempts).toBe(n);
    expect(events).toHaveLength(0);
    void feed;
  });

  it("drops a silent connection and reconnects", async () => {
    const { server, feed, events } = await setup({ silenceMs: 80 });
    await feed.start((e) => events.push(e));
    await until(() => server.received.length >= 2, "reconnection after silence");
    expect(feed.status().lastError).toMatch(/no message for 80 ms/);
  });

  it("rejects invalid messages and options without emitting", () => {
    expect(mapNotification("deribit_price_index.btc_usd", { index_name: "btc_usd", price: "x", timestamp: 1 }, "d")).toMatch(/price/);
    expect(mapNotification("ticker.BTC-PERPETUAL.100ms", { instrument_name: "BTC-PERPETUAL", timestamp: 1 }, "d")).toEqual([]);
    expect(mapNotification("book.BTC-PERPETUAL.100ms", {}, "d")).toEqual([]);
    expect(() => new DeribitFeed({ heartbeatSeconds: 5, url: "http://x", indices: ["BTC"] })).toThrow(DpmInputError);
  });
});
