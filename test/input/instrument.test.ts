import { describe, expect, it } from "vitest";
import { expiryCode, forwardSourceNames, isDeltaOne, parseExpiry, parseInstrument, type Instrument } from "../../src/domain/instrument.js";

/** Parse a name that must be valid. */
function ok(name: string): Instrument {
  const r = parseInstrument(name);
  if (!r.ok) throw new Error(`expected ${name} to parse, got: ${r.reason}`);
  return r.value;
}

/** Parse a name that must be rejected; returns the reason. */
function bad(name: string): string {
  const r = parseInstrument(name);
  if (r.ok) throw new Error(`expected ${JSON.stringify(name)} to be rejected, got ${JSON.stringify(r.value)}`);
  expect(typeof r.reason).toBe("string");
  expect(r.reason.length).toBeGreaterThan(0);
  return r.reason;
}

const DEC27_0800 = Date.parse("2024-12-27T08:00:00Z");

describe("parseInstrument: valid Deribit-style names", () => {
  it("BTC-PERPETUAL is an inverse perpetual quoted in USD", () => {
    const i = ok("BTC-PERPETUAL");
    expect(i).toMatchObject({ name: "BTC-PERPETUAL", kind: "perpetual", underlying: "BTC", quote: "USD", settlement: "inverse" });
    expect(i.expiry).toBeUndefined();
    expect(i.strike).toBeUndefined();
    expect(i.right).toBeUndefined();
    expect(isDeltaOne(i)).toBe(true);
  });

  it("BTC-27DEC24 is an inverse future expiring 2024-12-27T08:00Z", () => {
    const i = ok("BTC-27DEC24");
    expect(i).toMatchObject({ name: "BTC-27DEC24", kind: "future", underlying: "BTC", quote: "USD", settlement: "inverse", expiryCode: "27DEC24" });
    expect(i.expiry).toBe(DEC27_0800);
    expect(new Date(i.expiry!).toISOString()).toBe("2024-12-27T08:00:00.000Z");
    expect(i.strike).toBeUndefined();
    expect(isDeltaOne(i)).toBe(true);
  });

  it("BTC-27DEC24-60000-C is an inverse call, strike 60000, same expiry", () => {
    const i = ok("BTC-27DEC24-60000-C");
    expect(i).toMatchObject({
      name: "BTC-27DEC24-60000-C", kind: "option", underlying: "BTC", quote: "USD", settlement: "inverse",
      expiryCode: "27DEC24", strike: 60000, right: "call",
    });
    expect(i.expiry).toBe(DEC27_0800);
    expect(isDeltaOne(i)).toBe(false);
  });

  it("BTC-27DEC24-60000-P is a put", () => {
    expect(ok("BTC-27DEC24-60000-P").right).toBe("put");
  });

  it("BTC_USDC-PERPETUAL is a linear perpetual quoted in USDC", () => {
    expect(ok("BTC_USDC-PERPETUAL")).toMatchObject({ kind: "perpetual", underlying: "BTC", quote: "USDC", settlement: "linear" });
  });

  it("LTC_USDT-PERPETUAL is linear in USDT", () => {
    expect(ok("LTC_USDT-PERPETUAL")).toMatchObject({ kind: "perpetual", underlying: "LTC", quote: "USDT", settlement: "linear" });
  });

  it("SOL_USDC-27DEC24-240-P is a linear put on SOL, strike 240", () => {
    const i = ok("SOL_USDC-27DEC24-240-P");
    expect(i).toMatchObject({ kind: "option", underlying: "SOL", quote: "USDC", settlement: "linear", strike: 240, right: "put", expiryCode: "27DEC24" });
    expect(i.expiry).toBe(DEC27_0800);
  });

  it("SOL_USDC-27DEC24 is a linear future", () => {
    expect(ok("SOL_USDC-27DEC24")).toMatchObject({ kind: "future", underlying: "SOL", quote: "USDC", settlement: "linear", expiry: DEC27_0800 });
  });

  it("spot BTC is the bare asset code, quoted in itself", () => {
    const i = ok("BTC");
    expect(i).toMatchObject({ name: "BTC", kind: "spot", underlying: "BTC", quote: "BTC" });
    expect(i.expiry).toBeUndefined();
    expect(isDeltaOne(i)).toBe(true);
  });

  it("fractional strike with 'd': XRP_USDC-27DEC24-0d625-C → 0.625", () => {
    const i = ok("XRP_USDC-27DEC24-0d625-C");
    expect(i).toMatchObject({ kind: "option", underlying: "XRP", quote: "USDC", settlement: "linear", right: "call" });
    expect(i.strike).toBe(0.625);
  });

  it("one-digit day and a leap day parse", () => {
    expect(ok("BTC-7MAR25").expiry).toBe(Date.parse("2025-03-07T08:00:00Z"));
    expect(ok("BTC-29FEB24").expiry).toBe(Date.parse("2024-02-29T08:00:00Z"));
  });

  it("keeps the name as given", () => {
    for (const n of ["BTC-PERPETUAL", "ETH-27DEC24-3500-C", "SOL_USDC-27DEC24-240-P", "USDC"]) expect(ok(n).name).toBe(n);
  });
});

