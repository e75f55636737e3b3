/**
 * The self-contained HTML report of `dpm adapt backtest --html F`: the model tables (raw and with APC),
 * the adaptive model's targets and coefficients, and per asset one chart of every model's predicted move
 * m_t against the realised |h-day log move| (breaches of the adaptive model marked). Inline CSS and SVG
 * only (no scripts, fonts or external resources). Lines are reduced to their per-pixel maximum so a
 * 3,000-day series stays light without hiding a peak.
 */
import type { AssetBacktest } from "../../analytics/adaptive/walkForward.js";
import { MODEL_NAMES, type ModelName } from "../../analytics/adaptive/models.js";
import type { AssetSummary } from "../../analytics/adaptive/summary.js";
import type { Coverage, MoveMetrics } from "../../analytics/adaptive/evaluate.js";
import { dayText } from "../../risk/history.js";
import { ordinal, type AdaptRunInfo } from "./adaptTable.js";
import { axisBottom, axisLeft, circle, esc, line, linearScale, niceTicks, polyline, rect, svg, text, type Scale } from "./svg.js";

const COLOUR: Record<ModelName | "apc", string> = { static: "#757575", ewma: "#1565c0", garch: "#6a1b9a", adaptive: "#ef6c00", apc: "#2e7d32" };
const pct = (v: number, d = 2): string => `${(v * 100).toFixed(d)}%`;

/** Per-pixel-column maxima of a series: [index, value] pairs, at most `columns` of them. */
function envelope(v: Float64Array, columns: number): [number, number][] {
  const step = Math.max(1, Math.ceil(v.length / columns)), out: [number, number][] = [];
  for (let i = 0; i < v.length; i += step) {
    let best = i;
    for (let j = i; j < Math.min(v.length, i + step); j++) if (v[j] > v[best]) best = j;
    out.push([best, v[best]]);
  }
  return out;
}

/** Small round dots as one path (M x y h0 per dot, round caps): far lighter than one <circle> each. */
function dots(points: readonly [number, number][], colour: string, size: number): string {
  const d = points.map(([x, y]) => `M${x.toFixed(1)} ${y.toFixed(1)}h0`).join("");
  return d === "" ? "" : `<path d="${d}" stroke="${colour}" stroke-width="${size}" stroke-linecap="round" fill="none"/>`;
}

function yearTicks(periods: Int32Array, x: Scale, y0: number): string {
  const idx: number[] = [];
  for (let i = 1; i < periods.length; i++) if (dayText(periods[i]).slice(0, 4) !== dayText(periods[i - 1]).slice(0, 4)) idx.push(i);
  return axisBottom(x, idx, y0, (i) => dayText(periods[i]).slice(0, 4));
}

