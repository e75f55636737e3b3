/**
 * `dpm serve --book` (issue 12): every line of a portfolio JSON-lines file becomes an account as it stands, and the
 * service's margin of each equals `dpm margin` on the same line and market (IM, MM, equity to 1e-9, relative);
 * bad lines are reported with their line numbers as `dpm margin` reports them and the rest still load; `--strict`
 * refuses the whole file; `/healthz` says `bookLoaded`; a restart replays the book and loads nothing again.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBook } from "../../src/adapters/bookLoader.js";
import { startService } from "../../src/adapters/http/service.js";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { Engine } from "../../src/engine/engine.js";
import type { AccountMargin } from "../../src/engine/accountMargin.js";
import { instrumentNamed } from "../../src/domain/instrument.js";
import { ownerOf } from "../../src/engine/partition.js";
import { bookText, generatedBook } from "../../bench/bookFile.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/shared.js";
import { ADMIN, MARKET, startTestService, type TestService } from "./helpers.js";

const MARKET_FILE = join(ROOT, "examples/market.json");
const EXAMPLES = join(ROOT, "examples/books.jsonl");
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "dpm-book-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

interface CliMargin { account: string; equity: number; initialMargin: number; maintenanceMargin: number; status: string }
/** `dpm margin FILE --market examples/market.json --json`, one result per valid line. */
async function dpmMargin(path: string): Promise<Map<string, CliMargin>> {
  const r = await runCli("margin", path, "--market", MARKET_FILE, "--json");
  return new Map(r.stdout.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as CliMargin).map((m) => [m.account, m]));
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
/** Accounts whose service margin differs from the CLI's (IM, MM, equity to 1e-9), and how many are bit-identical. */
function compare(margins: { get(id: string): AccountMargin | undefined }, cli: ReadonlyMap<string, CliMargin>): { differ: string[]; identical: number } {
  const differ: string[] = [];
  let identical = 0;
  for (const [id, c] of cli) {
    const m = margins.get(id);
    if (!m || !close(m.initialMargin, c.initialMargin) || !close(m.maintenanceMargin, c.maintenanceMargin) || !close(m.equity, c.equity)) differ.push(`${id}: service ${JSON.stringify(m && [m.initialMargin, m.maintenanceMargin, m.equity])} vs dpm margin ${JSON.stringify([c.initialMargin, c.maintenanceMargin, c.equity])}`);
    else if (m.initialMargin === c.initialMargin && m.maintenanceMargin === c.maintenanceMargin && m.equity === c.equity) identical++;
  }
  return { differ, identical };
}

