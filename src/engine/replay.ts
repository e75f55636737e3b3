/**
 * Replay of the event log into a state (Engine.open), with quarantine (issue 11). Every logged event is
 * checked as a live one is before it is logged: it must parse (with today's fixed bounds), pass the state
 * checks (`eventProblem`) and, applied to a fork of the state, keep the state invariant (finite, representable
 * balances, positions, prices and fund). An event that fails is skipped and recorded in the state's quarantine
 * list (its seq, type and reason), so a log written by an older version that accepted a poisoned event still
 * opens: the service starts, reports the event (operator log, `GET /v1/events` flag, `/healthz` count) and
 * state = snapshot + replay stays a pure, deterministic fold (replaying twice quarantines the same events;
 * snapshots keep the list).
 */
import { parseEvent, type EngineEvent } from "./events.js";
import { stateIssues } from "./invariant.js";
import { applyEvent, eventProblem, type EngineState, type QuarantinedEvent } from "./state.js";
import type { Store, StoredEvent } from "./store.js";
import { forkState } from "./trial.js";

const PAGE = 5000;

/** The logged event, parsed, when it can be applied to the state; else why not (invalid, refused, breaking the invariant). */
export function replayCheck(s: EngineState, se: StoredEvent): { ok: true; event: EngineEvent } | { ok: false; reason: string } {
  const p = parseEvent(se.event);
  if (!p.ok) return { ok: false, reason: `invalid event: ${p.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}` };
  const problem = eventProblem(s, p.value);
  if (problem) return { ok: false, reason: `refused by the state: ${problem}` };
  try {
    const fork = forkState(s, [p.value]);
    const eff = applyEvent(fork, p.value, se.seq);
    const bad = stateIssues(fork, eff.accounts, eff.moved);
    if (bad.length > 0) return { ok: false, reason: `breaks the state invariant: ${bad.slice(0, 3).map((i) => `${i.path} ${i.message} (${String(i.value)})`).join("; ")}` };
  } catch (err) {
    return { ok: false, reason: `cannot be applied: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true, event: p.value };
}

/** Apply one logged event, or quarantine it; returns the quarantine entry when it was quarantined. */
export function replayEvent(s: EngineState, se: StoredEvent): QuarantinedEvent | undefined {
  const r = replayCheck(s, se);
  if (r.ok) {
    applyEvent(s, r.event, se.seq);
    return undefined;
  }
  return quarantine(s, se, r.reason);
}

/**
 * Fast mode: apply to the state directly and check the invariant afterwards. Returns false when an event broke
 * it (or threw) after it was applied: the state is then spoiled and the caller replays again in safe mode.
 */
function replayFast(s: EngineState, se: StoredEvent, out: QuarantinedEvent[]): boolean {
  const p = parseEvent(se.event);
  const problem = p.ok ? eventProblem(s, p.value) : undefined;
  if (!p.ok || problem) {
    out.push(quarantine(s, se, p.ok ? `refused by the state: ${problem}` : `invalid event: ${p.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}`));
    return true;
  }
  try {
    const eff = applyEvent(s, p.value, se.seq);
    return stateIssues(s, eff.accounts, eff.moved).length === 0;
  } catch {
    return false;
  }
}

function quarantine(s: EngineState, se: StoredEvent, reason: string): QuarantinedEvent {
  const type = (se.event as { type?: unknown } | null)?.type;
  const q: QuarantinedEvent = { seq: se.seq, type: typeof type === "string" ? type.slice(0, 40) : null, reason: reason.slice(0, 600) };
  s.quarantine.push(q);
  s.seq = se.seq;
  return q;
}

async function replayPages(store: Store, s: EngineState, one: (se: StoredEvent) => boolean): Promise<boolean> {
  for (let from = s.seq + 1; ; ) {
    const page = await store.readEvents(from, PAGE);
    for (const se of page) if (!one(se)) return false;
    if (page.length < PAGE) return true;
    from = page[page.length - 1].seq + 1;
  }
}

/**
 * Replay every logged event after the state's seq into a state made by `fresh` (the latest snapshot, or
 * empty). Fast mode first (apply, then check); if an event breaks the invariant once applied, the replay starts
 * over from `fresh()` in safe mode (every event tried on a fork first), so the cost of the fork is paid only
 * by logs that hold such an event. Returns the state and the events this replay quarantined.
 */
export async function replayLog(store: Store, fresh: () => EngineState): Promise<{ state: EngineState; quarantined: QuarantinedEvent[] }> {
  const quarantined: QuarantinedEvent[] = [];
  const fast = fresh();
  if (await replayPages(store, fast, (se) => replayFast(fast, se, quarantined))) return { state: fast, quarantined };
  quarantined.length = 0;
  const safe = fresh();
  await replayPages(store, safe, (se) => { const q = replayEvent(safe, se); if (q) quarantined.push(q); return true; });
  return { state: safe, quarantined };
}
