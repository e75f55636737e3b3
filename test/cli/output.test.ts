/**
 * The CLI's stdout buffer (context.ts `Output`): text and laid-out bytes come out in the order given, a chunk
 * that stdout still holds is never written into again (one it took whole is), text larger than a chunk goes
 * straight through, and a writer that throws leaves nothing half-written.
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

  it("a chunk that stdout still holds (a lagging pipe) is not reused: its bytes stay as written", () => {
    const seen: Uint8Array[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((b: string | Uint8Array) => { seen.push(b as Uint8Array); return true; });
    vi.spyOn(process.stdout, "writableLength", "get").mockImplementation(() => seen.reduce((a, b) => a + b.length, 0));
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

  it("a chunk that stdout took whole is written into again, and what went out before is unchanged", () => {
    const seen: Uint8Array[] = [], copies: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((b: string | Uint8Array) => {
      seen.push(b as Uint8Array);
      copies.push(Buffer.from(b as Uint8Array).toString()); // what a file or a pipe with room received
      return true;
    });
    vi.spyOn(process.stdout, "writableLength", "get").mockReturnValue(0);
    const out = new Output();
    for (let i = 0; i < 1100; i++) out.push("a".repeat(1000));
    for (let i = 0; i < 1100; i++) out.push("b".repeat(1000));
    out.flush();
    expect(seen.length).toBe(3); // 2.2 MB in chunks of 1 MiB and a bit
    for (const b of seen) expect(b.buffer).toBe(seen[0].buffer);
    expect(copies[0]).toBe("a".repeat(seen[0].length));
    expect(copies.join("")).toBe(`${"a".repeat(1_100_000)}${"b".repeat(1_100_000)}`);
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
