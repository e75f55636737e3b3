/**
 * Cascade report: inline SVG charts (no chart library) and a self-contained HTML page. One line per margin model;
 * the isolated line is drawn last, dashed with hollow markers, so it stays visible where it coincides with the
 * standard one (it does whenever every account is a one-position book); x labels are thinned so they never overlap.
 */
import type { CascadeResult, CascadeRun } from "../../liquidation/cascade.js";
import { circle, compact, esc, line, linearScale, niceTicks, polyline, rect, text } from "../report/svg.js";

/** Per model: colour, dash, markers; drawn in DRAW_ORDER (isolated last, on top). */
const STYLE: Record<string, { colour: string; dash?: string; markers?: boolean }> = {
  portfolio: { colour: "#1f77b4" }, var: { colour: "#2ca02c" }, standard: { colour: "#ff7f0e" },
  isolated: { colour: "#d62728", dash: "6 4", markers: true },
};
const DRAW_ORDER = ["portfolio", "var", "standard", "isolated"];
const order = (r: CascadeRun) => { const i = DRAW_ORDER.indexOf(r.model); return i < 0 ? DRAW_ORDER.length : i; };
/** Least distance between two x labels (px). */
const MIN_LABEL_GAP = 40;

function cumulative(run: CascadeRun, pick: (t: CascadeRun["ticks"][number]) => number): number[] {
  let s = 0;
  return run.ticks.map((t) => (s += pick(t)));
}

/**
 * Indices of the x labels to draw for `n + 1` points `step` px apart: every k-th point (k the least that keeps labels
 * MIN_LABEL_GAP apart), and always the last one, dropping the one before it when they would collide.
 */
export function labelIndices(n: number, step: number, gap = MIN_LABEL_GAP): number[] {
  const k = Math.max(1, Math.ceil(gap / Math.max(step, 1e-9)));
  const out: number[] = [];
  for (let i = 0; i <= n; i += k) out.push(i);
  if (out[out.length - 1] !== n) {
    if ((n - out[out.length - 1]) * step < gap) out.pop();
    out.push(n);
  }
  return out;
}

/** Do two runs draw the same line in this panel? */
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v)));

/** One panel: a line per model over the path steps. */
function panel(res: CascadeResult, title: string, series: (r: CascadeRun) => number[], x0: number, y0: number, w: number, h: number): string {
  const top = Math.max(1, ...res.runs.flatMap(series));
  const t0 = niceTicks(0, top, 4), step = t0.length > 1 ? t0[1] - t0[0] : top;
  const max = Math.ceil(top / step - 1e-9) * step;
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
  const n = Math.max(1, (res.runs[0]?.ticks.length ?? 1) - 1);
  const px = linearScale(0, n, x0, x0 + w), py = linearScale(0, max, y0 + h, y0);
  const out = [text(x0, y0 - 8, title, { size: 13, bold: true }), rect(x0, y0, w, h, { fill: "none", stroke: "#999" })];
  for (const v of ticks) out.push(line(x0, py(v), x0 + w, py(v), { stroke: "#eee" }) + text(x0 - 6, py(v) + 4, compact(v), { size: 10, anchor: "end" }));
  const labels = res.runs[0]?.ticks ?? [];
  for (let i = 0; i <= n && i < labels.length; i++) out.push(line(px(i), y0 + h, px(i), y0 + h + 3, { stroke: "#999" }));
  for (const i of labelIndices(n, w / n)) if (labels[i]) out.push(text(px(i), y0 + h + 14, labels[i].label.replace(" + impact", "+"), { size: 9, anchor: "middle" }));
  const runs = [...res.runs].sort((a, b) => order(a) - order(b));
  for (const r of runs) {
    const st = STYLE[r.model] ?? { colour: "#333" };
    const pts = series(r).map((v, i) => [px(i), py(v)] as const);
    out.push(polyline(pts, { stroke: st.colour, strokeWidth: 2, ...(st.dash ? { dash: st.dash } : {}) }));
    if (st.markers) for (const [x, y] of pts) out.push(circle(x, y, 3, { fill: "white", stroke: st.colour, strokeWidth: 1.5 }));
  }
  return out.join("\n");
}

