import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVenuesParams } from "../../src/input/venueBookSchema.js";
import { presetNames } from "../../src/input/presets.js";
import { runCli } from "../helpers/cli.js";

interface V { venue: string; status: string; statusAfterReallocation: string; equityBefore: number; equity: number }
interface C { scenario: string; venues: V[]; liquidatedAnywhere: boolean; liquidated: string[]; unified: { equity: number; status: string }; allocation: { transfers: { from: string }[] } }

describe("contagion scenarios on the example desk", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dpm-cont-"));
  const svgPath = join(dir, "c.svg");
  const r = await runCli("venues", "examples/venues/desk.json", "--market", "examples/venues/market.json", "--json", "--svg", svgPath);
  const j = JSON.parse(r.stdout) as { venues: { venue: string; equity: number }[]; unified: { equity: number }; contagion: C[] };
  const by = (n: string) => j.contagion.find((c) => c.scenario === n)!;
  const v = (c: C, n: string) => c.venues.find((x) => x.venue === n)!;

  it("runs every scenario of presets/venues/default.json", () => {
    expect(r.code).toBe(0);
    expect(j.contagion.map((c) => c.scenario)).toEqual(["okx-default", "deribit-halt-3d", "wbtc-depeg", "liquidity-crisis"]);
  });
  it("okx defaults: its equity comes back at 50 %, its hedges vanish, the desk is not liquidated elsewhere", () => {
    const c = by("okx-default"), okx = v(c, "okx");
    expect(okx.status).toBe("defaulted");
    expect(okx.equity).toBeCloseTo(0.5 * j.venues.find((x) => x.venue === "okx")!.equity, 6);
    expect(c.liquidatedAnywhere).toBe(false);
    expect(c.unified.equity).toBeLessThan(j.unified.equity);
  });
  it("deribit halts withdrawals while BTC and ETH rise 20 %: okx's shorts are liquidated though deribit holds the collateral", () => {
    const c = by("deribit-halt-3d");
    expect(c.allocation.transfers.every((t) => t.from !== "deribit")).toBe(true);
    // okx's collateral is thin (the allocation's USDC never arrives): its shorts lose more than its equity.
    expect(v(c, "okx").statusAfterReallocation).toBe("bankrupt");
    expect(v(c, "deribit").status).toBe("healthy");
    expect(c.liquidated).toEqual(["okx"]);
  });
  it("WBTC at 0.85 BTC costs the desk 15 % of its WBTC and no venue is liquidated", () => {
    const c = by("wbtc-depeg");
    expect(v(c, "aave").equityBefore - v(c, "aave").equity).toBeCloseTo(2 * 91950 - 2 * 92000 * 0.85, 6);
    expect(c.unified.equity).toBeCloseTo(j.unified.equity - (2 * 91950 - 2 * 92000 * 0.85), 6);
    expect(c.liquidatedAnywhere).toBe(false);
  });
  it("the liquidity crisis moves every asset down 30 % together: deribit's long perpetual and BTC lose, the desk survives", () => {
    const c = by("liquidity-crisis");
    const d = v(c, "deribit");
    // 920,000 USD of inverse perpetual loses 30 % of its notional and the 1 BTC collateral 30 % of 92,000 USD; the short calls gain.
    expect(d.equityBefore - d.equity).toBeGreaterThan(0.3 * 920_000);
    expect(d.equityBefore - d.equity).toBeLessThan(0.3 * 920_000 + 0.3 * 92_000);
    expect(v(c, "okx").equity).toBeGreaterThan(v(c, "okx").equityBefore);
    expect(c.liquidated).toEqual([]);
  });
  it("writes the chart as SVG with every scenario", () => {
    const svg = readFileSync(svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const c of j.contagion) expect(svg).toContain(c.scenario);
  });
});

describe("venue parameters are validated with paths and economic bounds", () => {
  const base = JSON.parse(readFileSync("presets/venues/default.json", "utf8"));
  it.each([
    ["venueDefaultAddOn", 1.5],
    ["basisShock", { BTC: 0.005 }],
    ["defaultTarget", 0],
    ["timeCostPerDay", -0.1],
  ])("%s = %j is rejected", (k, val) => {
    const r = parseVenuesParams({ ...base, [k]: val }, presetNames());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].path.startsWith(k)).toBe(true);
  });
  it("a contagion recovery above 1 names its path", () => {
    const r = parseVenuesParams({ ...base, contagion: [{ name: "x", kind: "venueDefault", venue: "okx", recovery: 1.2, moves: {} }] }, presetNames());
    expect(!r.ok && r.issues[0].path).toBe("contagion[0].recovery");
  });
});
