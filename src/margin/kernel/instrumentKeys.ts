/**
 * Integer keys of instruments, so that the margin arithmetic never builds or hashes strings in its loops:
 * each instrument name gets a dense id with its kind code and its expiry slot key. The expiry key is the
 * roll-shock bucket of `expiryKey` in riskUnit.ts (a dated expiry by its code; the perpetual of each quote is an
 * expiry of its own) made unique per underlying, so "same key" means "same slot of the same risk unit".
 */
import type { Instrument } from "../../domain/instrument.js";

/** Kind codes (stored in a Uint8Array). */
export const KIND_SPOT = 0;
export const KIND_PERPETUAL = 1;
export const KIND_FUTURE = 2;
export const KIND_OPTION = 3;

export function kindCode(inst: Instrument): number {
  switch (inst.kind) {
    case "spot": return KIND_SPOT;
    case "perpetual": return KIND_PERPETUAL;
    case "future": return KIND_FUTURE;
    case "option": return KIND_OPTION;
  }
}

/** The roll-shock bucket of an instrument as text (riskUnit.ts `expiryKey`), or undefined for spot. */
export function expiryKeyText(inst: Instrument): string | undefined {
  if (inst.kind === "spot") return undefined;
  if (inst.kind === "perpetual") return inst.quote === "USD" ? "PERPETUAL" : `${inst.quote}:PERPETUAL`;
  return inst.expiryCode ?? "";
}

/** Dense ids of instrument names and of (underlying, expiry key) pairs. Not thread-safe; one per owner. */
export class InstrumentKeys {
  private readonly ids = new Map<string, number>();
  private readonly expiryIds = new Map<string, number>();
  private readonly assetIds = new Map<string, number>();
  private insts: Instrument[] = [];
  /** Asset codes by asset id (underlyings and any code passed to `asset`). */
  assetCodes: string[] = [];
  /** Underlying asset id per instrument id. */
  under: Int32Array = new Int32Array(256);
  /** Kind code per instrument id. */
  kind: Uint8Array = new Uint8Array(256);
  /** Expiry key id per instrument id (−1 for spot). */
  expiry: Int32Array = new Int32Array(256);

  /** Number of instrument ids handed out. */
  get size(): number {
    return this.insts.length;
  }

  /** Number of expiry key ids handed out. */
  get expiries(): number {
    return this.expiryIds.size;
  }

  /** The id of an instrument (assigned on first sight, in order). */
  id(inst: Instrument): number {
    const known = this.ids.get(inst.name);
    if (known !== undefined) return known;
    const id = this.insts.length;
    if (id >= this.kind.length) this.grow(id * 2);
    this.ids.set(inst.name, id);
    this.insts.push(inst);
    this.kind[id] = kindCode(inst);
    this.under[id] = this.asset(inst.underlying);
    const key = expiryKeyText(inst);
    if (key === undefined) this.expiry[id] = -1;
    else {
      const full = `${inst.underlying}|${key}`;
      let e = this.expiryIds.get(full);
      if (e === undefined) this.expiryIds.set(full, (e = this.expiryIds.size));
      this.expiry[id] = e;
    }
    return id;
  }

  /** The id of an asset code (assigned on first sight). */
  asset(code: string): number {
    let a = this.assetIds.get(code);
    if (a === undefined) { a = this.assetCodes.length; this.assetIds.set(code, a); this.assetCodes.push(code); }
    return a;
  }

  /** The id of a name already seen, or undefined. */
  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** The instrument of an id. */
  instrument(id: number): Instrument {
    return this.insts[id];
  }

  /** Forget every id (callers must not hold ids across a clear). */
  clear(): void {
    this.ids.clear();
    this.expiryIds.clear();
    this.assetIds.clear();
    this.insts = [];
    this.assetCodes = [];
  }

  private grow(cap: number): void {
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
    const e = new Int32Array(cap);
    e.set(this.expiry);
    this.expiry = e;
    const u = new Int32Array(cap);
    u.set(this.under);
    this.under = u;
  }
}
