/**
 * `JSON.stringify(portfolioMargin(ctx, pf).value)` and a line end, byte for byte, written straight from the evaluated
 * book (`explainedBook`) with no result object built: the batch CLI's `--json` lines (issue 10: "the kernel for the
 * numbers, the explanation objects only for what is printed"). Building a result's ~40 objects and then walking them
 * back (a keyed load per value, each double read back as a new heap number) was two thirds of a line's cost; here
 * the figures go from the book's typed arrays to the WebAssembly number writer, between JSON fragments kept once.
 *
 * The figures are explainResult.ts's (`accountFigures`, `positionRow`, `positionContributions`, `usedParams`, the
 * grid's shared scenario objects); the layout is `explainResult`'s keys in its order. A test compares the bytes
 * with `JSON.stringify` of the result object on random books under every grid preset (test/cli/explainedBytes.test.ts).
 */
import { C_CELL, C_DELTA, C_EXT, C_EXT_INDEX, C_ROLL, C_SOM, C_WORST, type ExplainBook } from "../../margin/kernel/explainBook.js";
import { SIDE_BUY, SIDE_SELL } from "../../margin/kernel/explainOrders.js";
import {
  accountFigures, F_ADJ, F_CREDIT, F_EQUITY, F_HAIRCUTS, F_IM, F_MM, figures, P_CONTRIBUTION, P_DELTA, P_GAMMA, P_MARK, P_SIZE,
  P_THETA, P_VALUE, P_VEGA, partsOf, positionContributions, positionRow, usedParams, type GridParts,
} from "../../margin/kernel/explainResult.js";
import { asOfText, marginRatio, marginStatus } from "../../margin/result.js";
import { JsonBytes } from "./jsonBytes.js";
import { numberWasm, type NumberWasm } from "./numberWasm.js";

/** The JSON fragments between the values, in the order of `explainResult`'s keys. */
const FRAGMENTS = {
  account: '{"account":', currency: ',"model":"portfolio","currency":', asOf: ',"asOf":', equity: ',"equity":',
  adjustedEquity: ',"adjustedEquity":', initialMargin: ',"initialMargin":', maintenanceMargin: ',"maintenanceMargin":',
  availableFunds: ',"availableFunds":', marginRatio: ',"marginRatio":', ratioNull: ',"marginRatio":null', status: ',"status":',
  components: ',"components":[', comma: ",", close: "}",
  worst: '{"name":"worstScenario","underlying":', amount: ',"amount":', scenario: ',"scenario":', detail: ',"detail":',
  extended: '{"name":"extendedScenario","underlying":', bindingTrue: ',"detail":{"binding":true,"unweightedLoss":',
  bindingFalse: ',"detail":{"binding":false,"unweightedLoss":', closeTwo: "}}",
  roll: '{"name":"rollShock","underlying":', delta: '{"name":"deltaShock","underlying":', netDelta: ',"detail":{"netDelta":',
  som: '{"name":"shortOptionMinimum","underlying":', orders: '{"name":"openOrders","underlying":',
  sideBuy: ',"detail":{"side":"buy"}}', sideSell: ',"detail":{"side":"sell"}}', sideNull: ',"detail":{"side":null}}',
  credit: '{"name":"correlationCredit","amount":', haircut: '{"name":"haircut","amount":', reduces: ',"detail":{"reduces":"adjustedEquity"}}',
  positions: '],"positions":[', instrument: '{"instrument":', size: ',"size":', markPrice: ',"markPrice":', value: ',"value":',
  pDelta: ',"delta":', gamma: ',"gamma":', vega: ',"vega":', theta: ',"theta":', contribution: ',"marginContribution":',
  collateral: '],"collateral":[', asset: '{"asset":', haircutKey: ',"haircut":',
  inScenario: ',"countedAs":"scenario"}', atHaircut: ',"countedAs":"haircut"}', params: '],"params":', end: "}\n",
} as const;
type Fragment = keyof typeof FRAGMENTS;
/** A unit's components, in `componentsOf`'s order, and their fragments before the underlying (without `unitFragments`). */
const UNIT_COMPONENTS = ["worstScenario", "extendedScenario", "rollShock", "deltaShock", "shortOptionMinimum", "openOrders"] as const;
const U_WORST = 0, U_EXTENDED = 1, U_ROLL = 2, U_DELTA = 3, U_SOM = 4, U_ORDERS = 5;
const NAMES = Object.keys(FRAGMENTS) as Fragment[];
const ID = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<Fragment, number>;

