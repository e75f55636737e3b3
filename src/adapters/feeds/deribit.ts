/**
 * Deribit public WebSocket JSON-RPC v2 client as a MarketFeed: subscribes to `deribit_price_index.<index>`,
 * `ticker.<instrument>.<interval>`, `book.<instrument>.none.<depth>.<interval>` and `trades.<instrument>.<interval>` channels, sets a heartbeat and answers each `test_request` with
 * `public/test`, and reconnects with exponential backoff (re-sending set_heartbeat and subscribe) when the
 * connection drops or goes silent. Notifications become FeedEvents (see deribitMessages.ts).
 */
import WebSocket from "ws";
import { z } from "zod";
import type { FeedEvent, MarketFeed } from "../../market/oracle/types.js";
import { DpmInputError } from "../../input/issues.js";
import { fromZod } from "../../input/zodIssues.js";
import { bookChannel, incomingSchema, indexChannel, mapNotification, tickerChannel, tradesChannel, type Incoming } from "./deribitMessages.js";

/** Zod schema of the client's options (all optional). */
export const deribitOptionsSchema = z.strictObject({
  url: z.string().regex(/^wss?:\/\//, "must be a ws:// or wss:// URL").default("wss://www.deribit.com/ws/api/v2"),
  /** Index names, e.g. `btc_usd`. */
  indices: z.array(z.string().regex(/^[a-z0-9]+_[a-z0-9]+$/, "must be an index name such as btc_usd")).default(["btc_usd", "eth_usd"]),
  /** Instruments whose ticker to follow, e.g. `BTC-PERPETUAL`, `BTC-27DEC24-60000-C`. */
  instruments: z.array(z.string().min(1)).default([]),
  interval: z.enum(["100ms", "agg2", "raw"]).default("100ms"),
  /** Instruments whose book to follow (`book.<i>.none.<bookDepth>.<interval>`), e.g. `BTC-PERPETUAL`, `BTC_USDC` (spot). */
  books: z.array(z.string().min(1)).default([]),
  /** Price levels per side of each book (Deribit allows 1, 10, 20). */
  bookDepth: z.union([z.literal(1), z.literal(10), z.literal(20)]).default(10),
  /** Instruments whose public trades to follow (`trades.<i>.<interval>`). */
  trades: z.array(z.string().min(1)).default([]),
  /** Heartbeat interval asked of the server (seconds; Deribit's minimum is 10). */
  heartbeatSeconds: z.number().int().min(10, "must be ≥ 10 (Deribit's minimum)").default(30),
  /** A connection silent this long (ms) is dropped and reopened; default 2.5 heartbeats. */
  silenceMs: z.number().positive().optional(),
  reconnect: z.strictObject({
    initialMs: z.number().positive().default(500),
    maxMs: z.number().positive().default(30_000),
    factor: z.number().min(1).default(2),
  }).default({ initialMs: 500, maxMs: 30_000, factor: 2 }),
  /** Source name on the emitted ticks. */
  source: z.string().min(1).default("deribit"),
});
export type DeribitOptions = z.output<typeof deribitOptionsSchema>;

/** Connection status, for health checks. */
export interface DeribitStatus {
  readonly connected: boolean;
  /** Successful opens so far (1 + reconnections). */
  readonly connections: number;
  /** Consecutive failed attempts since the last successful open. */
  readonly failedAttempts: number;
  readonly subscribed: readonly string[];
  readonly testRequestsAnswered: number;
  /** Messages that did not validate (dropped). */
  readonly invalidMessages: number;
  readonly lastMessageAt?: number;
  readonly lastError?: string;
}

/** Callbacks besides `emit`. */
export interface DeribitHooks {
  readonly onError?: (message: string) => void;
  readonly onStatus?: (s: DeribitStatus) => void;
}

/** Delay before reconnect attempt `attempt` (0-based): initial × factor^attempt, capped at max. */
export function backoffMs(attempt: number, r: DeribitOptions["reconnect"]): number {
  return Math.min(r.maxMs, r.initialMs * Math.pow(r.factor, attempt));
}

export class DeribitFeed implements MarketFeed {
  readonly name = "deribit";
  readonly options: DeribitOptions;
  private ws: WebSocket | undefined;
  private emit: (e: FeedEvent) => void = () => undefined;
  private stopped = true;
  private nextId = 1;
  private readonly pending = new Map<number, string>();
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private onFirst: (() => void) | undefined;
  private st: { -readonly [K in keyof DeribitStatus]: DeribitStatus[K] } = {
    connected: false, connections: 0, failedAttempts: 0, subscribed: [], testRequestsAnswered: 0, invalidMessages: 0,
  };

  /** Options are validated here (DpmInputError listing every problem). */
  constructor(options: z.input<typeof deribitOptionsSchema> = {}, private readonly hooks: DeribitHooks = {}) {
    const r = deribitOptionsSchema.safeParse(options);
    if (!r.success) throw new DpmInputError("invalid Deribit feed options", fromZod(r.error, options));
    this.options = r.data;
  }

  /** Channels subscribed on every (re)connection. */
  channels(): string[] {
    return [
      ...this.options.indices.map(indexChannel),
      ...this.options.instruments.map((i) => tickerChannel(i, this.options.interval)),
      // `raw` books and trades need an authorised connection; public ones are aggregated over 100 ms.
      ...this.options.books.map((i) => bookChannel(i, this.options.bookDepth, this.options.interval === "raw" ? "100ms" : this.options.interval)),
      ...this.options.trades.map((i) => tradesChannel(i, this.options.interval === "raw" ? "100ms" : this.options.interval)),
    ];
  }

  status(): DeribitStatus {
    return { ...this.st, subscribed: [...this.st.subscribed] };
  }

  /** Connects; resolves once the first subscription is acknowledged or the first attempt failed (retries continue). */
  start(emit: (e: FeedEvent) => void): Promise<void> {
    if (!this.stopped) return Promise.resolve();
    this.stopped = false;
    this.emit = emit;
    return new Promise((resolve) => {
      this.onFirst = resolve;
      this.connect();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.release();
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.terminate();
      });
    }
    this.st.connected = false;
  }

  private release(): void {
    clearTimeout(this.silenceTimer);
    const f = this.onFirst;
    this.onFirst = undefined;
    f?.();
  }

  private connect(): void {
    const ws = new WebSocket(this.options.url);
    this.ws = ws;
    ws.on("open", () => {
      this.st.connected = true;
      this.st.connections++;
      this.st.failedAttempts = 0;
      this.st.subscribed = [];
      this.pending.clear();
      this.send("public/set_heartbeat", { interval: this.options.heartbeatSeconds });
      this.send("public/subscribe", { channels: this.channels() });
      this.armSilence();
      this.changed();
    });
    ws.on("message", (raw) => this.onMessage(String(raw)));
    ws.on("error", (err) => this.fail(`websocket: ${err.message}`));
    ws.on("close", () => this.onClose(ws));
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws && this.ws !== undefined) return;
    const wasConnected = this.st.connected;
    this.st.connected = false;
    clearTimeout(this.silenceTimer);
    if (!wasConnected) this.st.failedAttempts++;
    if (this.stopped) return;
    if (!wasConnected) this.release();
    const delay = backoffMs(Math.max(0, this.st.failedAttempts - 1), this.options.reconnect);
    this.reconnectTimer = setTimeout(() => { if (!this.stopped) this.connect(); }, delay);
    this.changed();
  }

  private armSilence(): void {
    clearTimeout(this.silenceTimer);
    const ms = this.options.silenceMs ?? this.options.heartbeatSeconds * 2_500;
    this.silenceTimer = setTimeout(() => {
      this.fail(`no message for ${ms} ms: reconnecting`);
      this.ws?.terminate();
    }, ms);
  }

  private send(method: string, params: Record<string, unknown>): void {
    const id = this.nextId++;
    this.pending.set(id, method);
    this.ws?.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  }

  private onMessage(text: string): void {
    this.st.lastMessageAt = Date.now();
    this.armSilence();
    let msg: Incoming;
    try {
      const r = incomingSchema.safeParse(JSON.parse(text));
      if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join("; "));
      msg = r.data;
    } catch (err) {
      this.st.invalidMessages++;
      return this.fail(`invalid message (${err instanceof Error ? err.message : String(err)}): ${text.slice(0, 200)}`);
    }
    if ("id" in msg) return this.onResponse(msg.id, msg.result, msg.error);
    if (msg.method === "heartbeat") {
      if (msg.params.type === "test_request") {
        this.send("public/test", {});
        this.st.testRequestsAnswered++;
      }
      return;
    }
    const events = mapNotification(msg.params.channel, msg.params.data, this.options.source);
    if (typeof events === "string") {
      this.st.invalidMessages++;
      return this.fail(`invalid notification: ${events}`);
    }
    for (const e of events) this.emit(e);
  }

  private onResponse(id: number, result: unknown, error: { code: number; message: string } | undefined): void {
    const method = this.pending.get(id);
    this.pending.delete(id);
    if (error) return this.fail(`${method ?? `request ${id}`} failed: ${error.code} ${error.message}`);
    if (method === "public/subscribe" && Array.isArray(result)) {
      this.st.subscribed = result.filter((c): c is string => typeof c === "string");
      this.changed();
      const f = this.onFirst;
      this.onFirst = undefined;
      f?.();
    }
  }

  private fail(message: string): void {
    this.st.lastError = message;
    this.hooks.onError?.(message);
  }

  private changed(): void {
    this.hooks.onStatus?.(this.status());
  }
}
