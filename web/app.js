// dpm dashboard: plain JS, no build step. Data from the /v1 API; live updates over the WebSocket /v1/stream.
const $ = (s) => document.querySelector(s);
const fmt = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const SVG = "http://www.w3.org/2000/svg";

let key = new URLSearchParams(location.hash.slice(1)).get("key") || sessionStorage.getItem("dpm-key") || "";
let ws = null;
let current = null; // account in view
const market = {};

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const j = await r.json().catch(() => ({}));
  if (r.status === 401) { showLogin(); throw new Error("unauthorized"); }
  return { status: r.status, json: j };
}

function showLogin() { $("#login").hidden = false; $("#fleet").hidden = true; $("#account").hidden = true; }

function show(view) {
  $("#login").hidden = true;
  $("#fleet").hidden = view !== "fleet";
  $("#account").hidden = view !== "account";
}

function flash(el) { el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash"); }

function renderMarket() {
  const tb = $("#market tbody");
  tb.innerHTML = Object.keys(market).sort().map((a) => `<tr data-asset="${esc(a)}"><td>${esc(a)}</td><td class="idx">${fmt(market[a].index, market[a].index < 10 ? 6 : 2)}</td><td>${esc(market[a].ts ? new Date(market[a].ts).toISOString().replace(".000Z", "Z") : "")}</td></tr>`).join("");
}

function ratioChart(rows) {
  const svg = $("#ratio-chart");
  const h = 20 * rows.length + 24, w = 760, x0 = 170, scale = (w - x0 - 60) / Math.max(1, ...rows.map((r) => Math.min(1.5, r.marginRatio ?? 1.5)));
  svg.setAttribute("height", String(h));
  svg.replaceChildren();
  const add = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; };
  rows.forEach((r, i) => {
    const y = 4 + i * 20, v = Math.min(1.5, r.marginRatio ?? 1.5);
    const color = r.status === "healthy" ? "#3fb950" : r.status === "margin_call" ? "#d29922" : "#f85149";
    add("text", { x: 0, y: y + 12 }, r.account.slice(0, 24));
    add("rect", { x: x0, y, width: Math.max(1, v * scale), height: 14, fill: color, rx: 2 });
    add("text", { x: x0 + v * scale + 6, y: y + 12 }, pct(r.marginRatio));
  });
  const lx = x0 + 1 * scale;
  add("line", { x1: lx, y1: 0, x2: lx, y2: h - 18, stroke: "#f85149", "stroke-dasharray": "3 3" });
  add("text", { x: lx - 30, y: h - 4 }, "liquidation");
}

function renderFleet(f) {
  const seq = $("#seq");
  if (seq.textContent !== String(f.seq)) { seq.textContent = String(f.seq); flash(seq); }
  $("#n-accounts").textContent = f.accounts;
  for (const s of ["healthy", "margin_call", "liquidation", "bankrupt"]) $(`#n-${s}`).textContent = f.byStatus[s];
  $("#accounts tbody").innerHTML = f.nearestLiquidation.map((a) => `<tr data-account="${esc(a.account)}"><td>${esc(a.account)}</td><td class="${a.status}">${a.status}</td><td>${pct(a.marginRatio)}</td><td>${fmt(a.adjustedEquity)}</td><td>${fmt(a.initialMargin)}</td><td>${fmt(a.maintenanceMargin)}</td><td>${fmt(a.adjustedEquity - a.initialMargin)}</td></tr>`).join("");
  ratioChart(f.nearestLiquidation);
  if (f.liquidation) renderLiquidation(f.liquidation);
  $("#exposure tbody").innerHTML = Object.entries(f.byUnderlying).sort().map(([u, g]) => `<tr><td>${esc(u)}</td><td>${g.accounts}</td><td>${fmt(g.grossNotionalUsd, 0)}</td><td>${fmt(g.netDeltaUsd, 0)}</td><td>${fmt(g.delta, 4)}</td><td>${g.gamma.toExponential(3)}</td><td>${fmt(g.vega)}</td><td>${fmt(g.theta)}</td></tr>`).join("");
}

