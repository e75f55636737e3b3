// dpm dashboard: the adaptive-parameters panel (docs/adaptive.md "In the service"). Self-contained: it reads the
// API key as app.js does (URL fragment or the session), polls GET /v1/params/adaptive and /v1/params/proposals,
// and renders into <section id="params-panel">: current vs static priceRange per asset with the live features and
// the regime test, the features and model output behind the current parameters, and the pending proposals with
// approve / reject for admins. Hidden for keys that may not read it (403).
const panel = document.querySelector("#params-panel");
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const pct = (x, d = 1) => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(d)} %` : "–");
const num = (x, d = 4) => (typeof x === "number" && Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d }) : "–");
const time = (t) => (typeof t === "number" ? new Date(t).toISOString().replace(".000Z", "Z") : "–");
const LIVE = [["live.rv1h", "rv 1h", pct], ["live.rv24h", "rv 24h", pct], ["live.spread", "spread", (x) => pct(x, 3)], ["live.depth1", "depth ±1 %", (x) => num(x, 0)], ["live.flowUsd", "flow", (x) => num(x, 0)], ["live.funding", "funding", (x) => pct(x, 4)], ["live.basis", "basis", (x) => pct(x, 3)], ["live.atmIv", "ATM IV", pct], ["live.skew", "skew", (x) => num(x, 3)]];

function key() {
  return new URLSearchParams(location.hash.slice(1)).get("key") || sessionStorage.getItem("dpm-key") || "";
}

async function call(method, path, body) {
  const r = await fetch(path, { method, headers: { authorization: `Bearer ${key()}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: await r.json().catch(() => ({})) };
}

function assetsTable(st) {
  const rows = Object.entries(st.assets).map(([a, x]) => {
    const live = x.live ?? {}, moved = x.current !== x.static;
    return `<tr data-asset="${esc(a)}"><td>${esc(a)}</td><td class="static">${pct(x.static)}</td><td class="current${moved ? " moved" : ""}">${pct(x.current)}</td><td>${x.bars ?? "–"}</td>`
      + `<td class="${x.regime?.stressed ? "bad" : ""}">${x.regime ? `${num(x.regime.ratio, 2)}${x.regime.stressed ? " stressed" : ""}` : "–"}</td>`
      + LIVE.map(([k, , f]) => `<td>${f(live[k])}</td>`).join("") + "</tr>";
  }).join("");
  return `<table data-testid="params-assets"><thead><tr><th>asset</th><th>static priceRange</th><th>current</th><th>daily bars</th><th>regime (rv short / long)</th>${LIVE.map(([, l]) => `<th>${l}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>`;
}

function behind(applied) {
  if (!applied) return `<p class="hint" data-testid="params-applied">the current parameters are not from a proposal</p>`;
  const rows = Object.entries(applied.assets).map(([a, x]) => {
    const f = x.features ?? {}, m = x.model ?? {}, b = x.bounds ?? {};
    return `<tr><td>${esc(a)}</td><td>${esc(m.name ?? "")}${m.fallback ? " (fallback)" : ""}</td><td>${pct(m.rawMove, 2)}</td><td>${pct(m.apcMove, 2)} (${esc(m.apcRule ?? "")})</td><td>${pct(b.unclamped, 2)}${b.clampedBy ? ` clamped at ${esc(b.clampedBy)}` : ""}</td><td>${num(f.ewmaVol, 3)}</td><td>${num(f.gkVol7, 3)}</td><td>${num(f.ret7, 3)}</td><td>${pct(f["live.atmIv"])}</td></tr>`;
  }).join("");
  const i = applied.impact ?? {};
  return `<p data-testid="params-applied">proposal <b>${esc(applied.proposalId)}</b> (${esc(applied.trigger)}, ${esc(applied.decidedBy ?? "")} at ${time(applied.decidedAt)}): impact when proposed ${i.intoMarginCall ?? "–"} into margin call, ${i.intoLiquidation ?? "–"} into liquidation of ${i.accounts ?? "–"} accounts</p>
    <table><thead><tr><th>asset</th><th>model</th><th>raw move</th><th>with APC</th><th>priceRange before rounding</th><th>ln σ ewma</th><th>ln σ GK 7d</th><th>7-day return</th><th>ATM IV</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function pending(list, mode) {
  if (list.length === 0) return `<p class="hint" data-testid="params-no-pending">no pending proposal</p>`;
  return `<table data-testid="params-pending"><thead><tr><th>proposal</th><th>trigger</th><th>feed time</th><th>priceRange</th><th>into margin call</th><th>into liquidation</th><th>${mode === "auto" ? "applies at" : ""}</th><th></th></tr></thead><tbody>`
    + list.map((p) => {
      const ranges = Object.entries(p.params?.portfolio?.underlyings ?? {}).map(([a, u]) => `${esc(a)} ${pct(u.priceRange)}`).join(", ");
      const i = p.adaptive?.impact ?? {};
      return `<tr data-proposal="${esc(p.id)}"><td>${esc(p.id)}</td><td>${esc(p.trigger)}</td><td>${time(p.feedTime)}</td><td>${ranges}</td><td>${i.intoMarginCall ?? "–"}</td><td>${i.intoLiquidation ?? "–"}</td><td>${p.effectiveAt ? time(p.effectiveAt) : ""}</td>`
        + `<td><button data-act="approve" data-id="${esc(p.id)}">Approve</button> <button data-act="reject" data-id="${esc(p.id)}">Reject</button></td></tr>`;
    }).join("") + "</tbody></table>";
}

function render(st) {
  const last = st.lastRun ? `last run ${esc(st.lastRun.trigger)} at ${time(st.lastRun.at)}: ${esc(st.lastRun.outcome)} — ${esc(st.lastRun.detail)}` : "no run yet";
  panel.innerHTML = `<h2>Parameters <span class="hint">(adaptive: <span data-testid="params-mode">${esc(st.mode)}</span>; static = preset ${esc(st.base)}; feed time ${time(st.feedTime)}${st.nextRunAt ? `, next run ${time(st.nextRunAt)}` : ""})</span></h2>
    ${assetsTable(st)}
    <h3>Behind the current parameters</h3>${behind(st.applied)}
    <h3>Pending proposals ${st.mode !== "off" ? `<button data-act="propose">Propose now</button>` : ""}</h3>${pending(st.pending ?? [], st.mode)}
    <p class="hint" data-testid="params-last-run">${last}</p><p id="params-message" class="hint" data-testid="params-message"></p>`;
}

async function refresh() {
  if (!key()) return;
  const r = await call("GET", "/v1/params/adaptive");
  if (r.status === 403 || r.status === 401) { panel.hidden = true; return; }
  if (r.status === 200) { panel.hidden = false; render(r.json); }
}

panel.addEventListener("click", async (ev) => {
  const b = ev.target.closest("button[data-act]");
  if (!b) return;
  ev.stopPropagation();
  const act = b.dataset.act, id = b.dataset.id;
  const r = act === "propose" ? await call("POST", "/v1/params/proposals", {}) : await call("POST", `/v1/params/proposals/${encodeURIComponent(id)}/${act}`, act === "reject" ? { reason: "rejected on the dashboard" } : {});
  await refresh();
  const msg = document.querySelector("#params-message");
  if (msg) msg.textContent = r.status < 300 ? `${act}${id ? ` ${id}` : ""}: done (${r.status})` : `${act}: ${r.json.error ?? r.status}`;
});

refresh();
setInterval(refresh, 2000);
