/**
 * The market bus (scale-out, docs/scale-out.md): one ordered, durable stream of market events (ticks,
 * funding, params) that every worker applies to its own engine, plus a fire-and-forget channel for the
 * workers' fleet summaries. Implementations: NATS JetStream (src/adapters/bus-nats/natsBus.ts) and an
 * in-process one (src/adapters/bus-inproc/inprocBus.ts); both pass test/scaleout/bus.conformance.ts.
 */

/** A message of the market stream: `seq` is the stream's sequence number (1, 2, ... in publish order). */
export interface MarketMessage {
  readonly seq: number;
  readonly subject: string;
  readonly body: unknown;
}

/** A running consumer. */
export interface BusConsumer {
  /** Stop delivering; resolves once the message being handled (if any) is finished. */
  stop(): Promise<void>;
}

/** Outcome of a publish: the stream sequence, and whether the stream already held this message id. */
export interface PublishAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface MarketBus {
  /**
   * Append `body` (JSON) to the market stream under `subject` (a suffix: `tick.BTC` → `<prefix>.market.tick.BTC`).
   * `msgId` deduplicates a retried publish (the stream keeps the first; the ack says `duplicate`).
   * Resolves once the stream has stored it.
   */
  publish(subject: string, body: unknown, msgId: string): Promise<PublishAck>;
  /**
   * Durable consumer `name`: delivers the stream's messages in sequence order, one at a time, each until
   * `handle` resolves (then acknowledged); when `handle` throws, the same message is delivered again
   * (at-least-once). A consumer that exists resumes after its last acknowledged message; a new one (or one
   * that is ahead of `startAfter`, i.e. ahead of the worker's own state) starts after `startAfter`.
   */
  consume(name: string, startAfter: number, handle: (m: MarketMessage) => Promise<void>): Promise<BusConsumer>;
  /** Broadcast a fleet summary of partition `index` (not stored; late listeners miss it). */
  announce(index: number, summary: unknown): void;
  /** Listen to every partition's announcements; returns the function that stops listening. */
  onAnnounce(listen: (index: number, summary: unknown) => void): () => void;
  close(): Promise<void>;
}
