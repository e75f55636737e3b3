/**
 * CPU-profile summaries: self and inclusive time per function, from the V8 sampling profiler (in-process
 * through node:inspector, or a `node --cpu-prof` .cpuprofile file of a child process).
 */
import { Session, type Profiler } from "node:inspector";
import { basename } from "node:path";

export interface FunctionTime {
  /** `name (file:line)`. */
  readonly fn: string;
  readonly selfMs: number;
  readonly selfShare: number;
  readonly totalMs: number;
  readonly totalShare: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Top functions by self time. */
  readonly bySelf: readonly FunctionTime[];
  /** Inclusive time of selected functions (by name), in the order asked. */
  readonly inclusive: readonly FunctionTime[];
}

function keyOf(n: Profiler.ProfileNode): string {
  const f = n.callFrame;
  const name = f.functionName || "(anonymous)";
  if (!f.url) return name;
  const file = basename(f.url.replace(/^file:\/\//, ""));
  return `${name} (${file}:${f.lineNumber + 1})`;
}

/** Summarise a profile: top `top` by self time, plus inclusive time of functions named in `focus`. */
export function summarise(p: Profiler.Profile, top: number, focus: readonly string[]): ProfileSummary {
  const byId = new Map<number, Profiler.ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    // The delta before sample i+1 is the time sample i was on the CPU (standard attribution).
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    const node = byId.get(samples[i]);
    if (!node) continue;
    const k = keyOf(node);
    if (k === "(idle)") continue;
    total += dt;
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const nd = byId.get(id);
      if (!nd) break;
      const kk = keyOf(nd);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
  }
  const row = (k: string): FunctionTime => {
    const s = self.get(k) ?? 0, t = incl.get(k) ?? 0;
    return { fn: k, selfMs: s, selfShare: total > 0 ? s / total : 0, totalMs: t, totalShare: total > 0 ? t / total : 0 };
  };
  const bySelf = [...self.keys()].map(row).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const inclusive: FunctionTime[] = [];
  for (const name of focus) {
    // Sum over every function of that name (e.g. one per file), keeping the largest as the label.
    const keys = [...incl.keys()].filter((k) => k === name || k.startsWith(`${name} (`));
    if (keys.length === 0) continue;
    const best = keys.map(row).sort((a, b) => b.totalMs - a.totalMs)[0];
    inclusive.push(best);
  }
  return { totalMs: total, bySelf, inclusive };
}

function post<T>(s: Session, method: string, params: object | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    s.post(method, params ?? {}, (err: Error | null, res?: object) => (err ? reject(err) : resolve(res as T)));
  });
}

/** Run `fn` under the in-process sampling profiler (interval µs) and return the raw profile. */
export async function profileInProcess(fn: () => void, intervalUs = 100): Promise<Profiler.Profile> {
  const s = new Session();
  s.connect();
  try {
    await post<object>(s, "Profiler.enable", undefined);
    await post<object>(s, "Profiler.setSamplingInterval", { interval: intervalUs });
    await post<object>(s, "Profiler.start", undefined);
    fn();
    const r = await post<Profiler.StopReturnType>(s, "Profiler.stop", undefined);
    return r.profile;
  } finally {
    s.disconnect();
  }
}
