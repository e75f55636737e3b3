/**
 * JsonBytes (the `--json` writer of `dpm margin`) must write exactly the bytes of `JSON.stringify` for plain data,
 * and decline, so that the caller falls back to `JSON.stringify`, whatever it does not copy. Numbers are written by
 * WebAssembly (native/shortestDigits.c): checked against V8's own conversion on random bit patterns, the powers of
 * two and of ten, the layout boundaries (1e21, 1e-7) and the subnormals.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonBytes } from "../../src/adapters/cli/jsonBytes.js";
import { resultJsonLineInto } from "../../src/adapters/cli/resultJson.js";
import { TextBuffer } from "../../src/adapters/cli/textTable.js";
import type { MarginResult } from "../../src/margin/result.js";
import { numberWasmPath } from "../../src/adapters/cli/numberWasm.js";
import { mulberry32 } from "../../src/liquidation/generator.js";
import { ROOT } from "../helpers/shared.js";

const w = JsonBytes.create()!;
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString("utf8"));
const written = (v: unknown): string | undefined => text(w.write(v));

/** Numbers one by one in an array (each also on its own): the mismatches, at most 10. */
function mismatches(xs: Float64Array): string[] {
  const bad: string[] = [];
  for (let i = 0; i < xs.length && bad.length < 10; i++) {
    const x = xs[i], got = written(x), want = JSON.stringify(x);
    if (got !== want) bad.push(`${want} written as ${got}`);
  }
  return bad;
}

/** Deterministic 32-bit integers (the repository's mulberry32, whose [0, 1) values are k / 2^32). */
function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => u() * 4294967296;
}

describe("JsonBytes numbers: V8's shortest round-trip digits and layout", () => {
  it("random bit patterns (every exponent, subnormals, NaNs and infinities)", () => {
    const next = rng(20261206), xs = new Float64Array(400_000), u = new Uint32Array(xs.buffer);
    for (let i = 0; i < u.length; i++) u[i] = next();
    expect(mismatches(xs)).toEqual([]);
  });

  it("amounts as margin results carry them: 1e-9 to 1e12, both signs, 1 to 17 significant digits", () => {
    const next = rng(7), xs = new Float64Array(300_000);
    for (let i = 0; i < xs.length; i++) {
      const digits = 1 + (next() % 17), scale = 10 ** ((next() % 22) - 9);
      const x = (next() / 2 ** 32 - 0.3) * scale;
      xs[i] = i % 3 === 0 ? Number(x.toPrecision(digits)) : x;
    }
    expect(mismatches(xs)).toEqual([]);
  });

  it("powers of two and ten, their neighbours, and the layout's edges", () => {
    const xs: number[] = [0, -0, 5e-324, -5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, 1e21 - 65536, 999999999999999900000, 1e-7, 1e-6, 0.000001234, 1.5e-7, 123e-20, 0.1 + 0.2, 1 / 3, NaN, Infinity, -Infinity];
    for (let e = -1074; e <= 1023; e++) xs.push(2 ** e, -(2 ** e), 2 ** e * (1 + 2 ** -52), 2 ** e * (1 - 2 ** -53));
    for (let e = -324; e <= 308; e++) for (const m of [1, 1.5, 9.999999999999999, 3]) xs.push(Number(`${m}e${e}`));
    expect(mismatches(Float64Array.from(xs))).toEqual([]);
  });
});

