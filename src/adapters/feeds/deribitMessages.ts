/**
 * Deribit public WebSocket JSON-RPC v2 messages (validated with zod) and their mapping to FeedEvents.
 * Notification: `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd",
 * "data":{"index_name":"btc_usd","price":6521.17,"timestamp":1535098298227}}}`; heartbeat request:
 * `{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}`. Ticker `mark_iv` is in percent.
 */
import { z } from "zod";
import { parseInstrument } from "../../domain/instrument.js";
import type { FeedEvent } from "../../market/oracle/types.js";

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
const tickerData = z.object({ instrument_name: z.string().min(1), mark_price: finite.optional(), mark_iv: finite.optional(), timestamp: time });

/** `btc_usd` → `BTC`, `sol_usdc` → `SOL`. */
export function assetOfIndex(indexName: string): string {
  return (indexName.split("_")[0] ?? indexName).toUpperCase();
}

/** Index channel name for an index (`btc_usd` → `deribit_price_index.btc_usd`). */
export const indexChannel = (indexName: string): string => `deribit_price_index.${indexName}`;
/** Ticker channel name (`BTC-PERPETUAL`, `100ms` → `ticker.BTC-PERPETUAL.100ms`). */
export const tickerChannel = (instrument: string, interval: string): string => `ticker.${instrument}.${interval}`;

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
    return [{ kind: "instrument", tick: { source, instrument: d.data.instrument_name, mark: d.data.mark_price, ts: d.data.timestamp } }];
  }
  return [];
}