describe("dpm serve --book: the service's margins equal dpm margin", () => {
  it("the seven example books: IM, MM and equity per account to 1e-9; balances as given, no premium paid, unrealised P&L 0", async () => {
    const svc = await startTestService({ book: true });
    try {
      expect((await svc.call("GET", "/healthz", undefined, null)).json.bookLoaded).toBe(false);
      const r = await loadBook(svc, { file: EXAMPLES });
      expect(r).toMatchObject({ lines: 7, loaded: 7, refused: 0, existing: 0 });
      expect((await svc.call("GET", "/healthz", undefined, null)).json.bookLoaded).toBe(true);
      const cli = await dpmMargin(EXAMPLES);
      expect(cli.size).toBe(7);
      const c = compare(svc.engine.margins, cli);
      expect(c.differ).toEqual([]);
      console.log(`examples: 7 of 7 accounts equal to dpm margin (1e-9), ${c.identical} bit-identical`);
      // calendar-spread: 30,000 USDC as given (no premium paid out of it), healthy as dpm margin says
      const cal = (await svc.call("GET", "/v1/accounts/calendar-spread")).json;
      expect(cal.account.balances).toEqual({ USDC: "30000" });
      expect(cal.margin.status).toBe("healthy");
      expect(Math.abs(cal.margin.unrealisedPnl)).toBeLessThan(1e-6);
      // cash-and-carry keeps its entry price 95,500; a perpetual without one is entered at its mark (BTC_USDC-PERPETUAL
      // has none in the market: its forward is BTC-PERPETUAL's mark, 92,050)
      const cc = svc.engine.state.accounts.get("cash-and-carry")!;
      expect(cc.positions.get("BTC-28MAR25")).toEqual({ size: -955000000000000000n, entryPrice: 95500 });
      expect(svc.engine.state.accounts.get("short-straddle-hedged")!.positions.get("BTC_USDC-PERPETUAL")!.entryPrice).toBe(92050);
      // the resting order of short-straddle-hedged, at its limit price
      expect([...svc.engine.state.accounts.get("short-straddle-hedged")!.orders!.values()]).toEqual([{ instrument: "BTC-27DEC24-92000-C", size: -2000000000000n, price: 0.045 }]);
      // one event per account, and no liquidation trigger: the only status event is short-straddle-hedged's margin call
      const events = (await svc.call("GET", "/v1/events?from=1&limit=100")).json.events.map((e: { event: { type: string; account?: string; kind?: string } }) => e.event);
      expect(events.filter((e: { type: string }) => e.type === "book")).toHaveLength(7);
      expect(events.filter((e: { type: string }) => e.type === "margin_status").map((e: { account: string; kind: string }) => `${e.account} ${e.kind}`)).toEqual(["short-straddle-hedged margin_call"]);
    } finally {
      await svc.stop();
    }
  });

  it("generated books with resting orders (300 accounts × 20 positions): equal to dpm margin; a restart replays them and loads nothing", async () => {
    const path = file("gen.jsonl", bookText(generatedBook(300, 20, 12, { orderShare: 0.5 })));
    const db = join(dir, "gen.sqlite");
    const svc = await startService({ db, port: 0, adminKey: ADMIN, initialMarket: MARKET, rateLimit: 0, sync: "normal", book: true, quiet: true });
    let before: Map<string, AccountMargin>;
    try {
      const polls: boolean[] = [];
      const loading = loadBook(svc, { file: path, batchSize: 50 });
      for (let i = 0; i < 3; i++) polls.push((await (await fetch(`${svc.url}/healthz`)).json()).bookLoaded);
      const r = await loading;
      expect(polls[0]).toBe(false);
      expect(r).toMatchObject({ lines: 300, loaded: 300, refused: 0 });
      expect([...svc.engine.state.accounts.values()].reduce((n, a) => n + (a.orders?.size ?? 0), 0)).toBeGreaterThan(150);
      expect([...svc.engine.margins.values()].filter((m) => m.status === "liquidation" || m.status === "bankrupt")).toEqual([]);
      const c = compare(svc.engine.margins, await dpmMargin(path));
      expect(c.differ).toEqual([]);
      console.log(`generated: 300 of 300 accounts equal to dpm margin (1e-9), ${c.identical} bit-identical`);
      before = new Map(svc.engine.margins);
    } finally {
      await svc.close();
    }
    // restart: the log holds the book; replay gives the same margins; the loader finds every account and writes nothing
    const again = await startService({ db, port: 0, adminKey: ADMIN, rateLimit: 0, sync: "normal", book: true, quiet: true });
    try {
      const seq = again.engine.state.seq;
      const r = await loadBook(again, { file: path });
      expect(r).toMatchObject({ loaded: 0, existing: 300, refused: 0 });
      expect(again.engine.state.seq).toBe(seq);
      for (const [id, m] of before) expect(JSON.stringify({ ...again.engine.margins.get(id), seq: 0 }), id).toBe(JSON.stringify({ ...m, seq: 0 }));
    } finally {
      await again.close();
    }
    // and a full replay without snapshots gives the same
    const store = openSqliteStore(db);
    const fresh = await Engine.open(store, {});
    for (const [id, m] of before) expect(fresh.margins.get(id)?.initialMargin, id).toBe(m.initialMargin);
    await store.close();
  });
});

