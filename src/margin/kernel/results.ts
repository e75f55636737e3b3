/**
 * The kernel's results, one entry per account, in typed arrays that may live on `SharedArrayBuffer`s (worker
 * shards write their accounts' entries; the main thread reads them in account order). Amounts in the numeraire
 * (USD): equity, adjusted equity (equity − haircuts), the portfolio model's IM and MM (no engine add-ons),
 * unrealised P&L (futures' value against entry, options' value against entry premium). `status` holds a code.
 */
import type { MarginStatus } from "../result.js";
import { localAllocate, type Allocate } from "./matrix.js";

export const STATUS_HEALTHY = 0, STATUS_MARGIN_CALL = 1, STATUS_LIQUIDATION = 2, STATUS_BANKRUPT = 3;
/** The account could not be margined (an instrument without a value, a balance without an index, a bad name). */
export const STATUS_ERROR = 4;

export const STATUS_NAMES: readonly (MarginStatus | "error")[] = ["healthy", "margin_call", "liquidation", "bankrupt", "error"];

/** `marginStatus` (result.ts) as a code. */
export function statusCode(equity: number, adjusted: number, im: number, mm: number): number {
  if (equity < 0) return STATUS_BANKRUPT;
  if (adjusted < mm) return STATUS_LIQUIDATION;
  if (adjusted < im) return STATUS_MARGIN_CALL;
  return STATUS_HEALTHY;
}

export class KernelResults {
  equity: Float64Array;
  adjusted: Float64Array;
  im: Float64Array;
  mm: Float64Array;
  upnl: Float64Array;
  status: Int32Array;
  /** Room for this many accounts. */
  cap: number;

  constructor(cap: number, private readonly alloc: Allocate = localAllocate) {
    this.cap = cap;
    const f = () => new Float64Array(alloc(8 * cap));
    this.equity = f(); this.adjusted = f(); this.im = f(); this.mm = f(); this.upnl = f();
    this.status = new Int32Array(alloc(4 * cap));
  }

  /** Make room for `n` accounts (replaces the buffers; contents kept). */
  ensure(n: number): boolean {
    if (n <= this.cap) return false;
    const cap = Math.max(n, this.cap * 2);
    const f = (a: Float64Array) => { const b = new Float64Array(this.alloc(8 * cap)); b.set(a); return b; };
    this.equity = f(this.equity); this.adjusted = f(this.adjusted); this.im = f(this.im); this.mm = f(this.mm); this.upnl = f(this.upnl);
    const s = new Int32Array(this.alloc(4 * cap));
    s.set(this.status);
    this.status = s;
    this.cap = cap;
    return true;
  }

  /** Views over another thread's buffers, starting at account `offset`, for `n` accounts. */
  static view(buffers: ResultBuffers, offset: number, n: number): KernelResults {
    const r = Object.create(KernelResults.prototype) as KernelResults;
    r.equity = new Float64Array(buffers.equity, 8 * offset, n); r.adjusted = new Float64Array(buffers.adjusted, 8 * offset, n);
    r.im = new Float64Array(buffers.im, 8 * offset, n); r.mm = new Float64Array(buffers.mm, 8 * offset, n);
    r.upnl = new Float64Array(buffers.upnl, 8 * offset, n); r.status = new Int32Array(buffers.status, 4 * offset, n);
    r.cap = n;
    return r;
  }

  buffers(): ResultBuffers {
    return { equity: this.equity.buffer, adjusted: this.adjusted.buffer, im: this.im.buffer, mm: this.mm.buffer, upnl: this.upnl.buffer, status: this.status.buffer };
  }
}

/** The buffers behind a `KernelResults` (what is posted to a worker). */
export interface ResultBuffers {
  readonly equity: ArrayBufferLike;
  readonly adjusted: ArrayBufferLike;
  readonly im: ArrayBufferLike;
  readonly mm: ArrayBufferLike;
  readonly upnl: ArrayBufferLike;
  readonly status: ArrayBufferLike;
}
