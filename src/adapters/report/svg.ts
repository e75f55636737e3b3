/**
 * Small inline-SVG primitives shared by the HTML reports (impact, risk): shapes, linear scales, nice
 * ticks, axes, a diverging colour scale and a histogram. Pure string builders; no external resources
 * (no xmlns or other URLs: the SVG is inline in HTML5). Coordinates are SVG user units (pixels).
 */

/** Escape text for HTML/SVG content and attribute values. */
export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Money with thousands separators and 2 decimals (`-12,345.68`). */
export const money = (v: number): string => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Short form for chart labels: `-12.3k`, `4.56M`, `850`. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(a >= 1e10 ? 1 : 2)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 1 : 2)}k`;
  return a >= 10 || a === 0 ? v.toFixed(0) : v.toPrecision(2);
}

/** Percent with `d` decimals and an explicit sign (`+12.5%`, `-3.0%`). */
export const signedPct = (v: number, d = 1): string => `${v > 0 ? "+" : ""}${(v * 100).toFixed(d)}%`;

const n1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Attributes shared by the shapes. */
export interface Paint {
  readonly fill?: string;
  readonly stroke?: string;
  readonly strokeWidth?: number;
  readonly dash?: string;
  readonly opacity?: number;
  /** Tooltip (an SVG <title> child). */
  readonly title?: string;
}

function paint(p: Paint): string {
  return (p.fill !== undefined ? ` fill="${p.fill}"` : "") + (p.stroke !== undefined ? ` stroke="${p.stroke}"` : "") +
    (p.strokeWidth !== undefined ? ` stroke-width="${p.strokeWidth}"` : "") + (p.dash ? ` stroke-dasharray="${p.dash}"` : "") +
    (p.opacity !== undefined ? ` opacity="${p.opacity}"` : "");
}

function close(tag: string, p: Paint): string {
  return p.title !== undefined ? `><title>${esc(p.title)}</title></${tag}>` : "/>";
}

/** A whole chart: `<svg>` with an accessible label and a `<title>`. */
export function svg(width: number, height: number, label: string, body: string): string {
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" font-family="sans-serif"><title>${esc(label)}</title>${body}</svg>`;
}

/** Rectangle; a negative width or height is normalised. */
export function rect(x: number, y: number, w: number, h: number, p: Paint = {}): string {
  const X = w < 0 ? x + w : x, Y = h < 0 ? y + h : y;
  return `<rect x="${n1(X)}" y="${n1(Y)}" width="${n1(Math.abs(w))}" height="${n1(Math.abs(h))}"${paint(p)}${close("rect", p)}`;
}

export function line(x1: number, y1: number, x2: number, y2: number, p: Paint = { stroke: "#333" }): string {
  return `<line x1="${n1(x1)}" y1="${n1(y1)}" x2="${n1(x2)}" y2="${n1(y2)}"${paint(p)}${close("line", p)}`;
}

export function circle(cx: number, cy: number, r: number, p: Paint = { fill: "#333" }): string {
  return `<circle cx="${n1(cx)}" cy="${n1(cy)}" r="${r}"${paint(p)}${close("circle", p)}`;
}

/** Open polyline through the points. */
export function polyline(points: readonly (readonly [number, number])[], p: Paint = { stroke: "#333" }): string {
  return `<polyline points="${points.map(([x, y]) => `${n1(x)},${n1(y)}`).join(" ")}" fill="none"${paint(p)}${close("polyline", p)}`;
}

/** Text options. */
export interface TextStyle {
  readonly size?: number;
  readonly anchor?: "start" | "middle" | "end";
  readonly fill?: string;
  readonly bold?: boolean;
  /** Rotation in degrees about (x, y). */
  readonly rotate?: number;
}

export function text(x: number, y: number, s: string, t: TextStyle = {}): string {
  return `<text x="${n1(x)}" y="${n1(y)}" font-size="${t.size ?? 11}"${t.anchor && t.anchor !== "start" ? ` text-anchor="${t.anchor}"` : ""}` +
    `${t.fill ? ` fill="${t.fill}"` : ""}${t.bold ? ` font-weight="bold"` : ""}${t.rotate ? ` transform="rotate(${t.rotate} ${n1(x)} ${n1(y)})"` : ""}>${esc(s)}</text>`;
}

