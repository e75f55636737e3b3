import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createOracle, Oracle } from "../../src/market/oracle/oracle.js";
import { conservativePrice, marginPrice } from "../../src/market/oracle/conservative.js";
import { DEFAULT_ORACLE_CONFIG, type OracleConfig } from "../../src/market/oracle/config.js";
import { oracleConfigFrom, parseOracleConfig } from "../../src/input/oracleConfigSchema.js";
import type { IndexState } from "../../src/market/oracle/types.js";

const T0 = Date.UTC(2024, 10, 20, 8);

/** Feed one price per source at T0 and return the oracle. */
function seeded(asset: string, prices: Record<string, number>, config: OracleConfig = DEFAULT_ORACLE_CONFIG): Oracle {
  const o = createOracle(config);
  for (const [source, price] of Object.entries(prices)) o.update({ source, asset, price, ts: T0 }, T0);
  return o;
}

function idx(o: Oracle, asset: string): number {
  const s = o.state(asset);
  if (!s) throw new Error(`no state for ${asset}`);
  return s.index;
}

function statusOf(s: IndexState | undefined, source: string): string | undefined {
  return s?.sources.find((r) => r.source === source)?.status;
}

describe("configuration", () => {
  it("fills defaults and accepts per-asset overrides", () => {
    const c = oracleConfigFrom({ maxDeviation: 0.02, assets: { USDC: { maxDeviation: 0.005 } } });
    expect(c.maxDeviation).toBe(0.02);
    expect(c.minSources).toBe(3);
    expect(c.maxAgeMs).toBe(30_000);
    expect(c.assets.USDC.maxDeviation).toBe(0.005);
    expect(oracleConfigFrom(undefined)).toEqual(DEFAULT_ORACLE_CONFIG);
  });

  it("reports every problem with its path and value", () => {
    const r = parseOracleConfig({ maxDeviation: 2, minSources: 0.5, bogus: 1, assets: { usdc: {}, ETH: { maxAgeMs: -1 } } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.value]));
    expect(byPath).toMatchObject({ maxDeviation: 2, minSources: 0.5, bogus: 1, "assets.ETH.maxAgeMs": -1 });
    expect(r.issues.some((i) => i.path.startsWith("assets") && i.value === "usdc")).toBe(true);
    expect(() => oracleConfigFrom({ breakerMove: 0 })).toThrow(/breakerMove/);
  });
});

