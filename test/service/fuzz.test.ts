/**
 * Fuzz suite (issue 11): fast-check sequences of hostile and valid requests on every write route of a real
 * server, from the fixed seed of test/helpers/fastcheckSeed.ts, bounded in count and time. After every request:
 * no 500, the status documented for the route, the body valid against the OpenAPI document (a figure that is
 * not finite would be JSON null where a number belongs). After every sequence: every margin in memory finite and
 * the state equal to a fresh replay of the log (state and margins, to the last digit). The kill -9 part is
 * test/service/fuzzCrash.test.ts. Prints a `FUZZ-REPORT` line with the counts of docs/service.md's table.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/adapters/store-sqlite/sqliteStore.js";
import { openApiDocument } from "../../src/adapters/http/openapi.js";
import { Engine } from "../../src/engine/engine.js";
import { marginIssues } from "../../src/engine/invariant.js";
import { serializeState } from "../../src/engine/state.js";
import { ADMIN, startTestService, type TestService } from "./helpers.js";
import { anyRequest, CLASSES, hostile, type HostileClass, type Req } from "./fuzzGen.js";
import { answerChecker } from "./openapiCheck.js";

const check = answerChecker(openApiDocument() as Record<string, unknown>);
const T0 = Date.parse("2024-11-20T08:00:00Z");

interface ClassStats { count: number; statuses: Record<string, number>; fiveHundreds: number; nonFinite: number; undocumented: number }
const stats = new Map<HostileClass, ClassStats>(CLASSES.map((c) => [c, { count: 0, statuses: {}, fiveHundreds: 0, nonFinite: 0, undocumented: 0 }]));
const totals = { sequences: 0, replayMismatches: 0, nonFiniteMargins: 0 };

afterAll(() => {
  console.log(`FUZZ-REPORT ${JSON.stringify({ ...totals, classes: Object.fromEntries(stats) })}`);
});

/** A service with two accounts (alice's key kept) and the clock of the market. */
async function freshService(): Promise<{ svc: TestService; alice: string; tick: () => number }> {
  const svc = await startTestService({ rateLimit: 0, authFailRate: 0, quiet: true });
  const a = await svc.call("POST", "/v1/accounts", { id: "alice", collateral: { USDC: "200000", BTC: "2" } });
  await svc.call("POST", "/v1/accounts", { id: "bob", collateral: { USDC: "50000" } });
  let ts = T0;
  return { svc, alice: a.json.key as string, tick: () => (ts += 1000) };
}

async function send(svc: TestService, alice: string, q: Req): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${q.as ? alice : ADMIN}` };
  if (q.body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(svc.url + q.path, { method: q.method, headers, body: q.body });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

/** Send, record, and return the problems of the answer (500, undocumented status, schema mismatch). */
async function probe(svc: TestService, alice: string, q: Req): Promise<string[]> {
  const r = await send(svc, alice, q);
  const st = stats.get(q.cls)!;
  st.count++;
  st.statuses[r.status] = (st.statuses[r.status] ?? 0) + 1;
  const problems = check(q.route, q.method.toLowerCase(), r);
  if (r.status === 500) { st.fiveHundreds++; problems.push(`500 on ${q.method} ${q.path}`); }
  if (problems.some((p) => /not documented/.test(p))) st.undocumented++;
  if (problems.some((p) => /must be (number|integer)/.test(p))) st.nonFinite++;
  return problems.map((p) => `[${q.cls}] ${p} ← body ${String(q.body).slice(0, 200)}`);
}

/** Live state and margins = a fresh replay of the whole log (no snapshot), or the difference. */
async function replayDiff(svc: TestService): Promise<string | undefined> {
  await svc.engine.idle();
  const mem = openSqliteStore(":memory:", { sync: "normal" });
  for (let from = 1; ; ) {
    const page = await svc.store.readEvents(from, 1000);
    if (page.length === 0) break;
    await mem.appendEvents(page.map((e) => e.event), 0);
    from = page[page.length - 1].seq + 1;
  }
  const replay = await Engine.open(mem);
  const strip = (m: object) => { const c = { ...m } as Record<string, unknown>; delete c.seq; return c; };
  const live = { state: serializeState(svc.engine.state), margins: JSON.stringify([...svc.engine.margins.values()].map(strip)) };
  const again = { state: serializeState(replay.state), margins: JSON.stringify([...replay.margins.values()].map(strip)) };
  await mem.close();
  if (live.state !== again.state) return `state differs from a replay: live ${live.state.slice(0, 300)} … replay ${again.state.slice(0, 300)}`;
  if (live.margins !== again.margins) return "margins differ from a replay";
  return undefined;
}

function nonFiniteMargins(svc: TestService): string[] {
  const out: string[] = [];
  for (const m of svc.engine.margins.values()) out.push(...marginIssues(m).map((i) => `${i.path}: ${String(i.value)}`));
  totals.nonFiniteMargins += out.length;
  return out;
}

describe("fuzz: hostile requests on every write route", () => {
  it("sequences of hostile and valid requests: no 500, documented answers, finite margins, state = replay after every sequence", async () => {
    let tick = () => T0;
    await fc.assert(fc.asyncProperty(fc.array(anyRequest(() => tick()), { minLength: 25, maxLength: 40 }), async (reqs) => {
      const { svc, alice, tick: t } = await freshService();
      tick = t;
      try {
        const problems: string[] = [];
        for (const q of reqs) problems.push(...(await probe(svc, alice, q)));
        problems.push(...nonFiniteMargins(svc));
        totals.sequences++;
        const diff = await replayDiff(svc);
        if (diff) { totals.replayMismatches++; problems.push(diff); }
        expect(problems).toEqual([]);
      } finally { await svc.stop(); }
    }), { numRuns: 60, endOnFailure: true });
  }, 120_000);

  it("each class of hostile input on one long-lived service: 300 requests a class, then state = replay", async () => {
    const { svc, alice, tick } = await freshService();
    try {
      for (const cls of CLASSES) {
        if (cls === "valid") continue;
        const problems: string[] = [];
        for (const q of fc.sample(hostile(cls, tick), 300)) problems.push(...(await probe(svc, alice, q)));
        problems.push(...nonFiniteMargins(svc));
        totals.sequences++;
        const diff = await replayDiff(svc);
        if (diff) { totals.replayMismatches++; problems.push(diff); }
        expect(problems, cls).toEqual([]);
      }
    } finally { await svc.stop(); }
  }, 120_000);
});