describe("partitions", () => {
  it("a scale-out worker loads the accounts its partition owns (fnv1a32 of the id), the other lines are counted", async () => {
    const lines = generatedBook(40, 3, 5);
    const path = file("part.jsonl", bookText(lines));
    const svc = await startTestService({ book: true });
    try {
      const r = await loadBook(svc, { file: path, owns: (id) => ownerOf(id, 2) === 0 });
      const mine = lines.filter((l) => ownerOf(l.account, 2) === 0).map((l) => l.account).sort();
      expect(mine.length).toBeGreaterThan(5);
      expect(mine.length).toBeLessThan(35);
      expect(r).toMatchObject({ lines: 40, loaded: mine.length, otherPartitions: 40 - mine.length, refused: 0 });
      expect([...svc.engine.state.accounts.keys()].sort()).toEqual(mine);
    } finally {
      await svc.stop();
    }
  });
});

describe("bad lines", () => {
  const lines = [
    JSON.stringify({ account: "good-1", collateral: { USDC: 50000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 10000 }] }),
    JSON.stringify({ account: "neg", collateral: { USDC: -1 } }),
    "not json",
    JSON.stringify({ account: "far-entry", collateral: { USDC: 50000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1000, entryPrice: 500 }] }),
    JSON.stringify({ account: "dup-inst", collateral: { USDC: 50000 }, positions: [{ instrument: "BTC-PERPETUAL", size: 1000 }, { instrument: "BTC-PERPETUAL", size: 10 }] }),
    JSON.stringify({ account: "bad id!", collateral: { USDC: 1 } }),
    JSON.stringify({ account: "far-order", collateral: { USDC: 50000 }, openOrders: [{ instrument: "BTC-PERPETUAL", size: 100, price: 1000 }] }),
    JSON.stringify({ account: "good-1", collateral: { USDC: 1 } }),
    JSON.stringify({ account: "expired", collateral: { USDC: 1 }, positions: [{ instrument: "BTC-27SEP24", size: 10 }] }),
    JSON.stringify({ account: "good-2", collateral: { BTC: "1.000000000001" }, positions: [{ instrument: "BTC-27DEC24-100000-C", size: -1 }] }),
  ];
  const text = lines.join("\n") + "\n";

  it("are reported by line number (the messages of dpm margin where it reports them too) and the rest still load", async () => {
    const path = file("bad.jsonl", text);
    const svc = await startTestService({ book: true });
    try {
      const seen: string[] = [];
      const r = await loadBook(svc, { file: path, onIssue: (i) => seen.push(`line ${i.line}: ${i.path}: ${i.message}`) });
      expect(r).toMatchObject({ lines: 10, loaded: 2, refused: 8 });
      expect([...svc.engine.state.accounts.keys()].sort()).toEqual(["good-1", "good-2"]);
      expect(svc.engine.state.accounts.get("good-2")!.balances.get("BTC")).toBe(1_000_000_000_001n);
      const at = (line: number) => seen.filter((s) => s.startsWith(`line ${line}:`));
      expect(at(4)).toEqual(["line 4: positions[0].entryPrice: must be between 920.5 and 9205000 (within 100× of the mark 92050)"]);
      expect(at(5)).toEqual(["line 5: positions[1].instrument: duplicate of positions[0]: one position per instrument (merge them)"]);
      expect(at(6)[0]).toMatch(/^line 6: account: must be 1-64 characters/);
      expect(at(7)).toEqual(["line 7: openOrders[0].price: must be between 46025 and 184100 (within 2× of the mark 92050)"]);
      expect(at(8)).toEqual(["line 8: account: already on line 1: each account once"]);
      // dpm margin reports lines 2, 3 and 9 with the same messages
      const cli = await runCli("margin", path, "--market", MARKET_FILE, "--json");
      expect(cli.code).toBe(2);
      const cliIssues = (JSON.parse(cli.stderr) as { issues: { line: number; path: string; message: string }[] }).issues.map((i) => `line ${i.line}: ${i.path}: ${i.message}`);
      expect(cliIssues).toHaveLength(3);
      for (const i of cliIssues) expect(seen).toContain(i);
      expect(cliIssues.map((i) => i.split(":")[0])).toEqual(["line 2", "line 3", "line 9"]);
    } finally {
      await svc.stop();
    }
  });

  it("--strict: the whole file is refused (exit 2, every problem on stderr) and nothing is loaded", async () => {
    const path = file("bad-strict.jsonl", text);
    const db = join(dir, "strict.sqlite");
    const r = await runCli("serve", "--book", path, "--strict", "--db", db, "--market", MARKET_FILE, "--port", "0", "--quiet");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("8 of 10 lines refused; --strict: nothing loaded");
    expect(r.stderr).toContain("line 4: positions[0].entryPrice: must be between 920.5 and 9205000");
    expect(r.stderr).toContain("line 2: collateral.USDC: must be ≥ 0");
    const store = openSqliteStore(db);
    const events = await store.readEvents(1, 100);
    await store.close();
    expect(events.map((e) => (e.event as { type: string }).type)).toEqual(["market"]);
    // --strict without --book is a usage error; a --book that cannot be read is refused before anything starts
    expect((await runCli("serve", "--strict", "--db", join(dir, "x.sqlite"))).code).toBe(2);
    const missing = await runCli("serve", "--book", join(dir, "nope.jsonl"), "--db", join(dir, "y.sqlite"), "--market", MARKET_FILE, "--port", "0");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--book: file not found");
    expect(missing.stdout).toBe("");
    expect(existsSync(join(dir, "y.sqlite"))).toBe(false);
  });
});

