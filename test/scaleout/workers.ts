/** Two-worker fixtures for the scale-out tests: services on port 0, SQLite files in one temp dir, one bus. */
import { join } from "node:path";
import { startService, type Service, type ScaleOutServiceOptions } from "../../src/adapters/http/service.js";
import type { EngineEvent } from "../../src/engine/events.js";
import { ownerOf } from "../../src/engine/partition.js";
import { ADMIN, MARKET } from "../service/helpers.js";

export interface Reply { status: number; json: unknown; text: string }

export async function call(svc: Service, method: string, path: string, body?: unknown, key: string | null = ADMIN): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(`${svc.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

/** Start worker `index` of `count` on `<dir>/w<index>.sqlite`. */
export function startWorker(dir: string, index: number, count: number, so: Omit<ScaleOutServiceOptions, "partition">): Promise<Service> {
  return startService({
    db: join(dir, `w${index}.sqlite`), port: 0, adminKey: ADMIN, initialMarket: MARKET, rateLimit: 0, sync: "normal", quiet: true,
    scaleOut: { partition: { index, count }, announceMs: 50, ...so },
  });
}

/** The ticks in a worker's log, in log order: [marketSeq, asset, index]. */
export async function loggedTicks(svc: Service): Promise<[number | undefined, string, number][]> {
  const out: [number | undefined, string, number][] = [];
  for (let from = 1; ; ) {
    const page = await svc.store.readEvents(from, 1000);
    for (const e of page) {
      const ev = e.event as EngineEvent;
      if (ev.type === "tick") out.push([ev.marketSeq, ev.asset, ev.index]);
    }
    if (page.length < 1000) return out;
    from = page[page.length - 1].seq + 1;
  }
}

/** The first account ids `acct-<n>` owned by each partition of `count`. */
export function idsByOwner(count: number, perOwner: number): string[][] {
  const out: string[][] = Array.from({ length: count }, () => []);
  for (let n = 0; out.some((l) => l.length < perOwner); n++) {
    const id = `acct-${n}`;
    const o = ownerOf(id, count);
    if (out[o].length < perOwner) out[o].push(id);
  }
  return out;
}
