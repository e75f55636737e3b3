import type { InstrumentRisk } from "../risk/instrumentRisk.js";
import type { RiskContext } from "./riskContext.js";
import { spotInstrument } from "./riskContext.js";

/**
 * The numeraire's own risk unit, when the numeraire is a coin (`--currency BTC`): every amount whose USD
 * value does not move with that coin (stablecoin balances, other assets, positions on other underlyings)
 * is converted into the coin at the index of the scenario (DESIGN.md section 10). One numeraire unit of
 * such value becomes 1/(1 + s) units when the coin moves by s: a P&L of 1/(1 + s) − 1. This is that
 * per-unit vector (delta-1: the extended moves take the grid edge of the same side); delta −1 coin.
 * Undefined when the numeraire is USD or a stablecoin (nothing moves with it).
 */
export function numeraireExposureRisk(ctx: RiskContext): InstrumentRisk | undefined {
  const c = ctx.numeraire.currency;
  if (c === "USD" || ctx.isStable(c) || !ctx.numeraire.movesWith(c)) return undefined;
  const spot = ctx.risk(spotInstrument(c));
  if (!spot.ok) return undefined;
  const g = ctx.grid(c);
  const n = g.priceShocks.length;
  const grid = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const pnl = 1 / (1 + g.priceShocks[i]) - 1;
    grid[3 * i] = pnl; grid[3 * i + 1] = pnl; grid[3 * i + 2] = pnl;
  }
  const extended = Float64Array.from(g.extendedMoves, (m, k) => g.extendedWeights[k] * grid[m < 0 ? 1 : 3 * (n - 1) + 1]);
  return { ...spot.value, grid, extended, value: 1, markPrice: 1, delta: -1, gamma: 0, vega: 0, theta: 0, volUp: 0, volDown: 0 };
}
