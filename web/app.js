// dpm dashboard: plain JS modules, no build step. Data from the /v1 API; live updates over the WebSocket /v1/stream.
import { $, age, esc, fillRows, flash, num, pct, sci, signed, spct } from "./fmt.js";
import { createAccountView } from "./account.js";

let key = new URLSearchParams(location.hash.slice(1)).get("key") || sessionStorage.getItem("dpm-key") || "";
let ws = null;
let authed = false;
const pending = [];
const market = {};
const marketStart = {};
let top = 20;
let lastFleet = null;
const sort = { key: "marginRatio", dir: -1 };
const STATUS_RANK = { healthy: 0, margin_call: 1, liquidation: 2, bankrupt: 3 };

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const j = await r.json().catch(() => ({}));
  if (r.status === 401) { showLogin(); throw new Error("unauthorized"); }
  return { status: r.status, json: j };
}

function send(m) { if (ws && ws.readyState === 1 && authed) ws.send(JSON.stringify(m)); else pending.push(m); }
const account = createAccountView(api, send);

function showLogin() { $("#login").hidden = false; $("#fleet").hidden = true; $("#account").hidden = true; }
function show(view) {
  $("#login").hidden = true;
  $("#fleet").hidden = view !== "fleet";
  $("#account").hidden = view !== "account";
  $("#nav-fleet").classList.toggle("active", view === "fleet");
}

function renderMarket() {
  fillRows($("#market tbody"), Object.keys(market).sort().map((a) => {
    const m = market[a], d = marketStart[a] ? m.index / marketStart[a] - 1 : 0;
    return { key: a, attrs: ` data-asset="${esc(a)}"`, cells: [{ html: esc(a) }, { html: num(m.index, m.index < 10 ? 6 : 2), cls: "idx" }, { html: spct(d, 2), cls: d < 0 ? "neg" : d > 0 ? "pos" : "" }, { html: esc(m.ts ? new Date(m.ts).toISOString().replace(".000Z", "Z").replace("T", " ") : "") }] };
  }));
}

/** Sort values of a fleet row by column key (null sorts last whichever the direction). */
function sortValue(r, k) {
  if (k === "account") return r.account;
  if (k === "status") return STATUS_RANK[r.status];
  if (k === "binding") return r.binding ? r.binding.label : null;
  if (k === "nearest") return r.nearest ? Math.abs(r.nearest.move) : null;
  if (k.startsWith("u:")) {
    const d = r.distance?.[k.slice(2)];
    const ms = d ? [d.down, d.up].filter((x) => x !== null).map(Math.abs) : [];
    return ms.length ? Math.min(...ms) : null;
  }
  return r[k] ?? null;
}

function sorted(rows) {
  return [...rows].sort((a, b) => {
    const x = sortValue(a, sort.key), y = sortValue(b, sort.key);
    if (x === null || y === null) return x === y ? a.account.localeCompare(b.account) : x === null ? 1 : -1;
    const c = typeof x === "string" ? x.localeCompare(y) : x - y;
    return c * sort.dir || a.account.localeCompare(b.account);
  });
}

function ratioCell(r) {
  const v = r.marginRatio, w = Math.min(1.25, v ?? 1.25) / 1.25 * 100;
  return `<div class="ratio"><div class="bar ${r.status}" style="width:${w.toFixed(1)}%"></div><div class="line"></div><span>${pct(v)}</span></div>`;
}

const side = (m) => (m === null ? "none" : spct(m));

