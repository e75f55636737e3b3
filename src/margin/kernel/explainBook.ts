/**
 * One account evaluated for the explanation path (`portfolioMargin`) on reusable typed scratch: the account
 * book (risks, values, equity), the risk units in the model's order, each unit's vector without and with its
 * collateral, the collateral decision, open-order margin and, on request, each position's marginal
 * contribution (the unit evaluated minus that position, nothing copied). Every sum is taken in the order the
 * object path (portfolioModel.ts before the kernel, riskUnit.ts) takes it, so the numbers are bit-identical.
 *
 * Unit order: underlyings of positions in first appearance (stable-coin spot excluded), then non-zero
 * non-stable collateral, then open orders' underlyings, then the coin numeraire's own unit (numeraireExposure.ts).
 */
import type { Instrument } from "../../domain/instrument.js";
import type { Portfolio } from "../../domain/portfolio.js";
import { unitValueUsd } from "../../pricing/instrumentValue.js";
import type { InstrumentRisk } from "../../risk/instrumentRisk.js";
import { haircutUsd } from "../haircut.js";
import { numeraireExposureRisk } from "../numeraireExposure.js";
import type { RiskContext } from "../riskContext.js";
import { ContextCache, type AssetFacts } from "./explainCache.js";
import { InstrumentKeys, KIND_OPTION } from "./instrumentKeys.js";
import { ExplainOrders } from "./explainOrders.js";
import { copyF, copyI, ExplainScratch, growF, growI } from "./explainScratch.js";
import { axpy, NO_SLOT, scaledLoss, shortQty, sumArrays, UnitEval } from "./unitEval.js";

/** Collateral decision codes. */
export const COUNTED_NONE = 0;
export const COUNTED_SCENARIO = 1;
export const COUNTED_HAIRCUT = 2;

/** Per-unit component offsets in `uComp` (8 per unit). */
export const C_WORST = 0, C_CELL = 1, C_EXT = 2, C_EXT_INDEX = 3, C_ROLL = 4, C_DELTA = 5, C_SOM = 6, C_TOTAL = 7;

const exposureCache = new WeakMap<RiskContext, InstrumentRisk | null>();

function exposureOf(ctx: RiskContext): InstrumentRisk | undefined {
  let e = exposureCache.get(ctx);
  if (e === undefined) exposureCache.set(ctx, (e = numeraireExposureRisk(ctx) ?? null));
  return e ?? undefined;
}

/** Reusable evaluator of one account at a time (single-threaded, not re-entrant). */
export class ExplainBook extends ExplainScratch {
  readonly ev = new UnitEval();
  readonly keys = new InstrumentKeys();
  private readonly orders = new ExplainOrders();
  // Per-call stamps: expiry key / option id → local slot of its unit (internal; read by ExplainOrders).
  stamp = 0;
  private gen = 0;
  /** Instrument id (`keys`) of each position of the last `load`. */
  pKey = new Int32Array(64);
  /**
   * The instrument whose id `pKey[i]` holds, by position index (`pKey[i]` is always that instrument's id): a position
   * whose instrument is the same object as the last one at its index keeps the id without the name lookup (the same
   * account re-margined: a liquidation-distance search, the engine's detail, a what-if loop).
   */
  private readonly keyOf: (Instrument | undefined)[] = [];
  private keyOfGen = -1;
  private keyOfArray: Int32Array | undefined;
  private readonly ctxCache = new WeakMap<RiskContext, ContextCache>();
  cache!: ContextCache;
  eStamp = new Int32Array(256);
  eLocal = new Int32Array(256);
  oStamp = new Int32Array(256);
  oLocal = new Int32Array(256);

