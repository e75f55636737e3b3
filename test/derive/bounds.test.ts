/** Every bounded Derive parameter accepted at both ends of its bound and rejected just outside (Derive's setters). */
import { describe, expect, it } from "vitest";
import { parseParams } from "../../src/input/paramsSchema.js";
import { rawPreset } from "../../src/input/presets.js";

type Bound = [section: "derive" | "deriveSrm", path: string, lo: number, hi: number, loOpen?: boolean, hiOpen?: boolean];
const M = "markets.default";
const BOUNDS: Bound[] = [
  ["derive", "volShock.volRangeUp", 0, 10], ["derive", "volShock.volRangeDown", 0, 10], ["derive", "volShock.shortTermPower", 0, 10],
  ["derive", "volShock.longTermPower", 0, 10], ["derive", "volShock.dteFloor", 0, 400], ["derive", "volShock.minVolUpShock", 0, 20],
  ["derive", "margin.mmFactor", 0.5, 10], ["derive", "margin.imFactor", 0.5, 10], ["derive", "margin.longBaseStaticDiscount", 0, 4],
  ["derive", "margin.longRateMultScale", 0, 10], ["derive", "margin.longRateAddScale", 0, 10], ["derive", "margin.shortBaseStaticDiscount", 0, 4],
  ["derive", "margin.shortRateMultScale", 0, 10], ["derive", "margin.shortRateAddScale", 0, 10],
  ["derive", "basisContingency.scenarioSpotUp", 1, 3, true, true], ["derive", "basisContingency.scenarioSpotDown", 0, 1, false, true],
  ["derive", "basisContingency.basisContAddFactor", 0, 20], ["derive", "basisContingency.basisContMultFactor", 0, 20],
  ["derive", "otherContingency.pegLossThreshold", 0, 100], ["derive", "otherContingency.pegLossFactor", 0, 10],
  ["derive", "otherContingency.confThreshold", 0, 1], ["derive", "otherContingency.confMargin", 0, 20],
  ["derive", "otherContingency.mmPerpPercent", 0, 3], ["derive", "otherContingency.imPerpPercent", 0, 3],
  ["derive", "otherContingency.mmOptionPercent", 0, 2], ["derive", "otherContingency.imOptionPercent", 0, 2],
  ["derive", "skewShock.linearBaseCap", 0, 10], ["derive", "skewShock.linearCBase", -10, 10], ["derive", "skewShock.absBaseCap", 0, 10],
  ["derive", "skewShock.absCBase", -10, 10], ["derive", "skewShock.minKStar", 0, 10], ["derive", "skewShock.widthScale", 0, 10],
  ["derive", "skewShock.volParamStatic", 0, 10], ["derive", "skewShock.volParamScale", -20, 20],
  ["derive", "collaterals.BTC.MMHaircut", 0, 1], ["derive", "collaterals.BTC.IMHaircut", 0, 1],
  ["deriveSrm", `${M}.option.maxSpotReq`, 0, 1.2], ["deriveSrm", `${M}.option.minSpotReq`, 0, 1.2], ["deriveSrm", `${M}.option.mmCallSpotReq`, 0, 1],
  ["deriveSrm", `${M}.option.mmPutSpotReq`, 0, 1], ["deriveSrm", `${M}.option.MMPutMtMReq`, 0, 1], ["deriveSrm", `${M}.option.unpairedMMScale`, 1, 3],
  ["deriveSrm", `${M}.option.unpairedIMScale`, 1, 3], ["deriveSrm", `${M}.option.mmOffsetScale`, 1, 3], ["deriveSrm", `${M}.baseMarginFactor`, 0, 1],
  ["deriveSrm", `${M}.perpThreshold`, 0, 1], ["deriveSrm", `${M}.optionThreshold`, 0, 1], ["deriveSrm", `${M}.baseThreshold`, 0, 1],
  ["deriveSrm", `${M}.OCFactor`, 0, 1], ["deriveSrm", "depegThreshold", 0, 1], ["deriveSrm", "depegFactor", 0, 3],
];

function withValue(section: string, path: string, v: number): unknown {
  const over: Record<string, unknown> = {};
  let node = over;
  const keys = [section, ...path.split(".")];
  keys.slice(0, -1).forEach((k) => { node = (node[k] = {}) as Record<string, unknown>; });
  node[keys[keys.length - 1]] = v;
  return { extends: section === "derive" ? "derive" : "derive-srm", ...over };
}
const accepts = (s: string, p: string, v: number) => parseParams(withValue(s, p, v), rawPreset).ok;
const EPS = 1e-9;

describe("Derive parameter bounds (both ends)", () => {
  for (const [s, p, lo, hi, loOpen, hiOpen] of BOUNDS) {
    it(`${s}.${p} in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`, () => {
      expect(accepts(s, p, loOpen ? lo + EPS : lo), `${p} at low end`).toBe(true);
      expect(accepts(s, p, hiOpen ? hi - EPS : hi), `${p} at high end`).toBe(true);
      expect(accepts(s, p, loOpen ? lo : lo - EPS), `${p} below`).toBe(false);
      expect(accepts(s, p, hiOpen ? hi : hi + EPS), `${p} above`).toBe(false);
    });
  }
  it("perp requirements: 0 < mm ≤ im < 1", () => {
    expect(accepts("deriveSrm", `${M}.mmPerpReq`, 0)).toBe(false);
    expect(accepts("deriveSrm", `${M}.mmPerpReq`, 0.065)).toBe(true);
    expect(accepts("deriveSrm", `${M}.mmPerpReq`, 0.07)).toBe(false);
    expect(accepts("deriveSrm", `${M}.imPerpReq`, 1 - EPS)).toBe(true);
    expect(accepts("deriveSrm", `${M}.imPerpReq`, 1)).toBe(false);
  });
  it("scenarios: 1..40, one linear and one abs at most, skew at spotShock 1", () => {
    const sc = (list: unknown[]) => parseParams({ extends: "derive", derive: { scenarios: list } }, rawPreset).ok;
    const up = { spotShock: 0.9, volShock: "up", dampeningFactor: 1 };
    expect(sc([])).toBe(false);
    expect(sc([up])).toBe(true);
    expect(sc(Array(40).fill(up))).toBe(true);
    expect(sc(Array(41).fill(up))).toBe(false);
    expect(sc([{ spotShock: 1, volShock: "linear", dampeningFactor: 1 }, { spotShock: 1, volShock: "linear", dampeningFactor: 1 }])).toBe(false);
    expect(sc([{ spotShock: 1.18, volShock: "abs", dampeningFactor: 1 }])).toBe(false);
  });
  it("the shipped presets are valid", () => {
    expect(parseParams({ extends: "derive" }, rawPreset).ok).toBe(true);
    expect(parseParams({ extends: "derive-srm" }, rawPreset).ok).toBe(true);
  });
});
