/** Parameter-impact report: every account under two parameter sets, who crosses into margin call or liquidation. */
import type { Portfolio } from "../../domain/portfolio.js";
import { marginWith } from "../../margin/computeMargin.js";
import type { MarginResult, MarginStatus } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";
import { esc, histogram as binValues, histogramFrame, money, niceTicks, rect, signedPct, svg, text, type Bin } from "./svg.js";

/** One account's margins under the `from` and `to` parameters (numeraire of the contexts). */
export interface ImpactRow {
  readonly account: string;
  readonly imFrom: number;
  readonly imTo: number;
  readonly mmFrom: number;
  readonly mmTo: number;
  readonly adjustedEquityFrom: number;
  readonly adjustedEquityTo: number;
  readonly statusFrom: MarginStatus;
  readonly statusTo: MarginStatus;
  /** IM change relative to `from` (null when IM from is 0). */
  readonly imChange: number | null;
  /** `margin_call` or `liquidation` when the account newly enters that state (or worse); null otherwise. */
  readonly crosses: "margin_call" | "liquidation" | null;
}

export interface ImpactReport {
  readonly from: string;
  readonly to: string;
  readonly currency: string;
  readonly rows: readonly ImpactRow[];
  readonly summary: {
    readonly accounts: number;
    readonly imFrom: number;
    readonly imTo: number;
    readonly mmFrom: number;
    readonly mmTo: number;
    readonly intoMarginCall: number;
    readonly intoLiquidation: number;
    readonly imUp: number;
    readonly imDown: number;
  };
}

const RANK: Record<MarginStatus, number> = { healthy: 0, margin_call: 1, liquidation: 2, bankrupt: 3 };

function crossing(a: MarginStatus, b: MarginStatus): ImpactRow["crosses"] {
  if (RANK[b] <= RANK[a] || b === "healthy") return null;
  return b === "margin_call" ? "margin_call" : "liquidation";
}