describe("index = median of valid sources", () => {
  it("takes the median, flags too few sources as degraded", () => {
    const o = createOracle();
    const first = o.update({ source: "a", asset: "BTC", price: 100_000, ts: T0 }, T0);
    expect(first.accepted).toBe(true);
    expect(first.state).toMatchObject({ index: 100_000, degraded: true });
    o.update({ source: "b", asset: "BTC", price: 100_040, ts: T0 }, T0);
    expect(o.state("BTC")?.degraded).toBe(true);
    const third = o.update({ source: "c", asset: "BTC", price: 99_990, ts: T0 + 1 }, T0 + 1);
    expect(third.state).toMatchObject({ index: 100_000, degraded: false, ts: T0 + 1, circuitBreaker: false });
  });

  it("even count: mean of the middles on a tie, else the middle nearer the median of all fresh sources", () => {
    const o = seeded("BTC", { a: 100_000, b: 100_100, c: 99_900, d: 100_200 });
    expect(idx(o, "BTC")).toBe(100_050); // middles 100,000 and 100,100 are both 50 from the reference 100,050
    // e is an outlier: reference = median(99,900 … 100,200, 150,000) = 100,100; kept middles 100,000 / 100,100 → 100,100
    const r = o.update({ source: "e", asset: "BTC", price: 150_000, ts: T0 + 1 }, T0 + 1);
    expect(r.accepted).toBe(false);
    expect(r.reason).toMatch(/^outlier/);
    expect(idx(o, "BTC")).toBe(100_100);
  });

  it("drops stale sources at refresh and degrades below the minimum", () => {
    const o = seeded("BTC", { a: 100_000, b: 100_100, c: 99_900 });
    o.update({ source: "d", asset: "BTC", price: 101_000, ts: T0 + 20_000 }, T0 + 20_000);
    expect(idx(o, "BTC")).toBe(100_050); // 4 fresh: 99,900 100,000 100,100 101,000 → tie → 100,050
    const s = o.refresh("BTC", T0 + 31_000);
    expect(s).toMatchObject({ index: 101_000, degraded: true });
    expect(s?.sources.map((r) => r.status)).toEqual(["stale", "stale", "stale", "ok"]);
    const none = o.refresh("BTC", T0 + 60_000);
    expect(none).toMatchObject({ index: 101_000, degraded: true }); // no fresh source: last index kept, degraded
  });

  it("is deterministic: the same ticks and clock give the same states", () => {
    const run = (): unknown[] => {
      const o = createOracle();
      const out: unknown[] = [];
      for (let i = 0; i < 200; i++) {
        const price = 100 * (1 + 0.01 * Math.sin(i)) * (i % 37 === 0 ? 20 : 1);
        out.push(o.update({ source: `s${i % 4}`, asset: "ETH", price, ts: T0 + i * 250 }, T0 + i * 250 + 3));
      }
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe("manipulation and bad data are rejected or neutralised", () => {
  const usdc = { a: 1, b: 1, c: 1, d: 1.0001, e: 0.9999 };

  it("single-venue spike: a stablecoin at $1.30 on one source", () => {
    const o = seeded("USDC", usdc);
    expect(idx(o, "USDC")).toBe(1);
    const r = o.update({ source: "d", asset: "USDC", price: 1.3, ts: T0 + 1_000 }, T0 + 1_000);
    expect(r).toMatchObject({ accepted: false, state: { index: 1, degraded: false } });
    expect(r.reason).toMatch(/outlier: 1.3 deviates 30.00 %/);
    expect(statusOf(r.state, "d")).toBe("outlier");
    expect(o.rejections("USDC")).toEqual({ outlier: 1 });
  });

  it("a 20× pump of a thin source leaves the index where the honest sources put it", () => {
    const eth = { cex1: 3_000, cex2: 3_001, cex3: 2_999, cex4: 2_998, thinDex: 3_002 };
    const o = seeded("ETH", eth);
    expect(idx(o, "ETH")).toBe(3_000);
    const r = o.update({ source: "thinDex", asset: "ETH", price: 3_002 * 20, ts: T0 + 500 }, T0 + 500);
    expect(r.accepted).toBe(false);
    expect(idx(o, "ETH")).toBe(3_000);
    // whichever source is pumped, the index stays between the honest middles (2,999 … 3,001)
    for (const victim of Object.keys(eth)) {
      const p = seeded("ETH", eth);
      p.update({ source: victim, asset: "ETH", price: eth[victim as keyof typeof eth] * 20, ts: T0 + 500 }, T0 + 500);
      expect(idx(p, "ETH"), `pumped ${victim}`).toBeGreaterThanOrEqual(2_999);
      expect(idx(p, "ETH"), `pumped ${victim}`).toBeLessThanOrEqual(3_001);
    }
  });

  it("a decimal-scale error (×10^10) is rejected: above the price ceiling, or as an outlier", () => {
    const btc = seeded("BTC", { a: 92_000, b: 92_010, c: 91_990 });
    const r1 = btc.update({ source: "b", asset: "BTC", price: 92_010 * 1e10, ts: T0 + 1 }, T0 + 1);
    expect(r1.accepted).toBe(false);
    expect(r1.reason).toMatch(/^invalid: .*ceiling/);
    expect(idx(btc, "BTC")).toBe(92_000);
    expect(btc.state("BTC")?.sources[1]).toEqual({ source: "b", price: 92_010, ts: T0, status: "ok" });
    const usd = seeded("USDC", usdc);
    const r2 = usd.update({ source: "e", asset: "USDC", price: 0.9999 * 1e10, ts: T0 + 1 }, T0 + 1);
    expect(r2.reason).toMatch(/^outlier/);
    expect(idx(usd, "USDC")).toBe(1);
  });

  it("NaN, ±Infinity, negative and zero prices are rejected and change nothing", () => {
    const o = seeded("BTC", { a: 92_000, b: 92_010, c: 91_990 });
    const before = o.state("BTC");
    for (const price of [NaN, Infinity, -Infinity, -92_000, 0, -0]) {
      const r = o.update({ source: "a", asset: "BTC", price, ts: T0 + 1 }, T0 + 1);
      expect(r.accepted, `price ${price}`).toBe(false);
      expect(r.reason, `price ${price}`).toMatch(/^invalid/);
      expect(o.state("BTC"), `price ${price}`).toBe(before);
    }
    expect(idx(o, "BTC")).toBe(92_000);
    expect(o.rejections("BTC")).toEqual({ invalid: 6 });
  });

  it("out-of-order, duplicate, future and stale timestamps are rejected", () => {
    const o = seeded("BTC", { a: 92_000, b: 92_010, c: 91_990 });
    o.update({ source: "a", asset: "BTC", price: 92_005, ts: T0 + 1_000 }, T0 + 1_000);
    expect(idx(o, "BTC")).toBe(92_005);
    const cases: [number, number, RegExp][] = [
      [T0 + 500, 50_000, /^out of order/],
      [T0 + 1_000, 95_000, /^duplicate/],
      [T0 + 1_000, 92_005, /^duplicate/],
      [T0 + 60_000, 92_000, /^future/],
      [T0 - 40_000, 92_000, /^stale/],
      [NaN, 92_000, /^invalid: timestamp/],
    ];
    for (const [ts, price, why] of cases) {
      const r = o.update({ source: "a", asset: "BTC", price, ts }, T0 + 1_001);
      expect(r.accepted, `ts ${ts}`).toBe(false);
      expect(r.reason, `ts ${ts}`).toMatch(why);
      expect(idx(o, "BTC"), `ts ${ts}`).toBe(92_005);
    }
    expect(o.update({ source: "x", asset: "BTC", price: 1, ts: 1 }, NaN).reason).toMatch(/now/);
  });
});

describe("stable price, conservative prices and the circuit breaker", () => {
  const cfg = oracleConfigFrom({ emaHalfLifeMs: 10_000, stableMaxMovePerSecond: 0.001, breakerMove: 0.1, breakerWindowMs: 60_000 });

  function moveAll(o: Oracle, price: number, t: number): IndexState {
    for (const source of ["a", "b", "c"]) o.update({ source, asset: "BTC", price, ts: t }, t);
    const s = o.state("BTC");
    if (!s) throw new Error("no state");
    return s;
  }

  function refresh(o: Oracle, t: number): IndexState {
    const s = o.refresh("BTC", t);
    if (!s) throw new Error("no state");
    return s;
  }

  it("EMA is time-weighted (sample-and-hold); the stable price moves at most 0.1 %/s", () => {
    const o = createOracle(oracleConfigFrom({ emaHalfLifeMs: 10_000, stableMaxMovePerSecond: 0.5 }));
    moveAll(o, 100, T0);
    expect(moveAll(o, 110, T0 + 10_000).stable).toBe(100); // the index was 100 until now
    // one half-life at 110: EMA = 110 + (100 − 110)/2 = 105 (the 50 %/s limit does not bind)
    expect(refresh(o, T0 + 20_000).stable).toBeCloseTo(105, 12);
    const q = createOracle(cfg);
    moveAll(q, 100, T0);
    moveAll(q, 120, T0 + 1_000);
    // 2 s at 120: EMA = 120 − 20 × 2^(−0.2) = 102.589; the limit allows 100 × (1 + 0.001 × 2) = 100.2
    const r = refresh(q, T0 + 3_000);
    expect(r.stable).toBeCloseTo(100.2, 10);
    expect(r.index).toBe(120);
  });

  it("a one-second flash crash of every source barely moves the stable price", () => {
    const o = createOracle(cfg);
    moveAll(o, 100, T0);
    refresh(o, T0 + 30_000);
    moveAll(o, 50, T0 + 30_000);
    const back = moveAll(o, 100, T0 + 31_000);
    expect(back.stable).toBeCloseTo(99.9, 10); // the rate limit binds: 100 × (1 − 0.001 × 1 s)
    expect(back.circuitBreaker).toBe(true);
    // EMA after 1 s at 50 then 9 s at 100: 100 − (100 − (50 + 50 × 2^(−0.1))) × 2^(−0.9) ≈ 98.2, still below the
    // stable price, which keeps sinking at the limit: 99.9 × (1 − 0.001 × 9) — a 50 % crash costs it under 1 %
    const ema = 100 - (100 - (50 + 50 * 2 ** -0.1)) * 2 ** -0.9;
    expect(ema).toBeLessThan(99.9 * (1 - 0.009));
    expect(refresh(o, T0 + 40_000).stable).toBeCloseTo(99.9 * (1 - 0.001 * 9), 10);
  });

  it("IM uses the conservative of index and stable per side; MM uses the fresh index", () => {
    const o = createOracle(cfg);
    moveAll(o, 100, T0);
    moveAll(o, 120, T0 + 1_000);
    const up = refresh(o, T0 + 2_000); // EMA = 120 − 20 × 2^(−0.1) = 101.34 → stable limited to 100.1
    expect(conservativePrice(up, "long")).toBeCloseTo(100.1, 10);
    expect(conservativePrice(up, "short")).toBe(120);
    expect(marginPrice(up, "long", "maintenance")).toBe(120);
    expect(marginPrice(up, "short", "initial")).toBe(120);
    expect(marginPrice(up, "long", "initial")).toBeCloseTo(100.1, 10);
    const down = moveAll(o, 90, T0 + 3_000); // over the last second the index was 120: stable rises 0.1 % more
    expect(down.stable).toBeCloseTo(100.1 * 1.001, 10);
    expect(conservativePrice(down, "long")).toBe(90);
    expect(conservativePrice(down, "short")).toBe(down.stable);
    expect(marginPrice(down, "short", "maintenance")).toBe(90);
  });

  it("flags a move beyond 10 % within 60 s, and clears once the window has passed", () => {
    const o = createOracle(cfg);
    expect(moveAll(o, 100, T0).circuitBreaker).toBe(false);
    expect(moveAll(o, 109, T0 + 5_000).circuitBreaker).toBe(false);
    expect(moveAll(o, 111, T0 + 10_000).circuitBreaker).toBe(true); // 111/100 − 1 = 11 %
    expect(moveAll(o, 111, T0 + 60_000).circuitBreaker).toBe(true); // 100 at T0 still in [T0, T0 + 60 s]
    expect(moveAll(o, 111, T0 + 66_000).circuitBreaker).toBe(false); // window now starts after the 109 print: 111/109 − 1 = 1.8 %
    const slow = createOracle(cfg); // 20 % over 5 minutes in small steps never trips
    let t = T0;
    for (let p = 100; p <= 120; p += 1, t += 15_000) expect(moveAll(slow, p, t).circuitBreaker, `price ${p}`).toBe(false);
  });
});

describe("property: one source cannot move the index outside the range of the others", () => {
  it("holds for 3–9 sources and any value of the moved source (fast-check)", () => {
    const price = fc.double({ min: 1, max: 1e6, noNaN: true });
    const anyValue = fc.oneof(fc.double(), fc.double({ min: 1e-3, max: 1e9, noNaN: true }), fc.constantFrom(NaN, 0, -1, Infinity));
    fc.assert(
      fc.property(fc.array(price, { minLength: 2, maxLength: 8 }), fc.array(anyValue, { minLength: 1, maxLength: 4 }), (others, moves) => {
        const o = createOracle();
        others.forEach((p, i) => o.update({ source: `h${i}`, asset: "X", price: p, ts: T0 }, T0));
        o.update({ source: "m", asset: "X", price: others[0], ts: T0 }, T0);
        const lo = Math.min(...others);
        const hi = Math.max(...others);
        moves.forEach((x, k) => {
          o.update({ source: "m", asset: "X", price: x, ts: T0 + k + 1 }, T0 + k + 1);
          const v = idx(o, "X");
          if (!(v >= lo && v <= hi)) throw new Error(`index ${v} outside [${lo}, ${hi}] after m=${x}; others ${others.join(",")}`);
        });
      }),
      { numRuns: 2_000 },
    );
  });
});
