/**
 * `JsonBytes` for margin results: the position reports (three quarters of a `--json` line's numbers) written by a
 * function that knows their shape. The generic writer reads each value by a keyed load in a `for…in` loop, and a
 * keyed load of a double field hands back a new heap number, so each number it writes costs an allocation; here the
 * `for…in` only checks the keys (the same keys, in the same order, as `PositionReport` and nothing else) and the
 * values are read by name, the numbers going to the WebAssembly writer unboxed. An element of another shape, or
 * whose values are not of the types of a `PositionReport`, is written as `JsonBytes` writes any object: the bytes
 * are those of `JSON.stringify` either way (test/cli/jsonBytes.test.ts).
 */
import type { PositionReport } from "../../margin/result.js";
import { JsonBytes } from "./jsonBytes.js";
import { numberWasm, type NumberWasm } from "./numberWasm.js";

/** `PositionReport`'s keys in the order the explanation path builds them (explainResult.ts `positionReports`). */
const POSITION_KEYS = ["instrument", "size", "markPrice", "value", "delta", "gamma", "vega", "theta", "marginContribution"] as const;
const N = POSITION_KEYS.length;
const LBRACE = 0x7b, RBRACE = 0x7d;

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
    const ko = this.ko, kl = this.kl;
    this.depth++;
    this.byte(LBRACE);
    this.keyAt(ko[0] + 1, kl[0] - 1);
    this.string(instrument);
    this.numberAt(ko[1], kl[1], size);
    this.numberAt(ko[2], kl[2], markPrice);
    this.numberAt(ko[3], kl[3], value);
    this.numberAt(ko[4], kl[4], delta);
    this.numberAt(ko[5], kl[5], gamma);
    this.numberAt(ko[6], kl[6], vega);
    this.numberAt(ko[7], kl[7], theta);
    this.numberAt(ko[8], kl[8], contribution);
    this.byte(RBRACE);
    this.depth--;
    return true;
  }
}
