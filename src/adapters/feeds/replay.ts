/**
 * Replay of recorded ticks: a JSON-lines file, one FeedEvent per line (blank lines ignored), validated in full
 * before anything is emitted. `speed` replays the recorded gaps divided by the factor (1 = real time);
 * `"max"` emits as fast as possible, yielding to the event loop every `batch` events.
 */
import { readFile } from "node:fs/promises";
import type { FeedEvent, MarketFeed } from "../../market/oracle/types.js";
import { DpmInputError, type InputIssue } from "../../input/issues.js";
import { parseFeedEvent } from "./schema.js";

/** Parse JSON-lines text into feed events; throws DpmInputError with `line N...` paths listing every problem. */
export function parseFeedLines(text: string, what = "feed recording"): FeedEvent[] {
  const events: FeedEvent[] = [];
  const issues: InputIssue[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      issues.push({ path: where, message: `not JSON: ${err instanceof Error ? err.message : String(err)}`, value: line });
      return;
    }
    const r = parseFeedEvent(json, where);
    if (r.ok) events.push(r.value);
    else issues.push(...r.issues);
  });
  if (issues.length > 0) throw new DpmInputError(`invalid ${what}`, issues);
  return events;
}

/** Options of the replay feed. */
export interface ReplayOptions {
  /** Path of the JSON-lines recording. */
  readonly file: string;
  /** Time factor (> 0; 1 = recorded pace, 10 = ten times faster) or `"max"` (default). */
  readonly speed?: number | "max";
  /** Shift timestamps so the first event is stamped with the clock at start (keeps live staleness checks happy). */
  readonly rebase?: boolean;
  /** Clock for `rebase` (epoch ms); default `Date.now`. */
  readonly clock?: () => number;
  /** Events emitted per macrotask at `"max"` speed (default 1000). */
  readonly batch?: number;
}

function shifted(e: FeedEvent, by: number): FeedEvent {
  if (by === 0) return e;
  switch (e.kind) {
    case "price": return { kind: "price", tick: { ...e.tick, ts: e.tick.ts + by } };
    case "instrument": return { kind: "instrument", tick: { ...e.tick, ts: e.tick.ts + by } };
    case "asset": return { kind: "asset", tick: { ...e.tick, ts: e.tick.ts + by } };
    case "book": return { kind: "book", tick: { ...e.tick, ts: e.tick.ts + by } };
    case "trade": return { kind: "trade", tick: { ...e.tick, ts: e.tick.ts + by } };
  }
}

/** Replays a recording as a MarketFeed; `done` resolves with the number of events emitted (at the end or on stop). */
export class ReplayFeed implements MarketFeed {
  readonly name = "replay";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private emitted = 0;
  private finish: (n: number) => void = () => undefined;
  /** Resolves when the replay has emitted everything or was stopped. */
  readonly done: Promise<number>;

  constructor(private readonly options: ReplayOptions) {
    const speed = options.speed ?? "max";
    if (speed !== "max" && !(typeof speed === "number" && Number.isFinite(speed) && speed > 0)) {
      throw new DpmInputError("invalid replay options", [{ path: "speed", message: 'must be a number > 0 or "max"', value: speed }]);
    }
    this.done = new Promise((resolve) => { this.finish = resolve; });
  }

  /** Validates the whole file (rejects with DpmInputError), then starts emitting. */
  async start(emit: (e: FeedEvent) => void): Promise<void> {
    const text = await readFile(this.options.file, "utf8");
    const recorded = parseFeedLines(text, `recording ${this.options.file}`);
    const first = recorded[0];
    const by = this.options.rebase && first ? (this.options.clock ?? Date.now)() - first.tick.ts : 0;
    const events = recorded.map((e) => shifted(e, by));
    const speed = this.options.speed ?? "max";
    if (speed === "max") this.runFast(events, emit, this.options.batch ?? 1_000, 0);
    else this.runTimed(events, emit, speed, 0);
  }

  private runFast(events: readonly FeedEvent[], emit: (e: FeedEvent) => void, batch: number, from: number): void {
    const end = Math.min(events.length, from + batch);
    for (let i = from; i < end && !this.stopped; i++) { emit(events[i]); this.emitted++; }
    if (this.stopped || end >= events.length) return this.finish(this.emitted);
    this.timer = setTimeout(() => this.runFast(events, emit, batch, end), 0);
  }

  private runTimed(events: readonly FeedEvent[], emit: (e: FeedEvent) => void, speed: number, from: number): void {
    let i = from;
    const due = events[from]?.tick.ts;
    while (i < events.length && !this.stopped && events[i].tick.ts <= (due ?? 0)) { emit(events[i]); this.emitted++; i++; }
    if (this.stopped || i >= events.length) return this.finish(this.emitted);
    const wait = Math.max(0, (events[i].tick.ts - (due ?? 0)) / speed);
    this.timer = setTimeout(() => this.runTimed(events, emit, speed, i), wait);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.finish(this.emitted);
  }
}
