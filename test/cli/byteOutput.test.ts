/**
 * The margin command writes its results as bytes laid out in the output buffer (issue 10); these must be the
 * bytes of the string forms (`JSON.stringify`, the string-built text layout) for real results: generated books on the example
 * market, with orders and several underlyings, plus accounts named in non-ASCII.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedBook } from "../../bench/bookFile.js";
import { checkPortfolio as validate } from "../../src/input/checkPortfolio.js";
import { formatMargin, marginTextInto } from "../../src/adapters/cli/format.js";
import { resultJsonLineInto } from "../../src/adapters/cli/resultJson.js";
import { TextBuffer } from "../../src/adapters/cli/textTable.js";
import { parseMarket } from "../../src/input/marketSchema.js";
import { loadPreset, presetNames } from "../../src/input/presets.js";
import { GRID_MODELS, marginWith, prepareContext } from "../../src/margin/computeMargin.js";
import type { MarginResult } from "../../src/margin/result.js";
import { ROOT } from "../helpers/shared.js";
import { referenceMarginText } from "../helpers/textReference.js";

/** Results of a generated book under `preset` and `model`, where that venue's method can margin them. */
function results(preset = "deribit", model: (typeof GRID_MODELS)[number] = "portfolio", count = 200): MarginResult[] {
  const m = parseMarket(JSON.parse(readFileSync(join(ROOT, "examples/market.json"), "utf8")));
  if (!m.ok) throw new Error("example market invalid");
  const ctx = prepareContext(m.value, loadPreset(preset), "USD");
  if (!ctx.ok) throw new Error(ctx.reason);
  const lines = generatedBook(count, 8, 31, { orderShare: 0.4 });
  lines[0].account = "compte-é-日本";
  lines[1].account = "trailing\u00a0";
  return lines.flatMap((l) => {
    const v = validate(JSON.parse(JSON.stringify(l)), m.value);
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    const r = marginWith(ctx.value, v.value, model);
    return r.ok ? [r.value] : [];
  });
}

describe("margin results written as bytes", () => {
  const rs = results();

  it("JSON lines: the bytes of JSON.stringify(r) + newline, with the params block spliced from its cached bytes", () => {
    const out = new TextBuffer(64); // small: every result makes it grow
    for (const r of rs) resultJsonLineInto(out, r);
    expect(out.toString()).toBe(rs.map((r) => `${JSON.stringify(r)}\n`).join(""));
  });

  it("JSON lines under every preset and grid model (each venue's method builds its own objects)", () => {
    let n = 0;
    for (const preset of presetNames()) {
      for (const model of GRID_MODELS) {
        const rs2 = results(preset, model, 40);
        const out = new TextBuffer(64);
        for (const r of rs2) resultJsonLineInto(out, r);
        expect(out.toString(), `${preset} ${model}`).toBe(rs2.map((r) => `${JSON.stringify(r)}\n`).join(""));
        n += rs2.length;
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it("text: marginTextInto writes, account after account, what the string-built layout wrote", () => {
    const out = new TextBuffer(64);
    for (const r of rs) marginTextInto(out, r);
    expect(out.toString()).toBe(rs.map((r) => referenceMarginText(r)).join(""));
    expect(formatMargin(rs[3])).toBe(referenceMarginText(rs[3]));
    expect(formatMargin(rs[0])).toContain("account compte-é-日本 | model portfolio");
    expect(formatMargin(rs[5]).split("\n").filter((l) => l.endsWith(" "))).toEqual([]);
  });
});