/** A linear map from a domain [d0, d1] to a range [r0, r1] (a degenerate domain maps to the range's middle). */
export interface Scale {
  (v: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  return Object.assign(f, { domain: [d0, d1] as const, range: [r0, r1] as const });
}

/** About `count` round tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Horizontal grid lines with labels at the left edge `x0`, across to `x1`. */
export function axisLeft(y: Scale, ticks: readonly number[], x0: number, x1: number, label: (v: number) => string = compact): string {
  return ticks.map((t) => line(x0, y(t), x1, y(t), { stroke: t === 0 ? "#555" : "#e3e3e3" }) + text(x0 - 4, y(t) + 4, label(t), { anchor: "end", size: 10 })).join("");
}

/** Tick marks and labels below the baseline `y0`. */
export function axisBottom(x: Scale, ticks: readonly number[], y0: number, label: (v: number) => string = compact): string {
  return ticks.map((t) => line(x(t), y0, x(t), y0 + 4, { stroke: "#555" }) + text(x(t), y0 + 15, label(t), { anchor: "middle", size: 10 })).join("");
}

function mix(a: readonly number[], b: readonly number[], t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/** Diverging fill: losses red, gains green, 0 white; saturation ∝ |v|/maxAbs (square-root scaled). */
export function divergingColour(v: number, maxAbs: number): string {
  if (!(maxAbs > 0) || v === 0) return "#ffffff";
  const t = Math.min(1, Math.sqrt(Math.abs(v) / maxAbs));
  return v < 0 ? mix([255, 255, 255], [200, 40, 40], t) : mix([255, 255, 255], [35, 140, 80], t);
}

/** Black or white text, whichever reads on a fill from `divergingColour`. */
export function inkOn(fill: string): string {
  const r = parseInt(fill.slice(1, 3), 16), g = parseInt(fill.slice(3, 5), 16), b = parseInt(fill.slice(5, 7), 16);
  return 0.299 * r + 0.587 * g + 0.114 * b < 140 ? "#fff" : "#111";
}

/** One histogram bin: [lo, hi) and how many values fell in it. */
export interface Bin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

/**
 * `n` equal bins between the smallest and largest value (a constant sample gets a ±0.005 span), or over `domain`
 * (values outside it go to the first or last bin).
 */
export function histogram(values: ArrayLike<number>, n = 20, domain?: readonly [number, number]): Bin[] {
  if (values.length === 0) return [];
  let lo = Infinity, hi = -Infinity;
  if (domain) [lo, hi] = domain;
  else for (let i = 0; i < values.length; i++) { lo = Math.min(lo, values[i]); hi = Math.max(hi, values[i]); }
  if (hi - lo < 1e-12) { lo -= 0.005; hi += 0.005; }
  const w = (hi - lo) / n;
  const bins = Array.from({ length: n }, (_, i) => ({ lo: lo + i * w, hi: lo + (i + 1) * w, count: 0 }));
  for (let i = 0; i < values.length; i++) bins[Math.max(0, Math.min(n - 1, Math.floor((values[i] - lo) / w)))].count++;
  return bins;
}

/** Geometry of a histogram chart, so callers can draw markers on the same x scale. */
export interface HistogramFrame {
  readonly width: number;
  readonly height: number;
  readonly x: Scale;
  readonly y: Scale;
  /** The bars, axes and title (without the enclosing <svg>). */
  readonly body: string;
}

/** Options of `histogramFrame`. */
export interface HistogramOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title: string;
  /** Fill and tooltip of each bin. */
  readonly fill: (b: Bin) => string;
  readonly tip: (b: Bin) => string;
  /** Label of a value-axis tick. */
  readonly tick?: (v: number) => string;
  /** Value-axis ticks (default: about 8 round values). */
  readonly ticks?: readonly number[];
  /** Text above a bar (e.g. its count); undefined: none. */
  readonly barLabel?: (b: Bin) => string | undefined;
}

/** Bars of a histogram with a value axis below; `fill` colours each bin, `tip` labels it. */
export function histogramFrame(bins: readonly Bin[], o: HistogramOptions): HistogramFrame {
  const W = o.width ?? 720, H = o.height ?? 260, left = 44, right = 16, top = 28, bottom = 34;
  const lo = bins.length > 0 ? bins[0].lo : 0, hi = bins.length > 0 ? bins[bins.length - 1].hi : 1;
  const max = Math.max(1, ...bins.map((b) => b.count));
  // Room above the tallest bar for its label.
  const x = linearScale(lo, hi, left, W - right), y = linearScale(0, o.barLabel ? max * 1.12 : max, H - bottom, top);
  const bars = bins.map((b) => {
    const label = o.barLabel?.(b);
    return rect(x(b.lo) + 0.5, y(b.count), Math.max(0.5, x(b.hi) - x(b.lo) - 1), y(0) - y(b.count), { fill: o.fill(b), title: o.tip(b) }) +
      (label ? text((x(b.lo) + x(b.hi)) / 2, y(b.count) - 4, label, { anchor: "middle", size: 10 }) : "");
  }).join("");
  const body = text(left, 16, o.title, { size: 12 }) + axisLeft(y, niceTicks(0, max, 4).filter((t) => Number.isInteger(t)), left, W - right, (v) => v.toFixed(0)) +
    bars + line(left, y(0), W - right, y(0), { stroke: "#333" }) + axisBottom(x, o.ticks ?? niceTicks(lo, hi, 8), H - bottom, o.tick);
  return { width: W, height: H, x, y, body };
}
