import type { AllocationResult } from "../../analytics/venues/allocation.js";
import type { ContagionResult } from "../../analytics/venues/contagion.js";
import type { VenueRow } from "../../analytics/venues/profile.js";
import type { UnifiedProfile } from "../../analytics/venues/unified.js";
import { amount, table } from "./format.js";

const usd = (v: number): string => amount(v, "USD");
const pct = (v: number | null): string => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);

function venuesTable(rows: readonly VenueRow[], u: UnifiedProfile): string {
  const body = rows.map((r) => [r.venue, r.preset, usd(r.equity), usd(r.adjustedEquity), usd(r.initialMargin), usd(r.maintenanceMargin), pct(r.marginRatio), r.status,
    r.healthFactor === undefined ? "" : r.healthFactor === null ? "HF ∞" : `HF ${r.healthFactor.toFixed(3)}`]);
  body.push(["sum of venues", "", "", "", usd(u.sumOfVenues.initialMargin), usd(u.sumOfVenues.maintenanceMargin), "", "", ""]);
  body.push(["unified", u.preset, usd(u.equity), usd(u.adjustedEquity), usd(u.initialMargin), usd(u.maintenanceMargin), pct(u.marginRatio), u.status, `${((u.initialMargin / u.sumOfVenues.initialMargin) * 100).toFixed(1)}% of sum`]);
  return table(["venue", "preset", "equity", "adj. equity", "IM", "MM", "MM ratio", "status", ""], body);
}

function unifiedLines(u: UnifiedProfile): string {
  const c = u.charges;
  const lines = [`unified IM = pooled ${usd(u.pooledInitialMargin)} + basis ${usd(c.basis)} + transfer time ${usd(c.transferTime)} + venue default ${usd(c.venueDefault)} = ${usd(u.initialMargin)}`];
  for (const h of u.hedged) lines.push(`  ${h.underlying}: ${h.hedged.toFixed(4)} hedged across venues (${usd(h.hedgedUsd)}), transfer ${(h.transferDays * 24).toFixed(2)} h: basis ${usd(h.basis)}, transfer time ${usd(h.transferTime)}`);
  lines.push(`  venue default: ${usd(u.standaloneInitialMargin)} margined venue by venue under ${u.preset} vs ${usd(u.pooledInitialMargin)} pooled`);
  return lines.join("\n");
}

function allocationLines(a: AllocationResult): string {
  const head = `allocation to MM ratio ≤ ${pct(a.target)} and healthy everywhere: ${a.transfers.length} transfer(s), cost ${usd(a.costUsd)}${a.feasible ? "" : ` — shortfall: ${a.shortfall.map((s) => `${s.venue} ${usd(s.usd)}`).join(", ")}`}`;
  const t = a.transfers.length === 0 ? "" : `\n${table(["asset", "from", "to", "amount", "fee", "received", "hours", "cost USD"], a.transfers.map((x) => [x.asset, x.from, x.to, x.amount, x.fee, x.received, String(x.hours), usd(x.costUsd)]))}`;
  const after = table(["venue", "MM ratio after", "status after"], a.after.map((x) => [x.venue, pct(x.marginRatio), x.status]));
  return `${head}${t}\n${after}`;
}

function contagionTable(cs: readonly ContagionResult[]): string {
  const rows = cs.map((c) => [c.scenario, c.venues.map((v) => `${v.venue} ${v.status === v.statusAfterReallocation ? v.status : `${v.status}→${v.statusAfterReallocation}`}`).join(", "),
    usd(c.unified.equity), c.unified.status, c.liquidatedAnywhere ? `yes (${c.liquidated.join(", ")})` : "no"]);
  return `contagion (venue statuses as hit → after reallocation)\n${table(["scenario", "venues", "unified equity", "unified", "liquidated anywhere"], rows)}\n${cs.map((c) => `  ${c.scenario}: ${c.detail}`).join("\n")}`;
}

/** The text report of `dpm venues`. */
export function formatVenueBook(account: string, rows: readonly VenueRow[], u: UnifiedProfile, a: AllocationResult, cs?: readonly ContagionResult[]): string {
  const parts = [`account ${account} | ${rows.length} venues | USD`, venuesTable(rows, u), unifiedLines(u), allocationLines(a)];
  if (cs) parts.push(contagionTable(cs));
  return `${parts.join("\n\n")}\n`;
}
