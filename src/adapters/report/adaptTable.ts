/**
 * Text output of `dpm adapt backtest`: Markdown tables (they read as plain text on a terminal and paste
 * into docs/adaptive.md unchanged) of the four models raw and with APC, the targets of the adaptive model,
 * its coefficients and the GARCH parameters. Pure string building.
 */
import type { ApcSpec } from "../../analytics/adaptive/apc.js";
import type { Coverage, MoveMetrics } from "../../analytics/adaptive/evaluate.js";
import { MODEL_NAMES } from "../../analytics/adaptive/models.js";
import type { AssetSummary } from "../../analytics/adaptive/summary.js";

/** What the run was (printed above the tables). */
export interface AdaptRunInfo {
  readonly confidence: number;
  readonly horizon: number;
  readonly trainDays: number;
  readonly refitDays: number;
  readonly apc: ApcSpec;
  /** The adaptive model's candidate count and validation days. */
  readonly selection: { readonly candidates: number; readonly validationDays: number };
}

const pct = (v: number, d = 2): string => `${(v * 100).toFixed(d)}%`;
/** 2 → 2nd, 3 → 3rd, 4 → 4th, 21 → 21st. */
export const ordinal = (n: number): string => `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th")}`;

const p4 = (v: number): string => (v < 0.0001 ? v.toExponential(1) : v.toFixed(4));
const be = (c: Coverage): string => `${c.breaches} / ${c.expectedBreaches.toFixed(1)}`;

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function table(head: readonly string[], align: string, rows: readonly (readonly string[])[]): string {
  return [row(head), `|${align.split("").map((a) => (a === "r" ? "---:" : "---")).join("|")}|`, ...rows.map(row)].join("\n");
}

function metricCells(m: MoveMetrics, horizon: number): string[] {
  return [be(m), ...(horizon > 1 && m.overlapping ? [be(m.overlapping)] : []), p4(m.kupiecPValue), p4(m.christoffersenPValue), m.basel, pct(m.meanMove), pct(m.maxIncrease1d, 1), m.peakToTrough.toFixed(2)];
}

function modelTable(assets: Readonly<Record<string, AssetSummary>>, info: AdaptRunInfo, apc: boolean): string {
  const head = ["asset", "test period", "model", "breaches / expected", ...(info.horizon > 1 ? ["overlapping b / e"] : []), "Kupiec p", "Christoffersen p", "zone", "mean move", "max 1-day rise", "peak / trough"];
  const rows: string[][] = [];
  for (const [a, s] of Object.entries(assets)) {
    for (const m of MODEL_NAMES) rows.push([a, `${s.from}..${s.to}`, m, ...metricCells(apc ? s.models[m].withApc : s.models[m], info.horizon)]);
  }
  return table(head, `lllr${info.horizon > 1 ? "r" : ""}rrlrrr`, rows);
}

function targets(assets: Readonly<Record<string, AssetSummary>>): string {
  const rows = Object.entries(assets).map(([a, s]) => {
    const ad = s.models.adaptive, st = s.models.static, ew = s.models.ewma;
    const mark = (ok: boolean): string => (ok ? "yes" : "**no**");
    return [a, `${ad.basel} (${mark(ad.basel === "green")})`, `${pct(ad.meanMove)} vs ${pct(st.meanMove)} (${mark(ad.meanMove < st.meanMove)})`, `${pct(ad.meanMove)} vs ${pct(ew.meanMove)} (${mark(ad.meanMove <= ew.meanMove)})`];
  });
  return table(["asset", "adaptive zone (green?)", "mean move vs static (lower?)", "mean move vs ewma (no higher?)"], "llll", rows);
}

function coefficientTable(assets: Readonly<Record<string, AssetSummary>>): string {
  const first = Object.values(assets)[0];
  if (!first) return "";
  const names = first.adaptive.features;
  const rows = Object.entries(assets).map(([a, s]) => {
    const ad = s.adaptive, ewma = ad.selection.scale === "ewma";
    return [a, ad.fittedAt, ad.selection.candidate, String(ad.trainingRows), ...names.map((n) => (ewma ? "—" : `${ad.coefficients[n].toFixed(3)} (${ad.importance[n].toFixed(2)})`)), ad.tailShift.toFixed(3)];
  });
  return table(["asset", "last fit", "choice", "rows", ...names, "tail shift δ"], `llll${"r".repeat(names.length)}r`, rows);
}

