/**
 * The adaptive scheduler's triggers, on feed time (tests drive it with tick timestamps, never the wall clock):
 * `auto` applies a proposal once its notice period has passed; a run when feed time crosses a multiple of
 * `--adaptive-every`; a run on a regime change (short-window realised vol above 2 × the long one); the ewma
 * fallback with too short a history; the live features (books, trades, funding) in GET /v1/params/adaptive.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProposal, FALLBACK_TRAIN_DAYS } from "../../src/adapters/adaptive/proposer.js";
import { loadPreset } from "../../src/input/presets.js";
import { forAsset } from "../../src/margin/params.js";
import { adaptiveConfigFrom, durationMs } from "../../src/adapters/cli/adaptiveFlags.js";
import { runCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/shared.js";
import { startAdaptive, T0, testConfig, tick, writeHistory, type AdaptiveService } from "./adaptiveHelpers.js";

let dir: string;
let history: ReturnType<typeof writeHistory>;
const running: AdaptiveService[] = [];

async function service(name: string, o: Parameters<typeof testConfig>[1]): Promise<AdaptiveService> {
  const s = await startAdaptive(join(dir, `${name}.sqlite`), testConfig(history, o));
  running.push(s);
  return s;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dpm-adaptive-sched-"));
  history = writeHistory(join(dir, "history"), 500, { BTC: 92000, ETH: 3100 });
});
afterAll(async () => {
  for (const s of running) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("auto: applied after the notice period (feed time)", () => {
  it("pending until feedTime + notice, then a params event decided by auto", async () => {
    const svc = await service("auto", { mode: "auto", noticeMs: 600_000 });
    await tick(svc, "BTC", 30_000, 91900);
    const r = await svc.call("POST", "/v1/params/proposals", {});
    expect(r.status, r.text).toBe(201);
    expect(r.json.proposal).toMatchObject({ id: "p-1", mode: "auto", effectiveAt: T0 + 30_000 + 600_000 });
    await tick(svc, "BTC", 330_000, 91950);
    await svc.adaptive!.idle();
    expect(svc.adaptive!.book.get("p-1")!.status).toBe("pending");
    expect(forAsset(svc.engine.state.params.portfolio.underlyings, "BTC").priceRange).toBe(0.16);
    await tick(svc, "BTC", 631_000, 91980);
    await svc.adaptive!.idle();
    expect(svc.adaptive!.book.get("p-1")).toMatchObject({ status: "applied", decidedBy: "auto", decidedAt: T0 + 631_000 });
    expect(forAsset(svc.engine.state.params.portfolio.underlyings, "BTC").priceRange).toBe(r.json.proposal.params.portfolio.underlyings.BTC.priceRange);
    const log = (await svc.call("GET", "/v1/events?from=1&limit=1000")).json.events.map((e: any) => e.event);
    expect(log.filter((e: any) => e.type === "params").map((e: any) => e.adaptive?.decidedBy)).toEqual(["auto"]);
  }, 60_000);
});

describe("the schedule and the regime trigger", () => {
  it("a run when feed time crosses the hour; the next one is announced for the hour after", async () => {
    const svc = await service("hourly", { everyMs: 3_600_000 });
    await tick(svc, "BTC", 30 * 60_000, 91900);
    await svc.adaptive!.idle();
    expect(svc.adaptive!.book.list()).toEqual([]);
    expect((await svc.call("GET", "/v1/params/adaptive")).json.nextRunAt).toBe(T0 + 3_600_000);
    await tick(svc, "BTC", 60 * 60_000 + 5_000, 91850);
    await svc.adaptive!.idle();
    expect(svc.adaptive!.book.list().map((p) => [p.id, p.trigger, p.status])).toEqual([["p-1", "schedule", "pending"]]);
    expect(svc.adaptive!.lastRun).toMatchObject({ trigger: "schedule", outcome: "proposed", at: T0 + 3_605_000 });
  }, 60_000);

  it("a regime change: 10-minute realised vol above 2 × the 2-hour one starts a run, once", async () => {
    const svc = await service("regime", {});
    let px = 92000;
    for (let i = 1; i <= 125; i++) { px *= i % 2 === 0 ? 1.0002 : 1 / 1.0002; await tick(svc, "BTC", i * 60_000, px); }
    await svc.adaptive!.idle();
    expect(svc.adaptive!.book.list()).toEqual([]);
    const calm = (await svc.call("GET", "/v1/params/adaptive")).json.assets.BTC.regime;
    expect(calm.stressed).toBe(false);
    expect(calm.ratio).toBeGreaterThan(0.5);
    for (let i = 126; i <= 135; i++) { px *= i % 2 === 0 ? 1.015 : 1 / 1.015; await tick(svc, "BTC", i * 60_000, px); }
    await svc.adaptive!.idle();
    const st = (await svc.call("GET", "/v1/params/adaptive")).json;
    expect(st.assets.BTC.regime.stressed).toBe(true);
    expect(st.assets.BTC.regime.ratio).toBeGreaterThan(2);
    expect(svc.adaptive!.book.list().map((p) => [p.id, p.trigger])).toEqual([["p-1", "regime"]]);
    expect(st.assets.BTC.live["live.rv1h"]).toBeGreaterThan(st.assets.BTC.live["live.rv24h"]);
  }, 120_000);
});

describe("live features from the feed", () => {
  it("a perpetual book, trades and funding become live.* features, and the book's depth reaches the engine", async () => {
    const svc = await service("live", {});
    const ts = T0 + 60_000;
    svc.ingest.onFeed({ kind: "book", tick: { source: "t", instrument: "BTC-PERPETUAL", bids: [[92040, 300000], [91700, 500000], [90500, 2e6]], asks: [[92060, 200000], [92500, 800000], [93500, 1e6]], unit: "usd", ts } });
    svc.ingest.onFeed({ kind: "trade", tick: { source: "t", instrument: "BTC-PERPETUAL", price: 92060, amount: 50000, unit: "usd", side: "buy", ts } });
    svc.ingest.onFeed({ kind: "trade", tick: { source: "t", instrument: "BTC-PERPETUAL", price: 92040, amount: 20000, unit: "usd", side: "sell", ts } });
    svc.ingest.onFeed({ kind: "instrument", tick: { source: "t", instrument: "BTC-PERPETUAL", mark: 92050, funding: 0.0001, ts } });
    await svc.ingest.flush();
    const live = (await svc.call("GET", "/v1/params/adaptive")).json.assets.BTC.live;
    // mid 92,050, thinner side: ±0.5 % bids 800,000 / asks 1,000,000; ±1 % (bids ≥ 91,129.5) 800,000 / 1,000,000; ±2 % 2,800,000 / 2,000,000
    expect(live).toMatchObject({ "live.spread": 20 / 92050, "live.depth0_5": 800000, "live.depth1": 800000, "live.depth2": 2e6, "live.volumeUsd": 70000, "live.flowUsd": 30000, "live.funding": 0.0001 });
    expect(svc.engine.state.market!.liquidity["BTC-PERPETUAL"]).toEqual({ depthUsd: 800000, spread: 20 / 92050 });
  }, 60_000);
});

describe("the ewma fallback", () => {
  it("uses ewma (365 training days) when the bars do not cover the adaptive model's window, and refuses with too few", () => {
    const cfg = testConfig(history, {}).model;
    const base = { name: "deribit", params: loadPreset("deribit") };
    const short = writeHistory(join(dir, "short"), 400, { BTC: 92000 });
    const r = buildProposal(base, base.params, short, {}, { ...cfg, trainDays: 1095 }, T0);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.assets.BTC.model).toMatchObject({ name: "ewma", bars: 400 });
    expect(String(r.value.assets.BTC.model.fallback)).toMatch(/ewma on 365 training days/);
    const tiny = writeHistory(join(dir, "tiny"), FALLBACK_TRAIN_DAYS, { BTC: 92000 });
    const t = buildProposal(base, base.params, tiny, {}, cfg, T0);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.reason).toMatch(/BTC: 365 consecutive daily bars, need more than 366/);
  }, 60_000);
});

describe("dpm serve --adaptive flags", () => {
  it("durations and the configuration, every problem with its flag and value (exit 2)", async () => {
    expect([durationMs("1h"), durationMs("15m"), durationMs("90s"), durationMs("1d"), durationMs("5000"), durationMs("0.5s"), durationMs("5x")]).toEqual([3_600_000, 900_000, 90_000, 86_400_000, 5000, undefined, undefined]);
    const flags = { adaptive: "auto" as const, adaptiveEvery: "30m", adaptiveNotice: "5m", adaptiveTrainDays: "400", adaptiveRefitDays: "21", adaptiveRegime: "2.5", adaptiveAssets: "BTC", adaptiveHistory: join(dir, "history") };
    const c = adaptiveConfigFrom(flags)!;
    expect(c).toMatchObject({ mode: "auto", everyMs: 1_800_000, noticeMs: 300_000, assets: ["BTC"], model: { trainDays: 400, refitDays: 21 }, regime: { ratio: 2.5 } });
    expect(c.history?.get("BTC")?.close.length).toBe(500);
    const r = await runCli("serve", "--db", ":memory:", "--adaptive", "propose", "--adaptive-every", "5x", "--adaptive-regime", "1", "--adaptive-base", "nope");
    expect(r.code).toBe(2);
    for (const p of ["--adaptive-every", "--adaptive-regime", "--adaptive-base"]) expect(r.stderr).toContain(p);
    const off = await runCli("serve", "--db", ":memory:", "--adaptive-history", dir);
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/need --adaptive propose\|auto/);
    expect((await runCli("serve", "--adaptive", "sometimes")).code).toBe(2);
  });
});

describe("the fit in a worker thread", () => {
  it("gives the same proposal as on the event loop (the worker compiled from these sources with tsc)", async () => {
    const out = join(dir, "worker");
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--ignoreConfig", "--outDir", out, "--rootDir", ROOT, "--module", "nodenext", "--moduleResolution", "nodenext",
      "--target", "es2022", "--strict", "--skipLibCheck", "--types", "node", join(ROOT, "src/adapters/adaptive/fitWorker.ts")], { cwd: ROOT, stdio: "pipe" });
    writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
    const a = await service("loop", {}), b = await service("worker", { workerUrl: pathToFileURL(join(out, "src/adapters/adaptive/fitWorker.js")) });
    for (const s of [a, b]) await tick(s, "BTC", 30_000, 91900);
    const [x, y] = [await a.call("POST", "/v1/params/proposals", {}), await b.call("POST", "/v1/params/proposals", {})];
    expect(x.status, x.text).toBe(201);
    expect(y.status, y.text).toBe(201);
    expect(JSON.stringify(y.json.proposal.params)).toBe(JSON.stringify(x.json.proposal.params));
    expect(JSON.stringify(y.json.proposal.adaptive)).toBe(JSON.stringify(x.json.proposal.adaptive));
  }, 120_000);
});
