/** Messages between `KernelShards` (main thread) and its workers (kernelShardWorker.ts). */
import type { KernelAccountSpec } from "../margin/kernel/positionStore.js";
import type { ResultBuffers } from "../margin/kernel/results.js";
import type { MarginParams } from "../margin/params.js";

/** What a worker starts with. */
export interface ShardData {
  readonly params: MarginParams;
  readonly worker: number;
  /** First global account index of the shard, and how many result entries its view covers. */
  readonly offset: number;
  readonly length: number;
  readonly results: ResultBuffers;
  /** Int32 [main's sequence, worker 0's, worker 1's, …]. */
  readonly sync: SharedArrayBuffer;
}

export type ToWorker =
  /** Names registered on the main thread since the last message, in its order (ids and rows then match). */
  | { readonly type: "registry"; readonly assets: readonly string[]; readonly instruments: readonly string[]; readonly assetTotal: number; readonly instrumentTotal: number }
  /** The current matrices (and index array); sent when the main thread replaced one. */
  | { readonly type: "buffers"; readonly matrices: readonly { readonly asset: number; readonly buffer: ArrayBufferLike; readonly cap: number }[]; readonly index: ArrayBufferLike }
  /** New shared result buffers (the capacity grew): the worker's range of them, from its offset, `length` entries. */
  | { readonly type: "results"; readonly results: ResultBuffers; readonly length: number }
  /** Accounts (global indices) to build or rebuild. */
  | { readonly type: "accounts"; readonly items: readonly { readonly a: number; readonly spec: KernelAccountSpec }[] }
  /** Re-margin: accounts depending on the moved assets (null: every account). */
  | { readonly type: "remargin"; readonly seq: number; readonly moved: readonly string[] | null }
  /** Report the shard's size (also a round trip: every earlier message has been processed). */
  | { readonly type: "stats"; readonly seq: number };

export type FromWorker =
  /**
   * `count`: accounts re-margined (remargin), or accounts held (stats); `bytes`: typed-array bytes of the shard's
   * position store (stats); `ms`: the worker's own time for the re-margin (wall clock, for diagnostics).
   */
  | { readonly type: "done"; readonly seq: number; readonly count: number; readonly bytes?: number; readonly ms?: number }
  | { readonly type: "error"; readonly message: string };