  /** Evaluate `pf` against `ctx`; returns the failure reason (as `accountBook` words it) or undefined. */
  load(ctx: RiskContext, pf: Portfolio): string | undefined {
    this.ctx = ctx; this.pf = pf;
    if (this.keys.size > 1 << 20) { this.keys.clear(); this.gen++; }
    if (++this.stamp > 2_000_000_000) { this.stamp = 1; this.eStamp.fill(0); this.oStamp.fill(0); }
    // The context of the previous call is the usual one (a book margined against one market).
    let cache = this.cache as ContextCache | undefined;
    if (cache === undefined || cache.ctx !== ctx || cache.generation !== this.gen) {
      cache = this.ctxCache.get(ctx);
      if (!cache || cache.generation !== this.gen) this.ctxCache.set(ctx, (cache = new ContextCache(ctx, this.keys, this.gen)));
      this.cache = cache;
      this.forgetRisks();
    }
    this.U = 0;
    const fail = this.positions(ctx, pf) ?? this.others(ctx, pf);
    if (fail !== undefined) return fail;
    this.assignUnits(ctx, pf);
    for (let k = 0; k < this.U; k++) this.accumulate(k);
    this.addExposure(ctx, pf);
    for (let k = 0; k < this.U; k++) this.decide(ctx, k);
    if (pf.openOrders.length > 0) for (let k = 0; k < this.U; k++) this.orders.unitOrders(this, k);
    return undefined;
  }

  /**
   * The positions, in order and in one pass: instrument ids (`pKey`), risks, values and equity as `accountBook` takes
   * them, and the unit of each (units of positions come first, in order of first appearance; a stable-coin spot
   * position joins none).
   */
  private positions(ctx: RiskContext, pf: Portfolio): string | undefined {
    const ps = pf.positions, n = (this.n = ps.length), N = ctx.numeraire.index, keys = this.keys, before = keys.size, cache = this.cache;
    const key = (this.pKey = growI(this.pKey, n)), values = (this.values = growF(this.values, n));
    const pUnit = (this.pUnit = growI(this.pUnit, n)), pSlot = (this.pSlot = growI(this.pSlot, n)), pOpt = (this.pOpt = growI(this.pOpt, n));
    let equity = 0, last = -1;
    const keyOf = this.keyOf;
    // New ids after `keys.clear()`, or a new array (`growI` copies nothing): nothing of the last calls holds.
    if (this.keyOfGen !== this.gen || key !== this.keyOfArray) { keyOf.length = 0; this.keyOfGen = this.gen; this.keyOfArray = key; }
    for (let i = 0; i < n; i++) {
      const p = ps[i], inst = p.instrument;
      let id: number;
      if (keyOf[i] === inst) id = key[i];
      else { id = key[i] = keys.id(inst); keyOf[i] = inst; }
      const r = cache.risk(id);
      if (!r.ok) return `positions[${i}].instrument: ${r.reason}`;
      const risk = r.value, kind = inst.kind;
      this.risks[i] = risk;
      let v = 0;
      if (kind !== "future" && kind !== "perpetual") v = p.size * risk.value;
      else if (p.entryPrice !== undefined) v = (p.size * unitValueUsd(risk.resolved, 0, 0, p.entryPrice)) / N;
      values[i] = v;
      equity += v;
      const aid = keys.under[id];
      pSlot[i] = NO_SLOT; pOpt[i] = -1;
      if (kind === "spot" && cache.asset(aid).stable) { pUnit[i] = -1; continue; }
      if (last < 0 || this.uAsset[last] !== aid) last = this.unitFor(aid);
      pUnit[i] = last;
    }
    if (keys.size !== before) this.ensureStamps();
    this.equity = equity;
    return undefined;
  }

  /** Open orders' risks, then the collateral's values added to the equity (after the positions, as `accountBook`). */
  private others(ctx: RiskContext, pf: Portfolio): string | undefined {
    const N = ctx.numeraire.index, cache = this.cache;
    for (let i = 0; i < pf.openOrders.length; i++) {
      const r = cache.risk(this.keys.id(pf.openOrders[i].instrument));
      if (!r.ok) return `openOrders[${i}].instrument: ${r.reason}`;
      this.orderRisks[i] = r.value;
    }
    // Collateral in `for…in` order (Object.keys' order for these plain objects): no key array, and a keyed load
    // inside the loop reads the property through the enumeration cache.
    const coll = pf.collateral, assets = this.cAssets;
    let m = 0, equity = this.equity;
    for (const asset in coll) {
      if (m === this.cIds.length) {
        this.cIds = copyI(this.cIds, 2 * m); this.cAmounts = copyF(this.cAmounts, 2 * m); this.cValues = copyF(this.cValues, 2 * m);
        this.cHaircut = new Float64Array(2 * m); this.cInScenario = new Uint8Array(2 * m);
      }
      const aid = this.keys.asset(asset), amount = coll[asset];
      const idx = cache.asset(aid).usdIndex;
      if (idx === undefined) return `collateral.${asset}: no index for ${asset} in market.assets`;
      const v = (amount * idx) / N;
      assets[m] = asset; this.cIds[m] = aid; this.cAmounts[m] = amount; this.cValues[m] = v;
      m++;
      equity += v;
    }
    this.nC = m;
    this.equity = equity;
    return undefined;
  }

