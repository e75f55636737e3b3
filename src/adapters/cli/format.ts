import type { MarginResult } from "../../margin/result.js";
import type { GreeksRow } from "../../risk/greeksReport.js";

/** Fixed-width table: first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * One formatter per number of decimals: `Number#toLocaleString` with options builds a new
 * `Intl.NumberFormat` on every call, which made the text table of a 20,000-account book 5× slower than
 * its JSON. Same output, byte for byte (toLocaleString is defined through NumberFormat).
 */
const formatters = new Map<number, Intl.NumberFormat>();
function fixed(d: number): Intl.NumberFormat {
  let f = formatters.get(d);
  if (!f) formatters.set(d, (f = new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })));
  return f;
}

/** An amount in a currency: 2 decimals for USD and stablecoins, 6 for coins. */
export function amount(v: number, currency: string): string {
  const d = currency === "USD" || currency.startsWith("USD") ? 2 : 6;
  const s = fixed(d).format(v);
  return s === `-${(0).toFixed(d)}` ? (0).toFixed(d) : s;
}

export function num(v: number, digits = 4): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-4 ? v.toExponential(3) : v.toFixed(digits);
}

const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);

/** Summary, components and positions of one margin result. */
export function formatMargin(r: MarginResult): string {
  const c = r.currency;
  const out = [
    `account ${r.account} | model ${r.model} | ${c} | as of ${r.asOf}`,
    table(["equity", "adj. equity", "initial margin", "maint. margin", "available", "MM ratio", "status"].map((h) => h), [[
      amount(r.equity, c), amount(r.adjustedEquity, c), amount(r.initialMargin, c), amount(r.maintenanceMargin, c),
      amount(r.availableFunds, c), pct(r.marginRatio), r.status,
    ]]),
    "",
    table(["component", "underlying", "amount", "scenario / detail"], r.components.map((k) => [
      k.name, k.underlying ?? k.instrument ?? "", amount(k.amount, c),
      k.scenario ? `move ${(k.scenario.priceShock * 100).toFixed(1)}%, vol ${k.scenario.volShock}${k.scenario.weight !== undefined ? `, weight ${k.scenario.weight.toFixed(3)}` : ""}` : detailText(k.detail),
    ])),
  ];
  if (r.positions.length > 0) {
    out.push("", table(["instrument", "size", "mark", "value", "delta", "gamma", "vega", "theta", "margin +/-"], r.positions.map((p) => [
      p.instrument, num(p.size), num(p.markPrice), amount(p.value, c), num(p.delta), num(p.gamma, 8), num(p.vega), num(p.theta), amount(p.marginContribution, c),
    ])));
  }
  return out.join("\n");
}

function detailText(d: Readonly<Record<string, unknown>> | undefined): string {
  if (!d) return "";
  return Object.entries(d).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${typeof v === "number" ? num(v) : String(v)}`).join(", ");
}

/** The capital-efficiency table of `dpm compare`: one row per model. */
export function formatCompare(account: string, results: readonly MarginResult[]): string {
  const c = results[0]?.currency ?? "USD";
  const std = results.find((r) => r.model === "standard")?.initialMargin;
  return [`account ${account} (${c})`, table(["model", "equity", "adj. equity", "IM", "MM", "available", "IM vs standard", "status"], results.map((r) => [
    r.model, amount(r.equity, c), amount(r.adjustedEquity, c), amount(r.initialMargin, c), amount(r.maintenanceMargin, c),
    amount(r.availableFunds, c), std && std > 0 ? `${((r.initialMargin / std) * 100).toFixed(1)}%` : "n/a", r.status,
  ]))].join("\n");
}

/** Greeks of the whole account per underlying and expiry, collateral and numeraire rows included. */
export function formatGreeks(account: string, currency: string, rows: readonly GreeksRow[]): string {
  const notes = [`account ${account} (${currency}; delta in coins, vega per vol point, theta per day; spot collateral counts as spot)`];
  const table_ = table(
    ["underlying", "expiry", "positions", "held", "delta", "gamma", "vega", "theta"],
    rows.map((g) => [g.underlying, g.expiry, g.positions === 0 && g.expiry !== "ALL" ? "" : String(g.positions), g.held === undefined ? "" : num(g.held), num(g.delta), num(g.gamma, 8), num(g.vega), num(g.theta)]),
  );
  const out = [...notes, table_];
  if (rows.some((g) => g.expiry === "NUMERAIRE")) out.push(`NUMERAIRE: everything held outside ${currency} (stablecoins, other assets, positions on other underlyings), revalued by ${currency}'s moves`);
  return out.join("\n");
}

/** Before / after / change of a what-if trade. */
export function formatWhatIf(before: MarginResult, after: MarginResult, trades: readonly string[]): string {
  const c = before.currency;
  const row = (name: string, a: number, b: number) => [name, amount(a, c), amount(b, c), amount(b - a, c)];
  return [`account ${before.account} | model ${before.model} | trade ${trades.join(", ")} (${c})`, table(["", "before", "after", "change"], [
    row("equity", before.equity, after.equity),
    row("adjusted equity", before.adjustedEquity, after.adjustedEquity),
    row("initial margin", before.initialMargin, after.initialMargin),
    row("maintenance margin", before.maintenanceMargin, after.maintenanceMargin),
    row("available funds", before.availableFunds, after.availableFunds),
    ["status", before.status, after.status, before.status === after.status ? "" : "changed"],
  ])].join("\n");
}

/** One account's row of the `dpm compare` summary: IM per model and what portfolio margin saves against standard. */
export function compareSummaryRow(account: string, results: readonly MarginResult[]): string[] {
  const c = results[0]?.currency ?? "USD";
  const im = (m: string) => results.find((r) => r.model === m);
  const s = im("standard"), p = im("portfolio"), i = im("isolated");
  return [account, amount(i?.initialMargin ?? 0, c), amount(s?.initialMargin ?? 0, c), amount(p?.initialMargin ?? 0, c),
    s && p && s.initialMargin > 0 ? `${((p.initialMargin / s.initialMargin) * 100).toFixed(1)}%` : "n/a",
    amount(s?.availableFunds ?? 0, c), amount(p?.availableFunds ?? 0, c), p?.status ?? ""];
}

/** Several accounts: the rows of `compareSummaryRow` under one header. */
export function formatCompareSummary(currency: string, rows: readonly (readonly string[])[]): string {
  return [`initial margin (IM) and available funds by model (${currency})`,
    table(["account", "IM isolated", "IM standard", "IM portfolio", "portfolio/standard", "available standard", "available portfolio", "status (portfolio)"], rows)].join("\n");
}
