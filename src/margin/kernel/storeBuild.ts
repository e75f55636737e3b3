/**
 * Building one account's rows of the position store from its spec (on an event, never on a tick). The unit
 * order, slot order and option order follow the explanation path (explainBook.ts) exactly: units in first
 * appearance among positions (stable-coin spot excluded), then non-zero non-stable collateral, then order
 * underlyings; expiry slots and option slots in first appearance within the unit.
 */
import type { PositionStore } from "./positionStore.js";
import {
  A_CCOUNT, A_CSTART, A_DCOUNT, A_DSTART, A_FLAGS, A_GCOUNT, A_GSTART, A_PCOUNT, A_PSTART, A_UCOUNT, A_USTART, C_AMOUNT, C_ASSET, C_HAIRCUT, C_UNIT, F_INVALID, F_ORDERS,
  G_ASSET, P_ASSET, P_CONV, P_ENTRY, P_GREEK, P_INVERSE, P_KIND, P_SCALARS, P_SIZE, U_ASSET, U_BUYN, U_BUYX, U_COLL, U_COUNTED, U_DCOUNT, U_DSTART, U_HAIRCUT, U_OSTART,
  U_ORDERS, U_Q, U_QBUY, U_QSELL, U_SCOUNT, U_SELLN, U_SELLX, U_SPOTROW, U_SSTART, U_TOTAL, U_UPCOUNT, U_UPSTART, X_ROW, X_SIZE, X_SLOT,
} from "./positionStore.js";

/** A position as the kernel takes it: instrument name, size in its unit, entry price (futures: value; options: unrealised P&L only). */
export interface KernelPositionSpec {
  readonly instrument: string;
  readonly size: number;
  readonly entryPrice?: number;
}

export interface KernelOrderSpec {
  readonly instrument: string;
  readonly size: number;
}

/** An account as the kernel takes it (the shape of a Portfolio with instrument names; collateral in key order). */
export interface KernelAccountSpec {
  readonly collateral: Readonly<Record<string, number>>;
  readonly positions: readonly KernelPositionSpec[];
  readonly openOrders: readonly KernelOrderSpec[];
}

/** Short-option quantity of option sizes in insertion order (`q -= s` for each short). */
function shortOf(sizes: Iterable<number>): number {
  let q = 0;
  for (const s of sizes) if (s < 0) q -= s;
  return q;
}

function pushDistinct(list: number[], x: number): void {
  if (x >= 0 && !list.includes(x)) list.push(x);
}

export function buildAccount(st: PositionStore, a: number, spec: KernelAccountSpec): void {
  const reg = st.reg, A = st.A.i;
  const pIds = spec.positions.map((p) => reg.instrument(p.instrument));
  const oIds = spec.openOrders.map((o) => reg.instrument(o.instrument));
  if (pIds.includes(-1) || oIds.includes(-1)) { A[A_FLAGS][a] = F_INVALID; return; }
  const codes = Object.keys(spec.collateral);
  const collAssets = codes.map((c) => reg.asset(c));
  const units: number[] = [];
  const unitOf = (asset: number): number => { let k = units.indexOf(asset); if (k < 0) { units.push(asset); k = units.length - 1; } return k; };
  const pUnit = pIds.map((id) => (reg.isSpot(id) && reg.isStable(reg.instAsset[id]) ? -1 : unitOf(reg.instAsset[id])));
  codes.forEach((c, i) => { if (spec.collateral[c] !== 0 && !reg.isStable(collAssets[i])) unitOf(collAssets[i]); });
  for (const id of oIds) unitOf(reg.instAsset[id]);
  const us = st.U.alloc(units.length);
  A[A_USTART][a] = us; A[A_UCOUNT][a] = units.length;
  units.forEach((u, k) => buildUnit(st, us + k, u, spec, pIds, pUnit, k, oIds));
  writePositions(st, a, spec, pIds);
  const cs = st.C.alloc(codes.length);
  A[A_CSTART][a] = cs; A[A_CCOUNT][a] = codes.length;
  codes.forEach((c, i) => {
    st.C.i[C_ASSET][cs + i] = collAssets[i];
    st.C.f[C_AMOUNT][cs + i] = spec.collateral[c];
    st.C.f[C_HAIRCUT][cs + i] = 0;
    const k = units.indexOf(collAssets[i]);
    st.C.i[C_UNIT][cs + i] = k >= 0 ? us + k : -1;
  });
  const deps: number[] = [];
  for (const id of [...pIds, ...oIds]) { pushDistinct(deps, reg.instAsset[id]); pushDistinct(deps, reg.instQuote[id]); }
  for (const c of collAssets) pushDistinct(deps, c);
  const ds = st.D.alloc(deps.length);
  deps.forEach((d, j) => { st.D.i[0][ds + j] = d; });
  A[A_DSTART][a] = ds; A[A_DCOUNT][a] = deps.length;
  A[A_FLAGS][a] = spec.openOrders.length > 0 ? F_ORDERS : 0;
}

