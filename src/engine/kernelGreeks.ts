/**
 * Per-underlying Greeks of an account from the kernel's instrument matrices, on the main thread (the rows are
 * shared with the worker shards; the positions are the engine's): the same sums in the same order as the
 * kernel's `AccountEval.greeks` and accountMargin's `greeksOf` (positions in input order, underlyings in first
 * appearance), so the figures are bit-identical to both. And the test that lets the tick path skip them: an
 * asset whose matrix rows have finite Greeks of moderate size cannot give an account non-finite Greek sums.
 */
import { addCollateralGreeks, type GreeksByUnderlying } from "./accountMargin.js";
import { unitsToNumber } from "../domain/money.js";
import type { AccountState, EngineState } from "./state.js";
import { KIND_FUTURE, KIND_PERPETUAL } from "../margin/kernel/instrumentKeys.js";
import type { KernelMarket } from "../margin/kernel/matrix.js";
import { COL_DELTA, COL_GAMMA, COL_OK, COL_THETA, COL_VEGA, type KernelRegistry } from "../margin/kernel/registry.js";

/**
 * Greeks per underlying of positions `inst` (registry ids, −1 skipped) with sizes `size` (instrument units), from
 * the rows of `m`; keys in first appearance; `collateralDelta` 0 (accountMargin's `addCollateralGreeks` adds the
 * spot collateral after, as accountMargin's `greeksOf` does).
 */
export function matrixGreeks(reg: KernelRegistry, m: KernelMarket, inst: Int32Array, size: Float64Array): Record<string, GreeksByUnderlying> {
  const out: Record<string, GreeksByUnderlying> = {};
  for (let j = 0; j < inst.length; j++) {
    const id = inst[j];
    if (id < 0) continue;
    const u = reg.instAsset[id], l = reg.layout(u), s = reg.instRow[id] * l.stride + l.G + l.E, d = m.data[u];
    const code = reg.assetLog[u];
    const g = (out[code] ??= { delta: 0, gamma: 0, vega: 0, theta: 0, grossNotionalUsd: 0, netDeltaUsd: 0, collateralDelta: 0 });
    const sz = size[j], k = reg.instKind[id], x = m.index[u], index = x === x ? x : 0;
    const delta = sz * d[s + COL_DELTA];
    g.delta += delta; g.gamma += sz * d[s + COL_GAMMA]; g.vega += sz * d[s + COL_VEGA]; g.theta += sz * d[s + COL_THETA];
    g.grossNotionalUsd += reg.instInverse[id] === 1 && (k === KIND_FUTURE || k === KIND_PERPETUAL) ? Math.abs(sz) : Math.abs(sz) * index;
    g.netDeltaUsd += delta * index;
  }
  return out;
}

/**
 * An account's Greeks as accountMargin gives them: its positions' from the rows (`matrixGreeks`), then its spot
 * collateral's on the live market (accountMargin's `addCollateralGreeks`: a coin held has delta 1 on its asset).
 */
export function accountGreeks(reg: KernelRegistry, m: KernelMarket, inst: Int32Array, size: Float64Array, s: EngineState, a: AccountState): Record<string, GreeksByUnderlying> {
  const g = matrixGreeks(reg, m, inst, size);
  if (!s.market) return g;
  const held: Record<string, number> = {};
  for (const [asset, b] of a.balances) if (b !== 0n) held[asset] = unitsToNumber(b);
  addCollateralGreeks(g, held, s.market, s.params);
  return g;
}

/**
 * Largest Greek (and index) magnitude for which no account's Greek sums can overflow: sizes are at most
 * MAX_STATE_AMOUNT (1e18, the state invariant) and indices at most MAX_PRICE (1e12), so each term is below
 * 1e18 × 1e200 × 1e12 = 1e230 and any realistic number of positions sums far below 1.8e308.
 */
export const GREEK_BOUND = 1e200;

const moderate = (x: number): boolean => x <= GREEK_BOUND && x >= -GREEK_BOUND;

/**
 * 1 when every valued row of asset `a`'s matrix has moderate Greeks and the asset's index is moderate or absent:
 * then an account whose Greek underlyings all pass has finite Greeks (no need to compute them to check).
 */
export function greeksSafe(reg: KernelRegistry, m: KernelMarket, a: number): boolean {
  const x = m.index[a];
  if (x === x && !moderate(x)) return false;
  const d = m.data[a];
  if (!d) return true;
  const l = reg.layout(a), rows = reg.rowsOf[a];
  for (let r = 0; r < rows; r++) {
    const s = r * l.stride + l.G + l.E;
    if (d[s + COL_OK] !== 1) continue;
    if (!(moderate(d[s + COL_DELTA]) && moderate(d[s + COL_GAMMA]) && moderate(d[s + COL_VEGA]) && moderate(d[s + COL_THETA]))) return false;
  }
  return true;
}

/** Are all of these Greeks finite (the invariant's Greek part)? */
export function finiteGreeks(g: Readonly<Record<string, GreeksByUnderlying>>): boolean {
  const fin = Number.isFinite;
  for (const u in g) {
    const x = g[u];
    if (!(fin(x.delta) && fin(x.gamma) && fin(x.vega) && fin(x.theta) && fin(x.grossNotionalUsd) && fin(x.netDeltaUsd))) return false;
  }
  return true;
}
