/**
 * What `KernelMargins` needs of a kernel (`KernelBackend`): the in-process `MarginKernel` (`localBackend`) or the
 * worker shards (`KernelShards`); the kernel's view of an engine account (`kernelSpec`, `depsOf`); the engine's
 * concentration add-on as accountMargin computes it.
 */
import { turn } from "./turn.js";
import type { KernelAccountSpec, KernelMarket, KernelRegistry, KernelResults, MarginKernel } from "../margin/kernel/index.js";
import type { RiskContext } from "../margin/riskContext.js";
import { unitsToNumber } from "../domain/money.js";
import { openOrdersOf } from "./orders.js";
import { instrumentOf, type AccountState, type EngineState } from "./state.js";
import { concentrationCharges } from "../margin/concentration.js";
import { ownerPositions } from "./accountMargin.js";
import type { MarketState } from "./marketState.js";

/** The kernel's view of an engine account (sizes and balances as float64, as `toPortfolio` converts them). */
export function kernelSpec(a: AccountState): KernelAccountSpec {
  const positions: { instrument: string; size: number; entryPrice?: number }[] = [];
  for (const [name, p] of a.positions) positions.push(p.entryPrice !== undefined ? { instrument: name, size: unitsToNumber(p.size), entryPrice: p.entryPrice } : { instrument: name, size: unitsToNumber(p.size) });
  const collateral: Record<string, number> = {};
  for (const [asset, b] of a.balances) if (b !== 0n) collateral[asset] = unitsToNumber(b);
  return { collateral, positions, openOrders: openOrdersOf(a).map((o) => ({ instrument: o.instrument.name, size: o.size })) };
}

/** What KernelMargins needs of a kernel: the in-process `MarginKernel` or the worker shards (`KernelShards`). */
export interface KernelBackend {
  readonly reg: KernelRegistry;
  readonly market: KernelMarket;
  readonly results: KernelResults;
  setAccount(i: number, spec: KernelAccountSpec): void;
  /** Copy rows from `ctx` for the instruments depending on `moved` (null: all) and rows never filled. */
  refresh(ctx: RiskContext, moved: readonly string[] | null): void;
  /** Re-margin the accounts set since the last call and the dependents of `moved` (`*`: all): in process now, on workers a promise. */
  remargin(moved: readonly string[]): number | Promise<number>;
  /** Value account `i` on another market into `out` at `oi` (in process only: the store is needed). */
  readonly evaluateOn?: (i: number, m: KernelMarket, out: KernelResults, oi: number) => number;
  /** Worker threads (absent: in process). */
  readonly threads?: number;
  /** Stop its threads (shards). */
  close?(): Promise<void>;
}

/** A one-asset re-margin of more than this many accounts runs in slices (below it, at once). */
export const SLICE = 256;
/** Accounts re-margined between two looks at the clock. */
const CHUNK = 32;
/** Longest a slice holds the event loop (ms): between slices it serves other requests. */
export const SLICE_MS = 0.5;

/**
 * The in-process kernel as a backend. A one-asset re-margin of more than `SLICE` accounts runs in slices of about
 * `SLICE_MS` with the event loop turned between them (a promise), so reads such as pre-trade checks are answered
 * during a tick; the figures are the same (same operations, same order).
 */
export function localBackend(k: MarginKernel): KernelBackend {
  return {
    reg: k.reg, market: k.market, get results() { return k.results; },
    setAccount: (i, spec) => k.setAccount(i, spec),
    refresh: (ctx, moved) => k.refresh(ctx, moved),
    remargin: (moved) => {
      if (moved.includes("*")) { k.remarginAll(); return k.count; }
      if (moved.length !== 1 || k.dependentCount(moved[0]) <= SLICE) return moved.length > 0 ? k.remarginAssets(moved) : k.remarginDirty();
      return sliced(k, moved[0]);
    },
    evaluateOn: (i, m, out, oi) => k.evaluateOn(i, m, out, oi),
  };
}

async function sliced(k: MarginKernel, code: string): Promise<number> {
  let n = k.remarginDirty();
  const asset = k.reg.assetId(code)!, total = k.dependentCount(code);
  let t0 = performance.now();
  for (let from = 0; from < total; from += CHUNK) {
    if (performance.now() - t0 >= SLICE_MS) { await turn(); t0 = performance.now(); }
    n += k.remarginSlice(asset, from, Math.min(total, from + CHUNK));
  }
  return n;
}

/** Assets an account's kernel rows depend on (storeBuild.ts's order): positions' and orders' underlyings and linear quotes, then balances. */
export function depsOf(reg: KernelRegistry, spec: KernelAccountSpec, pIds: Int32Array): number[] {
  const out: number[] = [];
  const add = (x: number) => { if (x >= 0 && !out.includes(x)) out.push(x); };
  const ids = [...pIds, ...spec.openOrders.map((o) => reg.instrument(o.instrument))];
  for (const id of ids) if (id >= 0) { add(reg.instAsset[id]); add(reg.instQuote[id]); }
  for (const code of Object.keys(spec.collateral)) add(reg.asset(code));
  return out;
}

/** accountMargin's concentration add-on of `a`: Σ charges over its owner's linked accounts' positions (`linked`). */
export function concentrationAddOn(s: EngineState, m: MarketState, a: AccountState, linked: (s: EngineState, a: AccountState) => Iterable<string>): number {
  const group = ownerPositions(s, a.owner, linked(s, a)).filter((p) => p.account !== a.id);
  for (const [name, p] of a.positions) {
    const size = unitsToNumber(p.size), inst = instrumentOf(name);
    const inverseDelta1 = inst.settlement === "inverse" && inst.kind !== "option" && inst.kind !== "spot";
    group.push({ account: a.id, instrument: name, size, notionalUsd: inverseDelta1 ? Math.abs(size) : Math.abs(size) * (m.assets[inst.underlying]?.index ?? 0) });
  }
  let addOn = 0;
  for (const c of concentrationCharges(a.id, group, (n) => m.liquidity[n], s.service.concentration)) addOn += c.amount;
  return addOn;
}

/**
 * Price the instruments a move of `moved` re-prices (their risk vectors, cached by the contexts `ctxs`) turning the
 * event loop every `SLICE_MS`, so that the copy into the matrices that follows finds them computed: a
 * tick's re-pricing is then no single long block (requests are answered in between). Same vectors either way.
 */
export async function warmRisks(reg: KernelRegistry, moved: readonly string[], ctxs: readonly RiskContext[]): Promise<void> {
  if (moved.includes("*")) return;
  let t0 = performance.now();
  for (const c of ctxs) {
    for (const code of moved) {
      const a = reg.assetId(code);
      if (a === undefined) continue;
      for (const id of reg.dependents[a]) {
        c.risk(reg.instruments[id]);
        if (performance.now() - t0 > SLICE_MS) { await turn(); t0 = performance.now(); }
      }
    }
  }
}
