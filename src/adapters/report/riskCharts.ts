/**
 * The charts of `dpm report` as inline SVG strings (pure): scenario P&L heatmap per risk unit, loss
 * distribution with VaR and ES, backtest P&L against VaR with breaches, stress bars and margin by model.
 * Every chart is exactly one `<svg>` element.
 */
import type { BacktestReport } from "../../analytics/backtest.js";
import type { StressResult } from "../../analytics/stress.js";
import type { LossDistribution, MarginSummary, ScenarioHeatmap } from "./riskReport.js";
import {
  axisBottom, axisLeft, circle, compact, divergingColour, histogramFrame, inkOn, line, linearScale, money, niceTicks, polyline, rect, signedPct, svg, text,
} from "./svg.js";

const LOSS = "#c62828", VAR = "#ef6c00", GREY = "#9e9e9e", BLUE = "#1565c0", LIGHT_BLUE = "#90caf9";
const STATUS_COLOUR: Record<string, string> = { healthy: "#2e7d32", margin_call: "#ef6c00", liquidation: "#c62828", bankrupt: "#6a1b9a" };

/** Colour of a margin status label. */
export const statusColour = (s: string): string => STATUS_COLOUR[s] ?? "#333";

/** 9×3 grid (price move × vol state) plus the extended moves (vol up), cells coloured by P&L, the worst cell outlined. */
export function heatmapSvg(h: ScenarioHeatmap, currency: string): string {
  const cw = 52, ch = 34, left = 78, top = 52, gap = 22, V = h.volStates.length, P = h.priceShocks.length;
  const extX = left + P * cw + gap;
  const W = extX + Math.max(1, h.extended.length) * cw + 12, H = top + V * ch + 58;
  let maxAbs = 0;
  for (const v of h.pnl) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (const e of h.extended) maxAbs = Math.max(maxAbs, Math.abs(e.weightedPnl));
  const parts: string[] = [text(8, 16, `${h.underlying}: scenario P&L (${currency}) by price move and vol shock`, { size: 13, bold: true })];
  parts.push(text(left + (P * cw) / 2, 34, "standard grid", { anchor: "middle", size: 11, fill: "#555" }));
  if (h.extended.length > 0) parts.push(text(extX + (h.extended.length * cw) / 2, 34, "extended moves (vol up), weighted", { anchor: "middle", size: 11, fill: "#555" }));
  h.priceShocks.forEach((p, i) => parts.push(text(left + i * cw + cw / 2, top - 4, signedPct(p, 0), { anchor: "middle", size: 10 })));
  h.extended.forEach((e, i) => parts.push(text(extX + i * cw + cw / 2, top - 4, signedPct(e.move, 0), { anchor: "middle", size: 10 })));
  h.volStates.forEach((v, j) => parts.push(text(left - 6, top + j * ch + ch / 2 + 4, `vol ${v}`, { anchor: "end", size: 11 })));
  const cell = (x: number, y: number, v: number, tip: string): string => {
    const fill = divergingColour(v, maxAbs);
    return rect(x, y, cw, ch, { fill, stroke: "#fff", title: tip }) + text(x + cw / 2, y + ch / 2 + 4, compact(v), { anchor: "middle", size: 10, fill: inkOn(fill) });
  };
  for (let i = 0; i < P; i++) for (let j = 0; j < V; j++) {
    const v = h.pnl[i * V + j];
    parts.push(cell(left + i * cw, top + j * ch, v, `${signedPct(h.priceShocks[i], 1)}, vol ${h.volStates[j]}: P&L ${money(v)}`));
  }
  const upRow = Math.max(0, h.volStates.indexOf("up"));
  // Extended block: weighted P&L in the vol-up row; the other rows show the weight and the unweighted P&L.
  const info = Array.from({ length: V }, (_, j) => j).filter((j) => j !== upRow);
  h.extended.forEach((e, i) => {
    const x = extX + i * cw;
    parts.push(cell(x, top + upRow * ch, e.weightedPnl, `${signedPct(e.move, 0)}, vol up: weighted P&L ${money(e.weightedPnl)} (weight ${e.weight.toFixed(3)}, unweighted ${money(e.pnl)})`));
    info.forEach((j, k) => parts.push(rect(x, top + j * ch, cw, ch, { fill: "#f4f4f4", stroke: "#fff" }) +
      text(x + cw / 2, top + j * ch + ch / 2 + 4, k === 0 ? `×${e.weight.toFixed(2)}` : `(${compact(e.pnl)})`, { anchor: "middle", size: 9, fill: "#666" })));
  });
  const w = h.worst, wi = Math.floor(w.cell / V), wj = w.cell % V;
  parts.push(rect(left + wi * cw + 1.5, top + wj * ch + 1.5, cw - 3, ch - 3, { fill: "none", stroke: "#000", strokeWidth: 3, title: `worst cell: loss ${money(w.loss)}` }));
  const we = h.worstExtended;
  if (we && we.weightedLoss > 0) parts.push(rect(extX + we.index * cw + 1.5, top + upRow * ch + 1.5, cw - 3, ch - 3, { fill: "none", stroke: "#000", strokeWidth: 2, dash: "4 3", title: `largest weighted extended loss ${money(we.weightedLoss)}` }));
  const y0 = top + V * ch;
  parts.push(text(8, y0 + 20, `worst cell (solid outline): ${signedPct(w.priceShock, 1)}, vol ${w.volShock}, loss ${money(w.loss)}`, { size: 11 }));
  if (we) parts.push(text(8, y0 + 36, `largest weighted extended loss (dashed): ${signedPct(we.move, 0)}, ${money(we.weightedLoss)}${we.weightedLoss > w.loss ? " (binding)" : ""}; collateral ${h.collateralCountedAs === "scenario" ? "in the scenarios" : h.collateralCountedAs === "haircut" ? "at its haircut, outside the scenarios" : "none"}`, { size: 11 }));
  if (h.extended.length > 0) parts.push(text(extX, y0 + 20, "rows 2–3: weight, (unweighted P&L)", { size: 10, fill: "#666" }));
  parts.push(legend(W - 230, y0 + 42, maxAbs));
  return svg(W, H, `${h.underlying} scenario P&L heatmap`, parts.join(""));
}

