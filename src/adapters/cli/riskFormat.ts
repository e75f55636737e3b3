/** Text output of the risk commands (var, stress, backtest, calibrate). */
import type { BacktestReport } from "../../analytics/backtest.js";
import type { ReverseStressResult } from "../../analytics/reverseStress.js";
import type { StressResult } from "../../analytics/stress.js";
import type { VarReport } from "../../analytics/varReport.js";
import { amount, table } from "./format.js";

const pct = (v: number, d = 2): string => `${(v * 100).toFixed(d)}%`;
const moves = (m: Readonly<Record<string, number>>): string => Object.entries(m).map(([a, v]) => `${a} ${v >= 0 ? "+" : ""}${pct(v, 1)}`).join(", ");

export function formatVar(r: VarReport): string {
  const c = r.currency;
  const head = `account ${r.account} | ${r.method} | ${pct(r.confidence, 1)} | ${r.horizon}-day | ${r.scenarios} scenarios (k = ${r.k}) | window ${r.window.from}..${r.window.to} | ${c}`;
  const vols = Object.entries(r.annualVol).map(([a, v]) => `${a} ${pct(v, 1)}`).join(", ");
  const w = r.worstScenario;
  return [head, table(["equity", "VaR", "ES", "VaR/equity", "ES/equity"], [[amount(r.equity, c), amount(r.var, c), amount(r.es, c),
    r.equity > 0 ? pct(r.var / r.equity) : "n/a", r.equity > 0 ? pct(r.es / r.equity) : "n/a"]]),
  `annualised vol now: ${vols}`,
  `worst scenario: ${w.date ?? `path ${w.index}`} (${Object.entries(w.returns).map(([a, x]) => `${a} ${pct(Math.expm1(x), 1)}`).join(", ")}) P&L ${amount(w.pnl, c)}`,
  ...(r.correlationRepair?.repaired ? [`correlation repaired to the nearest correlation matrix (min eigenvalue ${r.correlationRepair.minEigenBefore.toExponential(2)}, distance ${r.correlationRepair.distance.toFixed(4)})`] : []),
  ].join("\n");
}

export function formatStress(account: string, currency: string, rows: readonly StressResult[]): string {
  return [`account ${account} | stress (${currency})`, table(["scenario", "P&L", "equity after", "IM after", "MM after", "status before", "status after", "moves"], rows.map((r) => [
    r.scenario, amount(r.pnl, currency), amount(r.equityAfter, currency), amount(r.initialMarginAfter, currency), amount(r.maintenanceMarginAfter, currency),
    r.statusBefore, r.statusAfter, moves(r.moves) + (r.unshocked.length > 0 ? ` (not moved: ${r.unshocked.join(",")})` : ""),
  ]))].join("\n");
}

export function formatReverse(r: ReverseStressResult): string {
  const row = (name: string, x: ReverseStressResult["liquidation"]) => x
    ? [name, pct(x.distance, 2), moves(x.moves), amount(x.equity, r.currency), amount(x.maintenanceMargin, r.currency)]
    : [name, "not reached", "", "", ""];
  return [`reverse stress | account ${r.account} | model ${r.model} | direction ${Object.entries(r.direction).map(([a, w]) => `${a} ${w >= 0 ? "+" : ""}${w}`).join(", ")} (${r.directionsTried} tried) | ${r.currency}`,
    table(["threshold", "distance", "joint move", "equity there", "MM there"], [row("liquidation", r.liquidation), row("bankruptcy", r.bankruptcy)])].join("\n");
}

export function formatBacktest(r: BacktestReport): string {
  const c = r.currency;
  const lines = [
    `account ${r.account} | backtest ${r.method} ${pct(r.confidence, 1)} 1-day VaR | window ${r.window} | ${r.from}..${r.to} (${c})`,
    table(["observations", "breaches", "expected", "rate", "Kupiec LR", "p-value", "Christoffersen LR", "p-value", "traffic light"], [[
      String(r.observations), String(r.breaches), r.expectedBreaches.toFixed(1), pct(r.breachRate), r.kupiec.lr.toFixed(3), r.kupiec.pValue.toFixed(4),
      r.christoffersen.lr.toFixed(3), r.christoffersen.pValue.toFixed(4), r.trafficLight,
    ]]),
  ];
  if (r.portfolioModel) {
    const p = r.portfolioModel;
    lines.push(`portfolio model: margin now ${amount(p.margin, c)}; a day's loss exceeded it on ${p.exceedances} of ${r.observations} days (${pct(p.rate)}); worst day's loss ${amount(p.worstLoss, c)}`);
  }
  return lines.join("\n");
}
