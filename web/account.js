// dpm dashboard: the account view. Every panel is live: on each margin update of the account (WebSocket) the
// detail (breakdown, positions, heatmap, orders) is fetched again, at most twice a second; insights (binding,
// distance to liquidation) arrive as their own messages.
import { $, SVG, compact, esc, fillRows, num, pct, sci, signed, spct, units, withUnit } from "./fmt.js";
import { positionsByVenue, renderAllocation, renderVenueCards } from "./venues.js";

const MIN_MS = 500; // at most 2 detail fetches per second
const enc = encodeURIComponent;

/** Account-level Greeks rows. HOOK: uses the account's Greeks rows (per underlying and expiry, incl. the COLLATERAL row
 * of spot collateral, as src/margin/accountGreeks.ts computes them) when the account API provides them, either as
 * `GET /v1/accounts/:id/greeks` → `{greeks: rows}` (passed as `greeks`) or as `accountGreeks` in the margin detail;
 * until then the per-underlying Greeks of the positions that the margin summary carries. */
export function accountGreeksRows(detail, greeks) {
  const ag = greeks?.greeks ?? detail.accountGreeks ?? detail.summary?.accountGreeks;
  if (Array.isArray(ag)) return { source: "account", rows: ag.map((g) => ({ underlying: g.underlying, expiry: g.expiry, delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.theta, held: g.held })) };
  const g = detail.summary?.greeks ?? {};
  return { source: "positions", rows: Object.keys(g).sort().map((u) => ({ underlying: u, expiry: "positions", ...g[u] })) };
}

function heatmap(unit, currency) {
  const cw = 66, ch = 26, x0 = 62, y0 = 34, P = unit.priceShocks.length, V = unit.volStates.length;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "chart heat");
  svg.setAttribute("width", String(x0 + cw * P + 8));
  svg.setAttribute("height", String(y0 + ch * V + 8));
  const add = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; };
  let max = 1, worst = { v: Infinity, i: -1, j: -1 };
  unit.pnl.forEach((row, i) => row.forEach((p, j) => { max = Math.max(max, Math.abs(p)); if (p < worst.v) worst = { v: p, i, j }; }));
  add("text", { x: 0, y: 12, class: "title" }, `${unit.underlying}: scenario P&L (${currency}), index move × vol`);
  unit.priceShocks.forEach((s, i) => add("text", { x: x0 + i * cw + cw / 2, y: y0 - 6, "text-anchor": "middle" }, spct(s, Number.isInteger(Math.round(s * 1e6) / 1e4) ? 0 : 1)));
  unit.volStates.forEach((v, j) => add("text", { x: x0 - 6, y: y0 + j * ch + 17, "text-anchor": "end" }, `vol ${v}`));
  unit.pnl.forEach((row, i) => row.forEach((p, j) => {
    const t = Math.min(1, Math.sqrt(Math.abs(p) / max)), fill = p < 0 ? `rgba(248,81,73,${0.12 + 0.88 * t})` : `rgba(63,185,80,${0.12 + 0.88 * t})`;
    const isWorst = i === worst.i && j === worst.j;
    const r = add("rect", { class: "cell", x: x0 + i * cw, y: y0 + j * ch, width: cw - 2, height: ch - 2, fill, ...(isWorst ? { stroke: "#e6e6e6", "stroke-width": 2 } : {}) });
    r.appendChild(Object.assign(document.createElementNS(SVG, "title"), { textContent: `${spct(unit.priceShocks[i])}, vol ${unit.volStates[j]}: ${signed(p)} ${currency}${isWorst ? " (worst)" : ""}` }));
    add("text", { x: x0 + i * cw + cw / 2 - 1, y: y0 + j * ch + 17, "text-anchor": "middle", class: "v" }, compact(p));
  }));
  const wrap = document.createElement("div");
  wrap.className = "heatwrap";
  wrap.dataset.underlying = unit.underlying;
  wrap.appendChild(svg);
  return wrap;
}