function renderLiquidation(l) {
  const fund = $("#fund"), v = fmt(l.insuranceFund.valueUsd);
  if (fund.textContent !== v) { fund.textContent = v; flash(fund); }
  fund.title = Object.entries(l.insuranceFund.balances).map(([a, b]) => `${a} ${b}`).join(", ");
  $("#n-queue").textContent = l.queue.length;
  $("#liq-queue tbody").innerHTML = l.queue.length === 0 ? `<tr><td colspan="5" class="hint">no account in liquidation</td></tr>`
    : l.queue.map((q) => `<tr data-account="${esc(q.account)}"><td>${esc(q.account)}</td><td class="${q.status}">${q.status}</td><td>${pct(q.marginRatio)}</td><td>${esc(q.state)}</td><td class="hint">${esc(q.reason ?? "")}</td></tr>`).join("");
  $("#liq-recent tbody").innerHTML = l.recent.map((r) => `<tr data-account="${esc(r.account)}"><td>${esc(r.account)}</td><td>${r.startSeq}–${r.endSeq ?? "…"}</td><td>${r.executed} / ${r.planned}</td><td class="${r.outcome === "restored" || r.outcome === "closed" ? "healthy" : "bankrupt"}">${esc(r.outcome ?? "running")}</td><td>${pct(r.marginRatioBefore)} → ${pct(r.marginRatioAfter)}</td><td>${esc(r.fees)}</td><td>${esc(r.fundCover ?? "")}</td><td>${esc(r.adlCover ?? "")}</td></tr>`).join("");
}

function heatmap(unit) {
  const cellW = 70, cellH = 22, x0 = 60, y0 = 20;
  const vals = unit.pnl.flat(), max = Math.max(1, ...vals.map(Math.abs));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", String(x0 + cellW * 3 + 10));
  svg.setAttribute("height", String(y0 + cellH * unit.priceShocks.length + 6));
  const add = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; };
  unit.volStates.forEach((v, j) => add("text", { x: x0 + j * cellW + 20, y: 14 }, `vol ${v}`));
  unit.priceShocks.forEach((s, i) => {
    add("text", { x: 0, y: y0 + i * cellH + 15 }, `${(s * 100).toFixed(1)} %`);
    unit.pnl[i].forEach((p, j) => {
      const t = Math.min(1, Math.abs(p) / max), color = p < 0 ? `rgba(248,81,73,${0.15 + 0.85 * t})` : `rgba(63,185,80,${0.15 + 0.85 * t})`;
      add("rect", { x: x0 + j * cellW, y: y0 + i * cellH, width: cellW - 2, height: cellH - 2, fill: color }).appendChild(Object.assign(document.createElementNS(SVG, "title"), { textContent: fmt(p) }));
      add("text", { x: x0 + j * cellW + 4, y: y0 + i * cellH + 15 }, Math.abs(p) >= 1e5 ? `${(p / 1000).toFixed(0)}k` : p.toFixed(0));
    });
  });
  const wrap = document.createElement("div");
  wrap.innerHTML = `<div class="hint">${esc(unit.underlying)}</div>`;
  wrap.appendChild(svg);
  return wrap;
}

function renderSummary(m) {
  $("#acct-status").textContent = m.status;
  $("#acct-status").className = `pill ${m.status}`;
  const cards = [["equity", m.equity], ["adjusted equity", m.adjustedEquity], ["initial margin", m.initialMargin], ["maintenance margin", m.maintenanceMargin], ["available", m.availableFunds], ["concentration add-on", m.concentrationAddOn], ["unrealised P&L", m.unrealisedPnl]];
  $("#acct-cards").innerHTML = cards.map(([l, v]) => `<div class="card"><div class="label">${l}</div><div class="big" data-testid="acct-${l.replace(/\W+/g, "-")}">${fmt(v)}</div></div>`).join("") + `<div class="card"><div class="label">margin ratio</div><div class="big">${pct(m.marginRatio)}</div></div>`;
}

async function openAccount(id) {
  current = id;
  location.hash = `account=${encodeURIComponent(id)}`;
  show("account");
  $("#acct-id").textContent = id;
  const [m, sc, od] = await Promise.all([api("GET", `/v1/accounts/${encodeURIComponent(id)}/margin`), api("GET", `/v1/accounts/${encodeURIComponent(id)}/scenarios`), api("GET", `/v1/accounts/${encodeURIComponent(id)}/orders`)]);
  if (m.status !== 200) { $("#acct-cards").textContent = m.json.error; return; }
  renderSummary(m.json.summary);
  const r = m.json.result;
  $("#components tbody").innerHTML = (r ? r.components : []).map((c) => `<tr><td>${esc(c.name)}</td><td>${esc(c.underlying ?? "")}</td><td>${fmt(c.amount)}</td><td>${c.scenario ? `${(c.scenario.priceShock * 100).toFixed(1)} %, vol ${esc(c.scenario.volShock)}` : ""}</td></tr>`).join("")
    + m.json.concentration.map((c) => `<tr><td>concentration</td><td>${esc(c.instrument)}</td><td>${fmt(c.amount)}</td><td>rate ${(c.rate * 100).toFixed(1)} %</td></tr>`).join("");
  $("#positions tbody").innerHTML = (r ? r.positions : []).map((p) => `<tr><td>${esc(p.instrument)}</td><td>${fmt(p.size, 4)}</td><td>${fmt(p.value)}</td><td>${fmt(p.delta, 4)}</td><td>${p.gamma.toExponential(3)}</td><td>${fmt(p.vega)}</td><td>${fmt(p.theta)}</td><td>${fmt(p.marginContribution)}</td></tr>`).join("");
  const orders = od.status === 200 ? od.json.orders : [];
  $("#orders tbody").innerHTML = orders.length ? orders.map((o) => `<tr><td>${esc(o.orderId)}</td><td>${esc(o.instrument)}</td><td>${esc(o.size)}</td><td>${fmt(o.price, 4)}</td></tr>`).join("") : `<tr><td colspan="4">none</td></tr>`;
  $("#heatmaps").replaceChildren(...sc.json.units.map(heatmap));
  send({ op: "subscribe", accounts: [id] });
}

