/**
 * Worker thread of the adaptive scheduler: computes one proposal (proposer.ts `proposeFrom`) off the service's
 * event loop. A walk-forward on years of daily bars takes seconds per asset (docs/adaptive.md, "In the service");
 * in a worker the engine keeps answering ticks and requests meanwhile. One request per worker: the scheduler
 * starts a worker for a run and ends it with the answer.
 */
import { parentPort, workerData } from "node:worker_threads";
import { proposeFrom, type FitRequest, type FitResult } from "./proposer.js";

const port = parentPort;
if (!port) throw new Error("fitWorker must run in a worker thread");
let answer: FitResult;
try {
  answer = proposeFrom(workerData as FitRequest);
} catch (e) {
  answer = { ok: false, reason: `fit worker: ${e instanceof Error ? e.message : String(e)}` };
}
port.postMessage(answer);
