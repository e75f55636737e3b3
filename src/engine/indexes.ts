/**
 * Lookup tables the engine keeps beside the state: which accounts depend on an asset (positions or resting
 * orders on it or quoted in it, balances in it), which accounts share an owner, and which instruments are held.
 */
import { instrumentOf, type AccountState } from "./state.js";
import { venueAssets, venueInstruments } from "./venueLedger.js";

/** Names of the instruments an account holds positions or resting orders on (at any of its venues). */
export function instrumentsOf(a: AccountState): Set<string> {
  const names = new Set(a.positions.keys());
  if (a.venues) for (const n of venueInstruments(a)) names.add(n);
  for (const o of a.orders?.values() ?? []) names.add(o.instrument);
  return names;
}

export class Indexes {
  private readonly byAsset = new Map<string, Set<string>>();
  private readonly assetsOf = new Map<string, Set<string>>();
  private readonly instrumentsOf = new Map<string, Set<string>>();
  private readonly held = new Map<string, number>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly all = new Set<string>();
  /** Incremented whenever an entry changes (so lists derived from `dependents` can be cached). */
  version = 0;

  clear(): void {
    this.version++;
    this.byAsset.clear(); this.assetsOf.clear(); this.instrumentsOf.clear(); this.held.clear(); this.owners.clear(); this.all.clear();
  }

  /** Refresh the entries of one account after its state changed. */
  touch(a: AccountState): void {
    this.version++;
    this.all.add(a.id);
    let o = this.owners.get(a.owner);
    if (!o) this.owners.set(a.owner, (o = new Set()));
    o.add(a.id);
    const assets = new Set<string>();
    const insts = new Set<string>();
    // Resting orders are margined too: their instruments' assets move the account's IM.
    for (const name of instrumentsOf(a)) {
      const i = instrumentOf(name);
      insts.add(name);
      assets.add(i.underlying);
      if (i.settlement === "linear" && i.kind !== "spot") assets.add(i.quote);
    }
    for (const asset of a.balances.keys()) assets.add(asset);
    if (a.venues) for (const asset of venueAssets(a)) assets.add(asset);
    for (const old of this.assetsOf.get(a.id) ?? []) if (!assets.has(old)) this.byAsset.get(old)?.delete(a.id);
    for (const x of assets) {
      let s = this.byAsset.get(x);
      if (!s) this.byAsset.set(x, (s = new Set()));
      s.add(a.id);
    }
    this.assetsOf.set(a.id, assets);
    const before = this.instrumentsOf.get(a.id) ?? new Set<string>();
    for (const n of before) if (!insts.has(n)) this.bump(n, -1);
    for (const n of insts) if (!before.has(n)) this.bump(n, 1);
    this.instrumentsOf.set(a.id, insts);
  }

  private bump(name: string, d: number): void {
    const c = (this.held.get(name) ?? 0) + d;
    if (c <= 0) this.held.delete(name);
    else this.held.set(name, c);
  }

  /** Accounts of an owner. */
  linked(owner: string): ReadonlySet<string> {
    return this.owners.get(owner) ?? new Set();
  }

  /** Accounts whose margin depends on an asset (`*`: all). */
  dependents(asset: string): ReadonlySet<string> {
    if (asset === "*") return this.all;
    return this.byAsset.get(asset) ?? new Set();
  }

  heldInstruments(): string[] {
    return [...this.held.keys()].sort();
  }

  heldUnderlyings(): Set<string> {
    return new Set(this.heldInstruments().map((n) => instrumentOf(n).underlying));
  }

  /** Expiry codes of held instruments on `underlying` that expired at or before `now` (08:00 UTC rule). */
  expiredOn(underlying: string, now: number): string[] {
    const out = new Set<string>();
    for (const n of this.held.keys()) {
      const i = instrumentOf(n);
      if (i.underlying === underlying && i.expiry !== undefined && i.expiry <= now && i.expiryCode) out.add(i.expiryCode);
    }
    return [...out].sort();
  }
}
