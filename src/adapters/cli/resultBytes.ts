/**
 * `JsonBytes` for margin results: the position reports (three quarters of a `--json` line's numbers) written by a
 * function that knows their shape. The generic writer reads each value by a keyed load in a `for…in` loop, and a
 * keyed load of a double field hands back a new heap number, so each number it writes costs an allocation; here the
 * `for…in` only checks the keys (the same keys, in the same order, as `PositionReport` and nothing else) and the
 * values are read by name, the numbers going to the WebAssembly writer through a typed array (never passed between
 * functions as doubles). An element of another shape, or whose values are not of the types of a `PositionReport`, is
 * written as `JsonBytes` writes any object: the bytes are those of `JSON.stringify` either way
 * (test/cli/jsonBytes.test.ts).
 */
import type { PositionReport } from "../../margin/result.js";
import { JsonBytes } from "./jsonBytes.js";
import { numberWasm, type NumberWasm } from "./numberWasm.js";

/** `PositionReport`'s keys in the order the explanation path builds them (explainResult.ts `positionReports`). */
const POSITION_KEYS = ["instrument", "size", "markPrice", "value", "delta", "gamma", "vega", "theta", "marginContribution"] as const;
const N = POSITION_KEYS.length;
const LBRACE = 0x7b, RBRACE = 0x7d;
/** An element's eight numbers, in key order. */
const row = new Float64Array(8);

/** A `JsonBytes` writing the `positions` array of a margin result with its shape known. */
export class ResultBytes extends JsonBytes {
  private readonly ko: Int32Array;
  private readonly kl: Int32Array;

  /** A writer, or undefined where WebAssembly is not available. */
  static override create(): ResultBytes | undefined {
    const x = numberWasm();
    return x === undefined ? undefined : new ResultBytes(x);
  }

  private constructor(x: NumberWasm) {
    super(x);
    const keys = this.keyBytes(POSITION_KEYS);
    if (keys === undefined) throw new Error("no room for the position keys"); // a new writer's key area is empty
    this.ko = keys.off;
    this.kl = keys.len;
    this.shapedKey = "positions";
  }

  protected override element(o: Record<string, unknown>): boolean {
    let n = 0;
    for (const k in o) {
      if (n === N || k !== POSITION_KEYS[n]) return false;
      n++;
    }
    if (n !== N) return false;
    // Each value read once, in key order (as JSON.stringify reads them).
    const p = o as unknown as PositionReport;
    const instrument = p.instrument, size = p.size, markPrice = p.markPrice, value = p.value, delta = p.delta;
    const gamma = p.gamma, vega = p.vega, theta = p.theta, contribution = p.marginContribution;
    if (typeof instrument !== "string" || typeof size !== "number" || typeof markPrice !== "number" || typeof value !== "number" ||
      typeof delta !== "number" || typeof gamma !== "number" || typeof vega !== "number" || typeof theta !== "number" || typeof contribution !== "number") {
      this.members(POSITION_KEYS, [instrument, size, markPrice, value, delta, gamma, vega, theta, contribution]);
      return true;
    }
    const ko = this.ko, kl = this.kl, r = row;
    r[0] = size; r[1] = markPrice; r[2] = value; r[3] = delta; r[4] = gamma; r[5] = vega; r[6] = theta; r[7] = contribution;
    this.depth++;
    this.byte(LBRACE);
    this.keyAt(ko[0] + 1, kl[0] - 1);
    this.string(instrument);
    // The numbers from a typed array (`numberFrom`): a double passed to a call V8 does not inline is boxed.
    for (let i = 0; i < 8; i++) this.numberFrom(ko[i + 1], kl[i + 1], r, i);
    this.byte(RBRACE);
    this.depth--;
    return true;
  }
}
