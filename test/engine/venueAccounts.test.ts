/**
 * Multi-venue accounts in the engine (docs/venues.md "In the service"): the desk of examples/venues/ loaded as a
 * `book` event is margined exactly as `dpm venues --json` margins the same book on the same market (every venue
 * row and the unified profile, 1e-9); after a venue-tagged fill and a venue transfer, exactly as `dpm venues` on the
 * updated book; replay (with and without a snapshot) reproduces the ledgers and the figures; hostile events are
 * refused with their paths; the account's status is its worst venue's, logged with the venue, and it is held, never
 * liquidated.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { accountMargin } from "../../src/engine/accountMargin.js";
import { Engine } from "../../src/engine/engine.js";
import { IncrementalRiskContext } from "../../src/engine/incrementalContext.js";
import { serializeState, deserializeState } from "../../src/engine/state.js";
import { MULTI_VENUE_HOLD, venueBookJson } from "../../src/engine/venueAccount.js";
import { accountIssues, marginFinite, marginIssues } from "../../src/engine/invariant.js";
import type { Store } from "../../src/engine/store.js";
import { runCli } from "../helpers/cli.js";

const ROOT = join(import.meta.dirname, "../..");
const MARKET_FILE = join(ROOT, "examples/venues/market.json");
const MARKET: unknown = JSON.parse(readFileSync(MARKET_FILE, "utf8"));
const DESK = JSON.parse(readFileSync(join(ROOT, "examples/venues/desk.json"), "utf8")) as { venues: unknown; positions: unknown[] };
const T0 = Date.parse("2024-11-20T08:00:00Z");

async function ok(e: Engine, ev: unknown): Promise<number> {
  const r = await e.submit(ev);
  if (!r.ok) throw new Error(`${JSON.stringify(ev)} refused: ${r.reason} ${JSON.stringify(r.issues ?? [])}`);
  return r.seq;
}

async function deskEngine(store: Store = openSqliteStore(":memory:", { sync: "normal" })): Promise<Engine> {
  const e = await Engine.open(store);
  await ok(e, { type: "market", snapshot: MARKET });
  await ok(e, { type: "book", account: "desk", balances: {}, venues: DESK.venues, positions: DESK.positions });
  return e;
}

type Row = { venue: string; initialMargin: number; maintenanceMargin: number; equity: number; adjustedEquity: number; availableFunds: number; marginRatio: number | null; status: string; healthFactor?: number | null };
interface VenuesJson { venues: Row[]; unified: Row & { pooledInitialMargin: number; charges: Record<string, number> }; allocation: { transfers: { asset: string; from: string; to: string; amount: string; fee: string }[] } }

/** `dpm venues FILE --market M --json` on a book (M: examples/venues/market.json, or the engine's market written out). */
async function cliVenues(book: unknown, market?: unknown): Promise<VenuesJson> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-vacct-")), file = join(dir, "book.json"), mfile = join(dir, "market.json");
  writeFileSync(file, JSON.stringify(book));
  if (market !== undefined) writeFileSync(mfile, JSON.stringify(market));
  const r = await runCli("venues", file, "--market", market !== undefined ? mfile : MARKET_FILE, "--json");
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as VenuesJson;
}

const HEAD = ["initialMargin", "maintenanceMargin", "equity", "adjustedEquity", "availableFunds"] as const;

/** The engine's published figures of the desk against the CLI's: every venue row and the unified headline, 1e-9. */
async function expectEqualToCli(e: Engine, market?: unknown): Promise<VenuesJson> {
  const cli = await cliVenues(venueBookJson(e.state.accounts.get("desk")!), market);
  const m = e.margins.get("desk")!;
  expect(m.venues!.map((v) => v.venue)).toEqual(cli.venues.map((v) => v.venue));
  for (const [i, v] of m.venues!.entries()) {
    for (const k of HEAD) expect(Math.abs(v[k] - cli.venues[i][k]), `${v.venue}.${k}`).toBeLessThanOrEqual(1e-9);
    expect(v.status).toBe(cli.venues[i].status);
    if (v.kind === "lending") expect(Math.abs((v.healthFactor ?? 0) - (cli.venues[i].healthFactor ?? 0))).toBeLessThanOrEqual(1e-12);
  }
  for (const k of HEAD) expect(Math.abs(m[k] - cli.unified[k]), `unified.${k}`).toBeLessThanOrEqual(1e-9);
  expect(m.unified!.status).toBe(cli.unified.status);
  expect(Math.abs(m.unified!.pooledInitialMargin - cli.unified.pooledInitialMargin)).toBeLessThanOrEqual(1e-9);
  for (const k of ["basis", "transferTime", "venueDefault"]) expect(Math.abs(m.unified!.charges[k as "basis"] - cli.unified.charges[k])).toBeLessThanOrEqual(1e-9);
  return cli;
}