const UNIT_OPEN = [ID.worst, ID.extended, ID.roll, ID.delta, ID.som, ID.orders];
const row = new Float64Array(8);
/** Figures computed in the writer (`tmp[0]`), handed to `num` as the others are. */
const tmp = new Float64Array(1);

/** A `JsonBytes` that writes a portfolio-model result from its evaluated book. */
export class ExplainedBytes extends JsonBytes {
  private readonly fo: Int32Array;
  private readonly fl: Int32Array;
  /** Per instrument id of the book's keys: its name, and `{"instrument":"name"` kept in the key area (offset, length). */
  private names: string[] = [];
  private nameOff = new Int32Array(256);
  private nameLen = new Int32Array(256);
  /** Per unit name: its components' opening fragments kept (`unitFragments`), offsets and lengths in pairs. */
  private readonly unitFrags = new Map<string, Int32Array | null>();
  /** Per grid's shared parts: the JSON of its cells, extended moves and details kept (`sharedPart`), in pairs; 0 0 not yet. */
  private readonly partFrags = new WeakMap<GridParts, Int32Array>();
  /** JSON of the shared, frozen objects a result names (scenarios, details, params), by object. */
  private readonly frozen = new WeakMap<object, Uint8Array>();

  /** A writer, or undefined where WebAssembly is not available. */
  static override create(): ExplainedBytes | undefined {
    const x = numberWasm();
    return x === undefined ? undefined : new ExplainedBytes(x);
  }

  private constructor(x: NumberWasm) {
    super(x);
    const kept = this.keep(NAMES.map((n) => FRAGMENTS[n]));
    if (kept === undefined) throw new Error("no room for the result's fragments"); // a new writer's key area is empty
    this.fo = kept.off;
    this.fl = kept.len;
  }

  private text(f: number): void {
    this.keyAt(this.fo[f], this.fl[f]);
  }

  /** Fragment f and `values[i]` (see `numberFrom`: no double crosses a call). */
  private num(f: number, values: Float64Array, i: number): void {
    this.numberFrom(this.fo[f], this.fl[f], values, i);
  }

  private str(f: number, s: string): void {
    this.keyAt(this.fo[f], this.fl[f]);
    this.string(s);
  }

  /** A shared frozen object (its JSON kept), or any other by the generic walk. */
  private shared(o: object): boolean {
    if (!Object.isFrozen(o)) return this.tryValue(o);
    let bytes = this.frozen.get(o);
    if (bytes === undefined) this.frozen.set(o, (bytes = Buffer.from(JSON.stringify(o))));
    this.raw(bytes);
    return true;
  }

  /**
   * `{"name":"<component>","underlying":"<u>","amount":` of each of unit u's components (`UNIT_COMPONENTS`; a comma
   * before all but the first), kept on first sight; null when the key area has no room.
   */
  private unitFragments(u: string): Int32Array | null {
    let f = this.unitFrags.get(u);
    if (f === undefined) {
      const q = JSON.stringify(u);
      const kept = this.keep(UNIT_COMPONENTS.map((n, i) => `${i === 0 ? "" : ","}{"name":"${n}","underlying":${q},"amount":`));
      f = null;
      if (kept !== undefined) {
        f = new Int32Array(2 * UNIT_COMPONENTS.length);
        for (let i = 0; i < UNIT_COMPONENTS.length; i++) { f[2 * i] = kept.off[i]; f[2 * i + 1] = kept.len[i]; }
      }
      this.unitFrags.set(u, f);
    }
    return f;
  }