/** One asset's chart: every model's m_t (and adaptive with APC, dashed) against the realised |moves|. */
export function moveChartSvg(b: AssetBacktest, horizon: number): string {
  const W = 900, H = 340, left = 52, right = 16, top = 40, bottom = 30, s = b.series, n = s.realised.length;
  const cols = W - left - right;
  // The y axis stops at 1.15 × the 99.5th percentile of every plotted move (lines are clipped there, the
  // tables carry the peaks), so one crash does not flatten ten years into the bottom of the chart.
  const all: number[] = [];
  for (const m of MODEL_NAMES) for (const v of s.raw[m]) all.push(v);
  for (const v of s.apc.adaptive) all.push(v);
  all.sort((a, b) => a - b);
  const yMax = 1.15 * all[Math.min(all.length - 1, Math.floor(0.995 * all.length))];
  const clip = (v: number): number => Math.min(v, yMax);
  const x = linearScale(0, Math.max(1, n - 1), left, W - right), y = linearScale(0, yMax, H - bottom, top);
  const parts: string[] = [text(left, 16, `${b.asset}: predicted ${horizon}-day move m_t of each model vs realised |ln(P(t+${horizon})/P(t))| (log units; axis cut at ${pct(yMax, 0)})`, { size: 13, bold: true })];
  parts.push(axisLeft(y, niceTicks(0, yMax, 6), left, W - right, (v) => pct(v, 0)), yearTicks(s.periods, x, H - bottom));
  const inside: [number, number][] = [], over: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.abs(s.realised[i]);
    if (!Number.isFinite(r)) continue;
    if (r <= yMax) inside.push([x(i), y(r)]);
    else over.push(circle(x(i), top + 3, 3, { fill: "#c62828", title: `${dayText(s.periods[i])}: |move| ${pct(r, 1)} (off the chart)` }));
  }
  parts.push(dots(inside, "#9e9e9e", 2.2), ...over);
  for (const m of MODEL_NAMES) parts.push(polyline(envelope(s.raw[m], cols).map(([i, v]) => [x(i), y(clip(v))] as const), { stroke: COLOUR[m], strokeWidth: m === "adaptive" ? 1.6 : 1.1 }));
  parts.push(polyline(envelope(s.apc.adaptive, cols).map(([i, v]) => [x(i), y(clip(v))] as const), { stroke: COLOUR.apc, strokeWidth: 1.2, dash: "5 3" }));
  for (let i = 0; i < n; i++) {
    const r = Math.abs(s.realised[i]);
    if (Number.isFinite(r) && r > s.raw.adaptive[i] && r <= yMax) parts.push(circle(x(i), y(r), 3, { fill: "none", stroke: "#c62828", strokeWidth: 1.3, title: `${dayText(s.periods[i])}: |move| ${pct(r, 1)} > adaptive ${pct(s.raw.adaptive[i], 1)}` }));
  }
  const legend: [string, string, string | undefined][] = [...MODEL_NAMES.map((m) => [m, COLOUR[m], undefined] as [string, string, undefined]), ["adaptive + APC", COLOUR.apc, "5 3"]];
  legend.forEach(([label, c, dash], k) => {
    const lx = left + 8 + k * 128;
    parts.push(line(lx, 30, lx + 20, 30, { stroke: c, strokeWidth: 2, ...(dash ? { dash } : {}) }), text(lx + 24, 34, label, { size: 10 }));
  });
  parts.push(rect(W - right - 200, 24, 6, 6, { fill: "#9e9e9e" }), text(W - right - 190, 31, "realised |move|; red ring: adaptive breach", { size: 10 }));
  return svg(W, H, `${b.asset} predicted moves against realised moves`, parts.join(""));
}

function htmlTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const zone = (z: string): string => `<span class="${z}">${z}</span>`;
const be = (c: Coverage): string => `${c.breaches} / ${c.expectedBreaches.toFixed(1)}`;

function metricRow(name: string, m: MoveMetrics, horizon: number): string[] {
  return [esc(name), be(m), ...(horizon > 1 ? [m.overlapping ? be(m.overlapping) : ""] : []), m.kupiecPValue.toFixed(4), m.christoffersenPValue.toFixed(4), zone(m.basel), pct(m.meanMove), pct(m.maxIncrease1d, 1), m.peakToTrough.toFixed(2)];
}

/** The adaptive model's last choice, its validation year and the choices over the refits, in words. */
function selectionText(s: AssetSummary): string {
  const a = s.adaptive, x = a.selection;
  const model = x.scale === "ewma" ? `ln m = δ + ln σ<sub>ewma</sub> with δ = ${a.tailShift.toFixed(3)}` : `ln m = ${a.intercept.toFixed(3)} + Σ coefficient × feature (tail shift δ = ${a.tailShift.toFixed(3)})`;
  const v = (f: { breaches: number; meanMove: number; loss: number }): string => `${f.breaches} breaches, mean move ${pct(f.meanMove)}, loss ${f.loss.toFixed(4)}`;
  return `candidate <b>${esc(x.candidate)}</b> (${x.scale === "ewma" ? "EWMA scale" : "quantile-regression scale"}, ${x.windowDays === null ? "every row" : `last ${x.windowDays} days`} (${a.trainingRows} rows), δ ${x.halfLifeDays === null ? "equal weights" : `half-life ${x.halfLifeDays} days`}, ${x.effectiveTailRows.toFixed(0)} effective rows): ${model}.
Validation over the previous ${x.validationDays} days (expected breaches ${x.expectedValidationBreaches.toFixed(1)}): chosen ${v(x.chosen)}; qr all/eq ${v(x.baseline)}.
Choices over ${s.refits} refits (${x.switches} switches): ${esc(Object.entries(x.choices).map(([k, n]) => `${k} ${n}`).join(", "))}.`;
}

