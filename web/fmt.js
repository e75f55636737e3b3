// dpm dashboard: number formatting (units and signs) and small DOM helpers. Plain JS, no build step.
export const $ = (s, root = document) => root.querySelector(s);
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
export const SVG = "http://www.w3.org/2000/svg";
const MINUS = "−";
const ok = (x) => x !== null && x !== undefined && Number.isFinite(x);

/** 12,345.67 (true minus sign for negatives). */
export function num(x, d = 2) {
  if (!ok(x)) return "–";
  const s = Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  return x < 0 && Number(s.replace(/,/g, "")) !== 0 ? `${MINUS}${s}` : s;
}

/** +12,345.67 / −12,345.67 / 0.00: an explicit sign on anything that can be either. */
export function signed(x, d = 2) {
  if (!ok(x)) return "–";
  const s = num(x, d);
  return x > 0 && Number(s.replace(/,/g, "")) !== 0 ? `+${s}` : s;
}

/** A percentage of a fraction: 91.5 %. */
export const pct = (x, d = 1) => (ok(x) ? `${num(x * 100, d)} %` : "–");
/** A signed move: +8.0 % / −16.0 %. */
export const spct = (x, d = 1) => (ok(x) ? `${signed(x * 100, d)} %` : "–");

/** Short signed form for chart cells: +12.3k, −4.56M, +850. */
export function compact(x) {
  if (!ok(x)) return "–";
  const a = Math.abs(x), sign = x > 0 ? "+" : x < 0 ? MINUS : "";
  const body = a >= 1e9 ? `${(a / 1e9).toFixed(2)}B` : a >= 1e6 ? `${(a / 1e6).toFixed(2)}M` : a >= 1e4 ? `${(a / 1e3).toFixed(1)}k` : a >= 1e3 ? `${(a / 1e3).toFixed(2)}k` : a.toFixed(0);
  return body === "0" ? "0" : `${sign}${body}`;
}

/** Signed scientific form for small Greeks (gamma): +1.234e−4. */
export function sci(x, d = 3) {
  if (!ok(x)) return "–";
  if (x === 0) return "0";
  const [m, e] = Math.abs(x).toExponential(d).split("e");
  return `${x > 0 ? "+" : MINUS}${m}e${e.replace("-", MINUS).replace("+", "")}`;
}

/** A value with its unit in a smaller span: 12,345.67 <span class=unit>USD</span>. */
export const withUnit = (text, unit) => `${text}<span class="unit"> ${esc(unit)}</span>`;

/** Age in words: 0.4 s, 12 s, 3 min. */
export function age(ms) {
  if (!ok(ms)) return "–";
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Units of an instrument (Deribit-style names): size, mark and settlement. */
export function units(name) {
  const m = /^([A-Z0-9]+)(?:_([A-Z0-9]+))?(?:-(.+))?$/.exec(name);
  if (!m) return { size: "", mark: "" };
  const [, base, quote, rest] = m;
  const option = rest !== undefined && /-(C|P)$/.test(rest);
  if (rest === undefined) return { size: base, mark: "USD" }; // spot
  if (quote) return { size: base, mark: quote }; // linear: coins, quoted in the stablecoin
  return option ? { size: base, mark: base } : { size: "USD", mark: "USD" }; // inverse option: coins, priced in coin; inverse future: USD contracts
}

/** Replace a tbody's rows; cells whose text changed since the last render of the same row key flash. */
export function fillRows(tbody, rows, emptyHtml) {
  const before = new Map([...tbody.rows].map((tr) => [tr.dataset.key, [...tr.cells].map((c) => c.textContent)]));
  if (rows.length === 0) { tbody.innerHTML = emptyHtml ?? ""; return; }
  tbody.innerHTML = rows.map((r) => `<tr data-key="${esc(r.key)}"${r.attrs ?? ""}>${r.cells.map((c) => `<td${c.cls ? ` class="${c.cls}"` : ""}${c.title ? ` title="${esc(c.title)}"` : ""}${c.sort !== undefined ? ` data-sort="${esc(c.sort)}"` : ""}>${c.html}</td>`).join("")}</tr>`).join("");
  for (const tr of tbody.rows) {
    const old = before.get(tr.dataset.key);
    if (!old) continue;
    [...tr.cells].forEach((c, i) => { if (old[i] !== undefined && old[i] !== c.textContent) c.classList.add("chg"); });
  }
}

/** Flash an element whose text changed. */
export function flash(el) { el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash"); }
