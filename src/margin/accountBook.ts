import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { unitValueUsd } from "../pricing/instrumentValue.js";
import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import type { RiskContext } from "./riskContext.js";

/** Positions of an account resolved against a risk context, with their values in the numeraire. */
export interface AccountBook {
  readonly risks: readonly InstrumentRisk[];
  /** Value of each position in the numeraire (options at mark, spot at index, futures as P&L vs entry price or 0). */
  readonly values: readonly number[];
  readonly orderRisks: readonly InstrumentRisk[];
  /** Collateral value in the numeraire per asset. */
  readonly collateralValues: ReadonlyMap<string, number>;
  readonly equity: number;
}

/** Resolve an account's positions and collateral; failures name the path. */
export function accountBook(ctx: RiskContext, pf: Portfolio): Parsed<AccountBook> {
  const N = ctx.numeraire.index;
  const risks: InstrumentRisk[] = [];
  const values: number[] = [];
  let equity = 0;
  for (let i = 0; i < pf.positions.length; i++) {
    const p = pf.positions[i];
    const r = ctx.risk(p.instrument);
    if (!r.ok) return { ok: false, reason: `positions[${i}].instrument: ${r.reason}` };
    risks.push(r.value);
    const kind = p.instrument.kind;
    const isFuture = kind === "future" || kind === "perpetual";
    let v = 0;
    if (!isFuture) v = p.size * r.value.value;
    else if (p.entryPrice !== undefined) v = (p.size * unitValueUsd(r.value.resolved, 0, 0, p.entryPrice)) / N;
    values.push(v);
    equity += v;
  }
  const orderRisks: InstrumentRisk[] = [];
  for (let i = 0; i < pf.openOrders.length; i++) {
    const r = ctx.risk(pf.openOrders[i].instrument);
    if (!r.ok) return { ok: false, reason: `openOrders[${i}].instrument: ${r.reason}` };
    orderRisks.push(r.value);
  }
  const collateralValues = new Map<string, number>();
  for (const [asset, amount] of Object.entries(pf.collateral)) {
    const idx = ctx.usdIndex(asset);
    if (idx === undefined) return { ok: false, reason: `collateral.${asset}: no index for ${asset} in market.assets` };
    const v = (amount * idx) / N;
    collateralValues.set(asset, v);
    equity += v;
  }
  return { ok: true, value: { risks, values, orderRisks, collateralValues, equity } };
}