describe("a multi-venue account in the engine = dpm venues on the same book and market", () => {
  it("loaded as a book event: every venue under its own preset, the unified profile as the account's figures", async () => {
    const e = await deskEngine();
    const cli = await expectEqualToCli(e);
    const m = e.margins.get("desk")!;
    // The figures of docs/venues.md's desk (examples/venues/desk.json): OKX in margin call, the unified profile healthy.
    expect(m.venues!.map((v) => [v.venue, v.status])).toEqual([["deribit", "healthy"], ["okx", "margin_call"], ["aave", "healthy"]]);
    expect(m.initialMargin).toBeCloseTo(183_399.57, 2);
    expect(m.unified!.status).toBe("healthy");
    // The account's status is its worst venue's, named; the margin_status event carries OKX's own figures.
    expect(m.status).toBe("margin_call");
    expect(m.statusVenue).toBe("okx");
    const status = (await e.store.readEvents(1, 100)).map((x) => x.event as Record<string, unknown>).filter((x) => x.type === "margin_status");
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ account: "desk", kind: "margin_call", status: "margin_call", venue: "okx" });
    expect(status[0].initialMargin).toBeCloseTo(cli.venues[1].initialMargin, 9);
    // Balances and positions held per venue, exactly; none at the account's own level.
    const a = e.state.accounts.get("desk")!;
    expect(a.balances.size + a.positions.size).toBe(0);
    expect(a.venues!.get("okx")!.balances.get("USDT")).toBe(200_000n * 10n ** 12n);
    expect(a.venues!.get("aave")!.debts.get("USDC")).toBe(600_000n * 10n ** 12n);
  });

  it("after a venue-tagged fill, a deposit and the transfer dpm venues proposes: equal to dpm venues on the updated book; the allocation then has nothing to move", async () => {
    const e = await deskEngine();
    const before = await expectEqualToCli(e);
    const t = before.allocation.transfers[0];
    expect(t).toMatchObject({ asset: "USDC", from: "deribit", to: "okx" });
    await ok(e, { type: "venue_transfer", account: "desk", asset: t.asset, from: t.from, to: t.to, amount: t.amount, fee: t.fee, requestId: "alloc-1" });
    const okxUsdc = e.state.accounts.get("desk")!.venues!.get("okx")!.balances.get("USDC");
    expect(okxUsdc).toBe(50_000n * 10n ** 12n + BigInt(Math.round((Number(t.amount) - Number(t.fee)) * 1e6)) * 10n ** 6n);
    const after = await expectEqualToCli(e);
    expect(after.venues[1].status).toBe("healthy");
    expect(after.allocation.transfers).toEqual([]);
    expect(e.margins.get("desk")!.status).toBe("healthy");
    await ok(e, { type: "fill", account: "desk", venue: "okx", instrument: "BTC_USDT-PERPETUAL", size: "2", price: 92000, fillId: "f-1" });
    await ok(e, { type: "fill", account: "desk", venue: "deribit", instrument: "BTC-27DEC24-100000-C", size: "1", price: 0.01 });
    await ok(e, { type: "deposit", account: "desk", venue: "aave", asset: "USDC", amount: "1000" });
    const a = e.state.accounts.get("desk")!;
    expect(a.venues!.get("okx")!.positions.get("BTC_USDT-PERPETUAL")!.size).toBe(-8n * 10n ** 12n);
    expect(a.venues!.get("aave")!.debts.get("USDC")).toBe(599_000n * 10n ** 12n); // a deposit into a lending venue repays first
    await expectEqualToCli(e);
  });

  it("after ticks, the published figures equal the explanation path's; replay from the log and from a snapshot reproduces ledgers and figures", async () => {
    const store = openSqliteStore(":memory:", { sync: "normal" });
    const e = await deskEngine(store);
    await ok(e, { type: "venue_transfer", account: "desk", asset: "USDC", from: "deribit", to: "okx", amount: "60000", fee: "1" });
    await ok(e, { type: "order", account: "desk", venue: "deribit", orderId: "o1", instrument: "BTC-PERPETUAL", size: "-10000", price: 93000 });
    for (const [i, [asset, index]] of ([["BTC", 90_000], ["ETH", 3_200], ["BTC", 94_000], ["WETH", 3_150]] as const).entries()) {
      const r = await e.submit({ type: "tick", asset, ts: T0 + 60_000 * (i + 1), index });
      expect(r.ok && r.remargined, `${asset} tick re-margins the desk`).toBe(1);
      const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params).context();
      const want = accountMargin(s, ctx, s.accounts.get("desk")!, ["desk"], undefined, undefined, false).summary;
      expect(JSON.stringify({ ...e.margins.get("desk"), seq: 0 })).toBe(JSON.stringify({ ...want, seq: 0 }));
    }
    const live = JSON.stringify(e.margins.get("desk")), state = serializeState(e.state);
    expect(state).toContain('"venues":{"deribit"');
    expect(serializeState(deserializeState(state))).toBe(state);
    const replayed = await Engine.open(store);
    expect(serializeState(replayed.state)).toBe(state);
    expect(JSON.stringify(replayed.margins.get("desk"))).toBe(live);
    await e.snapshotNow();
    await ok(e, { type: "deposit", account: "desk", venue: "okx", asset: "USDT", amount: "5000" });
    const fromSnap = await Engine.open(store);
    expect(serializeState(fromSnap.state)).toBe(serializeState(e.state));
    expect(JSON.stringify(fromSnap.margins.get("desk"))).toBe(JSON.stringify(e.margins.get("desk")));
  });

  it("a venue in liquidation puts the account in liquidation, held with the reason (never liquidated by dpm)", async () => {
    const e = await deskEngine();
    // BTC and ETH up 40 %: OKX's shorts lose more than its collateral.
    await ok(e, { type: "tick", asset: "BTC", ts: T0 + 60_000, index: 92_050 * 1.4, force: true });
    await ok(e, { type: "tick", asset: "ETH", ts: T0 + 60_000, index: 3_100 * 1.4, force: true });
    const m = e.margins.get("desk")!;
    expect(["liquidation", "bankrupt"]).toContain(m.venues!.find((v) => v.venue === "okx")!.status);
    expect(m.status).toBe(m.venues!.find((v) => v.venue === "okx")!.status);
    expect(m.statusVenue).toBe("okx");
    expect(m.liquidationHold).toBe(MULTI_VENUE_HOLD);
    expect(e.held.get("desk")).toBe(MULTI_VENUE_HOLD);
    const types = (await e.store.readEvents(1, 100)).map((x) => (x.event as { type: string }).type);
    expect(types).not.toContain("liquidation_start");
    expect(e.counters.liquidations).toBe(0);
  });
});

