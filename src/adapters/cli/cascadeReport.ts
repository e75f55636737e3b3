/** Cascade report: inline SVG charts (no chart library) and a self-contained HTML page. */
import type { CascadeResult, CascadeRun } from "../../liquidation/cascade.js";

const COLORS: Record<string, string> = { isolated: "#d62728", standard: "#ff7f0e", portfolio: "#1f77b4", var: "#2ca02c" };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function cumulative(run: CascadeRun, pick: (t: CascadeRun["ticks"][number]) => number): number[] {
  let s = 0;
  return run.ticks.map((t) => (s += pick(t)));
}

function compact(v: number): string {
  const a = Math.abs(v);
  return a >= 1e9 ? `${(v / 1e9).toFixed(1)}B` : a >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : a >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : v.toFixed(0);
}

/** One panel: a line per model over the path steps. */
function panel(res: CascadeResult, title: string, series: (r: CascadeRun) => number[], x0: number, y0: number, w: number, h: number): string {
  const all = res.runs.flatMap(series);
  const max = Math.max(1, ...all);
  const n = Math.max(1, (res.runs[0]?.ticks.length ?? 1) - 1);
  const px = (i: number) => x0 + (i / n) * w;
  const py = (v: number) => y0 + h - (v / max) * h;
  const out = [`<text x="${x0}" y="${y0 - 8}" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${x0 - 6}" y="${py(v) + 4}" font-size="10" text-anchor="end">${compact(v)}</text>`);
  }
  res.runs[0]?.ticks.forEach((t, i) => { if (i % 2 === 0 || i === n) out.push(`<text x="${px(i)}" y="${y0 + h + 14}" font-size="9" text-anchor="middle">${esc(t.label.replace(" + impact", "+"))}</text>`); });
  res.runs.forEach((r, j) => {
    const pts = series(r).map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
    const c = COLORS[r.model] ?? "#333";
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${x0 + w - 90}" y="${y0 + 16 + 14 * j}" font-size="11" fill="${c}">${esc(r.model)}</text>`);
  });
  return out.join("\n");
}

/** SVG with three panels: cumulative liquidated volume (USD), cumulative bad debt, insurance fund. */
export function cascadeSvg(res: CascadeResult): string {
  const W = 980, H = 300;
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="20" font-size="14">Cascade ${esc(res.scenario.name)}: ${res.runs[0]?.totals.accounts ?? 0} accounts, by margin model (${esc(res.currency)})</text>`,
    panel(res, "liquidated volume (USD, cumulative)", (r) => cumulative(r, (t) => t.volumeUsd), 60, 55, 250, 200),
    panel(res, "bad debt (cumulative)", (r) => cumulative(r, (t) => t.badDebt), 380, 55, 250, 200),
    panel(res, "insurance fund", (r) => r.ticks.map((t) => t.fundBalance), 700, 55, 250, 200),
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