describe("the book event", () => {
  let svc: TestService;
  beforeAll(async () => { svc = await startTestService(); });
  afterAll(async () => svc?.stop());

  it("is refused for an account that exists, outside the bands, with spot positions; no HTTP route writes one", async () => {
    expect((await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "1000" } })).status).toBe(201);
    const book = (over: Record<string, unknown>) => ({ type: "book", account: "bob", balances: { USDC: "100000" }, positions: [{ instrument: "BTC-PERPETUAL", size: "10000" }], ...over });
    expect(await svc.engine.submit(book({ account: "alice" }))).toMatchObject({ ok: false, status: 409, reason: "account alice already exists (a book loads new accounts only)" });
    expect(await svc.engine.submit(book({ positions: [{ instrument: "BTC", size: "1" }] }))).toMatchObject({ ok: false, status: 400, issues: [{ path: "positions[0].instrument", message: "spot is held as a balance in the service: put it in the collateral" }] });
    expect(await svc.engine.submit(book({ balances: { XRP: "1" } }))).toMatchObject({ ok: false, status: 409, reason: "balances.XRP: no index for XRP in the market" });
    expect(await svc.engine.submit(book({ positions: [{ instrument: "BTC-PERPETUAL", size: "10000", entryPrice: 1e13 }] }))).toMatchObject({ ok: false, status: 400, issues: [{ path: "positions[0].entryPrice" }] });
    // a tick body claiming to be a book is a tick (the route sets the type): no HTTP route writes a book event
    const viaTicks = await svc.call("POST", "/v1/market/ticks", book({}));
    expect(viaTicks.status).toBe(400);
    expect(svc.engine.state.accounts.has("bob")).toBe(false);
    // accepted: entry at the mark (futures) and the mark premium (options), written into the logged event
    const ok = await svc.engine.submit(book({ positions: [{ instrument: "BTC-PERPETUAL", size: "10000" }, { instrument: "BTC-27DEC24-100000-C", size: "-2" }] }));
    expect(ok.ok).toBe(true);
    const logged = (await svc.store.readEvents(ok.ok ? ok.seq : 0, 1))[0].event as { positions: { entryPrice: number }[] };
    expect(logged.positions[0].entryPrice).toBe(92050);
    const premium = svc.engine.riskContext()!.context().risk(instrumentNamed("BTC-27DEC24-100000-C")!);
    expect(premium.ok && logged.positions[1].entryPrice).toBe(premium.ok ? premium.value.markPrice : NaN);
    expect(svc.engine.state.accounts.get("bob")!.balances.get("USDC")).toBe(100_000_000_000_000_000n);
    expect(Math.abs(svc.engine.margins.get("bob")!.unrealisedPnl)).toBeLessThan(1e-6);
  });
});
