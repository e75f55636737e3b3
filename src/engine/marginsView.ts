/**
 * `engine.margins` (a read-only view over the published margins of `EngineMargins`, building `AccountMargin`s on
 * demand) and the payload of the `margins` bus event.
 */
import type { MarginStatus } from "../margin/result.js";
import type { AccountMargin } from "./accountMargin.js";
import type { EngineMargins } from "./engineMargins.js";

/**
 * `engine.margins`: the published margins as a read-only map whose values are built on demand (`get`, iteration
 * for the API, the fleet view and lists). Iteration follows the state's account order.
 */
export class MarginsView implements Iterable<[string, AccountMargin]> {
  constructor(private readonly m: EngineMargins) {}

  get(id: string): AccountMargin | undefined {
    return this.m.get(id);
  }

  has(id: string): boolean {
    return this.m.has(id);
  }

  /** Sequence number of the event after which the account's published margin was computed (no object built). */
  seqOf(id: string): number | undefined {
    return this.m.seqOf(id);
  }

  get size(): number {
    let n = 0;
    for (const _ of this.m.ids()) n++;
    return n;
  }

  keys(): IterableIterator<string> {
    return this.m.ids();
  }

  /** Published accounts per status, counted from the typed columns (no objects built). */
  countByStatus(): Record<MarginStatus, number> {
    const out: Record<MarginStatus, number> = { healthy: 0, margin_call: 0, liquidation: 0, bankrupt: 0 };
    for (const id of this.m.ids()) { const st = this.m.statusOf(id); if (st) out[st]++; }
    return out;
  }

  /** Accounts in liquidation or bankrupt, margined without error (the liquidation candidates), in no particular order. */
  inLiquidation(): IterableIterator<string> {
    return this.m.due.values();
  }

  *values(): IterableIterator<AccountMargin> {
    for (const id of this.m.ids()) { const v = this.m.get(id); if (v) yield v; }
  }

  *entries(): IterableIterator<[string, AccountMargin]> {
    for (const id of this.m.ids()) { const v = this.m.get(id); if (v) yield [id, v]; }
  }

  [Symbol.iterator](): IterableIterator<[string, AccountMargin]> {
    return this.entries();
  }

  forEach(f: (v: AccountMargin, k: string) => void): void {
    for (const [k, v] of this.entries()) f(v, k);
  }
}

/**
 * Payload of the `margins` bus event: accounts re-margined after event `seq`. `ids` lists them; `accounts` builds
 * their `AccountMargin`s on first read (the published figures at that time: read it in the listener).
 */
export interface MarginsChanged {
  readonly seq: number;
  /** The re-margined accounts' ids (built when first read). */
  readonly ids: readonly string[];
  /** The re-margined accounts' margins, built when first read. */
  readonly accounts: readonly AccountMargin[];
  /** Assets whose price moved with this event. */
  readonly moved: readonly string[];
}

/** The `margins` payload of an event: ids and accounts built when first read. */
export function marginsChanged(view: MarginsView, seq: number, idsOf: () => readonly string[], moved: readonly string[]): MarginsChanged {
  let ids: readonly string[] | undefined, accounts: AccountMargin[] | undefined;
  return {
    seq, moved,
    get ids() { return (ids ??= idsOf()); },
    get accounts() { return (accounts ??= this.ids.map((id) => view.get(id)).filter((m): m is AccountMargin => m !== undefined)); },
  };
}
