/** The self-contained HTML page of `dpm report` (inline CSS and SVG; no scripts, fonts or external resources). */
import { backtestSvg, heatmapSvg, lossDistributionSvg, marginSvg, statusColour, stressSvg } from "./riskCharts.js";
import type { RiskReportData } from "./riskReport.js";
import { esc, money, signedPct } from "./svg.js";

const pct = (v: number, d = 2): string => `${(v * 100).toFixed(d)}%`;
const status = (s: string): string => `<span style="color:${statusColour(s)};font-weight:bold">${esc(s.replace("_", " "))}</span>`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function marginSection(d: RiskReportData): string {
  const base = d.margins.find((m) => m.model === "standard")?.initialMargin ?? 0;
  const rows = d.margins.map((m) => [esc(m.model), money(m.equity), money(m.adjustedEquity), money(m.initialMargin), money(m.maintenanceMargin), money(m.availableFunds),
    base > 0 ? pct(m.initialMargin / base, 1) : "n/a", status(m.status)]);
  return `<h2>Margin by model</h2>${marginSvg(d.margins, d.currency)}
${table(["model", "equity", "adj. equity", "IM", "MM", "available", "IM vs standard", "status"], rows)}`;
}

function heatmapSection(d: RiskReportData): string {
  if (d.heatmaps.length === 0) return "";
  return `<h2>Scenario P&amp;L grid (portfolio model)</h2>
<p>Each risk unit's P&amp;L under the standard grid (price moves × vol up / unchanged / down) and the extended moves
(revalued with vol up, weighted by their weight in the margin). The margin's worst scenario is the outlined cell.</p>
${d.heatmaps.map((h) => `<figure>${heatmapSvg(h, d.currency)}</figure>`).join("\n")}`;
}

function varSection(d: RiskReportData): string {
  const l = d.lossDistribution;
  if (!l) return "";
  const r = l.report, w = r.worstScenario;
  const moves = Object.entries(w.returns).map(([a, x]) => `${esc(a)} ${signedPct(Math.expm1(x), 1)}`).join(", ");
  return `<h2>Loss distribution, VaR and Expected Shortfall</h2>${lossDistributionSvg(l)}
${table(["method", "confidence", "horizon", "scenarios (k)", "window", "VaR", "ES", "VaR/equity", "ES/equity"], [[esc(r.method), pct(r.confidence, 1), `${r.horizon} day${r.horizon > 1 ? "s" : ""}`,
    `${r.scenarios.toLocaleString("en-US")} (${r.k})`, `${r.window.from}..${r.window.to}`, `<b>${money(r.var)}</b>`, `<b>${money(r.es)}</b>`,
    r.equity > 0 ? pct(r.var / r.equity) : "n/a", r.equity > 0 ? pct(r.es / r.equity) : "n/a"]])}
<p>Worst scenario: ${w.date ?? `path ${w.index}`} (${moves}), P&amp;L ${money(w.pnl)}. Annualised vol now: ${Object.entries(r.annualVol).map(([a, v]) => `${esc(a)} ${pct(v, 1)}`).join(", ")}.</p>`;
}

function backtestSection(d: RiskReportData): string {
  const b = d.backtest;
  if (!b) return "";
  const pm = b.portfolioModel;
  return `<h2>Backtest</h2>${backtestSvg(b)}
${table(["days", "breaches", "expected", "rate", "Kupiec LR (p)", "Christoffersen LR (p)", "traffic light"], [[String(b.observations), String(b.breaches), b.expectedBreaches.toFixed(1), pct(b.breachRate),
    `${b.kupiec.lr.toFixed(3)} (${b.kupiec.pValue.toFixed(4)})`, `${b.christoffersen.lr.toFixed(3)} (${b.christoffersen.pValue.toFixed(4)})`, `<b>${b.trafficLight}</b>`]])}
${pm ? `<p>Portfolio-model margin now ${money(pm.margin)}: a day's loss exceeded it on ${pm.exceedances} of ${b.observations} days (${pct(pm.rate)}); worst day's loss ${money(pm.worstLoss)}. The book is held constant at today's market (hypothetical P&amp;L).</p>` : ""}`;
}

function stressSection(d: RiskReportData): string {
  if (d.stress.length === 0) return "";
  const rows = d.stress.map((r) => [esc(r.scenario), esc(r.date ?? ""), money(r.pnl), money(r.equityAfter), money(r.initialMarginAfter), money(r.maintenanceMarginAfter), status(r.statusAfter),
    esc(Object.entries(r.moves).map(([a, v]) => `${a} ${signedPct(v, 1)}`).join(", ") + (r.unshocked.length > 0 ? ` (not moved: ${r.unshocked.join(", ")})` : ""))]);
  return `<h2>Historical stress scenarios</h2>${stressSvg(d.stress, d.currency)}
${table(["scenario", "date", "P&L", "equity after", "IM after", "MM after", "status after", "moves"], rows)}`;
}

const STYLE = "body{font-family:sans-serif;margin:1.5em auto;max-width:1000px;color:#111}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}" +
  "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #e0e0e0;white-space:nowrap}td:last-child,th:last-child{white-space:normal;text-align:left}td:first-child,th:first-child{text-align:left}" +
  "figure{margin:.6em 0}svg{display:block;max-width:100%;height:auto}p{font-size:.92em}.notes{color:#666}";

/** The whole report for one or more accounts. */
export function riskReportHtml(reports: readonly RiskReportData[]): string {
  const title = reports.length === 1 ? `dpm risk report: ${reports[0].account}` : `dpm risk report: ${reports.length} accounts`;
  const body = reports.map((d) => `<section><h1>Account ${esc(d.account)}</h1>
<p>Market as of ${esc(d.asOf)}; parameters <b>${esc(d.preset)}</b>; amounts in ${esc(d.currency)}.</p>
${d.notes.length > 0 ? `<p class="notes">${d.notes.map(esc).join("<br>")}</p>` : ""}
${marginSection(d)}
${heatmapSection(d)}
${varSection(d)}
${backtestSection(d)}
${stressSection(d)}</section>`).join("\n<hr>\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>
${body}
</body></html>
`;
}
