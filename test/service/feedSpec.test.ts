import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedFrom, parseFeedSpec } from "../../src/adapters/cli/feedSpec.js";
import { DpmInputError } from "../../src/input/issues.js";
import { startTestService, type TestService } from "./helpers.js";

describe("--feed specification", () => {
  it.each([
    ["none", { kind: "none" }],
    ["simulated", { kind: "simulated" }],
    ["replay:/tmp/x.jsonl", { kind: "replay", file: "/tmp/x.jsonl", speed: "max" }],
    ["replay:/tmp/x.jsonl@10", { kind: "replay", file: "/tmp/x.jsonl", speed: 10 }],
    ["deribit", { kind: "deribit" }],
    ["deribit:ws://127.0.0.1:9000/ws", { kind: "deribit", url: "ws://127.0.0.1:9000/ws" }],
  ])("%s", (text, want) => expect(parseFeedSpec(text)).toEqual(want));

  it.each(["", "replay:", "replay:/tmp/x@0", "replay:/tmp/x@fast", "deribit:http://x", "kafka"])("rejects %j naming --feed", (text) => {
    expect(() => parseFeedSpec(text)).toThrow(DpmInputError);
    try { parseFeedSpec(text); } catch (e) { expect((e as DpmInputError).issues[0].path).toBe("--feed"); }
  });
});

describe("a service fed from a JSON-lines recording", () => {
  let svc: TestService;
  beforeAll(async () => { svc = await startTestService(); });
  afterAll(async () => { await svc.stop(); });

  it("moves the index to the median of the replayed sources (timestamps rebased to now)", async () => {
    const file = join(svc.dir, "rec.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const [source, price] of [["a", 90000], ["b", 90100], ["c", 90200]] as const) {
        lines.push(JSON.stringify({ kind: "price", tick: { source, asset: "BTC", price: price + 10 * i, ts: 1_700_000_000_000 + 1000 * i } }));
      }
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const feed = feedFrom(parseFeedSpec(`replay:${file}`), svc.engine, 1, 1000);
    expect(feed?.name).toBe("replay");
    if (!feed) return;
    await svc.startFeed(feed);
    let index = 0;
    for (let t = 0; t < 100 && index !== 90120; t++) {
      await new Promise((r) => setTimeout(r, 20));
      index = svc.engine.state.market?.assets["BTC"]?.index ?? 0;
    }
    expect(index).toBe(90120);
  });
});
