/**
 * The insight pump is background work: between its slices it waits while the engine has events to process, so a
 * tick is never stretched by a pass (issue 10: the service's tick tail). A fake engine stands in for the queue.
 */
import { describe, expect, it } from "vitest";
import { InsightPump } from "../../src/adapters/http/insights.js";
import type { Engine } from "../../src/engine/engine.js";

/** An engine whose queue is busy until `release()`; `idle()` resolves then, as the real queue's no-op would. */
function fakeEngine() {
  let busy = false;
  const waiting: (() => void)[] = [];
  const engine = {
    get busy() { return busy; },
    idle: () => new Promise<void>((r) => { if (!busy) r(); else waiting.push(r); }),
    bus: { on: () => undefined, off: () => undefined },
  };
  return {
    engine: engine as unknown as Engine,
    occupy: () => { busy = true; },
    release: () => { busy = false; for (const r of waiting.splice(0)) r(); },
  };
}

describe("insight pump", () => {
  it("a pass's slices wait while the engine processes events, and go on once it is idle", async () => {
    const f = fakeEngine();
    const pump = new InsightPump(f.engine, () => 0, { budgetMs: 25, sliceMs: 0.5 });
    const seen: boolean[] = [];
    // A pass of three slices; each turn it is given must come back only when the engine is idle.
    pump.cache.refreshSliced = async (_now, _budget, _slice, turn) => {
      for (let k = 0; k < 3; k++) {
        if (k === 1) f.occupy(); // a tick arrives during the pass
        await turn();
        seen.push(f.engine.busy);
      }
      return ["a"];
    };
    const pass = pump.pass();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([false]); // the second slice waits behind the tick
    f.release();
    expect(await pass).toEqual(["a"]);
    expect(seen).toEqual([false, false, false]);
  });
});