function legend(x: number, y: number, maxAbs: number): string {
  const steps = 9, w = 14;
  const cells = Array.from({ length: steps }, (_, i) => {
    const v = ((i - (steps - 1) / 2) / ((steps - 1) / 2)) * maxAbs;
    return rect(x + 36 + i * w, y - 9, w, 10, { fill: divergingColour(v, maxAbs) });
  }).join("");
  return text(x + 32, y, `loss ${compact(-maxAbs)}`, { size: 9, anchor: "end" }) + cells + text(x + 40 + steps * w, y, `gain ${compact(maxAbs)}`, { size: 9 });
}

/** Histogram of scenario losses with VaR (dashed) and ES (solid) marked; the tail beyond VaR in red. */
export function lossDistributionSvg(d: LossDistribution): string {
  const r = d.report, c = r.currency;
  const f = histogramFrame(d.bins, {
    width: 900, height: 300,
    title: `${r.method} ${(r.confidence * 100).toFixed(1)}% ${r.horizon}-day losses over ${r.scenarios.toLocaleString("en-US")} scenarios (${c}; gains are negative losses)`,
    fill: (b) => (b.lo >= r.var ? LOSS : b.hi > r.var ? "#e57373" : GREY),
    tip: (b) => `loss ${money(b.lo)} to ${money(b.hi)}: ${b.count} scenarios`,
  });
  const [top, bottom] = [f.y.range[1], f.y.range[0]];
  // VaR labelled to the left of its line, ES to the right (ES ≥ VaR), unless that runs off the chart.
  const mark = (v: number, colour: string, label: string, dy: number, side: "left" | "right", dash?: string): string => {
    const x = f.x(v);
    const left = side === "left" ? x > 130 : x > f.width - 125;
    return line(x, top, x, bottom, { stroke: colour, strokeWidth: 2, ...(dash ? { dash } : {}) }) +
      text(x + (left ? -4 : 4), top + dy, label, { size: 11, fill: colour, bold: true, anchor: left ? "end" : "start" });
  };
  return svg(f.width, f.height, "loss distribution with VaR and ES", f.body + mark(r.var, VAR, `VaR ${money(r.var)}`, 14, "left", "6 4") + mark(r.es, LOSS, `ES ${money(r.es)}`, 30, "right"));
}