/** The legend, once for the figure, in drawing order; the isolated entry says when it equals standard in every panel. */
function legend(res: CascadeResult, x: number, y: number, series: ((r: CascadeRun) => number[])[]): string {
  const std = res.runs.find((r) => r.model === "standard");
  const runs = [...res.runs].sort((a, b) => order(a) - order(b));
  let at = x;
  return runs.map((r) => {
    const st = STYLE[r.model] ?? { colour: "#333" };
    const equal = r.model === "isolated" && std !== undefined && series.every((f) => same(f(r), f(std)));
    const label = `${r.model}${equal ? " (= standard on this book, drawn over it)" : ""}`;
    const item = line(at, y - 4, at + 24, y - 4, { stroke: st.colour, strokeWidth: 2, ...(st.dash ? { dash: st.dash } : {}) }) +
      (st.markers ? circle(at + 12, y - 4, 3, { fill: "white", stroke: st.colour, strokeWidth: 1.5 }) : "") + text(at + 30, y, label, { size: 11 });
    at += 40 + label.length * 6.2;
    return item;
  }).join("\n");
}

/** SVG with three panels: cumulative liquidated volume (USD), cumulative bad debt, insurance fund. */
export function cascadeSvg(res: CascadeResult): string {
  const W = 1000, H = 330, c = res.currency;
  const volume = (r: CascadeRun) => cumulative(r, (t) => t.volumeUsd);
  const debt = (r: CascadeRun) => cumulative(r, (t) => t.badDebt);
  const fund = (r: CascadeRun) => r.ticks.map((t) => t.fundBalance);
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(10, 20, `Cascade ${res.scenario.name}: ${res.runs[0]?.totals.accounts ?? 0} accounts, by margin model (${c})`, { size: 14 }),
    legend(res, 12, 44, [volume, debt, fund]),
    panel(res, "liquidated volume (USD, cumulative)", volume, 60, 80, 260, 200),
    panel(res, `bad debt (${c}, cumulative)`, debt, 390, 80, 260, 200),
    panel(res, `insurance fund (${c})`, fund, 720, 80, 260, 200),
    text(W - 10, H - 8, "x: hours along the scenario path; 24:00+: after the last step's price impact", { size: 9, anchor: "end", fill: "#666" }),
    "</svg>"].join("\n");
}

const money = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });

/** Totals per model as a Markdown-ish table row set (used by the text output too). */
export function totalsRows(res: CascadeResult): string[][] {
  return res.runs.map((r) => {
    const t = r.totals;
    return [r.model, String(t.accounts - t.rejectedAtStart), String(t.accountsLiquidated), String(t.bankruptcies), money(t.volumeUsd), money(t.badDebt), money(t.coveredByFund), money(t.coveredByAdl), money(t.uncovered), money(t.fees), money(t.fundEnd), t.ledgerTotal];
  });
}

export const TOTALS_HEADER = ["model", "accounts trading", "accounts liquidated", "bankrupt", "liquidated volume USD", "bad debt", "by fund", "by ADL", "uncovered", "fees to fund", "fund at end", "ledger Σ"];

/** Self-contained HTML report. */
export function cascadeHtml(res: CascadeResult): string {
  const rows = totalsRows(res).map((r) => `<tr>${r.map((c, i) => `<td${i ? ' style="text-align:right"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>dpm cascade ${esc(res.scenario.name)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>
<h1>Liquidation cascade: ${esc(res.scenario.name)}</h1><p>${esc(res.scenario.description)}</p><p><small>Source: ${esc(res.scenario.source)}</small></p>
${cascadeSvg(res)}
<table><tr>${TOTALS_HEADER.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>
${rows}</table></body></html>
`;
}