describe("parseInstrument: rejected names carry a reason", () => {
  it("BTC-32DEC24: not a calendar date", () => {
    const r = bad("BTC-32DEC24");
    expect(r).toContain("32DEC24");
    expect(r).toMatch(/calendar date/);
  });

  it("BTC-29FEB25 and BTC-0DEC24: not calendar dates", () => {
    expect(bad("BTC-29FEB25")).toMatch(/calendar date/);
    expect(bad("BTC-0DEC24")).toMatch(/calendar date/);
  });

  it("BTC-27FOO24: unknown month", () => {
    const r = bad("BTC-27FOO24");
    expect(r).toMatch(/month/);
    expect(r).toContain("FOO");
  });

  it("BTC-27DEC24-X-C: strike is not a number", () => {
    const r = bad("BTC-27DEC24-X-C");
    expect(r).toMatch(/strike/);
    expect(r).toContain('"X"');
  });

  it("strike 0 is rejected", () => {
    expect(bad("BTC-27DEC24-0-C")).toMatch(/strike/);
  });

  it("BTC-27DEC24-60000-Q: unknown option right", () => {
    const r = bad("BTC-27DEC24-60000-Q");
    expect(r).toContain("BTC-27DEC24-60000-Q");
    expect(r).toMatch(/not a known instrument name/);
  });

  it("btc-perpetual: lower case is not an asset code", () => {
    const r = bad("btc-perpetual");
    expect(r).toContain('"btc"');
    expect(r).toMatch(/asset code/);
  });

  it("BTC_BTC-PERPETUAL: same base and quote", () => {
    const r = bad("BTC_BTC-PERPETUAL");
    expect(r).toMatch(/same base and quote/);
  });

  it("empty string", () => {
    expect(bad("")).toMatch(/empty/);
  });

  it("other malformed names", () => {
    expect(bad("BTC-FOO")).toMatch(/expiry/);
    expect(bad("BTC_USDC")).toMatch(/spot/);
    expect(bad("BTC-27DEC24-60000-C-X")).toMatch(/not a known instrument name/);
    expect(bad("A_B_C-PERPETUAL")).toMatch(/BASE_QUOTE/);
    expect(bad(" BTC")).toMatch(/asset code/);
    expect(bad("BTC-27DEC2024")).toMatch(/DMMMYY/);
  });
});

describe("expiry helpers", () => {
  it("parseExpiry and expiryCode round-trip at 08:00 UTC", () => {
    const p = parseExpiry("28MAR25");
    expect(p).toEqual({ ok: true, value: Date.parse("2025-03-28T08:00:00Z") });
    if (p.ok) expect(expiryCode(p.value)).toBe("28MAR25");
    expect(expiryCode(Date.parse("2025-03-07T08:00:00Z"))).toBe("7MAR25");
  });

  it("forward sources: own family first", () => {
    expect(forwardSourceNames(ok("BTC-27DEC24-60000-C"))).toEqual(["BTC-27DEC24", "BTC_USDC-27DEC24"]);
    expect(forwardSourceNames(ok("SOL_USDC-27DEC24-240-P"))).toEqual(["SOL_USDC-27DEC24", "SOL-27DEC24"]);
    expect(forwardSourceNames(ok("BTC_USDC-PERPETUAL"))).toEqual(["BTC_USDC-PERPETUAL", "BTC-PERPETUAL"]);
    expect(forwardSourceNames(ok("BTC"))).toEqual([]);
  });
});