/** Each tested day's P&L (dots) against −VaR (line); breaches (loss > VaR) in red; the grid margin dashed. */
export function backtestSvg(b: BacktestReport): string {
  const W = 900, H = 320, left = 60, right = 16, top = 30, bottom = 34;
  const s = b.series, n = s.pnl.length;
  let lo = 0, hi = 0;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, s.pnl[i], -s.var[i]); hi = Math.max(hi, s.pnl[i]); }
  if (b.portfolioModel) lo = Math.min(lo, -b.portfolioModel.margin);
  const pad = 0.05 * (hi - lo || 1);
  const x = linearScale(0, Math.max(1, n - 1), left, W - right), y = linearScale(lo - pad, hi + pad, H - bottom, top);
  const parts: string[] = [text(left, 16, `backtest: ${b.method} ${(b.confidence * 100).toFixed(1)}% 1-day VaR from ${b.window}-day windows vs P&L (${b.currency}); ${b.breaches} breaches, ${b.expectedBreaches.toFixed(1)} expected, ${b.trafficLight}`, { size: 12 })];
  parts.push(axisLeft(y, niceTicks(lo - pad, hi + pad, 6), left, W - right));
  const years: number[] = [];
  for (let i = 1; i < n; i++) if (s.dates[i].slice(0, 4) !== s.dates[i - 1].slice(0, 4)) years.push(i);
  if (years.length === 0 || x(years[0]) - x(0) > 50) years.unshift(0);
  parts.push(axisBottom(x, years, H - bottom, (i) => (i === 0 ? s.dates[0] : s.dates[i]?.slice(0, 4)) ?? ""));
  const dots: string[] = [];
  for (let i = 0; i < n; i++) if (-s.pnl[i] <= s.var[i]) dots.push(circle(x(i), y(s.pnl[i]), 1.3, { fill: GREY }));
  parts.push(dots.join(""));
  parts.push(polyline(s.var.map((v, i) => [x(i), y(-v)] as const), { stroke: VAR, strokeWidth: 1.5 }));
  if (b.portfolioModel) parts.push(line(left, y(-b.portfolioModel.margin), W - right, y(-b.portfolioModel.margin), { stroke: BLUE, dash: "6 4", title: `portfolio-model margin ${money(b.portfolioModel.margin)}` }));
  for (let i = 0; i < n; i++) if (-s.pnl[i] > s.var[i]) parts.push(circle(x(i), y(s.pnl[i]), 3.5, { fill: LOSS, title: `${s.dates[i]}: P&L ${money(s.pnl[i])}, VaR ${money(s.var[i])}` }));
  const lx = W - right - 330;
  parts.push(rect(lx, top + 4, 330, 18, { fill: "#fff", opacity: 0.85 }), rect(lx + 6, top + 11, 5, 5, { fill: GREY }), text(lx + 14, top + 17, "P&L", { size: 10 }),
    line(lx + 44, top + 13, lx + 62, top + 13, { stroke: VAR, strokeWidth: 1.5 }), text(lx + 66, top + 17, "−VaR", { size: 10 }),
    circle(lx + 106, top + 13, 3.5, { fill: LOSS }), text(lx + 113, top + 17, "breach", { size: 10 }),
    line(lx + 160, top + 13, lx + 178, top + 13, { stroke: BLUE, dash: "6 4" }), text(lx + 182, top + 17, "−portfolio-model margin", { size: 10 }));
  return svg(W, H, "backtest P&L against VaR", parts.join(""));
}