  /** The kept-bytes table of a grid's shared parts: cells, then extended moves, then worst-scenario details. */
  private partsTable(parts: GridParts): Int32Array {
    let t = this.partFrags.get(parts);
    if (t === undefined) this.partFrags.set(parts, (t = new Int32Array(2 * (parts.cells.length + parts.extended.length + parts.worstDetail.length))));
    return t;
  }

  /** Shared part `i` of a grid (`partsTable` index) `o`: its JSON, kept on first sight while the key area has room. */
  private sharedPart(t: Int32Array, i: number, o: object): boolean {
    if (t[2 * i + 1] > 0) { this.keyAt(t[2 * i], t[2 * i + 1]); return true; }
    if (!Object.isFrozen(o)) return this.tryValue(o);
    const kept = this.keep([JSON.stringify(o)]);
    if (kept === undefined) return this.shared(o);
    t[2 * i] = kept.off[0]; t[2 * i + 1] = kept.len[0];
    this.keyAt(kept.off[0], kept.len[0]);
    return true;
  }

  /**
   * The line of the book's result (`JSON.stringify` of `explainResult(b, true)` and "\n"; a view valid until the next
   * write), or undefined for a result this writer does not copy (the caller then builds the object).
   */
  line(b: ExplainBook): Uint8Array | undefined {
    this.begin();
    const ctx = b.ctx, pf = b.pf, A = ID;
    accountFigures(b);
    const f = figures, equity = f[F_EQUITY], adj = f[F_ADJ], im = f[F_IM], mm = f[F_MM], credit = f[F_CREDIT], haircuts = f[F_HAIRCUTS];
    this.str(A.account, pf.account);
    this.str(A.currency, ctx.numeraire.currency);
    this.str(A.asOf, asOfText(ctx.market.asOf));
    this.num(A.equity, f, F_EQUITY);
    this.num(A.adjustedEquity, f, F_ADJ);
    this.num(A.initialMargin, f, F_IM);
    this.num(A.maintenanceMargin, f, F_MM);
    tmp[0] = adj - im;
    this.num(A.availableFunds, tmp, 0);
    const ratio = marginRatio(mm, adj);
    if (ratio === null) this.text(A.ratioNull);
    else { tmp[0] = ratio; this.num(A.marginRatio, tmp, 0); }
    this.str(A.status, marginStatus(equity, adj, im, mm));
    this.text(A.components);
    let first = true;
    for (let k = 0; k < b.U; k++) {
      if (!first) this.text(A.comma);
      first = false;
      if (!this.unit(b, k)) return undefined;
    }
    if (credit > 0) { if (!first) this.text(A.comma); first = false; tmp[0] = -credit; this.num(A.credit, tmp, 0); this.text(A.close); }
    if (haircuts > 0) { if (!first) this.text(A.comma); this.num(A.haircut, f, F_HAIRCUTS); this.text(A.reduces); }
    this.text(A.positions);
    this.positions(b);
    this.text(A.collateral);
    for (let i = 0; i < b.nC; i++) {
      if (i > 0) this.text(A.comma);
      this.str(A.asset, b.cAssets[i]);
      this.num(A.amount, b.cAmounts, i);
      this.num(A.value, b.cValues, i);
      this.num(A.haircutKey, b.cHaircut, i);
      this.text(b.cInScenario[i] === 1 ? A.inScenario : A.atHaircut);
    }
    this.text(A.params);
    if (!this.shared(usedParams(b, pf))) return undefined;
    this.text(A.end);
    return this.written();
  }