let authed = false;
function send(m) { if (ws && ws.readyState === 1 && authed) ws.send(JSON.stringify(m)); else pendingSubs.push(m); }
const pendingSubs = [];

// The key goes in the first message on the socket, never in the URL (proxies and access logs keep URLs).
function connect() {
  authed = false;
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/stream`);
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", key }));
  ws.onclose = () => { authed = false; $("#conn").textContent = "reconnecting…"; $("#conn").classList.remove("live"); setTimeout(connect, 1000); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "authenticated") {
      authed = true;
      $("#conn").textContent = "live"; $("#conn").classList.add("live");
      ws.send(JSON.stringify({ op: "subscribe", fleet: true, market: true, ...(current ? { accounts: [current] } : {}) }));
      for (const p of pendingSubs.splice(0)) ws.send(JSON.stringify(p));
    } else if (m.type === "fleet") renderFleet(m.data);
    else if (m.type === "market") { market[m.data.asset] = { index: m.data.index, ts: m.data.ts }; renderMarket(); }
    else if (m.type === "account" && m.data.account === current) renderSummary(m.data);
  };
}

$("#whatif").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { instrument: String(f.get("instrument")).trim(), size: String(f.get("size")).trim() };
  if (String(f.get("price")).trim()) body.price = Number(f.get("price"));
  const r = await api("POST", `/v1/accounts/${encodeURIComponent(current)}/orders/check`, body);
  const out = $("#whatif-result");
  if (r.status !== 200) { out.innerHTML = `<p class="refused">${esc(r.json.error)}</p>${(r.json.issues ?? []).map((i) => `<div>${esc(i.path)}: ${esc(i.message)}</div>`).join("")}`; return; }
  const v = r.json;
  out.innerHTML = `<p class="${v.ok ? "accepted" : "refused"}" data-testid="whatif-verdict">${v.ok ? "accepted" : "refused"}: ${esc(v.reason ?? "adjusted equity stays ≥ IM")} (price ${fmt(v.price, 4)})</p>
    <table><thead><tr><th></th><th>before</th><th>after</th></tr></thead><tbody>
    ${["adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "concentrationAddOn"].map((k) => `<tr><td>${k}</td><td>${fmt(v.before[k])}</td><td>${fmt(v.after[k])}</td></tr>`).join("")}
    <tr><td>status</td><td class="${v.before.status}">${v.before.status}</td><td class="${v.after.status}">${v.after.status}</td></tr></tbody></table>`;
});

for (const t of ["#accounts", "#liq-queue", "#liq-recent"]) $(t).addEventListener("click", (ev) => { const tr = ev.target.closest("tr[data-account]"); if (tr) openAccount(tr.dataset.account); });
$("#nav-fleet").addEventListener("click", (ev) => { ev.preventDefault(); current = null; location.hash = ""; show("fleet"); });
$("#login-form").addEventListener("submit", (ev) => { ev.preventDefault(); key = $("#key").value.trim(); start(); });

async function start() {
  if (!key) { showLogin(); return; }
  sessionStorage.setItem("dpm-key", key);
  if (location.hash.includes("key=")) history.replaceState(null, "", location.pathname);
  const mk = await api("GET", "/v1/market");
  if (mk.json.snapshot) for (const [a, v] of Object.entries(mk.json.snapshot.assets)) market[a] = { index: v.index, ts: Date.parse(mk.json.asOf?.[a] ?? mk.json.snapshot.asOf) };
  renderMarket();
  show("fleet");
  const f = await api("GET", "/v1/fleet");
  if (f.status === 200) renderFleet(f.json);
  connect();
}
start();
