/**
 * Greeks of a whole account in the numeraire: its positions, its spot collateral and, under a coin
 * numeraire, the value it holds outside that coin. The CLI's `dpm greeks` prints this; the service can
 * serve the same rows.
 */
import type { Parsed } from "../domain/instrument.js";
import type { Portfolio } from "../domain/portfolio.js";
import { greeksReport, type GreekSource, type GreeksRow, type HoldingGreeks } from "../risk/greeksReport.js";
import { accountBook } from "./accountBook.js";
import { spotInstrument, type RiskContext } from "./riskContext.js";

/**
 * Account-level Greeks per underlying and expiry (pure). Spot collateral of a risky asset counts as spot in
 * delta, in the numeraire's terms: 10 BTC held have delta 10 in USD terms and 0 in BTC terms (a coin does not
 * move against itself). Under a coin numeraire N every amount whose USD value does not move with N
 * (stablecoins, other assets, positions on other underlyings, at their value now) is worth value/N coins of N,
 * so it has delta −value (coins of N) and gamma value/N per coin per USD: the `NUMERAIRE` row on N.
 */
export function accountGreeks(ctx: RiskContext, pf: Portfolio): Parsed<GreeksRow[]> {
  const ab = accountBook(ctx, pf);
  if (!ab.ok) return ab;
  const num = ctx.numeraire;
  const coin = num.currency !== "USD" && !ctx.isStable(num.currency) && num.movesWith(num.currency) ? num.currency : undefined;
  let outside = 0;
  const positions: GreekSource[] = pf.positions.map((p, i) => {
    const r = ab.value.risks[i];
    if (coin !== undefined && p.instrument.underlying !== coin) outside += ab.value.values[i];
    return { instrument: p.instrument, delta: p.size * r.delta, gamma: p.size * r.gamma, vega: p.size * r.vega, theta: p.size * r.theta };
  });
  const collateral: HoldingGreeks[] = [];
  for (const [asset, amount] of Object.entries(pf.collateral)) {
    if (coin !== undefined && asset !== coin) outside += ab.value.collateralValues.get(asset) ?? 0;
    if (asset === "USD" || ctx.isStable(asset)) continue;
    const spot = ctx.risk(spotInstrument(asset));
    if (!spot.ok) return { ok: false, reason: `collateral.${asset}: ${spot.reason}` };
    collateral.push({ underlying: asset, delta: amount * spot.value.delta, gamma: amount * spot.value.gamma, held: amount });
  }
  // value_N = V/N with N the coin's index: δ = N·∂value_N/∂N = −value_N coins, γ = ∂δ/∂N = value_N/N.
  const numeraire = coin !== undefined && outside !== 0 ? { underlying: coin, delta: -outside, gamma: outside / num.index } : undefined;
  return { ok: true, value: greeksReport(positions, { collateral, ...(numeraire ? { numeraire } : {}) }) };
}
