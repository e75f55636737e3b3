import type { ResolvedInstrument } from "../market/resolve.js";
import { black76Greeks, black76Price } from "./black76.js";

/**
 * USD value of one unit of an instrument when the index and every forward of its underlying move by the
 * factor (1 + shock) and the option vol is `vol`. Futures and perpetuals are valued as their P&L against
 * `reference` (quote per coin; the current forward when omitted):
 * - linear: (F − ref) × quote index;
 * - inverse (size in USD notional): coin P&L (1/ref − 1/F), converted at the shocked index.
 * Options: Black-76 on the shocked forward (USD per coin, times the quote index for linear options).
 * Spot: the shocked index.
 */
export function unitValueUsd(r: ResolvedInstrument, shock: number, vol: number, reference?: number): number {
  const m = 1 + shock;
  const S = r.index * m;
  const F = r.forward * m;
  const inst = r.instrument;
  switch (inst.kind) {
    case "spot":
      return S;
    case "perpetual":
    case "future": {
      const ref = reference ?? r.forward;
      return inst.settlement === "linear" ? (F - ref) * r.quoteIndex : (1 / ref - 1 / F) * S;
    }
    case "option": {
      const p = black76Price(inst.right ?? "call", F, inst.strike ?? 0, r.T, vol, r.rate);
      return inst.settlement === "linear" ? p * r.quoteIndex : p;
    }
  }
}

/** Sensitivities of one unit's USD value to the index (not the forward) and to vol and time. */
export interface UnitGreeksUsd {
  /** ∂V/∂S in coins. */
  readonly delta: number;
  /** ∂²V/∂S² per coin per USD. */
  readonly gamma: number;
  /** ∂V/∂σ per 1.00 of vol. */
  readonly vega: number;
  /** ∂V/∂t per year (time passing). */
  readonly theta: number;
  readonly vanna: number;
  readonly volga: number;
}

/** Greeks of one unit's USD value, with the forward moving with the index (dF/dS = F/S). */
export function unitGreeksUsd(r: ResolvedInstrument, reference?: number): UnitGreeksUsd {
  const inst = r.instrument;
  const c = r.forward / r.index;
  switch (inst.kind) {
    case "spot":
      return { delta: 1, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 };
    case "perpetual":
    case "future": {
      const ref = reference ?? r.forward;
      // linear: V = (cS − ref)q → ∂V/∂S = c q. inverse: V = S/ref − 1/c → ∂V/∂S = 1/ref.
      const delta = inst.settlement === "linear" ? c * r.quoteIndex : 1 / ref;
      return { delta, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 };
    }
    case "option": {
      const g = black76Greeks(inst.right ?? "call", r.forward, inst.strike ?? 0, r.T, r.vol, r.rate);
      const q = inst.settlement === "linear" ? r.quoteIndex : 1;
      return {
        delta: g.delta * c * q,
        gamma: g.gamma * c * c * q,
        vega: g.vega * q,
        theta: g.theta * q,
        vanna: g.vanna * c * q,
        volga: g.volga * q,
      };
    }
  }
}