  /**
   * Drop every risk the scratch arrays hold. Called when the context changes: entries left in them would keep an
   * older context's risk objects alive. Between calls on one context they hold only that context's risks, which
   * `cache` keeps reachable anyway (the next call on it reuses them), so nothing is dropped after each call.
   */
  private forgetRisks(): void {
    const none = undefined as unknown as InstrumentRisk;
    this.risks.fill(none); this.orderRisks.fill(none); this.sFirst.fill(none);
  }

  /** Index of unit `u`, or −1. */
  unitNamed(u: string): number {
    for (let k = 0; k < this.U; k++) if (this.uName[k] === u) return k;
    return -1;
  }

  /** Index of the unit of asset id `aid`, created (in order) when new. */
  private unitFor(aid: number): number {
    for (let k = 0; k < this.U; k++) if (this.uAsset[k] === aid) return k;
    const U = this.U++;
    if (U >= this.uIndex.length) this.growUnits(U * 2);
    const f = this.cache.asset(aid);
    this.uAsset[U] = aid;
    this.uName[U] = f.code;
    this.uGrid[U] = this.cache.grid(f);
    this.uRates[U] = f.rates!;
    this.uIndex[U] = f.usdIndex ?? NaN;
    return U;
  }

  /** The remaining units (collateral, open orders, the coin numeraire's), the vector layout and the grouping. */
  private assignUnits(ctx: RiskContext, pf: Portfolio): void {
    const n = this.n, keys = this.keys, cache = this.cache;
    this.grouped = growI(this.grouped, n);
    for (let i = 0; i < this.nC; i++) if (this.cAmounts[i] !== 0 && !cache.asset(this.cIds[i]).stable) this.unitFor(this.cIds[i]);
    for (const o of pf.openOrders) this.unitFor(keys.under[keys.id(o.instrument)]);
    if (this.foreignValue(ctx, pf) !== 0 && exposureOf(ctx)) this.unitFor(keys.asset(ctx.numeraire.currency));
    // Layout: three vector blocks per unit (bare, with collateral, orders filled); positions grouped by unit
    // (a stable counting sort, so each unit's positions stay in input order).
    let off = 0;
    for (let k = 0; k < this.U; k++) {
      const r = this.uRates[k];
      this.uOff[k] = off;
      off += 3 * (r.G + r.E);
      this.uPosCount[k] = 0;
    }
    for (let i = 0; i < n; i++) if (this.pUnit[i] >= 0) this.uPosCount[this.pUnit[i]]++;
    let cursor = 0;
    for (let k = 0; k < this.U; k++) { this.uPosStart[k] = cursor; cursor += this.uPosCount[k]; this.uPosCount[k] = 0; }
    for (let i = 0; i < n; i++) {
      const k = this.pUnit[i];
      if (k >= 0) this.grouped[this.uPosStart[k] + this.uPosCount[k]++] = i;
    }
    this.vec = growF(this.vec, off);
    this.sDelta = growF(this.sDelta, n); this.sF = growF(this.sF, n); this.sT = growF(this.sT, n); this.sKey = growI(this.sKey, n);
    this.oSize = growF(this.oSize, n); this.oId = growI(this.oId, n);
  }

