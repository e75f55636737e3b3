/** Progress bars (cli-progress): on a terminal only, never with --json or --quiet, late enough to skip quick runs. */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Cli } from "../../src/adapters/cli/context.js";
import { progress, stopAllProgress } from "../../src/adapters/cli/progress.js";

/** A terminal-like stream that keeps what was written. */
function terminal(isTTY = true): Writable & { text: () => string; isTTY: boolean; columns: number } {
  const chunks: string[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { chunks.push(String(chunk)); cb(); } });
  return Object.assign(w, { text: () => chunks.join(""), isTTY, columns: 120 });
}

describe("progress bars", () => {
  it("draw label, percentage, counts and detail; stop clears the line", () => {
    const t = terminal();
    const p = progress("margin", "MB", true, { stream: t, showAfterMs: 0 });
    p.update(3, 12, "5,000 accounts");
    expect(t.text()).toContain("margin [");
    expect(t.text()).toContain("25% | 3/12 MB | 5,000 accounts");
    p.stop();
    p.stop();
    stopAllProgress();
  });

  it("nothing before the delay (quick runs stay silent), and nothing once done", () => {
    const t = terminal();
    const p = progress("x", "steps", true, { stream: t, showAfterMs: 60_000 });
    p.update(1, 10);
    const q = progress("y", "steps", true, { stream: t, showAfterMs: 0 });
    q.update(10, 10);
    expect(t.text()).toBe("");
  });

  it("disabled: a no-op", () => {
    const t = terminal();
    progress("x", "steps", false, { stream: t, showAfterMs: 0 }).update(1, 10);
    expect(t.text()).toBe("");
  });

  it("the CLI shows bars only on a terminal and neither with --json nor with --quiet", () => {
    const cases: [boolean, boolean, boolean, boolean][] = [
      // tty, json, quiet, shown
      [true, false, false, true],
      [false, false, false, false],
      [true, true, false, false],
      [true, false, true, false],
    ];
    for (const [tty, json, quiet, shown] of cases) {
      const t = terminal(tty);
      const cli = new Cli();
      cli.progressOptions = { stream: t, showAfterMs: 0 };
      cli.mode.json = json;
      cli.mode.quiet = quiet;
      const p = cli.progress("cascade", "steps");
      p.update(2, 30);
      p.stop();
      expect(t.text() !== "", JSON.stringify({ tty, json, quiet })).toBe(shown);
    }
  });
});
