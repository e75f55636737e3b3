/**
 * The CLI's stdout buffer (context.ts `Output`): text and laid-out bytes come out in the order given, a chunk
 * handed to stdout is never written into again, text larger than a chunk goes straight through, and a writer
 * that throws leaves nothing half-written.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Output } from "../../src/adapters/cli/context.js";

function capture(): { chunks: Buffer[]; text: () => string } {
  const chunks: Buffer[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((b: string | Uint8Array) => {
    chunks.push(Buffer.from(typeof b === "string" ? Buffer.from(b) : Buffer.from(b))); // copied when written
    return true;
  });
  return { chunks, text: () => Buffer.concat(chunks).toString("utf8") };
}

afterEach(() => vi.restoreAllMocks());

describe("Output", () => {
  it("keeps the order of pushed text, laid-out bytes and UTF-8, across 1 MiB chunks", () => {
    const cap = capture();
    const out = new Output();
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = `line ${i} ${"é€".repeat(i % 50)} ${"x".repeat(600)}\n`;
      if (i % 2 === 0) out.push(line);
      else out.write((tb) => tb.text(line));
      expected.push(line);
    }
    out.flush();
    expect(cap.text()).toBe(expected.join(""));
    expect(cap.chunks.length).toBeGreaterThan(1);
  });

  it("a chunk handed to stdout is not reused: its bytes stay as written", () => {
    const seen: Uint8Array[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((b: string | Uint8Array) => { seen.push(b as Uint8Array); return true; });
    const out = new Output();
    const piece = "a".repeat(1000);
    for (let i = 0; i < 1100; i++) out.push(piece); // crosses 1 MiB: one chunk goes out
    expect(seen.length).toBe(1);
    for (let i = 0; i < 1100; i++) out.push("b".repeat(1000));
    out.flush();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(Buffer.from(seen[0]).toString()).toBe(piece.repeat(seen[0].length / 1000));
    expect(seen[0].length).toBeGreaterThanOrEqual(1 << 20);
  });

  it("text larger than a chunk is written as it is, after what was buffered", () => {
    const cap = capture();
    const out = new Output();
    const big = "z".repeat(2 << 20);
    out.push("head\n", big, "tail\n");
    out.flush();
    expect(cap.text()).toBe(`head\n${big}tail\n`);
  });

  it("a writer that throws leaves nothing of its output", () => {
    const cap = capture();
    const out = new Output();
    out.push("before\n");
    expect(() => out.write((tb) => { tb.text("half of a table"); throw new Error("boom"); })).toThrow("boom");
    out.push("after\n");
    out.flush();
    expect(cap.text()).toBe("before\nafter\n");
  });
});