function assetSection(b: AssetBacktest, s: AssetSummary, info: AdaptRunInfo): string {
  const head = ["model", "breaches / expected", ...(info.horizon > 1 ? ["overlapping b / e"] : []), "Kupiec p", "Christoffersen p", "zone", "mean move", "max 1-day rise", "peak / trough"];
  const rows = MODEL_NAMES.flatMap((m) => [metricRow(m, s.models[m], info.horizon), metricRow(`${m} + APC`, s.models[m].withApc, info.horizon)]);
  const a = s.adaptive;
  const coef = a.selection.scale === "ewma" ? "" : htmlTable(["feature", "coefficient", "importance (last fit)", "importance (mean of refits)"], a.features.map((f) => [esc(f), a.coefficients[f].toFixed(4), a.importance[f].toFixed(3), a.meanImportance[f].toFixed(3)]));
  return `<section><h2>${esc(b.asset)}</h2>
<p>Bars ${s.firstBar}..; ${s.bars} consecutive days used${s.droppedBars > 0 ? ` (${s.droppedBars} before a gap dropped)` : ""}; out-of-sample ${s.from}..${s.to}; ${s.refits} refits.</p>
<figure>${moveChartSvg(b, info.horizon)}</figure>
${htmlTable(head, rows)}
<p>Adaptive model, last fit ${a.fittedAt}: ${selectionText(s)}</p>
<p>GARCH ω ${s.garch.omega.toExponential(2)}, α ${s.garch.alpha.toFixed(3)}, β ${s.garch.beta.toFixed(3)}, ν ${s.garch.nu.toFixed(2)}; EWMA quantile q̂ ${s.ewma.quantile.toFixed(3)}.</p>
${coef}</section>`;
}

const STYLE = "body{font-family:sans-serif;margin:1.5em auto;max-width:1000px;color:#111}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}" +
  "table{border-collapse:collapse;margin:.5em 0;font-size:.88em}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #e0e0e0;white-space:nowrap}td:first-child,th:first-child{text-align:left}" +
  "figure{margin:.6em 0}svg{display:block;max-width:100%;height:auto}p{font-size:.92em}.green{color:#2e7d32;font-weight:bold}.yellow{color:#b28704;font-weight:bold}.red{color:#c62828;font-weight:bold}";

/** The whole report. */
export function adaptReportHtml(runs: readonly AssetBacktest[], summaries: Readonly<Record<string, AssetSummary>>, info: AdaptRunInfo): string {
  const a = info.apc;
  const targets = htmlTable(["asset", "adaptive zone", "adaptive vs static mean move", "adaptive vs ewma mean move"], Object.entries(summaries).map(([k, s]) => {
    const ad = s.models.adaptive;
    return [esc(k), zone(ad.basel), `${pct(ad.meanMove)} vs ${pct(s.models.static.meanMove)}`, `${pct(ad.meanMove)} vs ${pct(s.models.ewma.meanMove)}`];
  }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dpm adapt backtest</title><style>${STYLE}</style></head><body>
<h1>Adaptive margin backtest: ${pct(info.confidence)} move, ${info.horizon}-day horizon</h1>
<p>Walk-forward out of sample: the first ${info.trainDays} days train, models refit every ${info.refitDays} days on earlier rows only. A breach is |ln(P<sub>t+h</sub>/P<sub>t</sub>)| &gt; m<sub>t</sub>.
${info.horizon > 1 ? `Tests use every ${ordinal(info.horizon)} day (non-overlapping); overlapping counts are beside them.` : ""}
APC: ${a.floor === "buffer" ? `buffer ${pct(a.buffer, 0)}` : `stressed-level weight ${pct(a.stressWeight, 0)}`}, cap +${pct(a.maxDailyIncrease, 0)} a day, add-on released after a ${pct(a.buffer, 0)} rise within ${a.releaseBars} days. Method and caveats: docs/adaptive.md.</p>
<h2>Targets of the adaptive model</h2>${targets}
${runs.map((b) => assetSection(b, summaries[b.asset], info)).join("\n")}
</body></html>
`;
}
