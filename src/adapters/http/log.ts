/**
 * Operator log: one JSON line per unexpected event (500s, failed appends, feed tick refusals beyond a
 * threshold), written to stderr unless quiet. Lines carry no request bodies, no headers and no API keys:
 * messages are cut to 300 characters and anything shaped like a dpm key (or the configured admin key) is
 * replaced by `[redacted]`.
 */

/** A log line's fields (`ts` and `level` are added). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** Where log lines go: a function taking one JSON line (without the newline). */
export type LogSink = (line: string) => void;

const KEY_SHAPE = /dpm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g;

export class OperatorLog {
  private readonly secrets: string[];

  /** `sink` undefined = quiet (nothing written). `secrets`: strings never to appear (e.g. the admin key). */
  constructor(private readonly sink: LogSink | undefined, secrets: readonly (string | undefined)[] = [], private readonly clock: () => number = Date.now) {
    this.secrets = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  }

  /** Remove keys and configured secrets from a text, cut to `max` characters. */
  redact(text: string, max = 300): string {
    let t = text.replace(KEY_SHAPE, "[redacted]");
    for (const s of this.secrets) t = t.split(s).join("[redacted]");
    return t.length > max ? `${t.slice(0, max)}…` : t;
  }

  /** Write one line `{ts, level, msg, ...fields}`; string fields are redacted. */
  write(level: "error" | "warn" | "info", msg: string, fields: LogFields = {}): void {
    if (!this.sink) return;
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(fields)) clean[k] = typeof v === "string" ? this.redact(v) : v;
    this.sink(JSON.stringify({ ts: new Date(this.clock()).toISOString(), level, msg: this.redact(msg), ...clean }));
  }
}

/** The default sink: stderr, one line each. */
export const stderrSink: LogSink = (line) => { process.stderr.write(`${line}\n`); };