  /** Value (numeraire) of what does not move with a coin numeraire (numeraireExposure.ts); 0 for USD/stable. */
  private foreignValue(ctx: RiskContext, pf: Portfolio): number {
    const c = ctx.numeraire.currency;
    if (c === "USD" || ctx.isStable(c)) return 0;
    let v = 0;
    for (let i = 0; i < this.n; i++) if (pf.positions[i].instrument.underlying !== c) v += this.values[i];
    for (let i = 0; i < this.nC; i++) if (this.cAssets[i] !== c) v += this.cValues[i];
    return v;
  }

  /** Σ size × vectors of unit k's positions in input order, net delta, expiry and option slots. */
  private accumulate(k: number): void {
    const { G, E } = this.uRates[k];
    const o = this.uOff[k], vec = this.vec, keys = this.keys, stamp = this.stamp;
    const gRows = this.gRows, eRows = this.eRows;
    let net = 0;
    const slotStart = k === 0 ? 0 : this.uSlotStart[k - 1] + this.uSlotCount[k - 1];
    const optStart = k === 0 ? 0 : this.uOptStart[k - 1] + this.uOptCount[k - 1];
    let nSlots = 0, nOpt = 0;
    const ps = this.uPosStart[k], pe = ps + this.uPosCount[k];
    const sizes = (this.rowSizes = growF(this.rowSizes, pe - ps));
    for (let x = ps; x < pe; x++) {
      const i = this.grouped[x];
      const p = this.pf.positions[i];
      const r = this.risks[i], s = p.size;
      gRows[x - ps] = r.grid; eRows[x - ps] = r.extended; sizes[x - ps] = s;
      const d = s * r.delta;
      net += d;
      if (p.instrument.kind === "spot") continue;
      const id = this.pKey[i];
      const ek = keys.expiry[id];
      if (this.eStamp[ek] !== stamp) {
        this.eStamp[ek] = stamp;
        this.eLocal[ek] = nSlots;
        const q = slotStart + nSlots++;
        this.sDelta[q] = d; this.sF[q] = r.resolved.forward; this.sT[q] = r.resolved.T; this.sKey[q] = ek; this.sFirst[q] = r;
      } else this.sDelta[slotStart + this.eLocal[ek]] += d;
      this.pSlot[i] = this.eLocal[ek];
      if (keys.kind[id] !== KIND_OPTION) continue;
      if (this.oStamp[id] !== stamp) {
        this.oStamp[id] = stamp;
        this.oLocal[id] = nOpt;
        this.oSize[optStart + nOpt] = 0 + s;
        this.oId[optStart + nOpt++] = id;
      } else this.oSize[optStart + this.oLocal[id]] += s;
      this.pOpt[i] = this.oLocal[id];
    }
    sumArrays(vec, o, gRows, sizes, pe - ps, G);
    sumArrays(vec, o + G, eRows, sizes, pe - ps, E);
    this.uNet[k] = net;
    this.uSlotStart[k] = slotStart; this.uSlotCount[k] = nSlots;
    this.uOptStart[k] = optStart; this.uOptCount[k] = nOpt;
  }

  private ensureStamps(): void {
    const ni = this.keys.size, ne = this.keys.expiries;
    if (ne > this.eStamp.length) { const c = Math.max(ne, this.eStamp.length * 2); this.eStamp = copyI(this.eStamp, c); this.eLocal = copyI(this.eLocal, c); }
    if (ni > this.oStamp.length) { const c = Math.max(ni, this.oStamp.length * 2); this.oStamp = copyI(this.oStamp, c); this.oLocal = copyI(this.oLocal, c); }
  }

  /** The coin numeraire's exposure (numeraireExposure.ts), added after the unit's positions. */
  private addExposure(ctx: RiskContext, pf: Portfolio): void {
    const foreign = this.foreignValue(ctx, pf);
    if (foreign === 0) return;
    const r = exposureOf(ctx);
    if (!r) return;
    const k = this.unitNamed(ctx.numeraire.currency);
    const { G, E } = this.uRates[k];
    const o = this.uOff[k], vec = this.vec;
    axpy(vec, o, foreign, r.grid, 0, G);
    axpy(vec, o + G, foreign, r.extended, 0, E);
    this.uNet[k] += foreign * r.delta;
  }

