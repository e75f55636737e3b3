import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allocateBook } from "../../src/analytics/venues/bookAllocation.js";
import { venueEnv, venueRows } from "../../src/analytics/venues/profile.js";
import { unifiedProfile } from "../../src/analytics/venues/unified.js";
import { parseVenueBook } from "../../src/input/venueBookSchema.js";
import { loadPreset } from "../../src/input/presets.js";
import { loadLendingPreset, loadVenuesParams, presetLookup } from "../../src/adapters/venueData.js";
import { loadMarket } from "../../src/adapters/cli/load.js";
import { venuePortfolio, type DerivativesVenue, type VenueBook } from "../../src/domain/venueBook.js";
import { formatUnits, toUnits } from "../../src/domain/money.js";
import { runCli } from "../helpers/cli.js";

const MARKET = "examples/venues/market.json";
const market = loadMarket(MARKET);
const env = venueEnv(market, loadVenuesParams(), loadPreset, loadLendingPreset);

function book(json: unknown): VenueBook {
  const r = parseVenueBook(json, presetLookup());
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

/** Long 10 BTC on Deribit (inverse perpetual), short 10 BTC on OKX (USDT perpetual). */
const hedge = (deribitUsdc: number, okxUsdt: number) => book({
  account: "hedge",
  venues: { deribit: { collateral: { USDC: deribitUsdc } }, okx: { collateral: { USDT: okxUsdt } } },
  positions: [{ venue: "deribit", instrument: "BTC-PERPETUAL", size: 920000 }, { venue: "okx", instrument: "BTC_USDT-PERPETUAL", size: -10 }],
});

/** The venue alone as a dpm portfolio file, margined by the CLI under the venue's preset. */
async function cliMargin(b: VenueBook, v: DerivativesVenue) {
  const dir = mkdtempSync(join(tmpdir(), "dpm-venue-"));
  const pf = venuePortfolio(b, v);
  const file = join(dir, `${v.name}.json`);
  writeFileSync(file, JSON.stringify({ account: pf.account, collateral: pf.collateral, positions: pf.positions.map((p) => ({ instrument: p.instrument.name, size: p.size })) }));
  const r = await runCli("margin", file, "--market", MARKET, "--preset", v.preset, "--json");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { initialMargin: number; maintenanceMargin: number; equity: number; adjustedEquity: number; status: string };
}

describe("a cross-venue hedge", () => {
  const b = hedge(400_000, 250_000);
  const rows = venueRows(env, b);
  if (!rows.ok) throw new Error(rows.reason);

  it("each venue's own margin is exactly dpm margin --preset on that venue alone (1e-9)", async () => {
    for (const v of b.venues) {
      if (v.kind !== "derivatives") continue;
      const cli = await cliMargin(b, v);
      const row = rows.value.find((r) => r.venue === v.name)!;
      for (const k of ["initialMargin", "maintenanceMargin", "equity", "adjustedEquity"] as const) expect(Math.abs(row[k] - cli[k])).toBeLessThanOrEqual(1e-9);
      expect(row.status).toBe(cli.status);
    }
    // Each leg alone carries its full directional margin: 16 % (deribit grid) and 1.3 × 12 % (okx MR1 = the half-weighted
    // ±24 % MR6 on a perpetual) of ~920,000 USD.
    expect(rows.value[0].initialMargin).toBeGreaterThan(0.15 * 920_000);
    expect(rows.value[1].initialMargin).toBeGreaterThan(1.3 * 0.12 * 919_000);
  });

  it("the unified margin is far below the sum of the venues' margins, and its charges are explicit", () => {
    const u = unifiedProfile(env, b, rows.value);
    if (!u.ok) throw new Error(u.reason);
    const sum = rows.value[0].initialMargin + rows.value[1].initialMargin;
    expect(u.value.sumOfVenues.initialMargin).toBeCloseTo(sum, 9);
    expect(u.value.initialMargin).toBeLessThan(0.5 * sum);
    expect(u.value.initialMargin).toBeLessThan(0.25 * sum);
    const h = u.value.hedged[0];
    expect(h.underlying).toBe("BTC");
    expect(h.hedged).toBeCloseTo(920000 / 92050, 3); // the inverse perpetual's delta in BTC
    expect(h.basis).toBeCloseTo(h.hedgedUsd * 0.005, 9);
    // The fastest route between the two venues (ETH, 0.5 hour in presets/venues/default.json): 0.16 × sqrt(0.5/24) of the hedged notional.
    expect(h.transferDays).toBeCloseTo(0.5 / 24, 12);
    expect(h.transferTime).toBeCloseTo(h.hedgedUsd * 0.16 * Math.sqrt(0.5 / 24), 6);
    expect(u.value.charges.venueDefault).toBeCloseTo(0.1 * (u.value.standaloneInitialMargin - u.value.pooledInitialMargin), 6);
    expect(u.value.initialMargin).toBeCloseTo(u.value.pooledInitialMargin + h.basis + h.transferTime + u.value.charges.venueDefault, 6);
  });

  it("the allocation leaves every venue healthy when total collateral allows it, moving exact decimal amounts", () => {
    const thin = hedge(700_000, 100_000); // okx below its IM, deribit rich
    const before = venueRows(env, thin);
    if (!before.ok) throw new Error(before.reason);
    expect(before.value[1].status).not.toBe("healthy");
    const { result, after } = allocateBook(env, thin, 0.75);
    expect(result.feasible).toBe(true);
    expect(result.after.every((a) => a.status === "healthy" && (a.marginRatio ?? 0) <= 0.75 + 1e-9)).toBe(true);
    expect(result.transfers).toHaveLength(1);
    const t = result.transfers[0];
    expect(t).toMatchObject({ asset: "USDC", from: "deribit", to: "okx", fee: "1" });
    expect(/^\d+(\.\d{1,2})?$/.test(t.amount)).toBe(true);
    const d = after.venues.find((v) => v.name === "deribit"), o = after.venues.find((v) => v.name === "okx");
    if (d?.kind !== "derivatives" || o?.kind !== "derivatives") throw new Error("kinds");
    expect(d.collateral.USDC).toBe(Number(formatUnits((toUnits("700000") ?? 0n) - (toUnits(t.amount) ?? 0n))));
    expect(o.collateral.USDC).toBe(Number(t.received));
  });

  it("reports the shortfall when total collateral cannot cover both legs", () => {
    const { result } = allocateBook(env, hedge(160_000, 100_000), 0.75);
    expect(result.feasible).toBe(false);
    expect(result.shortfall.length).toBeGreaterThan(0);
    expect(result.shortfall.every((s) => s.usd > 0)).toBe(true);
  });
});

describe("dpm venues on the example desk", () => {
  it("prints venues, unified and allocation as JSON in the documented shape", async () => {
    const r = await runCli("venues", "examples/venues/desk.json", "--market", MARKET, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.venues.map((v: { venue: string; preset: string }) => `${v.venue}:${v.preset}`)).toEqual(["deribit:deribit", "okx:okx", "aave:aave-v3-ethereum"]);
    for (const v of j.venues) for (const k of ["initialMargin", "maintenanceMargin", "equity", "marginRatio", "status"]) expect(v).toHaveProperty(k);
    expect(j.venues[1].status).toBe("margin_call");
    expect(j.unified.initialMargin).toBeLessThan(0.5 * j.unified.sumOfVenues.initialMargin);
    expect(j.allocation.transfers[0]).toMatchObject({ asset: "USDC", from: "deribit", to: "okx" });
    expect(j.allocation.after.every((a: { status: string }) => a.status === "healthy")).toBe(true);
    // Aave: HF = (300 × 3100 × 0.83 + 2 × 91950 × 0.77) / 600,000
    expect(j.venues[2].healthFactor).toBeCloseTo((300 * 3100 * 0.83 + 2 * 91950 * 0.77) / 600000, 12);
  });
  it("rejects a position on an unknown venue and a venue without preset, with their paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpm-venue-"));
    const f = join(dir, "b.json");
    writeFileSync(f, JSON.stringify({ account: "x", venues: { binance: { collateral: { USDT: 1 } }, deribit: {} }, positions: [{ venue: "kraken", instrument: "BTC-PERPETUAL", size: 10 }] }));
    const r = await runCli("venues", f, "--market", MARKET);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("positions[0].venue: unknown venue");
    const g = join(dir, "c.json");
    writeFileSync(g, JSON.stringify({ account: "x", venues: { binance: { collateral: { USDT: 1 } } } }));
    const s = await runCli("venues", g, "--market", MARKET);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("venues.binance.preset: required");
  });
  it("dpm margin reads the same book as one pooled account (single-venue books are unchanged)", async () => {
    const r = await runCli("margin", "examples/venues/desk.json", "--market", MARKET, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.collateral.map((c: { asset: string; amount: number }) => `${c.asset}:${c.amount}`).sort()).toEqual(["BTC:1", "USDT:200000", "WBTC:2", "WETH:300"]);
  });
  it("the desk after the transfer it proposes owes 1 USDC net (the fee): dpm venues margins it (the unified profile's short spot), dpm margin refuses it", async () => {
    const desk = JSON.parse(readFileSync("examples/venues/desk.json", "utf8"));
    // 52,882.73 USDC from Deribit, 52,881.73 arrive at OKX (1 USDC fee): Σ USDC = 600,000 − 1 against the 600,000 Aave debt.
    desk.venues.deribit.collateral.USDC -= 52882.73;
    desk.venues.okx.collateral.USDC += 52881.73;
    const f = join(mkdtempSync(join(tmpdir(), "dpm-venue-")), "after.json");
    writeFileSync(f, JSON.stringify(desk));
    const r = await runCli("venues", f, "--market", MARKET, "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.venues.map((v: { status: string }) => v.status)).toEqual(["healthy", "healthy", "healthy"]);
    expect(j.venues[1].maintenanceMargin / j.venues[1].adjustedEquity).toBeCloseTo(0.75, 6);
    expect(j.allocation.transfers).toEqual([]);
    const m = await runCli("margin", f, "--market", MARKET);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/venues.aave.borrowed.USDC: the pooled account would owe 1(\.0+\d*)? USDC net/);
  });
});