function scenarioText(c) {
  if (c.scenario) return `${spct(c.scenario.priceShock)}, vol ${esc(c.scenario.volShock)}${c.scenario.weight !== undefined ? `, weight ${c.scenario.weight.toFixed(3)}` : ""}`;
  const d = c.detail ?? {};
  return esc(Object.entries(d).map(([k, v]) => `${k} ${typeof v === "number" ? num(v, Math.abs(v) < 10 ? 4 : 2) : v}`).join(", "));
}

export function createAccountView(api, send) {
  let current = null, inflight = false, again = false, last = 0, timer = null, im = 0;
  /** Multi-venue account: unknown until its first margin (null), then true / false; the venues' positions of the last report. */
  let multi = null, venuePositions = {};
  /** Whether the server has GET /v1/accounts/:id/greeks (asked until it answers 404 once). */
  let greeksRoute = true;

  function renderSummary(m) {
    $("#acct-status").textContent = m.status.replace("_", " ");
    $("#acct-status").className = `pill ${m.status}`;
    $("#acct-seq").textContent = `margin as of event ${m.seq}`;
    im = m.initialMargin;
    const cards = [["equity", "USD", num(m.equity)], ["adjusted equity", "USD", num(m.adjustedEquity)], ["initial margin", "USD", num(m.initialMargin)], ["maintenance margin", "USD", num(m.maintenanceMargin)],
      ["available", "USD", signed(m.availableFunds)], ["margin ratio", "% MM / adj. equity", pct(m.marginRatio).replace(" %", "")], ["unrealised P&L", "USD", signed(m.unrealisedPnl)], ["concentration add-on", "USD", num(m.concentrationAddOn)]];
    const el = $("#acct-cards");
    const before = new Map([...el.querySelectorAll(".big")].map((b) => [b.dataset.testid, b.textContent]));
    el.innerHTML = cards.map(([l, u, v]) => `<div class="card"><div class="label">${l} (${esc(u)})</div><div class="big" data-testid="acct-${l.replace(/\W+/g, "-")}">${v}</div></div>`).join("");
    for (const b of el.querySelectorAll(".big")) if (before.has(b.dataset.testid) && before.get(b.dataset.testid) !== b.textContent) b.classList.add("chg");
    multi = Array.isArray(m.venues);
    $("#venues-panel").hidden = !multi;
    $("#whatif-venue").hidden = !multi;
    if (!multi) return;
    renderVenueCards(m, venuePositions);
    const sel = $("#whatif-venue select"), names = m.venues.filter((v) => v.kind === "derivatives").map((v) => v.venue);
    if ([...sel.options].map((o) => o.value).join() !== names.join()) sel.innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join("");
  }

  function renderInsight(i) {
    if (!i || i.account !== current) return;
    const b = i.binding;
    $("#acct-binding").innerHTML = b ? `${esc(b.label)} <span class="unit">${pct(b.share, 0)} of IM</span>` : "none";
    const n = i.nearest;
    $("#acct-nearest").innerHTML = n ? `${esc(n.underlying)} ${spct(n.move)}` : i.error ? `<span class="hint">${esc(i.error)}</span>` : "none within −95 % / +100 %";
    const side = (u, m) => (m === null ? `<span class="hint">none</span>` : `${spct(m, 2)} <span class="unit">→ ${num(u.index * (1 + m))} USD</span>`);
    fillRows($("#distance tbody"), Object.entries(i.distance).sort().map(([u, d]) => ({
      key: u, cells: [{ html: esc(u) }, { html: num(d.index, d.index < 10 ? 6 : 2) }, { html: side(d, d.down), cls: "down" }, { html: side(d, d.up), cls: "up" }],
    })), `<tr><td colspan="4" class="hint">${i.error ? esc(i.error) : "no risky underlying"}</td></tr>`);
    $("#distance-asof").textContent = `computed from the margin of event ${i.seq}, ${num(i.ms, 1)} ms, ${i.probes} margin computations`;
  }

  function renderDetail(m, sc, od, gk) {
    const r = m.result;
    const binding = m.binding;
    const comps = (r ? r.components : []).map((c, k) => {
      const isB = binding && binding.name === c.name && (binding.underlying ?? "") === (c.underlying ?? "") && Math.abs(binding.amount - Math.abs(c.amount)) < 1e-6;
      return { key: `${c.name}:${c.underlying ?? ""}:${k}`, attrs: isB ? ' class="binding"' : "", cells: [{ html: `${esc(c.name)}${isB ? ' <span class="tag">binding</span>' : ""}` }, { html: esc(c.underlying ?? "") }, { html: signed(c.amount) }, { html: im > 0 && c.amount !== 0 && !c.detail?.reduces ? pct(c.amount / im) : "" }, { html: scenarioText(c), cls: "left" }] };
    }).concat(m.concentration.map((c) => ({ key: `conc:${c.instrument}`, cells: [{ html: "concentration" }, { html: esc(c.instrument) }, { html: signed(c.amount) }, { html: im > 0 ? pct(c.amount / im) : "" }, { html: `rate ${pct(c.rate)}`, cls: "left" }] })));
    fillRows($("#components tbody"), comps, `<tr><td colspan="5" class="hint">no margin</td></tr>`);
    fillRows($("#positions tbody"), (r ? r.positions : []).map((p) => {
      const u = units(p.instrument);
      return { key: p.instrument, cells: [{ html: esc(p.instrument) }, { html: withUnit(signed(p.size, 4), u.size) }, { html: withUnit(num(p.markPrice, p.markPrice < 10 ? 4 : 2), u.mark) }, { html: signed(p.value) }, { html: signed(p.delta, 4) }, { html: sci(p.gamma) }, { html: signed(p.vega) }, { html: signed(p.theta) }, { html: signed(p.marginContribution) }] };
    }), `<tr><td colspan="9" class="hint">no positions</td></tr>`);
    const gr = accountGreeksRows(m, gk?.status === 200 ? gk.json : undefined);
    $("#greeks-source").textContent = gr.source === "account" ? "(positions and spot collateral)" : "(positions; spot collateral below)";
    fillRows($("#acct-greeks tbody"), gr.rows.map((g) => ({ key: `${g.underlying}:${g.expiry}`, cells: [{ html: esc(g.underlying) }, { html: esc(g.expiry) }, { html: signed(g.delta, 4) }, { html: sci(g.gamma) }, { html: signed(g.vega) }, { html: signed(g.theta) }, { html: g.netDeltaUsd !== undefined ? signed(g.netDeltaUsd) : "" }] })));
    fillRows($("#collateral tbody"), (r ? r.collateral : []).map((c) => ({ key: c.asset, cells: [{ html: esc(c.asset) }, { html: withUnit(signed(c.amount, 6), c.asset) }, { html: signed(c.value) }, { html: num(c.haircut) }, { html: esc(c.countedAs === "scenario" ? "in the scenarios" : "at its haircut"), cls: "left" }] })), `<tr><td colspan="5" class="hint">none</td></tr>`);
    fillRows($("#orders tbody"), (od.status === 200 ? od.json.orders : []).map((o) => {
      const u = units(o.instrument);
      return { key: o.orderId, cells: [{ html: esc(o.orderId) }, { html: esc(o.instrument) }, { html: withUnit(signed(Number(o.size), 4), u.size) }, { html: withUnit(num(o.price, o.price < 10 ? 4 : 2), u.mark) }] };
    }), `<tr><td colspan="4" class="hint">none</td></tr>`);
    $("#heatmaps").replaceChildren(...(sc.status === 200 ? sc.json.units.map((u) => heatmap(u, sc.json.currency)) : []));
    $("#account").dataset.seq = String(m.summary.seq);
    if (m.insight) renderInsight(m.insight);
  }

  async function load() {
    const id = current;
    if (!id) return;
    inflight = true;
    last = Date.now();
    try {
      const [m, sc, od, gk, vr] = await Promise.all([api("GET", `/v1/accounts/${enc(id)}/margin`), api("GET", `/v1/accounts/${enc(id)}/scenarios`), api("GET", `/v1/accounts/${enc(id)}/orders`),
        greeksRoute ? api("GET", `/v1/accounts/${enc(id)}/greeks`) : undefined, multi !== false ? api("GET", `/v1/accounts/${enc(id)}/venues`) : undefined]);
      if (gk?.status === 404 && /no route/.test(gk.json.error ?? "")) greeksRoute = false;
      if (id !== current) return;
      if (m.status !== 200) { $("#acct-cards").textContent = m.json.error; return; }
      // The requests ran in parallel: a tick between them gives panels of two states; show them, and fetch again.
      const consistent = sc.status !== 200 || sc.json.stateSeq === m.json.stateSeq;
      if (!consistent) again = true;
      if (consistent) $("#account").dataset.stateSeq = String(m.json.stateSeq);
      else delete $("#account").dataset.stateSeq;
      if (vr?.status === 200) { venuePositions = positionsByVenue(vr.json); renderAllocation(vr.json); }
      renderSummary(m.json.summary);
      renderDetail(m.json, sc, od, gk);
    } finally {
      inflight = false;
      if (again) { again = false; schedule(); }
    }
  }

  /** Fetch the detail again: now, or when the last fetch is MIN_MS old (updates in between are conflated into one). */
  function schedule() {
    if (inflight) { again = true; return; }
    if (timer) return;
    const wait = Math.max(0, last + MIN_MS - Date.now());
    timer = setTimeout(() => { timer = null; void load(); }, wait);
  }

  return {
    get current() { return current; },
    async open(id) {
      if (current && current !== id) send({ op: "unsubscribe", accounts: [current] });
      current = id;
      multi = null; venuePositions = {};
      $("#acct-id").textContent = id;
      for (const t of ["#components", "#positions", "#acct-greeks", "#collateral", "#orders", "#distance"]) $(`${t} tbody`).innerHTML = "";
      $("#acct-binding").textContent = "…";
      $("#acct-nearest").textContent = "computing…";
      await load();
      send({ op: "subscribe", accounts: [id] });
    },
    close() { if (current) send({ op: "unsubscribe", accounts: [current] }); current = null; },
    onAccount(m) { if (m.account === current) { renderSummary(m); schedule(); } },
    onInsight(i) { renderInsight(i); },
    async whatif(form) {
      const f = new FormData(form);
      const body = { instrument: String(f.get("instrument")).trim(), size: String(f.get("size")).trim() };
      if (String(f.get("price")).trim()) body.price = Number(f.get("price"));
      if (multi && f.get("venue")) body.venue = String(f.get("venue"));
      const r = await api("POST", `/v1/accounts/${enc(current)}/orders/check`, body);
      const out = $("#whatif-result");
      if (r.status !== 200) { out.innerHTML = `<p class="refused">${esc(r.json.error)}</p>${(r.json.issues ?? []).map((i) => `<div>${esc(i.path)}: ${esc(i.message)}</div>`).join("")}`; return; }
      const v = r.json, u = units(v.instrument);
      out.innerHTML = `<p class="${v.ok ? "accepted" : "refused"}" data-testid="whatif-verdict">${v.ok ? "accepted" : "refused"}${v.venue ? ` on ${esc(v.venue)}` : ""}: ${esc(v.reason ?? (v.venue ? "the venue's adjusted equity stays ≥ its IM" : "adjusted equity stays ≥ IM"))} (${signed(Number(v.size), 4)} ${esc(u.size)} at ${num(v.price, v.price < 10 ? 4 : 2)} ${esc(u.mark)})</p>
        <table><thead><tr><th>USD</th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>
        ${["adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "concentrationAddOn"].map((k) => `<tr><td>${k}</td><td>${num(v.before[k])}</td><td>${num(v.after[k])}</td><td>${signed(v.after[k] - v.before[k])}</td></tr>`).join("")}
        <tr><td>status</td><td class="${v.before.status}">${v.before.status}</td><td class="${v.after.status}">${v.after.status}</td><td></td></tr></tbody></table>`;
    },
  };
}
