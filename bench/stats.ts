/** Timing helpers: nanosecond samples from process.hrtime.bigint(), order statistics. */

export const now = (): bigint => process.hrtime.bigint();

/** Nanoseconds elapsed since `t0` as a number. */
export const since = (t0: bigint): number => Number(process.hrtime.bigint() - t0);

/** q-quantile (0..1) of samples, nearest-rank on a sorted copy. */
export function quantile(samples: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(samples).sort();
  if (s.length === 0) return NaN;
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[k];
}

export const median = (samples: ArrayLike<number>): number => quantile(samples, 0.5);

export function mean(samples: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < samples.length; i++) t += samples[i];
  return samples.length > 0 ? t / samples.length : NaN;
}

/** Summary of per-call latencies (ns in, µs out). */
export interface Latency {
  readonly iterations: number;
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly minUs: number;
}

export function latency(samplesNs: Float64Array): Latency {
  return {
    iterations: samplesNs.length,
    medianUs: median(samplesNs) / 1e3,
    p99Us: quantile(samplesNs, 0.99) / 1e3,
    meanUs: mean(samplesNs) / 1e3,
    minUs: quantile(samplesNs, 0) / 1e3,
  };
}

/**
 * Time `fn` once per iteration after `warmup` untimed calls. `fn` returns a number that is folded into a
 * checksum so the work cannot be optimised away.
 */
export function timeEach(fn: () => number, warmup: number, iterations: number): { samples: Float64Array; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < warmup; i++) checksum += fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    checksum += fn();
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return { samples, checksum };
}

/** Human formatting. */
export const fmtInt = (v: number): string => Math.round(v).toLocaleString("en-US");
export const fmtFixed = (v: number, d: number): string => v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
export const fmtRatio = (v: number): string => `${v >= 100 ? fmtInt(v) : fmtFixed(v, v >= 10 ? 1 : 2)}×`;

/** The value of a success, or throw with the failure (benchmarks stop on bad input). */
export function must<T>(r: { ok: true; value: T } | { ok: false; reason?: string; issues?: unknown }): T {
  if (!r.ok) throw new Error(r.reason ?? JSON.stringify(r));
  return r.value;
}

/**
 * Per-tick records (start ms, end ms, heap bytes) kept in a typed array, not as an array literal per tick: a literal
 * made in the measured tick's function and kept is pretenured by V8 once its records are seen to survive, and the
 * allocations folded with it, the tick's own temporaries, then go straight to the old generation (measured on the
 * kernel's BTC tick: ~40 KB of old-space garbage per tick, a 15 ms mark-compact every ~500 ticks, against a flat old
 * generation when the records are typed).
 */
export class TickWindows {
  private data = new Float64Array(3 * 1024);
  private n = 0;

  add(start: number, end: number, bytes: number): void {
    if (3 * this.n + 3 > this.data.length) { const d = new Float64Array(2 * this.data.length); d.set(this.data); this.data = d; }
    const o = 3 * this.n++;
    this.data[o] = start; this.data[o + 1] = end; this.data[o + 2] = bytes;
  }

  /** The records as [start, end, bytes] tuples. */
  toArray(): [number, number, number][] {
    return Array.from({ length: this.n }, (_, i) => [this.data[3 * i], this.data[3 * i + 1], this.data[3 * i + 2]]);
  }
}