  /** Unit k's components (explainResult.ts `componentsOf`). */
  private unit(b: ExplainBook, k: number): boolean {
    const A = ID, c = b.uComp, o = k * 8, g = b.uGrid[k], u = b.uName[k], parts = partsOf(g);
    const worst = c[o + C_WORST], ext = c[o + C_EXT], extIndex = c[o + C_EXT_INDEX];
    const uf = this.unitFragments(u), pt = this.partsTable(parts), nCells = parts.cells.length;
    this.opening(uf, U_WORST, u, c, o + C_WORST);
    this.text(A.scenario);
    if (!this.sharedPart(pt, c[o + C_CELL], parts.cells[c[o + C_CELL]])) return false;
    this.text(A.detail);
    const detail = b.uCounted[k] * 2 + (u === b.ctx.numeraire.currency ? 1 : 0);
    if (!this.sharedPart(pt, nCells + parts.extended.length + detail, parts.worstDetail[detail])) return false;
    this.text(A.close);
    if (extIndex >= 0) {
      const w = g.extendedWeights[extIndex];
      this.opening(uf, U_EXTENDED, u, c, o + C_EXT);
      this.text(A.scenario);
      if (!this.sharedPart(pt, nCells + extIndex, parts.extended[extIndex])) return false;
      tmp[0] = w > 0 ? ext / w : 0;
      this.num(ext > worst ? A.bindingTrue : A.bindingFalse, tmp, 0);
      this.text(A.closeTwo);
    }
    this.opening(uf, U_ROLL, u, c, o + C_ROLL);
    this.text(A.close);
    this.opening(uf, U_DELTA, u, c, o + C_DELTA);
    tmp[0] = b.decidedNet(k);
    this.num(A.netDelta, tmp, 0);
    this.text(A.closeTwo);
    this.opening(uf, U_SOM, u, c, o + C_SOM);
    this.text(A.close);
    const orders = b.uOrders[k];
    if (orders > 0) {
      this.opening(uf, U_ORDERS, u, b.uOrders, k);
      const side = b.uOrderSide[k];
      this.text(side === SIDE_BUY ? A.sideBuy : side === SIDE_SELL ? A.sideSell : A.sideNull);
    }
    return true;
  }

  /** A component's opening (`unitFragments`) and its amount `values[i]`. */
  private opening(uf: Int32Array | null, which: number, u: string, values: Float64Array, i: number): void {
    if (uf !== null) { this.numberFrom(uf[2 * which], uf[2 * which + 1], values, i); return; }
    if (which > 0) this.text(ID.comma);
    this.str(UNIT_OPEN[which], u);
    this.num(ID.amount, values, i);
  }

  /** `{"instrument":` and the name of instrument `id`: its bytes kept on first sight (while the key area has room). */
  private instrument(id: number, name: string): void {
    if (this.names[id] === name) { this.keyAt(this.nameOff[id], this.nameLen[id]); return; }
    const kept = this.keep([`${FRAGMENTS.instrument}${JSON.stringify(name)}`]);
    if (kept === undefined) { this.str(ID.instrument, name); return; }
    if (id >= this.nameOff.length) {
      const n = Math.max(id + 1, 2 * this.nameOff.length), off = new Int32Array(n), len = new Int32Array(n);
      off.set(this.nameOff); len.set(this.nameLen);
      this.nameOff = off; this.nameLen = len;
    }
    this.names[id] = name; this.nameOff[id] = kept.off[0]; this.nameLen[id] = kept.len[0];
    this.keyAt(kept.off[0], kept.len[0]);
  }

  /** The position reports (explainResult.ts `positionReports`, with contributions). */
  private positions(b: ExplainBook): void {
    const A = ID, contrib = positionContributions(b), ps = b.pf.positions;
    for (let i = 0; i < b.n; i++) {
      if (i > 0) this.text(A.comma);
      positionRow(b, i, contrib, row);
      this.instrument(b.pKey[i], ps[i].instrument.name);
      this.num(A.size, row, P_SIZE);
      this.num(A.markPrice, row, P_MARK);
      this.num(A.value, row, P_VALUE);
      this.num(A.pDelta, row, P_DELTA);
      this.num(A.gamma, row, P_GAMMA);
      this.num(A.vega, row, P_VEGA);
      this.num(A.theta, row, P_THETA);
      this.num(A.contribution, row, P_CONTRIBUTION);
      this.text(A.close);
    }
  }
}
