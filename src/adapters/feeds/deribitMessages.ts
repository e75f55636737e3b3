/**
 * Deribit public WebSocket JSON-RPC v2 messages (validated with zod) and their mapping to FeedEvents.
 * Notification: `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd",
 * "data":{"index_name":"btc_usd","price":6521.17,"timestamp":1535098298227}}}`; heartbeat request:
 * `{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`. Ticker `mark_iv` is in percent.
 * Books (`book.{instrument}.none.{depth}.{interval}`: `{"timestamp","instrument_name","change_id","bids":[[price,
 * amount]],"asks":[...]}`) and public trades (`trades.{instrument}.{interval}`: a list of `{"trade_seq","trade_id",
 * "timestamp","tick_direction","price","mark_price","instrument_name","index_price","direction","amount"}`) become
 * `book` and `trade` events; amounts are USD for inverse futures and perpetuals, coins otherwise (Deribit API docs).
 */
import { z } from "zod";
import { parseInstrument } from "../../domain/instrument.js";
import type { AmountUnit, FeedEvent } from "../../market/oracle/types.js";

const finite = z.number().refine(Number.isFinite, "must be finite");
const time = z.number().int().min(0);

/** Any incoming message: a response (id + result/error), a notification or a heartbeat. */
export const incomingSchema = z.union([
  z.object({ jsonrpc: z.literal("2.0"), id: z.number(), result: z.unknown().optional(), error: z.object({ code: z.number(), message: z.string() }).optional() }),
  z.object({ jsonrpc: z.literal("2.0"), method: z.literal("subscription"), params: z.object({ channel: z.string(), data: z.unknown() }) }),
  z.object({ jsonrpc: z.literal("2.0"), method: z.literal("heartbeat"), params: z.object({ type: z.enum(["heartbeat", "test_request"]) }) }),
]);
export type Incoming = z.infer<typeof incomingSchema>;

const indexData = z.object({ index_name: z.string().min(1), price: finite, timestamp: time });
const tickerData = z.object({ instrument_name: z.string().min(1), mark_price: finite.optional(), mark_iv: finite.optional(), current_funding: finite.optional(), timestamp: time });
const level = z.tuple([finite, finite]);
/** `book.{instrument}.{group}.{depth}.{interval}`: whole top-of-book snapshots of [price, amount] levels. */
const bookData = z.object({ instrument_name: z.string().min(1), timestamp: time, change_id: z.number().int().optional(), bids: z.array(level), asks: z.array(level) });
/** `trades.{instrument}.{interval}`: a list of trades; `direction` is the taker's side. */
const tradesData = z.array(z.object({
  instrument_name: z.string().min(1), price: finite, amount: finite, direction: z.enum(["buy", "sell"]), timestamp: time,
  trade_seq: z.number().optional(), trade_id: z.string().optional(), tick_direction: z.number().optional(), index_price: finite.optional(), mark_price: finite.optional(),
}));

/** `btc_usd` → `BTC`, `sol_usdc` → `SOL`. */
export function assetOfIndex(indexName: string): string {
  return (indexName.split("_")[0] ?? indexName).toUpperCase();
}

/** Index channel name for an index (`btc_usd` → `deribit_price_index.btc_usd`). */
export const indexChannel = (indexName: string): string => `deribit_price_index.${indexName}`;
/** Ticker channel name (`BTC-PERPETUAL`, `100ms` → `ticker.BTC-PERPETUAL.100ms`). */
export const tickerChannel = (instrument: string, interval: string): string => `ticker.${instrument}.${interval}`;

/** Grouped book channel (`BTC-PERPETUAL`, `none`, 10, `100ms` → `book.BTC-PERPETUAL.none.10.100ms`): whole snapshots, no deltas. */
export const bookChannel = (instrument: string, depth: number, interval: string): string => `book.${instrument}.none.${depth}.${interval}`;
/** Public trades channel (`trades.BTC-PERPETUAL.100ms`). */
export const tradesChannel = (instrument: string, interval: string): string => `trades.${instrument}.${interval}`;

