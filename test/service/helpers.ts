import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService, type Service, type ServiceOptions } from "../../src/adapters/http/service.js";

export const ADMIN = "test-admin-key-0123456789";
export const MARKET: unknown = JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"));

export interface TestService extends Service {
  dir: string;
  /** fetch JSON against the service with a key. */
  call(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; json: any; text: string }>;
  stop(): Promise<void>;
}

/** A real server on a free port with a fresh SQLite file and the example market. */
export async function startTestService(o: Partial<ServiceOptions> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), "dpm-svc-"));
  const svc = await startService({ db: join(dir, "t.sqlite"), port: 0, adminKey: ADMIN, initialMarket: MARKET, rateLimit: 0, sync: "normal", ...o });
  const call = async (method: string, path: string, body?: unknown, key: string | null = ADMIN) => {
    const headers: Record<string, string> = {};
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(`${svc.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    const text = await r.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, json, text };
  };
  return Object.assign(svc, { dir, call, stop: async () => { await svc.close(); rmSync(dir, { recursive: true, force: true }); } });
}
