/**
 * Helpers of the adaptive-service tests: a history directory of synthetic daily bars (GARCH(1,1)-t, seeded) ending
 * the day before the example market's asOf and scaled to its index, and a service on a given database that can be
 * closed and reopened (restart).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Bars } from "../../src/analytics/adaptive/bars.js";
import { DEFAULT_APC } from "../../src/analytics/adaptive/apc.js";
import { DEFAULT_ADAPTIVE_FEATURES } from "../../src/analytics/adaptive/features.js";
import { DAY_MS } from "../../src/analytics/adaptive/liveBars.js";
import type { AdaptiveConfig } from "../../src/adapters/adaptive/scheduler.js";
import { startService, type Service } from "../../src/adapters/http/service.js";
import { loadBars } from "../../src/adapters/barHistory.js";
import { dayText } from "../../src/risk/history.js";
import { syntheticGarchBars } from "../analytics/adaptive/synthetic.js";
import { ADMIN, MARKET } from "./helpers.js";

/** asOf of examples/market.json. */
export const T0 = Date.parse("2024-11-20T08:00:00Z");
/** A volatile market (daily vol about 10 %): the fitted ranges come out wider than the preset's. */
const WILD = { omega: 1e-4, alpha: 0.15, beta: 0.84, nu: 5 };

/** Write `<A>-USD_1d.csv` files of `n` bars ending the day before T0, each scaled so its last close is `last[A]`. */
export function writeHistory(dir: string, n: number, last: Record<string, number>, seed = 11): Map<string, Bars> {
  mkdirSync(dir, { recursive: true });
  const end = Math.floor(T0 / DAY_MS) - 1;
  Object.entries(last).forEach(([asset, close], k) => {
    const b = syntheticGarchBars(seed + k, n, WILD).bars, f = close / b.close[n - 1];
    const rows = Array.from({ length: n }, (_, i) => `${dayText(end - n + 1 + i)},${b.open[i] * f},${b.high[i] * f},${b.low[i] * f},${b.close[i] * f},${b.volume[i]}`);
    writeFileSync(join(dir, `${asset}-USD_1d.csv`), `Date,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`);
  });
  return new Map(loadBars(dir, Object.keys(last)).map((b) => [b.asset, b]));
}

/** The scheduler configuration of the tests: fast walk-forward (365 training days, refit every 63). */
export function testConfig(history: Map<string, Bars>, o: Partial<AdaptiveConfig> = {}): AdaptiveConfig {
  return {
    mode: "propose", everyMs: DAY_MS, noticeMs: 600_000, assets: ["BTC", "ETH"], history,
    model: { confidence: 0.99, horizon: 1, trainDays: 365, refitDays: 63, lambda: 0.94, features: DEFAULT_ADAPTIVE_FEATURES, apc: DEFAULT_APC },
    regime: { ratio: 2, shortMs: 600_000, longMs: 7_200_000 }, ...o,
  };
}

export interface AdaptiveService extends Service {
  call(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; json: any; text: string }>;
}

/** A service on `db` (reopened when it exists), liquidation off so margins move only with parameters and ticks. */
export async function startAdaptive(db: string, adaptive: AdaptiveConfig): Promise<AdaptiveService> {
  const svc = await startService({ db, port: 0, adminKey: ADMIN, initialMarket: MARKET, rateLimit: 0, sync: "normal", quiet: true, liquidation: { enabled: false }, adaptive });
  const call = async (method: string, path: string, body?: unknown, key: string | null = ADMIN) => {
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(`${svc.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, json, text };
  };
  return Object.assign(svc, { call });
}

/** A tick of one asset at T0 + `offsetMs` (admin route: logged like the oracle's). */
export async function tick(svc: AdaptiveService, asset: string, offsetMs: number, index: number, instruments?: Record<string, unknown>): Promise<void> {
  const r = await svc.call("POST", "/v1/market/ticks", { asset, ts: T0 + offsetMs, index, ...(instruments ? { instruments } : {}) });
  if (r.status !== 201) throw new Error(`tick refused: ${r.text}`);
}