describe("the state invariant covers the venues", () => {
  it("a non-finite venue figure or unified charge, and a venue balance out of range, are issues with their paths", async () => {
    const e = await deskEngine();
    const m = e.margins.get("desk")!;
    expect(marginFinite(m)).toBe(true);
    const bad = { ...m, venues: m.venues!.map((v) => (v.venue === "okx" ? { ...v, initialMargin: NaN } : v)) };
    expect(marginFinite(bad)).toBe(false);
    expect(marginIssues(bad)).toEqual([{ path: "accounts.desk.margin.venues.okx.initialMargin", message: "would not be finite", value: "NaN" }]);
    const badCharge = { ...m, unified: { ...m.unified!, charges: { ...m.unified!.charges, basis: Infinity } } };
    expect(marginIssues(badCharge)).toEqual([{ path: "accounts.desk.margin.unified.basis", message: "would not be finite", value: "Infinity" }]);
    const s = deserializeState(serializeState(e.state));
    s.accounts.get("desk")!.venues!.get("okx")!.balances.set("USDT", 10n ** 40n);
    expect(accountIssues(s, "desk").map((i) => i.path)).toEqual(["accounts.desk.venues.okx.balances.USDT"]);
  });
});

describe("random streams on the desk (fast-check)", () => {
  it("after every event the published figures equal the explanation path's; at the end, dpm venues on the book and the engine's market", async () => {
    const legs = [["deribit", "BTC-PERPETUAL", 10_000, 92_050], ["deribit", "BTC-27DEC24-100000-C", 1, 0.01], ["okx", "BTC_USDT-PERPETUAL", 1, 92_000], ["okx", "ETH_USDT-PERPETUAL", 10, 3_100]] as const;
    const ev = fc.oneof(
      fc.record({ k: fc.constant("fill"), leg: fc.integer({ min: 0, max: legs.length - 1 }), n: fc.integer({ min: -5, max: 5 }).filter((x) => x !== 0) }),
      fc.record({ k: fc.constant("move"), asset: fc.constantFrom("BTC", "ETH", "WETH", "WBTC", "USDT"), m: fc.double({ min: 0.95, max: 1.05, noNaN: true }) }),
      fc.record({ k: fc.constant("transfer"), asset: fc.constantFrom("USDC", "USDT", "BTC", "WETH"), from: fc.constantFrom("deribit", "okx", "aave"), to: fc.constantFrom("deribit", "okx", "aave"), amt: fc.integer({ min: 1, max: 80_000 }) }),
      fc.record({ k: fc.constant("cash"), dep: fc.boolean(), venue: fc.constantFrom("deribit", "okx", "aave"), asset: fc.constantFrom("USDC", "USDT", "WETH"), amt: fc.integer({ min: 1, max: 30_000 }) }),
    );
    let applied = 0, refused = 0;
    await fc.assert(fc.asyncProperty(fc.array(ev, { minLength: 3, maxLength: 10 }), async (events) => {
      const e = await deskEngine();
      for (const x of events) {
        const m = e.state.market!;
        const r = x.k === "fill" ? await e.submit({ type: "fill", account: "desk", venue: legs[x.leg][0], instrument: legs[x.leg][1], size: String(legs[x.leg][2] * x.n), price: legs[x.leg][1].endsWith("-C") ? 0.01 : m.instruments[legs[x.leg][1]]?.mark ?? legs[x.leg][3] })
          // Every tick at the snapshot's time: the engine's market is then a snapshot the CLI can read.
          : x.k === "move" ? await e.submit({ type: "tick", asset: x.asset, ts: T0, index: m.assets[x.asset].index * x.m })
          : x.k === "transfer" ? await e.submit({ type: "venue_transfer", account: "desk", asset: x.asset, from: x.from, to: x.to, amount: String(x.asset === "USDC" || x.asset === "USDT" ? x.amt : x.amt / 1e4) })
          : await e.submit({ type: x.dep ? "deposit" : "withdrawal", account: "desk", venue: x.venue, asset: x.asset, amount: String(x.asset === "WETH" ? x.amt / 1e3 : x.amt) });
        if (r.ok) applied++; else { refused++; expect([400, 409], JSON.stringify(r)).toContain(r.status); }
        const s = e.state, ctx = new IncrementalRiskContext(s.market!, s.params).context();
        const want = accountMargin(s, ctx, s.accounts.get("desk")!, ["desk"], undefined, undefined, false).summary;
        expect(JSON.stringify({ ...e.margins.get("desk"), seq: 0 })).toBe(JSON.stringify({ ...want, seq: 0 }));
      }
      const m = e.state.market!;
      await expectEqualToCli(e, { asOf: new Date(T0).toISOString(), assets: m.assets, instruments: m.instruments });
    }), { numRuns: 8, seed: 20261207 });
    expect(applied).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(0);
  }, 60_000);
});