function renderFleetTable() {
  const f = lastFleet;
  if (!f) return;
  const unders = [...new Set(f.nearestLiquidation.flatMap((r) => Object.keys(r.distance ?? {})))].sort();
  const head = $("#accounts thead tr");
  const want = ["account", "status", "marginRatio", "adjustedEquity", "initialMargin", "maintenanceMargin", "availableFunds", "binding", "nearest", ...unders.map((u) => `u:${u}`), "asof"];
  if ([...head.cells].map((c) => c.dataset.sort ?? "asof").join() !== want.join()) {
    const label = { account: "account", status: "status", marginRatio: "MM ratio (%)", adjustedEquity: "adj. equity (USD)", initialMargin: "IM (USD)", maintenanceMargin: "MM (USD)", availableFunds: "available (USD)", binding: "binding component (share of IM)", nearest: "nearest liquidation (index move)" };
    head.innerHTML = want.map((k) => k === "asof" ? `<th title="age of the binding and distance; ↻: the margin changed since">age</th>`
      : `<th data-sort="${k}" class="sortable">${k.startsWith("u:") ? `${esc(k.slice(2))} ↓ / ↑ (%)` : label[k]}</th>`).join("");
  }
  for (const th of head.cells) {
    th.classList.toggle("sorted", th.dataset.sort === sort.key);
    th.dataset.dir = th.dataset.sort === sort.key ? (sort.dir > 0 ? "asc" : "desc") : "";
  }
  fillRows($("#accounts tbody"), sorted(f.nearestLiquidation).map((r) => {
    const i = r.insight, b = r.binding;
    const asof = i === null || i === undefined ? `<span class="hint">computing…</span>` : `${i.current ? "" : "↻ "}${age(i.ageMs)}`;
    const asofTitle = i ? `computed from the margin of event ${i.seq}${i.current ? "" : "; the margin changed since, a recomputation follows (at most one per second per account)"}` : undefined;
    return {
      key: r.account, attrs: ` data-account="${esc(r.account)}"`, cells: [
        { html: esc(r.account) }, { html: r.status.replace("_", " "), cls: r.status, sort: STATUS_RANK[r.status] }, { html: ratioCell(r), sort: r.marginRatio ?? "" },
        { html: num(r.adjustedEquity) }, { html: num(r.initialMargin) }, { html: num(r.maintenanceMargin) }, { html: signed(r.availableFunds), cls: r.availableFunds < 0 ? "neg" : "" },
        { html: b ? `${esc(b.label)} <span class="unit">${pct(b.share, 0)}</span>` : i ? "none" : "…", cls: "binding left", title: b ? `${b.label}: ${num(b.amount)} USD of IM ${num(r.initialMargin)} USD` : undefined, sort: b ? b.label : "" },
        { html: r.nearest ? `${esc(r.nearest.underlying)} ${spct(r.nearest.move)}` : i ? '<span class="hint">none in range</span>' : "…", cls: "dist", sort: r.nearest ? Math.abs(r.nearest.move) : "" },
        ...unders.map((u) => { const d = r.distance?.[u]; return { html: d ? `${side(d.down)} / ${side(d.up)}` : "", cls: "dist", title: d ? `${u} index ${num(d.index)} USD: liquidation at ${d.down === null ? "no fall to −95 %" : `${num(d.index * (1 + d.down))} USD`} / ${d.up === null ? "no rise to +100 %" : `${num(d.index * (1 + d.up))} USD`}` : undefined }; }),
        { html: asof, cls: "asof", title: asofTitle },
      ],
    };
  }));
}

function renderFleet(f) {
  lastFleet = f;
  const seq = $("#seq");
  if (seq.textContent !== String(f.seq)) { seq.textContent = String(f.seq); flash(seq); }
  $("#n-accounts").textContent = f.accounts;
  for (const s of ["healthy", "margin_call", "liquidation", "bankrupt"]) $(`#n-${s}`).textContent = f.byStatus[s];
  $("#t-equity").textContent = num(f.totals.equity, 0);
  $("#t-im").textContent = num(f.totals.initialMargin, 0);
  $("#t-mm").textContent = num(f.totals.maintenanceMargin, 0);
  $("#page-note").textContent = `${f.nearestLiquidation.length} of ${f.accounts} accounts, highest MM ratio first; click a column to sort`;
  renderFleetTable();
  if (f.liquidation) renderLiquidation(f.liquidation);
  fillRows($("#exposure tbody"), Object.entries(f.byUnderlying).sort().map(([u, g]) => ({ key: u, cells: [{ html: esc(u) }, { html: String(g.accounts) }, { html: num(g.grossNotionalUsd, 0) }, { html: signed(g.netDeltaUsd, 0) }, { html: signed(g.delta, 4) }, { html: sci(g.gamma) }, { html: signed(g.vega) }, { html: signed(g.theta) }] })));
}

