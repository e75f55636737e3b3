/**
 * IncrementalRiskContext: an invalidation drops exactly the vectors that depend on the moved assets, round after
 * round (its dependency sets are kept across invalidations and dropped vectors overwritten in place, so a
 * long-lived context's maps never churn), and every vector equals a fresh context's; `derive` leaves its parent
 * as it was; a retired context lets go of its vectors and recomputes the same ones. The engine retires the contexts
 * a commit replaces, and builds its contexts at start on a copy of the live market, which commits write.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import { parseInstrument, type Instrument } from "../../src/domain/instrument.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import type { MarketState } from "../../src/engine/marketState.js";
import { applyRandomTick, deribit, syntheticState } from "../margin/kernelHelpers.js";

const inst = (name: string): Instrument => {
  const p = parseInstrument(name);
  if (!p.ok) throw new Error(p.reason);
  return p.value;
};
const BTC = ["BTC-PERPETUAL", "BTC-27DEC24-92000-P"].map(inst);
const ETH = ["ETH-PERPETUAL", "ETH-27DEC24-3100-C"].map(inst);

function vectors(ctx: IncrementalRiskContext, xs: readonly Instrument[]): unknown[] {
  return xs.map((x) => ctx.context().risk(x));
}

/** A context with every vector computed (`before`), and its child after a 3 % BTC move. */
function parentAndChild(): { parent: IncrementalRiskContext; before: unknown[]; moved: MarketState; child: IncrementalRiskContext } {
  const market = syntheticState();
  const parent = new IncrementalRiskContext(market, deribit);
  const before = vectors(parent, [...BTC, ...ETH]);
  const moved = structuredClone(market);
  applyRandomTick(moved, { asset: "BTC", move: 0.03, vol: undefined, ivShift: undefined, markShift: undefined });
  return { parent, before, moved, child: parent.derive(["BTC"], moved, deribit) };
}

describe("IncrementalRiskContext", () => {
  it("each BTC invalidation, over 50 rounds, recomputes the BTC vectors only, equal to a fresh context's", () => {
    const market = syntheticState();
    const inc = new IncrementalRiskContext(market, deribit);
    vectors(inc, [...BTC, ...ETH]);
    expect(inc.vectorsComputed).toBe(4);
    const eth = vectors(inc, ETH);
    for (let round = 1; round <= 50; round++) {
      applyRandomTick(market, { asset: "BTC", move: round % 2 === 0 ? 0.01 : -0.01, vol: undefined, ivShift: undefined, markShift: undefined });
      inc.invalidate(["BTC"], market, deribit);
      const got = vectors(inc, [...BTC, ...ETH]);
      expect(inc.vectorsComputed, `round ${round}`).toBe(4 + 2 * round);
      expect(got).toEqual(vectors(new IncrementalRiskContext(market, deribit), [...BTC, ...ETH]));
      const ethNow = vectors(inc, ETH);
      ethNow.forEach((v, i) => expect(v, `ETH vector ${i} kept, round ${round}`).toBe(eth[i]));
    }
  });

  it("derive recomputes the moved asset's vectors in the child and leaves the parent's as they were", () => {
    const { parent, before, moved, child } = parentAndChild();
    const got = vectors(child, [...BTC, ...ETH]);
    expect(child.vectorsComputed - parent.vectorsComputed).toBe(2);
    expect(got).toEqual(vectors(new IncrementalRiskContext(moved, deribit), [...BTC, ...ETH]));
    got.slice(2).forEach((v, i) => expect(v, `ETH vector ${i} shared`).toBe(before[2 + i]));
    vectors(parent, [...BTC, ...ETH]).forEach((v, i) => expect(v, `parent vector ${i}`).toBe(before[i]));
    // The child's own BTC invalidation after that still finds its dependants.
    applyRandomTick(moved, { asset: "BTC", move: -0.02, vol: undefined, ivShift: undefined, markShift: undefined });
    const n = child.vectorsComputed;
    child.invalidate(["BTC"], moved, deribit);
    vectors(child, [...BTC, ...ETH]);
    expect(child.vectorsComputed - n).toBe(2);
  });

  it("retire drops the vectors; the retired context recomputes the same ones from its own market, its child keeps its own", () => {
    const { parent, before, child } = parentAndChild();
    const childBefore = vectors(child, [...BTC, ...ETH]);
    parent.retire();
    const n = parent.vectorsComputed, c = child.vectorsComputed;
    const after = vectors(parent, [...BTC, ...ETH]);
    expect(parent.vectorsComputed - n, "every vector recomputed, none kept").toBe(4);
    expect(after).toEqual(before);
    after.forEach((v, i) => expect(v, `vector ${i} is a new object`).not.toBe(before[i]));
    vectors(child, [...BTC, ...ETH]).forEach((v, i) => expect(v, `child vector ${i}`).toBe(childBefore[i]));
    expect(child.vectorsComputed).toBe(c);
  });
});

describe("the engine's contexts", () => {
  const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));
  const T0 = Date.parse("2024-11-20T08:00:00Z");

  it("a context replaced by a tick is retired and still answers for its own market, also the one built at start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-ctx-"));
    try {
      const path = join(dir, "log.sqlite");
      const first = await Engine.open(openSqliteStore(path, { sync: "normal" }));
      expect((await first.submit({ type: "market", snapshot: MARKET })).ok).toBe(true);
      await first.close();
      await first.store.close();
      // Reopened: the live context is built at start from the replayed state.
      const e = await Engine.open(openSqliteStore(path, { sync: "normal" }));
      const perp = inst("BTC-PERPETUAL");
      const start = e.riskContext()!;
      const before = start.context().risk(perp);
      expect(before.ok).toBe(true);
      const r = await e.submit({ type: "tick", asset: "BTC", ts: T0 + 1000, index: 80000, instruments: { "BTC-PERPETUAL": { mark: 80000 } } });
      expect(r.ok).toBe(true);
      const live = e.riskContext()!;
      expect(live).not.toBe(start);
      const n = start.vectorsComputed;
      const again = start.context().risk(perp);
      expect(start.vectorsComputed - n, "retired: recomputed").toBe(1);
      expect(again).toEqual(before);
      expect(live.context().risk(perp)).not.toEqual(before);
      await e.close();
      await e.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