/**
 * Unit of a Deribit amount (book levels, trades): USD for inverse futures and perpetuals (`BTC-PERPETUAL`,
 * `BTC-27DEC24`), the base coin for options, linear contracts (`SOL_USDC-PERPETUAL`) and spot (`BTC_USDC`).
 */
export function amountUnit(instrument: string): AmountUnit {
  const p = parseInstrument(instrument);
  return p.ok && p.value.settlement === "inverse" && (p.value.kind === "future" || p.value.kind === "perpetual") ? "usd" : "coin";
}

/** Deribit's spot pair `BTC_USDC` is dpm's spot instrument `BTC` (books and trades of spot are collateral liquidity). */
export function dpmName(instrument: string): string {
  const m = /^([A-Z0-9]+)_(USDC|USDT|USD)$/.exec(instrument);
  return m ? m[1] : instrument;
}

const issues = (channel: string, e: z.ZodError): string => `${channel}: ${e.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`;

function mapBook(channel: string, data: unknown, source: string): FeedEvent[] | string {
  const d = bookData.safeParse(data);
  if (!d.success) return issues(channel, d.error);
  const x = d.data;
  return [{ kind: "book", tick: { source, instrument: dpmName(x.instrument_name), bids: x.bids, asks: x.asks, unit: amountUnit(x.instrument_name), ts: x.timestamp } }];
}

function mapTrades(channel: string, data: unknown, source: string): FeedEvent[] | string {
  const d = tradesData.safeParse(data);
  if (!d.success) return issues(channel, d.error);
  return d.data.map((t): FeedEvent => ({ kind: "trade", tick: { source, instrument: dpmName(t.instrument_name), price: t.price, amount: t.amount, unit: amountUnit(t.instrument_name), side: t.direction, ts: t.timestamp } }));
}

/**
 * Map one subscription notification to feed events stamped with Deribit's `timestamp` and `source`:
 * index → a PriceTick; ticker → an InstrumentTick with `mark` (futures, perpetuals) or `markIv` = mark_iv / 100
 * (options). Returns an error string for data that does not fit the channel, [] for channels it does not map.
 */
export function mapNotification(channel: string, data: unknown, source: string): FeedEvent[] | string {
  if (channel.startsWith("deribit_price_index.")) {
    const d = indexData.safeParse(data);
    if (!d.success) return `${channel}: ${d.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`;
    return [{ kind: "price", tick: { source, asset: assetOfIndex(d.data.index_name), price: d.data.price, ts: d.data.timestamp } }];
  }
  if (channel.startsWith("ticker.")) {
    const d = tickerData.safeParse(data);
    if (!d.success) return `${channel}: ${d.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`;
    const inst = parseInstrument(d.data.instrument_name);
    const option = inst.ok && inst.value.kind === "option";
    if (option) {
      if (d.data.mark_iv === undefined) return [];
      return [{ kind: "instrument", tick: { source, instrument: d.data.instrument_name, markIv: d.data.mark_iv / 100, ts: d.data.timestamp } }];
    }
    if (d.data.mark_price === undefined) return [];
    const funding = d.data.current_funding !== undefined && inst.ok && inst.value.kind === "perpetual" ? { funding: d.data.current_funding } : {};
    return [{ kind: "instrument", tick: { source, instrument: d.data.instrument_name, mark: d.data.mark_price, ...funding, ts: d.data.timestamp } }];
  }
  // Grouped books only (book.{instrument}.{group}.{depth}.{interval}: whole snapshots); the incremental book.{instrument}.{interval} is not mapped.
  if (channel.startsWith("book.") && channel.split(".").length === 5) return mapBook(channel, data, source);
  if (channel.startsWith("trades.")) return mapTrades(channel, data, source);
  return [];
}
