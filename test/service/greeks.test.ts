/**
 * Greeks of the whole account in the service (issue 12): `GET /v1/accounts/:id/greeks` gives the rows of
 * `dpm greeks --json` (spot collateral counted in delta, 1 per coin held in USD terms), and the engine's
 * per-underlying summary (`AccountMargin.greeks`) counts collateral the same way: its delta is the `ALL` row's.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBook } from "../../src/adapters/bookLoader.js";
import type { GreeksRow } from "../../src/risk/greeksReport.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/shared.js";
import { startTestService, type TestService } from "./helpers.js";

let svc: TestService;
let cli: Map<string, GreeksRow[]>;
beforeAll(async () => {
  svc = await startTestService({ book: true });
  await loadBook(svc, { file: join(ROOT, "examples/books.jsonl") });
  const r = await runCli("greeks", join(ROOT, "examples/books.jsonl"), "--market", join(ROOT, "examples/market.json"), "--json");
  cli = new Map(r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { account: string; greeks: GreeksRow[] }).map((x) => [x.account, x.greeks]));
});
afterAll(async () => svc?.stop());

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe("account Greeks in the service", () => {
  it("GET /v1/accounts/:id/greeks equals dpm greeks --json for every example book (every row, to 1e-9)", async () => {
    expect(cli.size).toBe(7);
    for (const [id, rows] of cli) {
      const r = await svc.call("GET", `/v1/accounts/${id}/greeks`);
      expect(r.status).toBe(200);
      expect(r.json.currency).toBe("USD");
      const got = r.json.greeks as GreeksRow[];
      expect(got.map((x) => `${x.underlying} ${x.expiry} ${x.positions} ${x.held ?? ""}`), id).toEqual(rows.map((x) => `${x.underlying} ${x.expiry} ${x.positions} ${x.held ?? ""}`));
      got.forEach((x, i) => {
        for (const k of ["delta", "gamma", "vega", "theta"] as const) expect(close(x[k], rows[i][k]), `${id} ${x.underlying} ${x.expiry} ${k}: ${x[k]} vs ${rows[i][k]}`).toBe(true);
      });
    }
    expect((await svc.call("GET", "/v1/accounts/nobody/greeks")).status).toBe(404);
  });

  it("the margin summary's per-underlying delta includes spot collateral (1 per coin) and equals the ALL row", () => {
    const cc = svc.engine.margins.get("covered-call")!.greeks.BTC;
    expect(cc.collateralDelta).toBe(10);
    const all = cli.get("covered-call")!.find((x) => x.underlying === "BTC" && x.expiry === "ALL")!;
    expect(all.delta).toBeCloseTo(6.2343, 4); // 10 BTC held − 3.77 of short calls
    expect(close(cc.delta, all.delta)).toBe(true);
    expect(close(cc.netDeltaUsd, all.delta * 92_000)).toBe(true);
    for (const [id, rows] of cli) {
      const g = svc.engine.margins.get(id)!.greeks;
      for (const row of rows.filter((x) => x.expiry === "ALL")) expect(close(g[row.underlying].delta, row.delta), `${id} ${row.underlying}`).toBe(true);
      // stablecoins have no delta row
      expect(g.USDC, id).toBeUndefined();
    }
    // multi-asset: 2 BTC held, 50,000 USDC not
    expect(svc.engine.margins.get("multi-asset")!.greeks.BTC.collateralDelta).toBe(2);
    expect(svc.engine.margins.get("naked-short-put")!.greeks.BTC.collateralDelta).toBe(0);
  });
});
