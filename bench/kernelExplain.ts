/**
 * The explanation path (`portfolioMargin` on the kernel's unit computation) against the implementation it
 * replaced (bench/baseline/portfolioModelV1.ts), interleaved in the same process: the 50-position account of
 * bench/run.ts warm, with and without per-position contributions; the 20,000-account synthetic book on a shared
 * context; and, for reference, the same book through the kernel (numbers only: store built, then re-margined).
 */
import { parseMarket } from "../src/input/marketSchema.js";
import { parsePortfolio } from "../src/input/portfolioSchema.js";
import { loadPreset } from "../src/input/presets.js";
import type { Portfolio } from "../src/domain/portfolio.js";
import { prepareContext } from "../src/margin/computeMargin.js";
import { MarginKernel, type KernelAccountSpec } from "../src/margin/kernel/index.js";
import { portfolioMargin } from "../src/margin/portfolioModel.js";
import type { RiskContext } from "../src/margin/riskContext.js";
import { portfolioMargin as portfolioMarginV1 } from "./baseline/portfolioModelV1.js";
import { largeAccount, syntheticBook } from "./book.js";
import { syntheticMarket } from "./market.js";
import { median, must, quantile } from "./stats.js";

type Margin = typeof portfolioMargin;

export interface Lat { medianUs: number; p99Us: number; n: number }
export interface Rate { wall: number; cpu: number }
export interface ExplainFigures {
  large: { positions: number; newWith: Lat; v1With: Lat; newWithout: Lat; v1Without: Lat; identical: boolean };
  book: { accounts: number; positions: number; newWith: Rate; v1With: Rate; newWithout: Rate; v1Without: Rate; kernelBuild: Rate; kernelRemargin: Rate; passes: number };
}

function samples(f: () => unknown, n: number): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) { const t = process.hrtime.bigint(); f(); s[i] = Number(process.hrtime.bigint() - t); }
  return s;
}

function lat(chunks: Float64Array[]): Lat {
  const all = new Float64Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) { all.set(c, o); o += c.length; }
  return { medianUs: median(all) / 1e3, p99Us: quantile(all, 0.99) / 1e3, n: all.length };
}

/** One timed pass over the book: accounts per second of wall and of CPU time. */
function pass(ctx: RiskContext, book: readonly Portfolio[], f: Margin, contributions: boolean): Rate {
  const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  for (const pf of book) must(f(ctx, pf, contributions));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6;
  return { wall: book.length / wall, cpu: book.length / cpu };
}

const medianRate = (rs: readonly Rate[]): Rate => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) });

function specOf(pf: Portfolio): KernelAccountSpec {
  return { collateral: pf.collateral, positions: pf.positions.map((p) => ({ instrument: p.instrument.name, size: p.size, ...(p.entryPrice !== undefined ? { entryPrice: p.entryPrice } : {}) })), openOrders: pf.openOrders.map((o) => ({ instrument: o.instrument.name, size: o.size })) };
}

export function explainBench(quick: boolean): ExplainFigures {
  const { file, universe } = syntheticMarket(20241120);
  const market = must(parseMarket(file)), params = loadPreset("deribit");
  const ctx = must(prepareContext(market, params));
  const large = must(parsePortfolio(largeAccount(50, universe, 50)));
  const identical = JSON.stringify(portfolioMargin(ctx, large)) === JSON.stringify(portfolioMarginV1(ctx, large));
  const cases: [string, () => unknown][] = [
    ["newWith", () => portfolioMargin(ctx, large, true)], ["v1With", () => portfolioMarginV1(ctx, large, true)],
    ["newWithout", () => portfolioMargin(ctx, large, false)], ["v1Without", () => portfolioMarginV1(ctx, large, false)],
  ];
  for (const [, f] of cases) samples(f, 1000);
  const got = new Map<string, Float64Array[]>(cases.map(([k]) => [k, []]));
  for (let round = 0; round < (quick ? 2 : 5); round++) for (const [k, f] of cases) got.get(k)!.push(samples(f, 2000));
  const L = (k: string) => lat(got.get(k)!);

  const book = syntheticBook(7, universe, quick ? 5000 : 20_000).map((f) => must(parsePortfolio(f)));
  const positions = book.reduce((a, pf) => a + pf.positions.length, 0);
  const rates = { newWith: [] as Rate[], v1With: [] as Rate[], newWithout: [] as Rate[], v1Without: [] as Rate[] };
  const PASSES = quick ? 3 : 7;
  for (let i = 0; i < PASSES + 1; i++) {
    const c = must(prepareContext(market, params));
    const r = [pass(c, book, portfolioMargin, true), pass(c, book, portfolioMarginV1, true), pass(c, book, portfolioMargin, false), pass(c, book, portfolioMarginV1, false)];
    if (i === 0) continue; // warm-up
    rates.newWith.push(r[0]); rates.v1With.push(r[1]); rates.newWithout.push(r[2]); rates.v1Without.push(r[3]);
  }
  // Reference: the kernel over the same book (numbers only, no explanation objects).
  const specs = book.map(specOf);
  const build: Rate[] = [], rem: Rate[] = [];
  for (let i = 0; i < 4; i++) {
    const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    const k = new MarginKernel(params);
    specs.forEach((s, a) => k.setAccount(a, s));
    k.refresh(ctx, null);
    k.remarginAll();
    const t1 = process.hrtime.bigint(), c1 = process.cpuUsage(c0);
    k.remarginAll();
    const t2 = process.hrtime.bigint(), c2 = process.cpuUsage(c0);
    if (i === 0) continue;
    build.push({ wall: book.length / (Number(t1 - t0) / 1e9), cpu: book.length / ((c1.user + c1.system) / 1e6) });
    rem.push({ wall: book.length / (Number(t2 - t1) / 1e9), cpu: book.length / ((c2.user + c2.system - c1.user - c1.system) / 1e6) });
  }
  return {
    large: { positions: large.positions.length, newWith: L("newWith"), v1With: L("v1With"), newWithout: L("newWithout"), v1Without: L("v1Without"), identical },
    book: {
      accounts: book.length, positions, passes: PASSES, newWith: medianRate(rates.newWith), v1With: medianRate(rates.v1With), newWithout: medianRate(rates.newWithout), v1Without: medianRate(rates.v1Without),
      kernelBuild: medianRate(build), kernelRemargin: medianRate(rem),
    },
  };
}