  /** Load unit k's expiry slots into the evaluator. */
  loadSlots(k: number): void {
    const s = this.uSlotStart[k], n = this.uSlotCount[k], ev = this.ev;
    ev.ensureSlots(n);
    for (let j = 0; j < n; j++) { ev.slotDelta[j] = this.sDelta[s + j]; ev.slotF[j] = this.sF[s + j]; ev.slotT[j] = this.sT[s + j]; }
  }

  /**
   * Margin of unit k's block `block` (0 bare, 1 with collateral, 2 orders filled) without adjustment, with net delta
   * and short-option quantity already in the evaluator's `net` and `q`: into the evaluator's fields (its `total`).
   * Nothing of type double crosses a call (V8 boxes doubles passed to or returned by a call it does not inline).
   */
  evaluateUnit(k: number, block: number): void {
    const r = this.uRates[k], ev = this.ev;
    ev.index = this.uIndex[k]; ev.numIndex = this.ctx.numeraire.index;
    ev.evaluate(this.vec, this.uOff[k] + block * (r.G + r.E), this.uSlotCount[k], r);
  }

  private saveComponents(k: number): void {
    const c = this.uComp, b = k * 8, ev = this.ev;
    c[b + C_WORST] = ev.worstLoss; c[b + C_CELL] = ev.worstCell; c[b + C_EXT] = ev.extendedLoss; c[b + C_EXT_INDEX] = ev.extendedIndex;
    c[b + C_ROLL] = ev.rollShock; c[b + C_DELTA] = ev.deltaShock; c[b + C_SOM] = ev.shortOptionMinimum; c[b + C_TOTAL] = ev.total;
  }

  /** The collateral decision of unit k: its own collateral in the scenarios, or outside at its haircut. */
  private decide(ctx: RiskContext, k: number): void {
    const aid = this.uAsset[k], facts = this.cache.asset(aid), ev = this.ev;
    let amount = 0;
    if (!facts.stable) for (let i = 0; i < this.nC; i++) if (this.cIds[i] === aid) { amount = this.cAmounts[i]; break; }
    // A unit of collateral alone (no position, no order, not the numeraire's unit, so no exposure either): its bare
    // book is all zeros, whose components depend on the asset only.
    const alone = this.uPosCount[k] === 0 && this.pf.openOrders.length === 0 && this.uName[k] !== ctx.numeraire.currency;
    if (alone) this.uComp.set(this.emptyComponents(k, facts), k * 8);
    else {
      this.loadSlots(k);
      ev.q = shortQty(this.oSize, this.uOptStart[k], this.uOptCount[k], -1, 0);
      ev.net = this.uNet[k];
      this.evaluateUnit(k, 0);
      this.saveComponents(k);
    }
    const without = this.uComp[k * 8 + C_TOTAL];
    this.uColl[k] = amount; this.uOrders[k] = 0; this.uOrderSide[k] = 0; this.uHaircut[k] = 0; this.uAltHaircut[k] = 0;
    if (amount === 0) { this.uCounted[k] = COUNTED_NONE; return; }
    const { G, E } = this.uRates[k];
    const o = this.uOff[k], w = G + E, vec = this.vec;
    const spot = this.cache.spot(facts);
    let net = this.uNet[k];
    if (spot.ok) {
      const sg = spot.value.grid, se = spot.value.extended;
      for (let j = 0; j < G; j++) vec[o + w + j] = vec[o + j] + amount * sg[j];
      for (let j = 0; j < E; j++) vec[o + w + G + j] = vec[o + G + j] + amount * se[j];
      net += amount * spot.value.delta;
    } else vec.copyWithin(o + w, o, o + w);
    this.uNetColl[k] = net;
    const haircut = haircutUsd(amount * this.uIndex[k], this.cache.schedule(facts)) / ctx.numeraire.index;
    this.uAltHaircut[k] = haircut;
    ev.net = net;
    if (alone && amount > 0 && spot.ok && this.aloneAtHaircut(k, facts, amount, without + haircut)) {
      this.uCounted[k] = COUNTED_HAIRCUT;
      this.uHaircut[k] = haircut;
      return;
    }
    if (alone) { this.loadSlots(k); ev.q = 0; }
    this.evaluateUnit(k, 1);
    const inScen = ev.total;
    if (amount < 0 || inScen <= without + haircut) { this.uCounted[k] = COUNTED_SCENARIO; this.saveComponents(k); return; }
    this.uCounted[k] = COUNTED_HAIRCUT;
    this.uHaircut[k] = haircut;
  }