/** Compute the impact of a parameter change (pure). `compute` failures are thrown by the caller's `run`. */
export function impactReport(
  from: { name: string; ctx: RiskContext }, to: { name: string; ctx: RiskContext }, portfolios: readonly Portfolio[],
  run: (ctx: RiskContext, pf: Portfolio) => MarginResult = (ctx, pf) => {
    const r = marginWith(ctx, pf, "portfolio");
    if (!r.ok) throw new Error(`${pf.account}: ${r.reason}`);
    return r.value;
  },
): ImpactReport {
  const rows = portfolios.map((pf): ImpactRow => {
    const a = run(from.ctx, pf), b = run(to.ctx, pf);
    return {
      account: pf.account, imFrom: a.initialMargin, imTo: b.initialMargin, mmFrom: a.maintenanceMargin, mmTo: b.maintenanceMargin,
      adjustedEquityFrom: a.adjustedEquity, adjustedEquityTo: b.adjustedEquity, statusFrom: a.status, statusTo: b.status,
      imChange: a.initialMargin !== 0 ? b.initialMargin / a.initialMargin - 1 : null, crosses: crossing(a.status, b.status),
    };
  });
  const sum = (f: (r: ImpactRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  return {
    from: from.name, to: to.name, currency: from.ctx.numeraire.currency, rows,
    summary: {
      accounts: rows.length, imFrom: sum((r) => r.imFrom), imTo: sum((r) => r.imTo), mmFrom: sum((r) => r.mmFrom), mmTo: sum((r) => r.mmTo),
      intoMarginCall: rows.filter((r) => r.crosses === "margin_call").length, intoLiquidation: rows.filter((r) => r.crosses === "liquidation").length,
      imUp: rows.filter((r) => r.imTo > r.imFrom).length, imDown: rows.filter((r) => r.imTo < r.imFrom).length,
    },
  };
}

const fmt = money;

/**
 * Axis of the IM-change histogram: round ticks over the changes and 0 (so the sign split is on the chart), the
 * domain widened to whole ticks, and two bins per tick step.
 */
export function histogramAxis(changes: readonly number[]): { lo: number; hi: number; ticks: number[]; bins: number } {
  const lo0 = Math.min(0, ...changes), hi0 = Math.max(0, ...changes);
  const t = niceTicks(lo0, hi0, 8);
  const step = t.length > 1 ? t[1] - t[0] : 0.01;
  // Whole multiples of the step, without float residue (−0.49999… → −0.5).
  const clean = (v: number) => (Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  const lo = clean(Math.floor(lo0 / step + 1e-9) * step), hi = clean(Math.max(lo + step, Math.ceil(hi0 / step - 1e-9) * step));
  const k = Math.round((hi - lo) / step);
  return { lo, hi, ticks: Array.from({ length: k + 1 }, (_, i) => clean(lo + i * step)), bins: 2 * k };
}

/** Histogram bins of IM change (fraction) on `histogramAxis`'s domain. */
export function histogram(changes: readonly number[]): Bin[] {
  const a = histogramAxis(changes);
  return binValues(changes, a.bins, [a.lo, a.hi]);
}

const DOWN = "#2a9d8f", UP = "#e76f51", ACROSS = "#8d99ae";

function svgHistogram(changes: readonly number[], from: string, to: string): string {
  const a = histogramAxis(changes);
  const bins = binValues(changes, a.bins, [a.lo, a.hi]);
  const pct = (v: number) => signedPct(v, Math.abs(v * 100 - Math.round(v * 100)) < 1e-9 ? 0 : 1);
  const f = histogramFrame(bins, {
    title: `accounts by initial-margin change, ${from} → ${to} (bins of ${((a.hi - a.lo) / a.bins * 100).toFixed(1)} %; count above each bar)`,
    fill: (b) => (b.hi <= 0 ? DOWN : b.lo >= 0 ? UP : ACROSS),
    tip: (b) => `IM change ${pct(b.lo)} to ${pct(b.hi)}: ${b.count} account${b.count === 1 ? "" : "s"}`,
    tick: pct, ticks: a.ticks,
    barLabel: (b) => (b.count > 0 ? String(b.count) : undefined),
  });
  const y = f.height + 4;
  const key = [[DOWN, "IM down"], [UP, "IM up"], [ACROSS, "bin spans 0"]].map(([c, l], i) => rect(44 + i * 96, y - 9, 10, 10, { fill: c }) + text(58 + i * 96, y, l, { size: 10 })).join("");
  return svg(f.width, f.height + 12, "distribution of IM change", f.body + key);
}

/** Self-contained HTML page (inline SVG, no scripts, no external resources). */
export function impactHtml(r: ImpactReport): string {
  const changes = r.rows.map((x) => x.imChange).filter((x): x is number => x !== null);
  const s = r.summary;
  const rows = [...r.rows].sort((a, b) => (b.imTo - b.imFrom) - (a.imTo - a.imFrom)).map((x) =>
    `<tr${x.crosses ? ' class="cross"' : ""}><td>${esc(x.account)}</td><td>${fmt(x.imFrom)}</td><td>${fmt(x.imTo)}</td><td>${x.imChange === null ? "n/a" : signedPct(x.imChange)}</td><td>${fmt(x.mmFrom)}</td><td>${fmt(x.mmTo)}</td><td>${fmt(x.adjustedEquityTo)}</td><td>${x.statusFrom}</td><td>${x.statusTo}</td></tr>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>dpm impact ${esc(r.from)} → ${esc(r.to)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}td:first-child,th:first-child{text-align:left}tr.cross{background:#fde2e2}</style></head><body>
<h1>Parameter impact: ${esc(r.from)} → ${esc(r.to)}</h1>
<p>${s.accounts} accounts (${esc(r.currency)}). Total IM ${fmt(s.imFrom)} → ${fmt(s.imTo)}; total MM ${fmt(s.mmFrom)} → ${fmt(s.mmTo)}.
IM up for ${s.imUp}, down for ${s.imDown}. Newly in margin call: <b>${s.intoMarginCall}</b>; newly in liquidation: <b>${s.intoLiquidation}</b>.</p>
${svgHistogram(changes, r.from, r.to)}
<table><thead><tr><th>account</th><th>IM from</th><th>IM to</th><th>IM change</th><th>MM from</th><th>MM to</th><th>adj. equity</th><th>status from</th><th>status to</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
