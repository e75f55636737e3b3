/**
 * Oracle configuration: plain data with defaults. Validation of outside input (zod) lives at the boundary in
 * `src/input/oracleConfigSchema.ts`, which fills every omitted field from {@link DEFAULT_ORACLE_PARAMS}.
 */

/** Per-asset oracle parameters. Fractions are plain ratios (0.05 = 5 %); times are milliseconds. */
export interface OracleAssetParams {
  /** Valid (fresh, non-outlier) sources needed for a non-degraded index. */
  readonly minSources: number;
  /** A source's latest price older than this (ms, against `now`) is stale and not used. */
  readonly maxAgeMs: number;
  /** A source further than this fraction from the median of all fresh sources is an outlier. */
  readonly maxDeviation: number;
  /** Ticks stamped more than this many ms after `now` are rejected (clock skew tolerance). */
  readonly maxFutureMs: number;
  /** Prices above this (quote per coin) are rejected as invalid (decimal-scale errors). */
  readonly maxPrice: number;
  /** Half-life (ms) of the time-weighted EMA of the index that the stable price follows. */
  readonly emaHalfLifeMs: number;
  /** The stable price moves towards the EMA by at most this fraction per second. */
  readonly stableMaxMovePerSecond: number;
  /** Circuit breaker: flags when max/min − 1 of the index within the window exceeds this fraction. */
  readonly breakerMove: number;
  /** Circuit breaker window (ms). */
  readonly breakerWindowMs: number;
}

/** Oracle configuration: defaults for every asset plus per-asset overrides (e.g. a tighter band for USDC). */
export interface OracleConfig extends OracleAssetParams {
  readonly assets: Readonly<Record<string, Partial<OracleAssetParams>>>;
}

/** Defaults: 3 sources, 30 s staleness, 5 % band, 30 s EMA half-life, stable price ≤ 0.1 %/s, breaker 10 % in 60 s. */
export const DEFAULT_ORACLE_PARAMS: OracleAssetParams = Object.freeze({
  minSources: 3,
  maxAgeMs: 30_000,
  maxDeviation: 0.05,
  maxFutureMs: 5_000,
  maxPrice: 1e12,
  emaHalfLifeMs: 30_000,
  stableMaxMovePerSecond: 0.001,
  breakerMove: 0.1,
  breakerWindowMs: 60_000,
});

/** The default configuration (no per-asset overrides). */
export const DEFAULT_ORACLE_CONFIG: OracleConfig = Object.freeze({ ...DEFAULT_ORACLE_PARAMS, assets: Object.freeze({}) });

/** Effective parameters of one asset: its overrides on top of the configuration's defaults. */
export function assetParams(config: OracleConfig, asset: string): OracleAssetParams {
  const o = config.assets[asset];
  const base: OracleAssetParams = {
    minSources: config.minSources, maxAgeMs: config.maxAgeMs, maxDeviation: config.maxDeviation,
    maxFutureMs: config.maxFutureMs, maxPrice: config.maxPrice, emaHalfLifeMs: config.emaHalfLifeMs,
    stableMaxMovePerSecond: config.stableMaxMovePerSecond, breakerMove: config.breakerMove, breakerWindowMs: config.breakerWindowMs,
  };
  return o ? { ...base, ...o } : base;
}
