/** Chart defects of issue 12: the cascade's isolated line visible over the standard one, x labels apart, every impact bin labelled. */
import { describe, expect, it } from "vitest";
import { cascadeSvg, labelIndices } from "../../src/adapters/cli/cascadeReport.js";
import { histogram, histogramAxis, impactHtml, type ImpactReport } from "../../src/adapters/report/impact.js";
import type { CascadeResult, CascadeRun } from "../../src/liquidation/cascade.js";

const LABELS = ["00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "24:00", "24:00 + impact"];
function run(model: CascadeRun["model"], k: number): CascadeRun {
  const ticks = LABELS.map((label, i) => ({ label, hours: i * 3, prices: {}, impact: {}, liquidations: i, bankruptcies: 0, volumeUsd: k * i * 1e6, badDebt: k * i * 1e3, coveredByAdl: 0, uncovered: 0, fundBalance: 5e6 - k * i * 1e5 }));
  return { model, ticks, totals: { accounts: 10 } } as unknown as CascadeRun;
}
const result = (runs: CascadeRun[]): CascadeResult => ({ scenario: { name: "test", source: "s", description: "d" }, currency: "USD", runs });

describe("cascade chart", () => {
  it("labelIndices: every k-th point at least 40 px apart, always the last, never two labels closer than 40 px", () => {
    expect(labelIndices(9, 260 / 9)).toEqual([0, 2, 4, 6, 9]);
    expect(labelIndices(9, 100)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(labelIndices(10, 26)).toEqual([0, 2, 4, 6, 8, 10]);
    for (const [n, step] of [[9, 28.9], [5, 9], [30, 8.7], [1, 260]] as const) {
      const idx = labelIndices(n, step);
      expect(idx[0]).toBe(0);
      expect(idx[idx.length - 1]).toBe(n);
      for (let i = 1; i < idx.length; i++) expect((idx[i] - idx[i - 1]) * step).toBeGreaterThanOrEqual(40 - 1e-9);
    }
  });

  it("the isolated line is drawn after the standard one, dashed, with markers, and the legend says when they coincide", () => {
    const svg = cascadeSvg(result([run("isolated", 1), run("standard", 1), run("portfolio", 0.1)]));
    const lines = [...svg.matchAll(/<polyline [^>]*stroke="(#[0-9a-f]{6})"[^>]*>/g)].map((m) => m[0]);
    expect(lines).toHaveLength(9); // 3 panels × 3 models
    for (let p = 0; p < 3; p++) {
      const [a, b, c] = lines.slice(3 * p, 3 * p + 3);
      expect(a).toContain("#1f77b4"); // portfolio first
      expect(b).toContain("#ff7f0e"); // then standard
      expect(c).toContain("#d62728"); // isolated last, on top
      expect(c).toContain('stroke-dasharray="6 4"');
      expect(b).not.toContain("stroke-dasharray");
    }
    expect(svg.match(/<circle [^>]*stroke="#d62728"/g)?.length).toBe(3 * 10 + 1); // a marker per point, one in the legend
    expect(svg).toContain("isolated (= standard on this book, drawn over it)");
    expect(cascadeSvg(result([run("isolated", 1.1), run("standard", 1)]))).not.toContain("= standard");
  });

  it("x labels: thinned, the last one kept, none overlapping, none duplicated", () => {
    const svg = cascadeSvg(result([run("standard", 1), run("portfolio", 1)]));
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="294" font-size="9" text-anchor="middle">([^<]+)<\/text>/g)].map((m) => ({ x: Number(m[1]), t: m[2] }));
    expect(xs.map((l) => l.t)).toEqual(["00:00", "06:00", "12:00", "18:00", "24:00+", "00:00", "06:00", "12:00", "18:00", "24:00+", "00:00", "06:00", "12:00", "18:00", "24:00+"]);
    for (let i = 1; i < xs.length; i++) if (xs[i].x > xs[i - 1].x) expect(xs[i].x - xs[i - 1].x).toBeGreaterThanOrEqual(40);
    // y axis: round ticks up to a tick at or above the data (the line never leaves the frame)
    const yLabels = [...svg.matchAll(/<text x="54" y="[\d.]+" font-size="10" text-anchor="end">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(yLabels).toEqual(["0", "20.0M", "40.0M", "60.0M"]); // cumulative volume reaches 45M
  });
});

describe("impact histogram", () => {
  const changes = [-0.459, -0.174, -0.165, -0.09, -0.044, -0.004, -0.0004];
  it("the axis covers the changes and 0 in whole ticks, two bins per tick", () => {
    expect(histogramAxis(changes)).toEqual({ lo: -0.5, hi: 0, ticks: [-0.5, -0.4, -0.3, -0.2, -0.1, 0], bins: 10 });
    const bins = histogram(changes);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 0, 2, 0, 1, 3]);
    expect(histogramAxis([0.02, 0.3]).lo).toBe(0);
  });
  it("every non-empty bin, the negative ones included, is labelled with its count, and the axis has both ends", () => {
    const rep: ImpactReport = {
      from: "a", to: "b", currency: "USD",
      rows: changes.map((c, i) => ({ account: `x${i}`, imFrom: 100, imTo: 100 * (1 + c), mmFrom: 80, mmTo: 80, adjustedEquityFrom: 1000, adjustedEquityTo: 1000, statusFrom: "healthy", statusTo: "healthy", imChange: c, crosses: null })),
      summary: { accounts: 7, imFrom: 700, imTo: 600, mmFrom: 560, mmTo: 560, intoMarginCall: 0, intoLiquidation: 0, imUp: 0, imDown: 7 },
    };
    const html = impactHtml(rep);
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    const barLabels = [...svg.matchAll(/<text [^>]*font-size="10" text-anchor="middle">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(barLabels).toEqual([1, 2, 1, 3]);
    expect(svg).toContain(">-50%</text>");
    expect(svg).toContain(">0%</text>");
    expect(svg).toContain("IM down");
    expect(html).toContain("<td>-45.9%</td>");
  });
});
