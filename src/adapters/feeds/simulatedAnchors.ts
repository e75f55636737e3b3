/**
 * Anchoring the simulated market to a snapshot (issue 12): the feed quotes futures at the model forward
 * index × e^(rate·T) and options on its own smile, so without anchors its first tick moves every future to the
 * model forward (BTC-28MAR25 from its 95,500 mark to the index, 92,025, at rate 0) and every option to the smile.
 * Anchors keep what the snapshot says: each future's and perpetual's basis (mark ÷ model forward) and each
 * option's offset from the smile (its implied vol ÷ the smile's, the vol resolved as the margin code does:
 * markIv, else the surface, else the flat vol). Pure.
 */
import { parseInstrument } from "../../domain/instrument.js";
import { resolveInstrument } from "../../market/resolve.js";
import { MS_PER_YEAR, type MarketSnapshot } from "../../market/snapshot.js";
import { smileIv } from "./simulated.js";

/** The asset side of the feed's configuration that anchors depend on. */
export interface AnchorAsset {
  readonly asset: string;
  /** Starting index and flat vol of the simulation. */
  readonly spot: number;
  readonly vol: number;
  readonly rate?: number;
}

/** Per-instrument factors for `SimulatedConfig.basis` and `SimulatedConfig.ivScale`. */
export interface SimulatedAnchors {
  readonly basis: Record<string, number>;
  readonly ivScale: Record<string, number>;
}

/**
 * Anchors of `instruments` so that the feed starts where `snapshot` is: at `startTs` (the feed's first step) a
 * future's model forward × basis is its snapshot forward (its mark, or the index carried at the rate), an option's
 * smile vol × ivScale is its snapshot vol. Instruments the snapshot cannot value, or whose underlying is not
 * simulated, get no anchor (factor 1).
 */
export function simulatedAnchors(snapshot: MarketSnapshot, assets: readonly AnchorAsset[], instruments: readonly string[], startTs: number): SimulatedAnchors {
  const basis: Record<string, number> = {};
  const ivScale: Record<string, number> = {};
  const byAsset = new Map(assets.map((a) => [a.asset, a]));
  for (const name of instruments) {
    const p = parseInstrument(name);
    if (!p.ok || p.value.kind === "spot") continue;
    const inst = p.value;
    const a = byAsset.get(inst.underlying);
    const r = resolveInstrument(snapshot, inst);
    if (!a || !r.ok) continue;
    const T = inst.expiry === undefined ? 0 : (inst.expiry - startTs) / MS_PER_YEAR;
    if (inst.kind !== "perpetual" && T <= 0) continue;
    const model = a.spot * Math.exp((a.rate ?? 0) * T);
    if (inst.kind !== "option") {
      basis[name] = r.value.forward / model;
      continue;
    }
    const smile = smileIv(a.vol, inst.strike ?? model, model, T);
    if (smile > 0 && r.value.vol > 0) ivScale[name] = r.value.vol / smile;
  }
  return { basis, ivScale };
}
