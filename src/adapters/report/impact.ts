/** Parameter-impact report: every account under two parameter sets, who crosses into margin call or liquidation. */
import type { Portfolio } from "../../domain/portfolio.js";
import { marginWith } from "../../margin/computeMargin.js";
import type { MarginResult, MarginStatus } from "../../margin/result.js";
import type { RiskContext } from "../../margin/riskContext.js";

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

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Histogram bins of IM change (percent), `n` equal bins between the smallest and largest change. */
export function histogram(changes: readonly number[], n = 20): { lo: number; hi: number; count: number }[] {
  if (changes.length === 0) return [];
  let lo = Math.min(...changes), hi = Math.max(...changes);
  if (hi - lo < 1e-12) { lo -= 0.005; hi += 0.005; }
  const w = (hi - lo) / n;
  const bins = Array.from({ length: n }, (_, i) => ({ lo: lo + i * w, hi: lo + (i + 1) * w, count: 0 }));
  for (const c of changes) bins[Math.min(n - 1, Math.floor((c - lo) / w))].count++;
  return bins;
}

function svgHistogram(bins: ReturnType<typeof histogram>): string {
  const W = 720, H = 260, pad = 40;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = (W - 2 * pad) / Math.max(1, bins.length);
  const bars = bins.map((b, i) => {
    const h = ((H - 2 * pad) * b.count) / max;
    const x = pad + i * bw, y = H - pad - h;
    const label = `${(b.lo * 100).toFixed(1)}% to ${(b.hi * 100).toFixed(1)}%: ${b.count}`;
    return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${b.hi <= 0 ? "#2a9d8f" : b.lo >= 0 ? "#e76f51" : "#8d99ae"}"><title>${label}</title></rect>`;
  }).join("");
  const ticks = bins.length > 0
    ? [0, Math.floor(bins.length / 2), bins.length - 1].map((i) => `<text x="${(pad + i * bw).toFixed(1)}" y="${H - pad + 16}" font-size="11">${(bins[i].lo * 100).toFixed(1)}%</text>`).join("")
    : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="distribution of IM change">` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>` +
    `<text x="${pad}" y="20" font-size="12">accounts by initial-margin change (max ${max} per bin)</text>${bars}${ticks}</svg>`;
}

/** Self-contained HTML page (inline SVG, no scripts, no external resources). */
export function impactHtml(r: ImpactReport): string {
  const changes = r.rows.map((x) => x.imChange).filter((x): x is number => x !== null);
  const s = r.summary;
  const rows = [...r.rows].sort((a, b) => (b.imTo - b.imFrom) - (a.imTo - a.imFrom)).map((x) =>
    `<tr${x.crosses ? ' class="cross"' : ""}><td>${esc(x.account)}</td><td>${fmt(x.imFrom)}</td><td>${fmt(x.imTo)}</td><td>${x.imChange === null ? "n/a" : (x.imChange * 100).toFixed(1) + "%"}</td><td>${fmt(x.mmFrom)}</td><td>${fmt(x.mmTo)}</td><td>${fmt(x.adjustedEquityTo)}</td><td>${x.statusFrom}</td><td>${x.statusTo}</td></tr>`).join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>dpm impact ${esc(r.from)} → ${esc(r.to)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}td:first-child,th:first-child{text-align:left}tr.cross{background:#fde2e2}</style></head><body>
<h1>Parameter impact: ${esc(r.from)} → ${esc(r.to)}</h1>
<p>${s.accounts} accounts (${esc(r.currency)}). Total IM ${fmt(s.imFrom)} → ${fmt(s.imTo)}; total MM ${fmt(s.mmFrom)} → ${fmt(s.mmTo)}.
IM up for ${s.imUp}, down for ${s.imDown}. Newly in margin call: <b>${s.intoMarginCall}</b>; newly in liquidation: <b>${s.intoLiquidation}</b>.</p>
${svgHistogram(histogram(changes))}
<table><thead><tr><th>account</th><th>IM from</th><th>IM to</th><th>IM change</th><th>MM from</th><th>MM to</th><th>adj. equity</th><th>status from</th><th>status to</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
