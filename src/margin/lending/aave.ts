/**
 * An Aave-v3-style lending venue (docs/venues.md): supplied reserves back borrowed ones.
 *
 *   health factor HF = Σ supplied value × liquidation threshold / Σ borrowed value   (Aave: liquidatable below 1)
 *   borrowing power   = Σ supplied value × LTV                                        (new borrows stop above it)
 *
 * Mapped onto dpm's margin terms so a lending venue sits in the same table as the exchanges:
 *   equity            = Σ supplied − Σ borrowed                 (net worth; < 0 is bad debt: `bankrupt`)
 *   adjusted equity   = Σ supplied × liquidation threshold      (what backs the debt)
 *   maintenance       = Σ borrowed                              → marginRatio = MM / adjusted equity = 1 / HF
 *   initial           = Σ borrowed + Σ supplied × (LT − LTV)    → available = borrowing power − debt (Aave's "available to borrow")
 * so `liquidation` ⇔ HF < 1 and `margin_call` ⇔ debt above borrowing power, exactly. All amounts USD at the
 * snapshot's indices (a reserve must have its own index: WBTC and WETH are priced as themselves, so a depeg shows).
 * Pure.
 */
import type { Parsed } from "../../domain/instrument.js";
import type { MarketSnapshot } from "../../market/snapshot.js";
import { marginRatio, marginStatus, type MarginHeadline } from "../result.js";

/** Risk parameters of one reserve, as fractions (0.83 = 83 %). */
export interface AaveReserve {
  /** Underlying whose price the reserve tracks (WBTC → BTC), for depeg scenarios. */
  readonly underlying: string;
  readonly ltv: number;
  readonly liquidationThreshold: number;
  /** Bonus a liquidator receives on the collateral it seizes (0.05 = 5 %). */
  readonly liquidationBonus: number;
}

/** A lending preset (`presets/lending/NAME.json`). */
export interface AaveParams {
  readonly name: string;
  readonly source: string;
  /** Share of the debt a liquidator may repay in one call while HF ≥ fullCloseBelowHf (Aave v3: 0.5). */
  readonly closeFactor: number;
  /** Below this HF the whole debt may be repaid at once (Aave v3: 0.95). */
  readonly fullCloseBelowHf: number;
  readonly reserves: Readonly<Record<string, AaveReserve>>;
}

/** Supplied and borrowed amounts of one lending account (asset units). */
export interface LendingPosition {
  readonly supplied: Readonly<Record<string, number>>;
  readonly borrowed: Readonly<Record<string, number>>;
}

/** A lending venue's state in dpm's margin terms (USD) plus Aave's own figures. */
export interface LendingMargin extends MarginHeadline {
  /** Σ collateral × LT / Σ debt; null without debt (Aave shows it as infinite). */
  readonly healthFactor: number | null;
  readonly collateralUsd: number;
  readonly debtUsd: number;
  readonly borrowingPowerUsd: number;
  /** When HF < 1: the debt a liquidator may repay now and what the account loses to the bonus on it (USD). */
  readonly liquidation: { readonly repayUsd: number; readonly bonusLossUsd: number } | null;
}

function priceOf(market: MarketSnapshot, asset: string): number | undefined {
  return asset === "USD" ? 1 : market.assets[asset]?.index;
}

/** Margin of a lending account on a market under a lending preset; an unknown reserve or missing index is a reason. */
export function lendingMargin(market: MarketSnapshot, p: AaveParams, pos: LendingPosition): Parsed<LendingMargin> {
  let coll = 0, collLt = 0, collLtv = 0, debt = 0, worstBonus = 0;
  for (const [side, book] of [["supplied", pos.supplied], ["borrowed", pos.borrowed]] as const) {
    for (const [a, x] of Object.entries(book)) {
      const r = p.reserves[a];
      if (!r) return { ok: false, reason: `${side}.${a}: not a reserve of ${p.name} (${Object.keys(p.reserves).join(", ")})` };
      const px = priceOf(market, a);
      if (px === undefined) return { ok: false, reason: `${side}.${a}: no index for ${a} in market.assets` };
      const v = x * px;
      if (side === "borrowed") { debt += v; continue; }
      coll += v; collLt += v * r.liquidationThreshold; collLtv += v * r.ltv;
      if (x > 0) worstBonus = Math.max(worstBonus, r.liquidationBonus);
    }
  }
  const equity = coll - debt, im = debt + (collLt - collLtv), mm = debt;
  const hf = debt > 0 ? collLt / debt : null;
  let liquidation: LendingMargin["liquidation"] = null;
  if (hf !== null && hf < 1) {
    const repay = debt * (hf < p.fullCloseBelowHf ? 1 : p.closeFactor);
    liquidation = { repayUsd: repay, bonusLossUsd: Math.min(repay * worstBonus, Math.max(0, coll - repay)) };
  }
  return {
    ok: true,
    value: {
      equity, adjustedEquity: collLt, initialMargin: im, maintenanceMargin: mm, availableFunds: collLt - im,
      marginRatio: marginRatio(mm, collLt), status: marginStatus(equity, collLt, im, mm), healthFactor: hf,
      collateralUsd: coll, debtUsd: debt, borrowingPowerUsd: collLtv, liquidation,
    },
  };
}
