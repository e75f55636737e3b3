import { describe, it, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFeedLines, ReplayFeed } from "../../src/adapters/feeds/replay.js";
import { feedEventLine } from "../../src/adapters/feeds/schema.js";
import { simulatedPath } from "../../src/adapters/feeds/simulated.js";
import { DpmInputError } from "../../src/input/issues.js";
import type { FeedEvent } from "../../src/market/oracle/types.js";

const dir = mkdtempSync(join(tmpdir(), "dpm-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(name: string, events: readonly FeedEvent[]): string {
  const file = join(dir, name);
  writeFileSync(file, events.map(feedEventLine).join("\n") + "\n");
  return file;
}

const tick = (price: number, ts: number): FeedEvent => ({ kind: "price", tick: { source: "a", asset: "BTC", price, ts } });

describe("ReplayFeed", () => {
  it("replays a recording exactly, as fast as possible, in small batches", async () => {
    const events = simulatedPath(4, 20, { instruments: ["BTC-PERPETUAL"] }).flatMap((s) => s.events);
    const feed = new ReplayFeed({ file: record("sim.jsonl", events), batch: 7 });
    const got: FeedEvent[] = [];
    await feed.start((e) => got.push(e));
    expect(await feed.done).toBe(events.length);
    expect(got).toEqual(events);
  });

  it("honours the speed factor: recorded gaps of 100 ms at 10× take 10 ms each", async () => {
    const feed = new ReplayFeed({ file: record("timed.jsonl", [tick(1, 1_000), tick(2, 1_100), tick(3, 1_100), tick(4, 1_300)]), speed: 10 });
    const at: number[] = [];
    const t0 = performance.now();
    await feed.start(() => at.push(performance.now() - t0));
    expect(await feed.done).toBe(4);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(9);
    expect(at[2] - at[1]).toBeLessThan(5); // same timestamp: same batch
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(19);
  });

  it("rebases timestamps onto the clock at start, keeping the gaps", async () => {
    const feed = new ReplayFeed({ file: record("rebase.jsonl", [tick(1, 1_000), tick(2, 1_250)]), rebase: true, clock: () => 5_000_000 });
    const got: FeedEvent[] = [];
    await feed.start((e) => got.push(e));
    await feed.done;
    expect(got.map((e) => e.tick.ts)).toEqual([5_000_000, 5_000_250]);
  });

  it("stop() ends a slow replay early", async () => {
    const feed = new ReplayFeed({ file: record("slow.jsonl", [tick(1, 0), tick(2, 60_000)]), speed: 1 });
    const got: FeedEvent[] = [];
    await feed.start((e) => got.push(e));
    await feed.stop();
    expect(await feed.done).toBe(1);
    expect(got).toHaveLength(1);
  });

  it("validates every line before emitting, listing each problem with its line and path", async () => {
    const text = [
      feedEventLine(tick(1, 1)),
      "{not json",
      JSON.stringify({ kind: "price", tick: { source: "a", asset: "BTC", price: "92000", ts: 1 } }),
      "",
      JSON.stringify({ kind: "instrument", tick: { source: "a", instrument: "BTC-PERPETUAL", mark: 1, ts: 1.5, extra: true } }),
      JSON.stringify({ kind: "trade" }),
    ].join("\n");
    let err: unknown;
    try { parseFeedLines(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DpmInputError);
    const issues = (err as DpmInputError).issues.map((i) => [i.path, i.value]);
    expect(issues).toEqual(expect.arrayContaining([
      ["line 2", "{not json"],
      ["line 3.tick.price", "92000"],
      ["line 5.tick.ts", 1.5],
      ["line 5.tick.extra", true],
    ]));
    expect(issues.some(([p]) => String(p).startsWith("line 6"))).toBe(true);
    const feed = new ReplayFeed({ file: record("bad.jsonl", [tick(1, 1)]).replace("bad.jsonl", "missing.jsonl") });
    await expect(feed.start(() => undefined)).rejects.toThrow(/ENOENT/);
    const bad = join(dir, "bad2.jsonl");
    writeFileSync(bad, text);
    const emitted: FeedEvent[] = [];
    await expect(new ReplayFeed({ file: bad }).start((e) => emitted.push(e))).rejects.toThrow(DpmInputError);
    expect(emitted).toHaveLength(0);
    expect(() => new ReplayFeed({ file: bad, speed: 0 })).toThrow(/speed/);
  });
});
