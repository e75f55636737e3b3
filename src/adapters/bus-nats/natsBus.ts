/**
 * Market bus on NATS JetStream (nats.js 2): the market stream is a JetStream stream (default `DPM_MARKET`,
 * file storage, subjects `<prefix>.market.>`, default prefix `dpm`); each worker reads it through a durable
 * pull consumer with explicit acks and `max_ack_pending = 1` (strict stream order, including redeliveries);
 * fleet summaries go over core NATS on `<prefix>.fleet.<index>` (not stored). Publishes carry a `Nats-Msg-Id`
 * so a retried publish within the stream's duplicate window (2 min by default) is stored once.
 */
import { AckPolicy, connect, DeliverPolicy, StorageType, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from "nats";
import type { BusConsumer, MarketBus, MarketMessage, PublishAck } from "../../engine/marketBus.js";

export interface NatsBusOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string;
  /** JetStream stream name (default `DPM_MARKET`). */
  readonly stream?: string;
  /** Subject prefix (default `dpm`): market `<prefix>.market.>`, fleet `<prefix>.fleet.<index>`. */
  readonly prefix?: string;
  /** Connection name shown by the server (monitoring). */
  readonly name?: string;
}

/** A consumer's unacknowledged message is redelivered after this long (ms); longer than any tick's apply. */
const ACK_WAIT_MS = 10_000;
/** A pull waits this long for a message before asking again (ms); also bounds `stop()`. */
const PULL_EXPIRES_MS = 1_000;
/** A message whose handler threw is redelivered after this long (ms). */
const REDELIVER_MS = 50;

const text = new TextEncoder();
const untext = new TextDecoder();

export class NatsBus implements MarketBus {
  readonly stream: string;
  readonly prefix: string;

  private constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, private readonly js: JetStreamClient, stream: string, prefix: string) {
    this.stream = stream;
    this.prefix = prefix;
  }

  /** Connect and create the stream when it does not exist. */
  static async open(o: NatsBusOptions): Promise<NatsBus> {
    const stream = o.stream ?? "DPM_MARKET", prefix = o.prefix ?? "dpm";
    const nc = await connect({ servers: o.servers, name: o.name ?? "dpm", maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      const exists = await jsm.streams.info(stream).then(() => true, () => false);
      if (!exists) await jsm.streams.add({ name: stream, subjects: [`${prefix}.market.>`], storage: StorageType.File });
      return new NatsBus(nc, jsm, nc.jetstream(), stream, prefix);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  async publish(subject: string, body: unknown, msgId: string): Promise<PublishAck> {
    const ack = await this.js.publish(`${this.prefix}.market.${subject}`, text.encode(JSON.stringify(body)), { msgID: msgId });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Create (or reuse, or reset when ahead of `startAfter`) the durable consumer `name`. */
  private async ensureConsumer(name: string, startAfter: number): Promise<void> {
    const st = (await this.jsm.streams.info(this.stream)).state;
    if (st.last_seq > startAfter && st.first_seq > startAfter + 1) {
      throw new Error(`market stream ${this.stream} starts at seq ${st.first_seq}: messages ${startAfter + 1}..${st.first_seq - 1} this worker has not applied are gone (retention); restore the worker from a newer snapshot or replay`);
    }
    const info = await this.jsm.consumers.info(this.stream, name).catch(() => undefined);
    if (info && info.ack_floor.stream_seq <= startAfter) return;
    if (info) await this.jsm.consumers.delete(this.stream, name);
    await this.jsm.consumers.add(this.stream, {
      durable_name: name, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startAfter + 1,
      max_ack_pending: 1, ack_wait: ACK_WAIT_MS * 1e6, filter_subject: `${this.prefix}.market.>`,
    });
  }

  async consume(name: string, startAfter: number, handle: (m: MarketMessage) => Promise<void>): Promise<BusConsumer> {
    await this.ensureConsumer(name, startAfter);
    const consumer = await this.js.consumers.get(this.stream, name);
    const cut = `${this.prefix}.market.`.length;
    let stopped = false;
    const deliver = async (m: JsMsg): Promise<void> => {
      if (stopped) { m.nak(); return; }
      let body: unknown;
      try { body = JSON.parse(untext.decode(m.data)); } catch { m.term(); return; }
      try {
        await handle({ seq: m.seq, subject: m.subject.slice(cut), body });
        m.ack();
      } catch {
        m.nak(REDELIVER_MS);
      }
    };
    const loop = (async () => {
      while (!stopped && !this.nc.isClosed()) {
        const m = await consumer.next({ expires: PULL_EXPIRES_MS }).catch(async () => { await new Promise((r) => setTimeout(r, 200)); return null; });
        if (m) await deliver(m);
      }
    })();
    return { stop: async () => { stopped = true; await loop; } };
  }

  announce(index: number, summary: unknown): void {
    if (!this.nc.isClosed()) this.nc.publish(`${this.prefix}.fleet.${index}`, text.encode(JSON.stringify(summary)));
  }

  onAnnounce(listen: (index: number, summary: unknown) => void): () => void {
    const sub = this.nc.subscribe(`${this.prefix}.fleet.*`, {
      callback: (err, msg) => {
        if (err) return;
        const index = Number(msg.subject.slice(msg.subject.lastIndexOf(".") + 1));
        try { if (Number.isInteger(index)) listen(index, JSON.parse(untext.decode(msg.data))); } catch { /* a malformed summary is dropped */ }
      },
    });
    return () => sub.unsubscribe();
  }

  /** Delete the stream with its messages and consumers (tests, decommissioning). */
  async deleteStream(): Promise<void> {
    await this.jsm.streams.delete(this.stream);
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}
