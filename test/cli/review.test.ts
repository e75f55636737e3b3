/** `dpm serve` with a bad --market: exit 2 (invalid input), nothing on stdout, no server started. */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "dpm-cli-review-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dpm = runCli;

describe("dpm serve --market validation", () => {
  const cases: [string, string | undefined][] = [
    ["a missing file", undefined],
    ["a file that is not JSON", "{ truncated"],
    ["a JSON file that is not a market snapshot", '{"assets": 5}'],
  ];
  for (const [what, content] of cases) {
    it(`${what}: exit 2, nothing on stdout, nothing created`, async () => {
      const file = join(dir, `${what.replace(/\W+/g, "-")}.json`);
      if (content !== undefined) writeFileSync(file, content);
      const db = join(dir, what.replace(/\W+/g, "-"), "x.sqlite");
      const r = await dpm("serve", "--port", "0", "--db", db, "--market", file);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/--market|market/);
      expect(existsSync(db), "no database created").toBe(false);
    });
  }
});

describe("dpm serve --preset validation", () => {
  it("an unknown preset: exit 2 naming --preset and the known ones, nothing created", async () => {
    const db = join(dir, "preset", "x.sqlite");
    const r = await dpm("serve", "--port", "0", "--db", db, "--preset", "nope");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--preset.*must be one of .*okx/s);
    expect(existsSync(db)).toBe(false);
  });
  it("with --nats: refused (parameters go through the market stream)", async () => {
    const r = await dpm("serve", "--port", "0", "--db", join(dir, "p2", "x.sqlite"), "--preset", "okx", "--nats", "nats://127.0.0.1:4222");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--preset.*--nats/s);
  });
});

describe("dpm serve with its port in use", () => {
  it("one clear line, exit 2, and the demo's temp directory is removed", async () => {
    const { createServer } = await import("node:net");
    const { readdirSync } = await import("node:fs");
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, "127.0.0.1", res));
    const port = (blocker.address() as { port: number }).port;
    const tmp = mkdtempSync(join(dir, "tmp-"));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const r = await dpm("serve", "--demo", "--port", String(port));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`dpm: port ${port} is in use (127.0.0.1:${port} has another listener); choose another with --port\n`);
      expect(readdirSync(tmp), "no dpm-demo-* directory left").toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      await new Promise((res) => blocker.close(res));
    }
  });
});

describe("issue 11: absurd values in CLI files and band flags", () => {
  it("dpm margin with a market whose index is 1e-300 or a perpetual's mark 1000× its index: exit 2 with the paths", async () => {
    const market = JSON.parse(await import("node:fs").then((f) => f.readFileSync(join(import.meta.dirname, "../../examples/market.json"), "utf8"))) as { assets: Record<string, unknown>; instruments: Record<string, unknown> };
    const file = join(dir, "absurd-market.json");
    writeFileSync(file, JSON.stringify({ ...market, assets: { ...market.assets, BTC: { index: 1e-300, vol: 0.55 }, ETH: { index: 3100, vol: 1e-300 } }, instruments: { ...market.instruments, "SOL_USDC-PERPETUAL": { mark: 240000 } } }));
    const book = join(dir, "book.json");
    writeFileSync(book, JSON.stringify({ account: "x", collateral: { USDC: 1000 } }));
    const r = await dpm("margin", book, "--market", file);
    expect(r.code, r.stderr).toBe(2);
    for (const path of ["assets.BTC.index", "assets.ETH.vol", 'instruments["SOL_USDC-PERPETUAL"].mark']) expect(r.stderr).toContain(path);
  });
  it("dpm serve --price-band 0.5 and --max-index-move abc: exit 2 naming the flag", async () => {
    for (const [flag, v] of [["--price-band", "0.5"], ["--max-index-move", "abc"]]) {
      const r = await dpm("serve", "--port", "0", "--db", join(dir, "band", "x.sqlite"), flag, v);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });
});
