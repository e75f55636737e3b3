/**
 * Worker shards: the same book and tick stream on 1 and on 2 worker threads give bit-identical results, equal
 * to the in-process kernel's. The worker runs compiled JavaScript: it is compiled here with tsc from the current
 * sources into a temporary directory (no race with dist/ builds of other tests).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { KernelShards } from "../../src/engine/kernelShards.js";
import { MarginKernel, type KernelAccountSpec, type KernelResults } from "../../src/margin/kernel/index.js";
import { compiledShardWorker } from "../helpers/shardWorker.js";
import { applyRandomTick, deribit, specArb, syntheticState, tickArb, type TickSpec } from "../margin/kernelHelpers.js";

const worker = compiledShardWorker("dpm-shards-");

/** Bytes of the first n entries of every result array (bit-level comparison, NaN and −0 included). */
function snapshot(r: KernelResults, n: number): string {
  const parts = [r.equity, r.adjusted, r.im, r.mm, r.upnl].map((a) => Buffer.from(a.buffer, a.byteOffset, 8 * n).toString("hex"));
  parts.push(Buffer.from(r.status.buffer, r.status.byteOffset, 4 * n).toString("hex"));
  return parts.join("|");
}

interface Step { tick: TickSpec; change?: [number, KernelAccountSpec] }

async function run(workers: number, specs: KernelAccountSpec[], steps: Step[]): Promise<string[]> {
  const market = syntheticState();
  const inc = new IncrementalRiskContext(market, deribit);
  const ks = await KernelShards.start(deribit, specs, { workers, workerUrl: worker.url });
  try {
    const out: string[] = [];
    ks.refresh(inc.context(), null);
    await ks.remargin(null);
    out.push(snapshot(ks.results, specs.length));
    for (const s of steps) {
      if (s.change) ks.setAccount(s.change[0] % specs.length, s.change[1]);
      applyRandomTick(market, s.tick);
      inc.invalidate([s.tick.asset], market, deribit);
      ks.refresh(inc.context(), [s.tick.asset]);
      await ks.remargin([s.tick.asset]);
      out.push(snapshot(ks.results, specs.length));
    }
    return out;
  } finally {
    await ks.close();
  }
}

function inProcess(specs: KernelAccountSpec[], steps: Step[]): string[] {
  const market = syntheticState();
  const inc = new IncrementalRiskContext(market, deribit);
  const k = new MarginKernel(deribit);
  specs.forEach((s, a) => k.setAccount(a, s));
  k.refresh(inc.context(), null);
  k.remarginAll();
  const out = [snapshot(k.results, specs.length)];
  for (const s of steps) {
    if (s.change) k.setAccount(s.change[0] % specs.length, s.change[1]);
    applyRandomTick(market, s.tick);
    inc.invalidate([s.tick.asset], market, deribit);
    k.refresh(inc.context(), [s.tick.asset]);
    k.remarginAssets([s.tick.asset]);
    out.push(snapshot(k.results, specs.length));
  }
  return out;
}

describe("kernel worker shards", () => {
  it("1 and 2 workers give bit-identical results, equal to the in-process kernel, over a tick stream", async () => {
    const specs = fc.sample(specArb, { numRuns: 300, seed: 11 });
    const steps: Step[] = fc.sample(fc.record({ tick: tickArb, change: fc.option(fc.tuple(fc.nat(), specArb), { nil: undefined }) }), { numRuns: 12, seed: 12 })
      .map((s) => (s.change ? { tick: s.tick, change: s.change } : { tick: s.tick }));
    const one = await run(1, specs, steps);
    const two = await run(2, specs, steps);
    const local = inProcess(specs, steps);
    expect(two).toEqual(one);
    expect(local).toEqual(one);
  }, 120_000);

  it("a re-margin before the rows of new instruments are filled is refused, not computed on empty rows", async () => {
    const ks = await KernelShards.start(deribit, [{ collateral: { USDC: 1 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1 }], openOrders: [] }], { workers: 1, workerUrl: worker.url });
    try {
      await expect(ks.remargin(["BTC"])).rejects.toThrow(/refresh/);
    } finally {
      await ks.close();
    }
  });
});