function renderLiquidation(l) {
  const fund = $("#fund"), v = num(l.insuranceFund.valueUsd);
  if (fund.textContent !== v) { fund.textContent = v; flash(fund); }
  fund.title = Object.entries(l.insuranceFund.balances).map(([a, b]) => `${a} ${b}`).join(", ");
  $("#n-queue").textContent = l.queue.length;
  fillRows($("#liq-queue tbody"), l.queue.map((q) => ({ key: q.account, attrs: ` data-account="${esc(q.account)}"`, cells: [{ html: esc(q.account) }, { html: q.status.replace("_", " "), cls: q.status }, { html: pct(q.marginRatio) }, { html: esc(q.state) }, { html: esc(q.reason ?? ""), cls: "hint left" }] })), `<tr><td colspan="5" class="hint">no account in liquidation</td></tr>`);
  fillRows($("#liq-recent tbody"), l.recent.map((r) => ({ key: `${r.account}:${r.startSeq}`, attrs: ` data-account="${esc(r.account)}"`, cells: [
    { html: esc(r.account) }, { html: `${r.startSeq}–${r.endSeq ?? "…"}` }, { html: `${r.executed} / ${r.planned}` }, { html: esc(r.outcome ?? "running"), cls: r.outcome === "restored" || r.outcome === "closed" ? "healthy" : "bankrupt" },
    { html: `${pct(r.marginRatioBefore)} → ${pct(r.marginRatioAfter)}` }, { html: esc(r.fees) }, { html: esc(r.fundCover ?? "") }, { html: esc(r.adlCover ?? "") }] })), `<tr><td colspan="8" class="hint">none yet</td></tr>`);
}

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
      ws.send(JSON.stringify({ op: "subscribe", fleet: true, top, market: true, ...(account.current ? { accounts: [account.current] } : {}) }));
      for (const p of pending.splice(0)) ws.send(JSON.stringify(p));
    } else if (m.type === "fleet") renderFleet(m.data);
    else if (m.type === "market") { market[m.data.asset] = { index: m.data.index, ts: m.data.ts }; renderMarket(); }
    else if (m.type === "account") account.onAccount(m.data);
    else if (m.type === "insight") account.onInsight(m.data);
  };
}

function openAccount(id) {
  location.hash = `account=${encodeURIComponent(id)}`;
  show("account");
  void account.open(id);
}

$("#whatif").addEventListener("submit", (ev) => { ev.preventDefault(); void account.whatif(ev.target); });
for (const t of ["#accounts", "#liq-queue", "#liq-recent"]) $(t).addEventListener("click", (ev) => {
  const th = ev.target.closest("th[data-sort]");
  if (th) {
    // A new column sorts the way a risk manager reads it first: names and distances ascending, amounts and ratios descending.
    const k = th.dataset.sort, ascFirst = k === "account" || k === "binding" || k === "nearest" || k.startsWith("u:");
    sort.dir = sort.key === k ? -sort.dir : ascFirst ? 1 : -1;
    sort.key = k;
    renderFleetTable();
    return;
  }
  const tr = ev.target.closest("tr[data-account]");
  if (tr) openAccount(tr.dataset.account);
});
$("#top").addEventListener("change", async (ev) => {
  top = Number(ev.target.value);
  send({ op: "subscribe", fleet: true, top });
  const f = await api("GET", `/v1/fleet?top=${top}`);
  if (f.status === 200) renderFleet(f.json);
});
$("#nav-fleet").addEventListener("click", (ev) => { ev.preventDefault(); account.close(); location.hash = ""; show("fleet"); });
$("#login-form").addEventListener("submit", (ev) => { ev.preventDefault(); key = $("#key").value.trim(); start(); });

async function start() {
  if (!key) { showLogin(); return; }
  sessionStorage.setItem("dpm-key", key);
  if (location.hash.includes("key=")) history.replaceState(null, "", location.pathname);
  const mk = await api("GET", "/v1/market");
  if (mk.json.snapshot) for (const [a, v] of Object.entries(mk.json.snapshot.assets)) { market[a] = { index: v.index, ts: Date.parse(mk.json.asOf?.[a] ?? mk.json.snapshot.asOf) }; marketStart[a] = v.index; }
  renderMarket();
  show("fleet");
  const f = await api("GET", `/v1/fleet?top=${top}`);
  if (f.status === 200) renderFleet(f.json);
  connect();
}
start();
