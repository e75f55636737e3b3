/**
 * Batches of client events (issue 12: the book loader writes 10,000 accounts in batches of 500). Each event is
 * validated and checked exactly as `Engine.submit` checks it (fixed bounds 400; state, bands, margin 404/409),
 * the accepted ones are tried together on one fork of the state (trial.ts: apply, re-margin, the invariant),
 * appended in one transaction and committed; one result per input, in input order. An event whose trial fails
 * is refused alone (409) and the rest still go through.
 *
 * The trials run on the engine's kernel (its working columns, docs/kernel.md), so the host offers whole steps
 * only: `transact` (trial → append → commit, a failed trial or append undone in the kernel) and `tryOut` (a trial
 * undone whatever its outcome: a dry run, and finding which events of a failed batch fail alone). A trial that is
 * not committed never stays in the kernel: its working columns and rows are always the committed state's.
 *
 * Every event of a batch is checked against the state before the batch, so a batch holds only account events
 * (no ticks, parameters or funding, which would move other accounts) and at most one event per account.
 */
import type { InputIssue } from "../input/issues.js";
import { DERIVED_TYPES, parseEvent, type EngineEvent } from "./events.js";
import type { SubmitResult } from "./engine.js";
import type { TrialFailure } from "./trial.js";

/** A trial's outcome: passed, with the sequence numbers of its events (logged by `transact`, tried at by `tryOut`), or its failure. */
export type BatchStep = { readonly ok: true; readonly seqs: readonly number[] } | TrialFailure;

/** What a batch needs of the engine (bound to its private checks and transaction steps). */
export interface BatchHost {
  /** Complete an event from the live market and run every check before the trial: the event to try, or its refusal. */
  admit(e: EngineEvent): Promise<{ ok: true; event: EngineEvent } | { ok: false; result: SubmitResult }>;
  /** A trial of `events` together, undone in the kernel whether it passes or not (nothing appended or published). */
  tryOut(events: readonly EngineEvent[]): Promise<BatchStep>;
  /** Trial → append (one transaction) → commit; a failed trial is undone and answered, a failed append undone and thrown. */
  transact(events: readonly EngineEvent[]): Promise<BatchStep>;
  /** A refusal (counted). */
  refuse(status: 404 | 409, reason: string, issues?: readonly InputIssue[]): SubmitResult;
  /** Derived events and snapshot after the commit (never fails). */
  settle(): Promise<void>;
}

/** Event types a batch may hold: events of one account each. */
const BATCHABLE: ReadonlySet<string> = new Set(["account", "book", "deposit", "withdrawal", "fill", "order", "cancel"]);

/** An accepted event and its position in the input. */
type Item = { readonly i: number; readonly e: EngineEvent };

const invalid = (reason: string, issues: readonly InputIssue[]): SubmitResult => ({ ok: false, status: 400, reason, issues });

/** Parse and admit every input; the accepted ones with their positions, the others' results filled in. */
async function admitAll(host: BatchHost, inputs: readonly unknown[], out: SubmitResult[]): Promise<Item[]> {
  const accepted: Item[] = [];
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

/**
 * After a batch failed its trial: each event tried alone (and undone); those that fail alone are refused (409),
 * the others returned.
 */
async function alone(host: BatchHost, items: readonly Item[], failed: TrialFailure, out: SubmitResult[]): Promise<Item[]> {
  const kept: Item[] = [];
  for (const x of items) {
    const t = items.length === 1 ? failed : await host.tryOut([x.e]);
    if (t.ok) kept.push(x);
    else out[x.i] = host.refuse(409, t.reason, t.issues);
  }
  return kept;
}

/** Dry run: the accepted events that pass, answered ok with the sequence numbers they were tried at (0 when they pass only alone). */
async function dryRun(host: BatchHost, items: readonly Item[], out: SubmitResult[]): Promise<void> {
  let t = await host.tryOut(items.map((x) => x.e));
  let kept: readonly Item[] = items;
  if (!t.ok) {
    kept = await alone(host, items, t, out);
    if (kept.length === 0) return;
    t = await host.tryOut(kept.map((x) => x.e));
  }
  const seqs = t.ok ? t.seqs : undefined;
  kept.forEach((x, k) => { out[x.i] = { ok: true, seq: seqs?.[k] ?? 0, event: x.e, dryRun: true }; });
}

/** Commit the accepted events: together, else those that pass alone together, else one by one. Returns how many were committed. */
async function commit(host: BatchHost, items: readonly Item[], out: SubmitResult[]): Promise<number> {
  const answer = (xs: readonly Item[], seqs: readonly number[]) => xs.forEach((x, k) => { out[x.i] = { ok: true, seq: seqs[k], event: x.e }; });
  const t = await host.transact(items.map((x) => x.e));
  if (t.ok) { answer(items, t.seqs); return items.length; }
  const kept = await alone(host, items, t, out);
  if (kept.length === 0) return 0;
  const again = await host.transact(kept.map((x) => x.e));
  if (again.ok) { answer(kept, again.seqs); return kept.length; }
  // Independent accounts pass together what they pass alone; should they not, they are committed one by one.
  let n = 0;
  for (const x of kept) {
    const one = await host.transact([x.e]);
    if (!one.ok) { out[x.i] = host.refuse(409, one.reason, one.issues); continue; }
    answer([x], one.seqs);
    n++;
  }
  return n;
}

/** Process a batch (see the file comment). `dryRun`: no append; accepted events answer ok with the seq they were tried at. */
export async function processBatch(host: BatchHost, inputs: readonly unknown[], dry: boolean): Promise<SubmitResult[]> {
  const out: SubmitResult[] = new Array<SubmitResult>(inputs.length);
  const accepted = await admitAll(host, inputs, out);
  if (accepted.length === 0) return out;
  if (dry) { await dryRun(host, accepted, out); return out; }
  if ((await commit(host, accepted, out)) > 0) await host.settle();
  return out;
}