  /**
   * Whether a unit of collateral alone (`amount` > 0 of the asset, net delta in the evaluator's `net`) is counted at
   * its haircut, its book with the collateral margined without a search: that book is fl(0 + amount × the spot's
   * row) cell by cell, and rounding is monotone, so its least cell is fl(0 + amount × the row's least) (and so for
   * the extended moves): the total `evaluate` would give, to the bit. False when the rows' least are unknown, or when
   * the collateral goes into the scenarios (the caller then evaluates the book in full, for its components).
   */
  private aloneAtHaircut(k: number, facts: AssetFacts, amount: number, bareWithHaircut: number): boolean {
    const gMin = facts.spotGridMin, eMin = facts.spotExtMin, r = this.uRates[k], ev = this.ev;
    if (!(Number.isFinite(gMin) && (r.E === 0 || Number.isFinite(eMin)))) return false;
    ev.worstLoss = scaledLoss(amount, gMin);
    ev.extendedLoss = r.E > 0 ? scaledLoss(amount, eMin) : 0;
    ev.q = 0; ev.index = this.uIndex[k]; ev.numIndex = this.ctx.numeraire.index;
    ev.evaluateRest(0, r);
    return !(ev.total <= bareWithHaircut);
  }

  /** The components of asset `facts`' unit holding nothing (`AssetFacts.empty`), computed on first use. */
  private emptyComponents(k: number, facts: AssetFacts): Float64Array {
    if (facts.empty === undefined) {
      const r = this.uRates[k], ev = this.ev;
      ev.net = 0; ev.q = 0; ev.index = this.uIndex[k]; ev.numIndex = this.ctx.numeraire.index;
      ev.evaluate(new Float64Array(r.G + r.E), 0, 0, r);
      facts.empty = Float64Array.of(ev.worstLoss, ev.worstCell, ev.extendedLoss, ev.extendedIndex, ev.rollShock, ev.deltaShock, ev.shortOptionMinimum, ev.total);
    }
    return facts.empty;
  }

  /** Block (0 or 1) and net delta of unit k's book after the decision. */
  decidedBlock(k: number): number {
    return this.uCounted[k] === COUNTED_SCENARIO ? 1 : 0;
  }

  decidedNet(k: number): number {
    return this.uCounted[k] === COUNTED_SCENARIO ? this.uNetColl[k] : this.uNet[k];
  }

  /** Risk margin of unit k without position i, the collateral decision taken again (portfolioModel `marginWithout`). */
  marginWithout(k: number, i: number): number {
    const r = this.risks[i], size = this.pf.positions[i].size, ev = this.ev;
    ev.setAdjustment(r.grid, 0, r.extended, 0, this.pSlot[i]);
    ev.aK = -size; ev.aDelta = r.delta; ev.aF = r.resolved.forward; ev.aT = r.resolved.T;
    ev.q = shortQty(this.oSize, this.uOptStart[k], this.uOptCount[k], this.pOpt[i], -size);
    ev.index = this.uIndex[k]; ev.numIndex = this.ctx.numeraire.index;
    const rates = this.uRates[k], w = rates.G + rates.E, o = this.uOff[k], ns = this.uSlotCount[k];
    if (this.uCounted[k] === COUNTED_NONE) {
      ev.net = this.uNet[k];
      ev.marginAdj(this.vec, o, ns, rates);
      return ev.total;
    }
    ev.net = this.uNetColl[k]; ev.netB = this.uNet[k];
    ev.marginAdjPair(this.vec, o + w, o, ns, rates);
    const inScen = ev.total, bare = ev.totalB;
    return this.uColl[k] < 0 || inScen <= bare + this.uAltHaircut[k] ? inScen : bare;
  }
}
