/**
 * Progress bars on stderr (cli-progress). A bar appears only once its work has run for about a second, so
 * quick runs print nothing; the caller decides whether bars are wanted at all (a terminal, no --json, no
 * --quiet: see `Cli#progress`).
 */
import { createRequire } from "node:module";
import type { SingleBar } from "cli-progress";

/**
 * cli-progress's bar, loaded when the first bar is shown: a run without a terminal (a pipe, `--json`, CI) never
 * shows one and does not pay its module loading (~13 ms of `dpm`'s start on the benchmark machine).
 */
let barClass: typeof SingleBar | undefined;
const loadBar = (): typeof SingleBar => (barClass ??= (createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress")).SingleBar);

/** Reports progress of one piece of work; every method is cheap and safe to call often. */
export interface Progress {
  /**
   * `done` of `total` units; `detail` is shown after the bar (e.g. "12,000 accounts"): a function is called only
   * while the bar is shown (a label built on every call cost `dpm margin` ~1 µs per account, toLocaleString's).
   */
  update(done: number, total: number, detail?: string | (() => string)): void;
  /** Finish: remove the bar from the screen (idempotent). */
  stop(): void;
}

/** A bar shows up only after this long (ms): "anything that can run longer than about a second". */
export const SHOW_AFTER_MS = 800;

const NONE: Progress = { update: () => undefined, stop: () => undefined };
const live = new Set<Progress>();

/** Stop every bar still on screen (at the end of a run, also after an error). */
export function stopAllProgress(): void {
  for (const p of [...live]) p.stop();
}

/** Where and when bars appear (the defaults serve the CLI; tests pass their own stream). */
export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream;
  readonly showAfterMs?: number;
}

/** A progress bar labelled `label` counting `unit` (e.g. "MB", "steps"); `enabled` false gives a no-op. */
export function progress(label: string, unit: string, enabled: boolean, o: ProgressOptions = {}): Progress {
  if (!enabled) return NONE;
  const started = Date.now();
  const after = o.showAfterMs ?? SHOW_AFTER_MS;
  let bar: SingleBar | undefined;
  const p: Progress = {
    update(done, total, detailOf = "") {
      if (!bar && (done >= total || Date.now() - started < after)) return;
      const detail = typeof detailOf === "function" ? detailOf() : detailOf;
      const payload = { detail: detail ? ` | ${detail}` : "" };
      if (!bar) {
        const Bar = loadBar();
        bar = new Bar({
          format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit}{detail} | ETA {eta_formatted}`,
          barsize: 30, hideCursor: null, clearOnComplete: true, fps: 5, etaBuffer: 50, stream: o.stream ?? process.stderr,
        });
        bar.start(total, done, payload);
        live.add(p);
      }
      bar.setTotal(total);
      bar.update(done, payload);
      if (done >= total) p.stop();
    },
    stop() {
      if (!bar) return;
      bar.stop();
      bar = undefined;
      live.delete(p);
    },
  };
  return p;
}
