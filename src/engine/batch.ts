/**
 * Batches of client events (issue 12: the book loader writes 10,000 accounts in batches of 500). Each event is
 * validated and checked exactly as `Engine.submit` checks it (fixed bounds 400; state, bands, margin 404/409),
 * the accepted ones are tried together on one fork of the state (trial.ts: apply, re-margin, the invariant),
 * appended in one transaction and committed; one result per input, in input order. An event whose trial fails
 * is refused alone (409) and the rest still go through.
 *
 * Every event of a batch is checked against the state before the batch, so a batch holds only account events
 * (no ticks, parameters or funding, which would move other accounts) and at most one event per account.
 */
import type { InputIssue } from "../input/issues.js";
import { DERIVED_TYPES, parseEvent, type EngineEvent } from "./events.js";
import type { SubmitResult } from "./engine.js";
import type { Trial, TrialFailure } from "./trial.js";

/** What a batch needs of the engine (bound to its private checks, trial and commit). */
export interface BatchHost {
  /** Complete an event from the live market and run every check before the trial: the event to try, or its refusal. */
  admit(e: EngineEvent): Promise<{ ok: true; event: EngineEvent } | { ok: false; result: SubmitResult }>;
  trial(events: readonly EngineEvent[]): Trial | TrialFailure;
  /** A refusal (counted). */
  refuse(status: 404 | 409, reason: string, issues?: readonly InputIssue[]): SubmitResult;
  /** Append in one transaction; their sequence numbers once durable. */
  append(events: readonly EngineEvent[]): Promise<number[]>;
  commit(t: Trial, seqs: readonly number[]): void;
  /** Derived events and snapshot after the commit (never fails). */
  settle(): Promise<void>;
}

/** Event types a batch may hold: events of one account each. */
const BATCHABLE: ReadonlySet<string> = new Set(["account", "book", "deposit", "withdrawal", "fill", "order", "cancel"]);

const invalid = (reason: string, issues: readonly InputIssue[]): SubmitResult => ({ ok: false, status: 400, reason, issues });

/** Parse and admit every input; the accepted ones with their positions, the others' results filled in. */
async function admitAll(host: BatchHost, inputs: readonly unknown[], out: SubmitResult[]): Promise<{ i: number; e: EngineEvent }[]> {
  const accepted: { i: number; e: EngineEvent }[] = [];
  const accounts = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    const p = parseEvent(input);
    if (!p.ok) { out[i] = invalid("invalid event", p.issues); continue; }
    const type = p.value.type;
    if (DERIVED_TYPES.has(type)) { out[i] = invalid(`${type} events are written by the engine only`, [{ path: "type", message: "not accepted from clients", value: type }]); continue; }
    if (!BATCHABLE.has(type) || !("account" in p.value)) { out[i] = invalid(`${type} events cannot be batched (submit them one by one)`, [{ path: "type", message: `a batch holds only ${[...BATCHABLE].join(", ")} events`, value: type }]); continue; }
    const account = p.value.account;
    if (accounts.has(account)) { out[i] = host.refuse(409, `account ${account} appears more than once in this batch`, [{ path: "account", message: "at most one event per account in a batch", value: account }]); continue; }
    accounts.add(account);
    const a = await host.admit(p.value);
    if (a.ok) accepted.push({ i, e: a.event });
    else out[i] = a.result;
  }
  return accepted;
}

/** The largest subset that passes one trial: each event that fails alone is refused (409) and left out. */
function passing(host: BatchHost, items: { i: number; e: EngineEvent }[], out: SubmitResult[]): { items: { i: number; e: EngineEvent }[]; trial: Trial | undefined } {
  if (items.length === 0) return { items, trial: undefined };
  const t = host.trial(items.map((x) => x.e));
  if (t.ok) return { items, trial: t };
  const kept: { i: number; e: EngineEvent }[] = [];
  for (const x of items) {
    const alone = items.length === 1 ? t : host.trial([x.e]);
    if (alone.ok) kept.push(x);
    else out[x.i] = host.refuse(409, alone.reason, alone.issues);
  }
  if (kept.length === 0) return { items: kept, trial: undefined };
  const again = host.trial(kept.map((x) => x.e));
  // Independent accounts pass together what they pass alone; should they not, they are committed one by one.
  return again.ok ? { items: kept, trial: again } : { items: kept, trial: undefined };
}

/** Process a batch (see the file comment). `dryRun`: no append; accepted events answer ok with the seq they were tried at. */
export async function processBatch(host: BatchHost, inputs: readonly unknown[], dryRun: boolean): Promise<SubmitResult[]> {
  const out: SubmitResult[] = new Array<SubmitResult>(inputs.length);
  const accepted = await admitAll(host, inputs, out);
  const { items, trial } = passing(host, accepted, out);
  if (dryRun) {
    items.forEach((x, k) => { out[x.i] = { ok: true, seq: trial?.steps[k].seq ?? 0, event: x.e, dryRun: true }; });
    return out;
  }
  if (trial) {
    const seqs = await host.append(items.map((x) => x.e));
    host.commit(trial, seqs);
    items.forEach((x, k) => { out[x.i] = { ok: true, seq: seqs[k], event: x.e }; });
  } else {
    for (const x of items) {
      const t = host.trial([x.e]);
      if (!t.ok) { out[x.i] = host.refuse(409, t.reason, t.issues); continue; }
      const seqs = await host.append([x.e]);
      host.commit(t, seqs);
      out[x.i] = { ok: true, seq: seqs[0], event: x.e };
    }
  }
  if (items.length > 0) await host.settle();
  return out;
}
