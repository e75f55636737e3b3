/** The margin result and its explanation: the JSON contract of `dpm margin --json` (DESIGN.md section 10). */

export type MarginModel = "isolated" | "standard" | "portfolio" | "var";
export type MarginStatus = "healthy" | "margin_call" | "liquidation" | "bankrupt";

/** One component of the margin or of adjusted equity, in the result's currency. */
export interface MarginComponent {
  /** e.g. worstScenario, extendedScenario, rollShock, deltaShock, shortOptionMinimum, openOrders, haircut, correlationCredit. */
  readonly name: string;
  readonly underlying?: string;
  readonly instrument?: string;
  readonly amount: number;
  readonly scenario?: { readonly priceShock: number; readonly volShock: string; readonly weight?: number };
  /** Free-form details (rates, deltas, which way collateral was counted). */
  readonly detail?: Readonly<Record<string, number | string | boolean | null>>;
}

/** One input position, in input order, with value and Greeks in the result's currency. */
export interface PositionReport {
  readonly instrument: string;
  readonly size: number;
  /** In the instrument's quote unit (coin price for coin-settled options). */
  readonly markPrice: number;
  readonly value: number;
  /** Coins of the underlying. */
  readonly delta: number;
  /** Per coin per unit of index. */
  readonly gamma: number;
  /** Per 1 vol point. */
  readonly vega: number;
  /** Per day. */
  readonly theta: number;
  /** Margin the position adds (> 0) or removes (< 0): initial margin with it minus without it. */
  readonly marginContribution: number;
  readonly initialMargin?: number;
  readonly maintenanceMargin?: number;
}

/** A collateral balance as counted. */
export interface CollateralReport {
  readonly asset: string;
  readonly amount: number;
  /** Value in the result's currency. */
  readonly value: number;
  /** Haircut in the result's currency (0 when the balance joined its risk unit's scenarios). */
  readonly haircut: number;
  /** `scenario`: in its risk unit's scenarios at full value; `haircut`: outside them at its haircut value. */
  readonly countedAs: "scenario" | "haircut";
}

/** The headline figures every margin view carries (numeraire amounts; `marginRatio` = MM / adjusted equity, null when that is ≤ 0). */
export type MarginHeadline = Pick<MarginResult, "equity" | "adjustedEquity" | "initialMargin" | "maintenanceMargin" | "availableFunds" | "marginRatio" | "status">;

export interface MarginResult {
  readonly account: string;
  readonly model: MarginModel;
  readonly currency: string;
  readonly asOf: string;
  readonly equity: number;
  readonly adjustedEquity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly availableFunds: number;
  /** MM / adjusted equity; null when adjusted equity ≤ 0. */
  readonly marginRatio: number | null;
  readonly status: MarginStatus;
  readonly components: readonly MarginComponent[];
  readonly positions: readonly PositionReport[];
  readonly collateral: readonly CollateralReport[];
  readonly params: Readonly<Record<string, unknown>>;
}

/** Status from the four numbers (DESIGN.md section 1). */
export function marginStatus(equity: number, adjustedEquity: number, im: number, mm: number): MarginStatus {
  if (equity < 0) return "bankrupt";
  if (adjustedEquity < mm) return "liquidation";
  if (adjustedEquity < im) return "margin_call";
  return "healthy";
}

let lastAsOf = NaN, lastAsOfText = "";
/**
 * ISO 8601 text of a valuation time (epoch ms), as results carry it. Every account of a book shares one
 * snapshot time, so the last conversion is kept (Date#toISOString was a tenth of a book's margin time).
 */
export function asOfText(ms: number): string {
  if (ms !== lastAsOf) { lastAsOfText = new Date(ms).toISOString(); lastAsOf = ms; }
  return lastAsOfText;
}

export function marginRatio(mm: number, adjustedEquity: number): number | null {
  return adjustedEquity > 0 ? mm / adjustedEquity : null;
}