/** The positions block (input order) and the Greeks' underlyings (first appearance). */
function writePositions(st: PositionStore, a: number, spec: KernelAccountSpec, pIds: readonly number[]): void {
  const reg = st.reg, A = st.A.i, P = st.P;
  const ps = P.alloc(pIds.length);
  A[A_PSTART][a] = ps; A[A_PCOUNT][a] = pIds.length;
  const greeks: number[] = [];
  pIds.forEach((id, i) => {
    const u = reg.instAsset[id], p = spec.positions[i];
    let g = greeks.indexOf(u);
    if (g < 0) { greeks.push(u); g = greeks.length - 1; }
    P.f[P_SIZE][ps + i] = p.size;
    P.f[P_ENTRY][ps + i] = p.entryPrice ?? NaN;
    P.i[P_ASSET][ps + i] = u;
    const l = reg.layout(u);
    P.i[P_SCALARS][ps + i] = reg.instRow[id] * l.stride + l.G + l.E;
    P.i[P_KIND][ps + i] = reg.instKind[id];
    P.i[P_INVERSE][ps + i] = reg.instInverse[id];
    P.i[P_GREEK][ps + i] = g;
    P.i[P_CONV][ps + i] = reg.instInverse[id] ? u : reg.instQuote[id];
  });
  const gs = st.G.alloc(greeks.length);
  A[A_GSTART][a] = gs; A[A_GCOUNT][a] = greeks.length;
  greeks.forEach((u, j) => { st.G.i[G_ASSET][gs + j] = u; for (let c = 0; c < st.G.f.length; c++) st.G.f[c][gs + j] = 0; });
}

/** One unit's rows: its positions, expiry slots, option quantities, collateral and orders per side. */
function buildUnit(st: PositionStore, r: number, u: number, spec: KernelAccountSpec, pIds: readonly number[], pUnit: readonly number[], k: number, oIds: readonly number[]): void {
  const reg = st.reg, U = st.U, stride = reg.layout(u).stride;
  const slotKeys: number[] = [], slotRows: number[] = [], options = new Map<number, number>();
  const mine = pIds.map((_, i) => i).filter((i) => pUnit[i] === k);
  const ups = st.UP.alloc(mine.length);
  mine.forEach((i, j) => {
    const id = pIds[i], size = spec.positions[i].size;
    st.UP.f[X_SIZE][ups + j] = size;
    st.UP.i[X_ROW][ups + j] = reg.instRow[id] * stride;
    st.UP.i[X_SLOT][ups + j] = slotOf(reg.expiryKey(id), reg.instRow[id] * stride, slotKeys, slotRows);
    if (reg.isOption(id)) options.set(id, (options.get(id) ?? 0) + size);
  });
  const code = reg.assetLog[u];
  const coll = reg.isStable(u) ? 0 : spec.collateral[code] ?? 0;
  const ns = slotKeys.length;
  const sides = [true, false].map((buy) => sideOrders(st, u, stride, spec, oIds, buy, slotKeys.slice(), options));
  const slots = [...slotRows, ...sides[0].extraRows, ...sides[1].extraRows];
  const ss = st.S.alloc(slots.length);
  slots.forEach((row, j) => { st.S.i[0][ss + j] = row; });
  const orders = [...sides[0].orders, ...sides[1].orders];
  const os = st.O.alloc(orders.length);
  orders.forEach((o, j) => { st.O.f[X_SIZE][os + j] = o.size; st.O.i[X_ROW][os + j] = o.row; st.O.i[X_SLOT][os + j] = o.slot; });
  const deps = [u];
  for (let i = 0; i < pIds.length; i++) if (pUnit[i] === k) pushDistinct(deps, reg.instQuote[pIds[i]]);
  for (const id of oIds) if (reg.instAsset[id] === u) pushDistinct(deps, reg.instQuote[id]);
  const ds = st.D.alloc(deps.length);
  deps.forEach((d, j) => { st.D.i[0][ds + j] = d; });
  const I = U.i, F = U.f;
  I[U_ASSET][r] = u; I[U_UPSTART][r] = ups; I[U_UPCOUNT][r] = mine.length; I[U_SSTART][r] = ss; I[U_SCOUNT][r] = ns;
  I[U_OSTART][r] = os; I[U_BUYN][r] = sides[0].orders.length; I[U_SELLN][r] = sides[1].orders.length;
  I[U_BUYX][r] = sides[0].extraRows.length; I[U_SELLX][r] = sides[1].extraRows.length;
  I[U_DSTART][r] = ds; I[U_DCOUNT][r] = deps.length; I[U_COUNTED][r] = 0;
  I[U_SPOTROW][r] = coll !== 0 ? reg.instRow[reg.spot(u)] * stride : -1;
  F[U_COLL][r] = coll; F[U_Q][r] = shortOf(options.values()); F[U_QBUY][r] = sides[0].q; F[U_QSELL][r] = sides[1].q;
  F[U_TOTAL][r] = 0; F[U_HAIRCUT][r] = 0; F[U_ORDERS][r] = 0;
}

/** Local slot of an expiry key (−1 for spot), opening a new one with its first row. */
function slotOf(key: number, row: number, keys: number[], rows: number[]): number {
  if (key < 0) return -1;
  const j = keys.indexOf(key);
  if (j >= 0) return j;
  keys.push(key);
  rows.push(row);
  return keys.length - 1;
}

/** One side's orders on unit u (input order), the expiries they open beyond the unit's own, and the side's short-option quantity. */
function sideOrders(st: PositionStore, u: number, stride: number, spec: KernelAccountSpec, oIds: readonly number[], buy: boolean, keys: number[], options: ReadonlyMap<number, number>) {
  const reg = st.reg, own = keys.length, rows: number[] = [], opts = new Map(options);
  const orders: { size: number; row: number; slot: number }[] = [];
  oIds.forEach((id, i) => {
    const size = spec.openOrders[i].size;
    if (reg.instAsset[id] !== u || (size > 0) !== buy) return;
    const row = reg.instRow[id] * stride;
    const extra: number[] = [];
    const slot = slotOf(reg.expiryKey(id), row, keys, extra);
    if (extra.length > 0) rows.push(extra[0]);
    orders.push({ size, row, slot });
    if (reg.isOption(id)) opts.set(id, (opts.get(id) ?? 0) + size);
  });
  return { orders, extraRows: rows, q: orders.length > 0 ? shortOf(opts.values()) : 0, own };
}
