/**
 * streamDocuments cuts JSON lines in the bytes read (issue 10): lines that cross the 1 MiB read chunks, a
 * multi-byte character cut by a chunk end, CRLF line ends, blank lines, a bad line and a last line without its
 * line end must give the documents, line numbers and problems that reading the whole text gives.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readDocuments, streamDocuments, type Doc } from "../../src/adapters/cli/io.js";

const dir = mkdtempSync(join(tmpdir(), "dpm-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function streamed(text: string): Promise<{ docs: Doc[]; consumed: number; size?: number }> {
  const path = join(dir, `in-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, text);
  const s = streamDocuments(path, "<portfolio>");
  const docs: Doc[] = [];
  for await (const d of s.docs) docs.push(d);
  return { docs, consumed: s.consumed(), size: s.size };
}

describe("streamDocuments on JSON lines", () => {
  it("equals reading the whole text, across 1 MiB chunk ends (a 3-byte character cut by one), CRLF, blanks and a bad line", async () => {
    const lines: string[] = [];
    // ~2.6 MiB: 2,000 lines of ~1,300 bytes, with "€" (3 bytes) in every account name.
    for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ account: `a€${i}`, pad: "x".repeat(1300 + (i % 7)) }));
    lines.splice(10, 0, "", "   ");
    lines.splice(500, 0, "{not json");
    const text = `${lines.join("\r\n")}\n${JSON.stringify({ account: "last" })}`; // no final line end
    const got = await streamed(text);
    const want = readDocuments(text.replace(/\r\n/g, "\n"), "<portfolio>");
    expect(got.docs.length).toBe(want.length);
    expect(got.docs).toEqual(want);
    expect(got.docs.filter((d) => "issues" in d).map((d) => d.where.line)).toEqual([501]);
    expect(got.consumed).toBe(got.size! + 1); // every line's bytes and line end (the last one's counted too)
  });

  it("a character whose bytes straddle the first 1 MiB chunk end is decoded whole", async () => {
    const first = `{"account":"a","pad":"${"x".repeat(1_048_562 - 24)}"}`; // 1,048,562 bytes + line end
    const second = JSON.stringify({ account: "€uro" }); // "€" at bytes 1,048,575-1,048,577
    expect(Buffer.byteLength(`${first}\n{"account":"`)).toBe(1_048_575);
    const got = await streamed(`${first}\n${second}\n`);
    expect(got.docs.map((d) => ("value" in d ? (d.value as { account: string }).account : "?"))).toEqual(["a", "€uro"]);
  });

  it("a single long line across many chunks is one document", async () => {
    const one = JSON.stringify({ account: "big", pad: "é".repeat(1_500_000) });
    const got = await streamed(one);
    expect(got.docs).toEqual([{ value: JSON.parse(one), where: {} }]);
  });
});

describe("readDocuments (the whole-text reader)", () => {
  it("reads JSON lines when at least half the lines are objects, each bad line reported by its number", () => {
    const docs = readDocuments('{"account":"a"}\n[1]\n{"account":"b"}\n{oops\n', "<portfolio>");
    expect(docs.map((d) => d.where.line)).toEqual([1, 2, 3, 4]);
    expect(docs.map((d) => ("value" in d ? d.value : "bad"))).toEqual([{ account: "a" }, [1], { account: "b" }, "bad"]);
  });

  it("reports the whole text's syntax error when fewer than half the lines are objects (a truncated pretty-printed file)", () => {
    expect(() => readDocuments('{\n  "account": "a",\n  "positions": [\n', "<portfolio>")).toThrow(/cannot parse <portfolio>/);
    expect(() => readDocuments('{"account":"a"}\n1\n2\n', "<portfolio>")).toThrow(/cannot parse <portfolio>/);
  });

  it("one JSON document or an array of them is read whole", () => {
    expect(readDocuments('{"account":"a"}', "<portfolio>")).toEqual([{ value: { account: "a" }, where: {} }]);
    expect(readDocuments('[{"account":"a"},{"account":"b"}]', "<portfolio>").map((d) => d.where.index)).toEqual([0, 1]);
  });
});
