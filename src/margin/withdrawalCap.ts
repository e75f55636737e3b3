/**
 * Withdrawal check with unrealised profit capped (abuse of the model: Mango Markets, October 2022,
 * where a pumped perpetual's paper profit was borrowed and withdrawn). A withdrawal is allowed when the
 * account after it still has
 *   adjusted equity − haircut × max(0, unrealised P&L) ≥ initial margin,
 * so positive unrealised P&L backs open positions but cannot leave the venue (haircut 1: none of it;
 * 0: all of it). Pure; amounts in the result's currency.
 */

export interface WithdrawalCheckInput {
  readonly adjustedEquityAfter: number;
  readonly initialMarginAfter: number;
  /** Unrealised P&L of the positions (after the withdrawal: unchanged by it). */
  readonly unrealisedPnl: number;
  /** Fraction of positive unrealised P&L excluded, in [0, 1]. */
  readonly haircut: number;
}

export interface WithdrawalCheck {
  readonly ok: boolean;
  /** adjusted equity − haircut × max(0, uPnL) − IM after the withdrawal (≥ 0 when ok). */
  readonly headroom: number;
  readonly excludedProfit: number;
}

export function withdrawalCheck(i: WithdrawalCheckInput): WithdrawalCheck {
  const excluded = i.haircut * Math.max(0, i.unrealisedPnl);
  const headroom = i.adjustedEquityAfter - excluded - i.initialMarginAfter;
  return { ok: headroom >= 0 && Number.isFinite(headroom), headroom, excludedProfit: excluded };
}
