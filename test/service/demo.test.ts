/**
 * The demo (issue 12): `dpm serve --demo` loads examples/books.jsonl as `--book` does, so its first state (after
 * the load, before any feed tick) equals `dpm compare examples/books.jsonl` (portfolio model); the simulated feed
 * is anchored to the market, so its first tick keeps BTC-28MAR25 at its basis and calendar-spread healthy (it was
 * in margin_call from the first tick when premiums were paid out of collateral and the future dropped 3.6 %).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBook } from "../../src/adapters/bookLoader.js";
import { demoBookFile, demoFeed } from "../../src/adapters/http/demo.js";
import type { MarginResult } from "../../src/margin/result.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/shared.js";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ book: true, trustedFills: true });
});
afterAll(async () => svc?.stop());

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe("the demo", () => {
  it("loads examples/books.jsonl; its first state equals dpm compare examples/books.jsonl (portfolio: IM, MM, equity to 1e-9, status)", async () => {
    expect(demoBookFile()).toBe(join(ROOT, "examples/books.jsonl"));
    const r = await loadBook(svc, { file: demoBookFile()! });
    expect(r).toMatchObject({ loaded: 7, refused: 0 });
    const cmp = await runCli("compare", join(ROOT, "examples/books.jsonl"), "--market", join(ROOT, "examples/market.json"), "--json");
    expect(cmp.code).toBe(0);
    const rows = cmp.stdout.trim().split("\n").map((l) => JSON.parse(l) as { account: string; results: MarginResult[] });
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const pm = row.results.find((x) => x.model === "portfolio")!;
      const m = svc.engine.margins.get(row.account)!;
      expect(close(m.initialMargin, pm.initialMargin) && close(m.maintenanceMargin, pm.maintenanceMargin) && close(m.equity, pm.equity), `${row.account}: ${m.initialMargin} ${m.maintenanceMargin} ${m.equity} vs ${pm.initialMargin} ${pm.maintenanceMargin} ${pm.equity}`).toBe(true);
      expect(m.status, row.account).toBe(pm.status);
    }
    expect(svc.engine.margins.get("calendar-spread")!.status).toBe("healthy");
  });

  it("the first feed tick keeps the futures' basis (BTC-28MAR25 at 95,500/92,000 of the index) and calendar-spread healthy", async () => {
    const m = svc.engine.state.market!;
    const t0 = m.asOf.BTC;
    const im0 = svc.engine.margins.get("calendar-spread")!.initialMargin;
    const feed = demoFeed(svc.engine, 42, 60_000);
    await svc.startFeed(feed);
    for (let i = 0; i < 200 && !(svc.engine.state.market!.asOf.BTC > t0); i++) await new Promise((r) => setTimeout(r, 10));
    await svc.engine.idle();
    await feed.stop();
    const after = svc.engine.state.market!;
    expect(after.asOf.BTC).toBeGreaterThan(t0);
    const btc = after.assets.BTC.index;
    expect(btc).not.toBe(92_000);
    for (const [name, mark] of [["BTC-28MAR25", 95_500], ["BTC-27DEC24", 93_150], ["BTC-PERPETUAL", 92_050]] as const) {
      expect(Math.abs(after.instruments[name].mark! / (btc * (mark / 92_000)) - 1), name).toBeLessThan(0.002);
    }
    expect(Math.abs(after.instruments["BTC-28MAR25-95000-C"].markIv! / 0.58 - 1)).toBeLessThan(0.03);
    const cal = svc.engine.margins.get("calendar-spread")!;
    expect(cal.status).toBe("healthy");
    expect(Math.abs(cal.initialMargin / im0 - 1)).toBeLessThan(0.1);
    const events = (await svc.call("GET", "/v1/events?from=1&limit=200")).json.events.map((e: { event: { type: string; kind?: string } }) => e.event);
    expect(events.filter((e: { type: string; kind?: string }) => e.type === "margin_status" && e.kind === "liquidation_trigger")).toEqual([]);
  });
});
