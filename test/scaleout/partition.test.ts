import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fnv1a32, ownerOf, parsePartition } from "../../src/engine/partition.js";

describe("partition hash", () => {
  it("is FNV-1a 32-bit (published test vectors)", () => {
    // Vectors from the FNV reference (isthe.com/chongo/tech/comp/fnv): "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect([fnv1a32(""), fnv1a32("a"), fnv1a32("foobar")]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
  });
  it("hashes UTF-8 bytes (é is 2 bytes)", () => {
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32("é")).toBe(h);
  });
  it("owner is in [0, N) and spreads accounts evenly (10,000 ids over 4 workers within ±5%)", () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (id, n) => { const o = ownerOf(id, n); return Number.isInteger(o) && o >= 0 && o < n; }));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[ownerOf(`user-${i}`, 4)]++;
    for (const c of counts) expect(Math.abs(c - 2500), `counts ${counts.join(",")}`).toBeLessThan(125);
  });
  it("parses I/N", () => {
    expect(parsePartition("1/3")).toEqual({ index: 1, count: 3 });
    for (const bad of ["3/3", "0/0", "-1/2", "1/", "a/2", "1/2000"]) expect(parsePartition(bad), bad).toBeUndefined();
  });
});
