/**
 * The string-built text layout that the byte-level one replaced (issue 10), kept as the tests' reference: the
 * CLI's tables and margin text must come out byte for byte as these build them.
 */
import { amount, num } from "../../src/adapters/cli/format.js";
import type { MarginResult } from "../../src/margin/result.js";

/** Header, rule and rows; first column left-aligned, the rest right-aligned, two spaces apart, lines trimmed. */
export function referenceTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] === undefined ? 0 : r[i].length))));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function detail(k: MarginResult["components"][number]): string {
  const s = k.scenario;
  if (s) return `move ${(s.priceShock * 100).toFixed(1)}%, vol ${s.volShock}${s.weight !== undefined ? `, weight ${s.weight.toFixed(3)}` : ""}`;
  return Object.entries(k.detail ?? {}).filter(([, v]) => v !== null).map(([key, v]) => `${key} ${typeof v === "number" ? num(v) : String(v)}`).join(", ");
}

/** `formatMargin` as it was built from strings before the byte-level layout. */
export function referenceMarginText(r: MarginResult): string {
  const c = r.currency;
  const pct = r.marginRatio === null ? "n/a" : `${(r.marginRatio * 100).toFixed(1)}%`;
  const parts = [
    `account ${r.account} | model ${r.model} | ${c} | as of ${r.asOf}`,
    referenceTable(["equity", "adj. equity", "initial margin", "maint. margin", "available", "MM ratio", "status"],
      [[amount(r.equity, c), amount(r.adjustedEquity, c), amount(r.initialMargin, c), amount(r.maintenanceMargin, c), amount(r.availableFunds, c), pct, r.status]]),
    "",
    referenceTable(["component", "underlying", "amount", "scenario / detail"], r.components.map((k) => [k.name, k.underlying ?? k.instrument ?? "", amount(k.amount, c), detail(k)])),
  ];
  if (r.positions.length > 0) {
    parts.push("", referenceTable(["instrument", "size", "mark", "value", "delta", "gamma", "vega", "theta", "margin +/-"], r.positions.map((p) => [
      p.instrument, num(p.size), num(p.markPrice), amount(p.value, c), num(p.delta), num(p.gamma, 8), num(p.vega), num(p.theta), amount(p.marginContribution, c),
    ])));
  }
  return parts.join("\n");
}
