/** NATS for the scale-out tests: DPM_TEST_NATS_URL (default nats://127.0.0.1:4222); unique names per run. */
import { randomBytes } from "node:crypto";
import { connect } from "nats";
import { NatsBus } from "../../src/adapters/bus-nats/natsBus.js";

export const NATS_URL = process.env.DPM_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** True when the server answers; under CI an unreachable server is an error, else the tests skip with a message. */
export async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 1500, reconnect: false });
    await nc.close();
    return true;
  } catch (e) {
    const why = `NATS not reachable at ${NATS_URL} (${e instanceof Error ? e.message : String(e)})`;
    if (process.env.CI) throw new Error(`${why}; CI is set, so the NATS scale-out tests fail instead of skipping`);
    console.warn(`${why}: skipping the NATS scale-out tests (set DPM_TEST_NATS_URL)`);
    return false;
  }
}

/** A stream name and subject prefix no other run uses. */
export function uniqueNames(): { stream: string; prefix: string } {
  const tag = `${process.pid}_${randomBytes(4).toString("hex")}`;
  return { stream: `DPM_TEST_${tag}`, prefix: `dpmtest_${tag}` };
}

/** A bus on a fresh stream, and a cleanup that deletes the stream. */
export async function freshNatsBus(): Promise<{ bus: NatsBus; cleanup: () => Promise<void> }> {
  const bus = await NatsBus.open({ servers: NATS_URL, ...uniqueNames() });
  return { bus, cleanup: async () => { const b = await NatsBus.open({ servers: NATS_URL, stream: bus.stream, prefix: bus.prefix }); await b.deleteStream(); await b.close(); } };
}
