/**
 * Contagion chart: per scenario, each venue's MM usage (MM / adjusted equity) as the scenario hits (light bar)
 * and after the allocation moved what it could (dark bar), with the liquidation line at 100 %. A defaulted
 * venue is marked, not drawn. Pure string builder on the shared SVG primitives.
 */
import type { ContagionResult } from "../../analytics/venues/contagion.js";
import { axisLeft, line, linearScale, niceTicks, rect, svg, text } from "./svg.js";

const COLOURS = ["#3b6fb6", "#d08a2c", "#3c9a5f", "#8e5bb5", "#b5463c", "#5b8e8e"];
const CAP = 2;

/** The chart of `dpm venues --svg`. */
export function contagionSvg(account: string, cs: readonly ContagionResult[]): string {
  const venues = [...new Set(cs.flatMap((c) => c.venues.map((v) => v.venue)))];
  const W = 760, H = 340, left = 52, right = 150, top = 34, bottom = 60;
  const group = (W - left - right) / Math.max(1, cs.length), bar = Math.min(26, (group - 16) / Math.max(1, venues.length) / 2);
  const y = linearScale(0, CAP, H - bottom, top);
  let body = text(left, 18, `${account}: MM usage by venue under contagion (as hit, then after reallocation); ≥ 100 % = liquidation`, { size: 12 });
  body += axisLeft(y, niceTicks(0, CAP, 4), left, W - right, (v) => `${Math.round(v * 100)}%`);
  body += line(left, y(1), W - right, y(1), { stroke: "#b00", dash: "4 3" }) + text(W - right + 4, y(1) + 4, "liquidation", { size: 10, fill: "#b00" });
  cs.forEach((c, gi) => {
    const x0 = left + gi * group + 8;
    c.venues.forEach((v) => {
      const vi = venues.indexOf(v.venue), x = x0 + vi * bar * 2, col = COLOURS[vi % COLOURS.length];
      if (v.status === "defaulted") { body += text(x + bar, y(0) - 4, "✕", { size: 14, anchor: "middle", fill: col }); return; }
      const hitR = v.marginRatio === null ? CAP : Math.min(CAP, v.marginRatio), after = v.marginRatioAfterReallocation === null ? CAP : Math.min(CAP, v.marginRatioAfterReallocation);
      body += rect(x, y(hitR), bar - 1, y(0) - y(hitR), { fill: col, opacity: 0.35, title: `${c.scenario} ${v.venue}: ${v.status}, MM usage ${v.marginRatio === null ? "n/a" : `${(v.marginRatio * 100).toFixed(1)}%`}` });
      body += rect(x + bar, y(after), bar - 1, y(0) - y(after), { fill: col, title: `${c.scenario} ${v.venue} after reallocation: ${v.statusAfterReallocation}` });
    });
    body += text(x0 + (venues.length * bar), H - bottom + 16, c.scenario, { size: 10, anchor: "middle" });
    body += text(x0 + (venues.length * bar), H - bottom + 30, c.liquidatedAnywhere ? `liquidated: ${c.liquidated.join(", ")}` : "no liquidation", { size: 10, anchor: "middle", fill: c.liquidatedAnywhere ? "#b00" : "#2a7" });
  });
  venues.forEach((v, i) => {
    body += rect(W - right + 10, top + 20 + i * 18, 12, 12, { fill: COLOURS[i % COLOURS.length] }) + text(W - right + 28, top + 30 + i * 18, v, { size: 11 });
  });
  body += text(W - right + 10, top + 30 + venues.length * 18 + 10, "light: as hit; dark: after", { size: 9 }) + text(W - right + 10, top + 42 + venues.length * 18 + 10, "reallocation; ✕ defaulted", { size: 9 });
  return svg(W, H, `${account} contagion stress`, body);
}