/** The in-window selection: last choice, its validation year against the expanding fit, the choices over all refits. */
function selectionTable(assets: Readonly<Record<string, AssetSummary>>): string {
  const rows = Object.entries(assets).map(([a, s]) => {
    const x = s.adaptive.selection;
    const top = Object.entries(x.choices).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(", ");
    return [a, x.candidate, x.effectiveTailRows.toFixed(0), `${x.chosen.breaches} / ${x.baseline.breaches} / ${x.expectedValidationBreaches.toFixed(1)}`,
      `${pct(x.chosen.meanMove)} / ${pct(x.baseline.meanMove)}`, `${x.chosen.loss.toFixed(4)} / ${x.baseline.loss.toFixed(4)}`, `${top}${Object.keys(x.choices).length > 3 ? ", …" : ""}`, `${x.switches} / ${s.refits}`];
  });
  return table(["asset", "last choice", "δ eff. rows", "validation breaches: chosen / qr all/eq / expected", "validation mean move: chosen / qr all/eq", "validation loss: chosen / qr all/eq", "choices over refits (most frequent)", "switches / refits"], "llrrrrlr", rows);
}

function garchTable(assets: Readonly<Record<string, AssetSummary>>): string {
  const rows = Object.entries(assets).map(([a, s]) => [a, s.garch.omega.toExponential(2), s.garch.alpha.toFixed(3), s.garch.beta.toFixed(3), s.garch.nu.toFixed(2), s.garch.persistence.toFixed(4), s.garch.halfLifeDays.toFixed(0), s.ewma.quantile.toFixed(3)]);
  return table(["asset", "GARCH ω", "α", "β", "ν", "α + β", "half-life (days)", "ewma quantile q̂"], "lrrrrrrr", rows);
}

/** Every table of a backtest run, in Markdown. */
export function adaptTables(assets: Readonly<Record<string, AssetSummary>>, info: AdaptRunInfo): string {
  const a = info.apc;
  const head = `dpm adapt backtest: ${pct(info.confidence, 2)} two-sided move, horizon ${info.horizon} day${info.horizon > 1 ? "s" : ""}; walk-forward after ${info.trainDays} training days, refit every ${info.refitDays} days` +
    `${info.horizon > 1 ? `; tests on every ${ordinal(info.horizon)} day (non-overlapping), overlapping counts beside them` : ""}\n` +
    `adaptive: ${info.selection.candidates === 1 ? "one candidate (no selection)" : `${info.selection.candidates} candidates, the one with the lowest ${pct(info.confidence, 0)} pinball loss over the previous ${info.selection.validationDays} days chosen at each refit`}\n` +
    `APC: ${a.floor === "buffer" ? `buffer ${pct(a.buffer, 0)}` : `stressed-level weight ${pct(a.stressWeight, 0)} over ${a.lookbackBars} days`}, cap +${pct(a.maxDailyIncrease, 0)} a day, add-on released after a ${pct(a.buffer, 0)} rise within ${a.releaseBars} days`;
  return [
    head, "", "### Raw models", "", modelTable(assets, info, false), "", "### With anti-procyclicality (APC)", "", modelTable(assets, info, true), "",
    "### Targets of the adaptive model (raw)", "", targets(assets), "",
    "### Adaptive model: in-window selection (last refit; validation = the previous days, each candidate walk-forward)", "", selectionTable(assets), "",
    "### Adaptive model: ln m = intercept + Σ coefficient × feature, last fit (importance = coefficient × feature sd; — = EWMA scale, ln m = δ + ln σ_ewma)", "", coefficientTable(assets), "",
    "### GARCH(1,1)-t and EWMA, last fit", "", garchTable(assets), "",
  ].join("\n");
}
