// dpm dashboard: the venues of a multi-venue account, side by side (docs/venues.md "In the service"). Each venue
// under its own preset with only its own collateral, the unified profile with its cross-venue charges, and the
// transfers `dpm venues` proposes (GET /v1/accounts/:id/venues). Live: the venue cards re-render from every margin
// message of the account (its `venues` and `unified`), the transfers and positions with each detail fetch.
import { $, esc, fillRows, num, pct, signed, units, withUnit } from "./fmt.js";

const STATUS = (s) => `<span class="pill ${esc(s)}" data-testid="venue-status">${esc(s.replace("_", " "))}</span>`;

function ratioBar(r, status) {
  const w = Math.min(1.25, r ?? 1.25) / 1.25 * 100;
  return `<div class="ratio"><div class="bar ${esc(status)}" style="width:${w.toFixed(1)}%"></div><div class="line"></div><span>${pct(r)}</span></div>`;
}

/** One card: the headline figures of a venue (or of the unified profile), in USD. */
function card(key, title, sub, h, extra) {
  const rows = [["equity", num(h.equity)], ["adj. equity", num(h.adjustedEquity)], ["IM", num(h.initialMargin)], ["MM", num(h.maintenanceMargin)],
    ["available", signed(h.availableFunds)], ["MM ratio", ratioBar(h.marginRatio, h.status)], ...extra];
  return `<div class="vcard ${esc(h.status)}" data-venue="${esc(key)}"><div class="vhead"><b>${esc(title)}</b> ${STATUS(h.status)}<div class="hint">${esc(sub)}</div></div>
    <table class="wide"><tbody>${rows.map(([l, v]) => `<tr><td>${l}</td><td data-k="${esc(l)}">${v}</td></tr>`).join("")}</tbody></table></div>`;
}

/** The venue cards and the unified card from an account's margin summary (`venues`, `unified`, the unified headline). */
export function renderVenueCards(m, positions) {
  const el = $("#venue-cards");
  const before = new Map([...el.querySelectorAll("td[data-k]")].map((td) => [`${td.closest(".vcard").dataset.venue}:${td.dataset.k}`, td.textContent]));
  const venues = m.venues.map((v) => card(v.venue, v.venue, `${v.preset} · ${v.kind}`, v, [
    v.kind === "lending" ? ["health factor", v.healthFactor === null || v.healthFactor === undefined ? "∞ (no debt)" : num(v.healthFactor, 3)] : ["unrealised P&L", signed(v.unrealisedPnl ?? 0)],
    ["positions", (positions?.[v.venue] ?? []).map((p) => `${esc(p.instrument)} ${withUnit(signed(p.size, 4), units(p.instrument).size)}`).join("<br>") || '<span class="hint">none</span>'],
  ]));
  const u = m.unified, c = u.charges, sum = u.sumOfVenues.initialMargin;
  const unified = card("unified", "unified", `${u.preset} over every venue + cross-venue charges`, { ...m, status: u.status }, [
    ["pooled IM", num(u.pooledInitialMargin)], ["+ basis", num(c.basis)], ["+ transfer time", num(c.transferTime)], ["+ venue default", num(c.venueDefault)],
    ["Σ venues' IM", `${num(sum)} <span class="unit">(unified ${pct(sum > 0 ? m.initialMargin / sum : null, 1)})</span>`],
  ]);
  el.innerHTML = venues.join("") + unified;
  for (const td of el.querySelectorAll("td[data-k]")) {
    const k = `${td.closest(".vcard").dataset.venue}:${td.dataset.k}`;
    if (before.has(k) && before.get(k) !== td.textContent) td.classList.add("chg");
  }
  $("#venues-status").innerHTML = m.statusVenue ? `account ${STATUS(m.status)} set by venue <b>${esc(m.statusVenue)}</b>; dpm monitors, each venue liquidates its own positions` : "each venue liquidates its own positions; dpm monitors them";
}

/** The allocation of GET /v1/accounts/:id/venues: the transfers that bring every venue to MM usage ≤ target, and the statuses after them. */
export function renderAllocation(report) {
  const a = report.allocation;
  $("#alloc-title").textContent = a.transfers.length === 0 ? `no transfer needed: every venue at MM usage ≤ ${pct(a.target, 0)} and healthy` : `${a.transfers.length} transfer(s) to MM usage ≤ ${pct(a.target, 0)} everywhere, cost ${num(a.costUsd)} USD${a.feasible ? "" : " (not enough: shortfall below)"}`;
  fillRows($("#venue-transfers tbody"), a.transfers.map((t, i) => ({ key: `${i}:${t.asset}:${t.from}:${t.to}`, cells: [
    { html: esc(t.asset) }, { html: esc(t.from) }, { html: esc(t.to) }, { html: withUnit(esc(t.amount), t.asset) }, { html: esc(t.fee) }, { html: esc(t.received) }, { html: num(t.hours, 2) }, { html: num(t.costUsd) },
  ] })), `<tr><td colspan="8" class="hint">none</td></tr>`);
  fillRows($("#venue-after tbody"), [...a.after.map((x) => ({ key: x.venue, cells: [{ html: esc(x.venue) }, { html: pct(x.marginRatio) }, { html: esc(x.status.replace("_", " ")), cls: x.status }] })),
    ...a.shortfall.map((s) => ({ key: `short:${s.venue}`, cells: [{ html: `${esc(s.venue)} short` }, { html: `${num(s.usd)} USD` }, { html: "" }] }))]);
}

/** Positions per venue from the report's book (instrument, size). */
export function positionsByVenue(report) {
  const out = Object.create(null); // a venue may be named like an Object property (constructor, tostring)
  for (const p of report?.book?.positions ?? []) (out[p.venue] ??= []).push(p);
  return out;
}