describe("hostile events on a multi-venue account: refused with their paths, nothing applied", () => {
  const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
    ["a fill without venue", { type: "fill", account: "desk", instrument: "BTC-PERPETUAL", size: "1000", price: 92000 }, 400, "venue", /required: account desk holds .* venues \(deribit, okx, aave\)/],
    ["an unknown venue", { type: "deposit", account: "desk", venue: "binance", asset: "USDC", amount: "1" }, 400, "venue", /unknown venue of account desk/],
    ["a fill on the lending venue", { type: "fill", account: "desk", venue: "aave", instrument: "BTC-PERPETUAL", size: "1000", price: 92000 }, 400, "venue", /lending venue/],
    ["spot on a venue", { type: "fill", account: "desk", venue: "okx", instrument: "BTC", size: "1", price: 92000 }, 400, "instrument", /spot is a balance/],
    ["a deposit of a non-reserve into aave", { type: "deposit", account: "desk", venue: "aave", asset: "BTC", amount: "1" }, 400, "asset", /not a reserve of aave-v3-ethereum/],
    ["a transfer to the same venue", { type: "venue_transfer", account: "desk", asset: "USDC", from: "okx", to: "okx", amount: "1" }, 400, "to", /must differ/],
    ["a transfer from an unknown venue", { type: "venue_transfer", account: "desk", asset: "USDC", from: "ftx", to: "okx", amount: "1" }, 400, "from", /unknown venue/],
    ["a fee not below the amount", { type: "venue_transfer", account: "desk", asset: "USDC", from: "deribit", to: "okx", amount: "1", fee: "1" }, 400, "fee", /less than amount/],
    ["a non-finite amount", { type: "venue_transfer", account: "desk", asset: "USDC", from: "deribit", to: "okx", amount: 1e999 }, 400, "amount", /Infinity|finite/],
    ["a transfer larger than the venue holds", { type: "venue_transfer", account: "desk", asset: "USDC", from: "okx", to: "deribit", amount: "50000.000000000001" }, 409, "amount", /more than venue okx holds: its USDC balance is 50000/],
    ["a withdrawal larger than the venue holds", { type: "withdrawal", account: "desk", venue: "aave", asset: "WETH", amount: "301" }, 409, "amount", /its WETH supplied is 300/],
    ["a venue on a single-venue account", { type: "deposit", account: "solo", venue: "okx", asset: "USDC", amount: "1" }, 400, "venue", /single-venue: leave venue out/],
    ["a transfer on a single-venue account", { type: "venue_transfer", account: "solo", asset: "USDC", from: "deribit", to: "okx", amount: "1" }, 400, "from", /single-venue/],
    ["an unknown preset", { type: "account", account: "desk2", venues: { binanceusdm: {} } }, 400, "venues.binanceusdm.preset", /required: binanceusdm has no default preset/],
    ["a book with a top-level balance", { type: "book", account: "desk3", balances: { USDC: "1" }, venues: { okx: {} }, positions: [] }, 400, "balances", /every balance at a venue/],
    ["a book position on a lending venue", { type: "book", account: "desk4", balances: {}, venues: { aave: { supplied: { WETH: "1" } } }, positions: [{ venue: "aave", instrument: "ETH-PERPETUAL", size: "100" }] }, 400, "positions[0].venue", /lending venue/],
  ];

  it.each(cases)("%s → %d at its path", async (_name, ev, status, path, msg) => {
    const e = await deskEngine();
    await ok(e, { type: "account", account: "solo" });
    await ok(e, { type: "deposit", account: "solo", asset: "USDC", amount: "100" });
    const before = serializeState(e.state);
    const r = await e.submit(ev);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(status);
    const issue = r.issues?.find((i) => i.path === path);
    expect(issue, JSON.stringify(r)).toBeDefined();
    expect(issue!.message).toMatch(msg);
    expect(serializeState(e.state)).toBe(before);
  });

  it("margin checks as the venue makes them: a withdrawal that would breach OKX's own IM is refused, the same amount from Deribit goes through", async () => {
    const e = await deskEngine();
    const r = await e.submit({ type: "withdrawal", account: "desk", venue: "okx", asset: "USDT", amount: "1000" });
    expect(!r.ok && r.status).toBe(409);
    expect(!r.ok && r.reason).toMatch(/venue okx's adjusted equity .* below its initial margin/);
    await ok(e, { type: "withdrawal", account: "desk", venue: "deribit", asset: "USDC", amount: "1000" });
    const t = await e.submit({ type: "venue_transfer", account: "desk", asset: "USDT", from: "okx", to: "deribit", amount: "1000" });
    expect(!t.ok && t.status).toBe(409);
  });
});