describe("JsonBytes values: JSON.stringify's bytes, or undefined", () => {
  it("arbitrary JSON values (unicode, escapes, lone surrogates, -0, deep nesting) — fast-check", () => {
    const value = fc.jsonValue({ maxDepth: 6, noUnicodeString: false });
    fc.assert(fc.property(value, (v) => { expect(written(v)).toBe(JSON.stringify(v)); }), { numRuns: 3_000, seed: 11 });
  });

  it("undefined and functions left out of objects, null in arrays; non-finite numbers null; null prototypes", () => {
    const f = (): number => 1;
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [undefined, f, NaN, -Infinity, -0] });
    const values: unknown[] = [
      { a: undefined, b: f, c: 1 }, [undefined, f, null], { x: bare }, [[], {}, [[]]], { "": 0, "\u2028": "\u2029", 'q"\\': "\n\t\u0001" },
      { 2: "two", 1: "one", b: "b", a: "a" }, "\ud800\udc00\udfff\ud800", true, false, null, 0, "", { __proto__: null, k: "v" },
    ];
    for (const v of values) expect(written(v)).toBe(JSON.stringify(v));
  });

  it("declines what it does not copy: toJSON, Dates, class instances, Maps, boxed values, bigints, cycles", () => {
    class Point { constructor(readonly x = 1) {} }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const sub = class extends Array {};
    for (const v of [{ toJSON: () => 1 }, new Date(0), { d: new Date(0) }, new Point(), new Map(), [new Number(1)], { n: 1n }, cyclic, new sub(), undefined, () => 1, Symbol("s")]) {
      expect(w.write(v)).toBeUndefined();
    }
    expect(written({ ok: [1, "two"] })).toBe('{"ok":[1,"two"]}'); // and writes on afterwards
  });

  it("a key left out: reported as last only when nothing follows it", () => {
    expect(text(w.write({ a: 1, params: { p: 2 } }, "params"))).toBe('{"a":1}');
    expect(w.skippedLast).toBe(true);
    expect(text(w.write({ params: 2, a: 1 }, "params"))).toBe('{"a":1}');
    expect(w.skippedLast).toBe(false);
    expect(text(w.write({ a: 1 }, "params"))).toBe('{"a":1}');
    expect(w.skippedLast).toBe(false);
  });

  it("large values (the memory grows) and more distinct keys than the key tree holds", () => {
    const big = Array.from({ length: 200_000 }, (_, i) => ({ i, v: i / 7, s: `k${i}` }));
    expect(written(big)).toBe(JSON.stringify(big));
    const wide: Record<string, number> = {};
    for (let i = 0; i < 30_000; i++) wide[`key-${i}-${"x".repeat(i % 20)}`] = i * 0.1;
    expect(written(wide)).toBe(JSON.stringify(wide));
    expect(written([{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 1, b: 2 }])).toBe('[{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":2}]');
  });
});

describe("the WebAssembly module", () => {
  let clang = true;
  try {
    execFileSync("clang", ["--version"], { stdio: "ignore" });
    execFileSync("wasm-ld", ["--version"], { stdio: "ignore" });
  } catch {
    clang = false;
  }
  it("is found beside the sources and beside the build (dist/), so that the CLI does not fall back to JSON.stringify", () => {
    expect(numberWasmPath()).toBe(join(ROOT, "native", "shortestDigits.wasm"));
    const dist = join(ROOT, "dist", "src", "adapters", "cli", "numberWasm.js");
    if (!existsSync(dist)) return; // the end-to-end tests build dist/
    const found = execFileSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(pathToFileURL(dist).href)}).then((m) => console.log(m.numberWasmPath()))`], { encoding: "utf8" });
    expect(found.trim()).toBe(join(ROOT, "native", "shortestDigits.wasm"));
  });

  it.skipIf(!clang)("is the build of native/shortestDigits.c (scripts/build-wasm.mjs --check; needs clang and lld)", () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, "scripts", "build-wasm.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

describe("ResultBytes: a margin result's positions written by their known shape", () => {
  const line = (r: unknown): string => {
    const out = new TextBuffer(16);
    resultJsonLineInto(out, r as MarginResult);
    return out.toString();
  };
  const pos = { instrument: "BTC-PERPETUAL", size: 1.5, markPrice: 92000.5, value: 0, delta: 1.5, gamma: 0, vega: 0, theta: 0, marginContribution: -12.25 };
  const result = (positions: unknown[]) => ({ account: "a", model: "portfolio", currency: "USD", positions, collateral: [], params: Object.freeze({ preset: "x" }) });

  it("writes JSON.stringify's bytes for the shape, for other shapes and for values of other types", () => {
    const withGetter = { ...pos };
    Object.defineProperty(withGetter, "size", { get: () => 2.5, enumerable: true });
    const cases: unknown[][] = [
      [pos, { ...pos, size: -0, delta: NaN, gamma: Infinity, theta: 1e-7 }],
      [{ ...pos, extra: 1 }, Object.assign({ marginContribution: 1 }, pos), { ...pos, vega: undefined }, { ...pos, instrument: 7 }],
      [{ ...pos, size: "1.5" }, { ...pos, markPrice: null }, { ...pos, value: { nested: [1, "two"] } }, withGetter],
      [Object.assign(Object.create(null) as object, pos), [pos], null, 3, "text"],
    ];
    for (const positions of cases) expect(line(result(positions))).toBe(`${JSON.stringify(result(positions))}\n`);
  });
});