/** Horizontal P&L bar per stress scenario, with the status after the shock. */
export function stressSvg(rows: readonly StressResult[], currency: string): string {
  const W = 900, rowH = 26, left = 210, right = 120, top = 34;
  const H = top + rows.length * rowH + 34;
  let lo = 0, hi = 0;
  for (const r of rows) { lo = Math.min(lo, r.pnl); hi = Math.max(hi, r.pnl); }
  const x = linearScale(lo, hi === lo ? lo + 1 : hi, left, W - right);
  const parts: string[] = [text(8, 18, `historical stress scenarios: P&L (${currency}) and status after (portfolio model)`, { size: 12 })];
  parts.push(...niceTicks(lo, hi, 6).map((t) => line(x(t), top - 4, x(t), top + rows.length * rowH, { stroke: t === 0 ? "#555" : "#e3e3e3" }) + text(x(t), top + rows.length * rowH + 14, compact(t), { anchor: "middle", size: 10 })));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(text(left - 8, y + rowH / 2 + 4, r.scenario, { anchor: "end", size: 11 }));
    parts.push(rect(x(0), y + 4, x(r.pnl) - x(0), rowH - 8, { fill: r.pnl < 0 ? LOSS : "#2e7d32", title: `${r.scenario}: P&L ${money(r.pnl)}, equity after ${money(r.equityAfter)}, MM after ${money(r.maintenanceMarginAfter)}` }));
    // Value label just outside the bar's end, or inside it (white) when there is no room outside.
    const inside = r.pnl < 0 ? x(r.pnl) - left < 44 : W - right - x(r.pnl) < 44;
    const out = r.pnl < 0 ? -4 : 4, at = x(r.pnl) + (inside ? -out : out);
    parts.push(text(at, y + rowH / 2 + 4, compact(r.pnl), { anchor: (r.pnl < 0) !== inside ? "end" : "start", size: 10, fill: inside ? "#fff" : "#111" }));
    parts.push(text(W - right + 8, y + rowH / 2 + 4, r.statusAfter.replace("_", " "), { size: 11, bold: true, fill: statusColour(r.statusAfter) }));
  });
  return svg(W, H, "stress scenario P&L", parts.join(""));
}

/** Initial and maintenance margin of every model (grouped bars). */
export function marginSvg(rows: readonly MarginSummary[], currency: string): string {
  const W = 900, H = 240, left = 70, right = 16, top = 30, bottom = 30;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.initialMargin, r.maintenanceMargin)));
  const y = linearScale(0, max * 1.12, H - bottom, top);
  const band = (W - left - right) / Math.max(1, rows.length), bw = Math.min(70, band / 3);
  const parts: string[] = [text(left, 16, `margin by model (${currency}): initial (dark) and maintenance (light)`, { size: 12 }), axisLeft(y, niceTicks(0, max * 1.12, 5), left, W - right)];
  rows.forEach((r, i) => {
    const cx = left + band * i + band / 2;
    parts.push(rect(cx - bw, y(r.initialMargin), bw - 2, y(0) - y(r.initialMargin), { fill: BLUE, title: `${r.model} IM ${money(r.initialMargin)}` }),
      rect(cx, y(r.maintenanceMargin), bw - 2, y(0) - y(r.maintenanceMargin), { fill: LIGHT_BLUE, title: `${r.model} MM ${money(r.maintenanceMargin)}` }),
      text(cx - bw / 2, y(r.initialMargin) - 4, compact(r.initialMargin), { anchor: "middle", size: 10 }),
      text(cx + bw / 2, y(r.maintenanceMargin) - 4, compact(r.maintenanceMargin), { anchor: "middle", size: 10 }),
      text(cx, H - bottom + 16, r.model, { anchor: "middle", size: 11, bold: true }));
  });
  return svg(W, H, "margin by model", parts.join(""));
}
