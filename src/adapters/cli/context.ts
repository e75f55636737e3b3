/**
 * What every command writes through: results to stdout (streamed in large chunks), and notes, warnings and
 * progress to stderr, shaped by the run's mode (`--json`: JSON lines on stderr too; `--quiet`: errors only).
 */
import { resolve } from "node:path";
import { progress, type Progress, type ProgressOptions } from "./progress.js";
import { TextBuffer } from "./textTable.js";

/** A failure the CLI explains in one line (no list of input problems), with its exit code (2: usage, 1: internal). */
export class CliFailure extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 2) {
    super(message);
    this.name = "CliFailure";
  }
}

/** Bytes gathered before a write to stdout, and the room beyond them for the item that crosses the mark. */
const CHUNK_BYTES = 1 << 20;
const CHUNK_SLACK = 1 << 16;

/**
 * Results on stdout, written as they come in chunks of about 1 MiB (a batch is never held whole). Text is
 * encoded as UTF-8 straight into the chunk (`TextBuffer`), and tables can be laid out in it directly (`write`),
 * so a batch's output is neither joined into strings nor copied again by `Buffer.from` (issue 10). A chunk that
 * stdout took whole (a file, or a pipe with room: `writableLength` back to 0 after the write) is written into
 * again; one that stdout still holds (a pipe whose reader lags) is left to it and a new chunk is started. A fresh
 * 1 MiB chunk per flush cost page faults on every first write: ~8 µs per account, 9 % of a 20,000-account batch.
 */
export class Output {
  private chunk = new TextBuffer(CHUNK_BYTES + CHUNK_SLACK);
  /** The reader went away (EPIPE, e.g. `dpm margin big.jsonl | head`): nothing more is written and batches stop. */
  closed = false;

  /** Append text (the same signature as `string[]#push`, so a command can also write into an array). */
  push(...s: string[]): number {
    if (this.closed) return 0;
    for (const x of s) {
      if (3 * x.length > CHUNK_BYTES) {
        this.flush();
        if (!this.closed) process.stdout.write(x);
      } else {
        this.chunk.text(x);
      }
    }
    if (this.chunk.pos >= CHUNK_BYTES) this.flush();
    return 0;
  }

  /** Append what `fill` writes into the output's own buffer (a table laid out in place); nothing if it throws. */
  write(fill: (out: TextBuffer) => void): void {
    if (this.closed) return;
    const start = this.chunk.pos;
    try {
      fill(this.chunk);
    } catch (e) {
      this.chunk.pos = start;
      throw e;
    }
    if (this.chunk.pos >= CHUNK_BYTES) this.flush();
  }

  /**
   * Append bytes already encoded as UTF-8 (a worker's output), after what is buffered. True when stdout holds no
   * reference to `b` afterwards (written whole, or the reader gone), so that its memory can be written into again.
   */
  pushBytes(b: Uint8Array): boolean {
    if (this.closed) return true;
    this.flush();
    const stdout = process.stdout;
    stdout.write(b);
    return stdout.writableLength === 0;
  }

  /** Write everything buffered to stdout. */
  flush(): void {
    if (this.chunk.pos === 0) return;
    if (this.closed) { this.chunk.pos = 0; return; }
    const stdout = process.stdout;
    stdout.write(this.chunk.bytes());
    if (stdout.writableLength === 0) this.chunk.pos = 0;
    else this.chunk = new TextBuffer(CHUNK_BYTES + CHUNK_SLACK);
  }
}

/** The mode of this run, set from the command's options before its action runs. */
export interface Mode {
  /** The command was given `--json`: errors, notes and warnings on stderr are JSON lines too. */
  json: boolean;
  /** `--quiet`: no progress, notes or warnings (errors still go to stderr). */
  quiet: boolean;
}

/** The CLI's I/O for one run. */
export class Cli {
  readonly out = new Output();
  readonly mode: Mode = { json: false, quiet: false };

  /** One informational line on stderr (`dpm: …`, or `{"note": …}` under --json); nothing with --quiet. */
  note(text: string, data: Readonly<Record<string, unknown>> = {}): void {
    this.say("note", text, data);
  }

  /** One warning line on stderr (`dpm: warning: …`, or `{"warning": …}` under --json); nothing with --quiet. */
  warn(text: string, data: Readonly<Record<string, unknown>> = {}): void {
    this.say("warning", text, data);
  }

  /** Say that a file was written, with its absolute path. */
  wrote(file: string, detail = ""): void {
    const path = resolve(file);
    this.note(`wrote ${path}${detail ? ` (${detail})` : ""}`, { wrote: path });
  }

  /**
   * A progress bar on stderr for work that can take more than about a second; a no-op unless stderr is a
   * terminal and neither --json nor --quiet was given.
   */
  progress(label: string, unit: string): Progress {
    const stream = this.progressOptions.stream ?? process.stderr;
    return progress(label, unit, !this.mode.json && !this.mode.quiet && (stream as { isTTY?: boolean }).isTTY === true, this.progressOptions);
  }

  /** Where bars go and after how long they show (tests set these). */
  progressOptions: ProgressOptions = {};

  private say(kind: "note" | "warning", text: string, data: Readonly<Record<string, unknown>>): void {
    if (this.mode.quiet) return;
    process.stderr.write(this.mode.json ? `${JSON.stringify({ [kind]: text, ...data })}\n` : `dpm: ${kind === "warning" ? "warning: " : ""}${text}\n`);
  }
}
