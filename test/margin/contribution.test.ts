import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { repoJson } from "../helpers/shared.js";

const market = repoJson<Record<string, unknown>>("examples/market.json");

type Book = { account: string; collateral: Record<string, number>; positions: { instrument: string; size: number }[] };

/**
 * marginContribution of the portfolio model is documented (result.ts) as "initial margin with it minus
 * without it". The independent value is the IM of the same account re-margined without that position
 * (the collateral decision re-taken), from the public API.
 */
describe("portfolio marginContribution = IM(with) − IM(without), collateral decision re-taken", () => {
  const books: Book[] = [
    // 10 ETH hedged by a short inverse perpetual: the collateral counts in the scenarios; without the
    // perpetual the 10 ETH are cheaper at their haircut (IM 0).
    { account: "eth-hedged", collateral: { ETH: 10 }, positions: [{ instrument: "ETH-PERPETUAL", size: -31000 }] },
    // covered call
    { account: "covered-call", collateral: { BTC: 10 }, positions: [{ instrument: "BTC-27DEC24-100000-C", size: -10 }] },
    // no collateral in the unit: the old path
    { account: "spread", collateral: { USDC: 50000 }, positions: [{ instrument: "BTC-27DEC24-85000-P", size: -2 }, { instrument: "BTC-27DEC24-80000-P", size: 2 }] },
    // two positions sharing the collateral
    { account: "btc-mixed", collateral: { BTC: 2 }, positions: [{ instrument: "BTC-PERPETUAL", size: -150000 }, { instrument: "BTC-27DEC24-92000-P", size: 1 }] },
  ];
  for (const currency of ["USD", "BTC"]) {
    const engine = createMarginEngine(market, { currency });
    for (const b of books) {
      it(`${b.account} in ${currency}`, () => {
        const r = engine.margin(b, "portfolio");
        b.positions.forEach((p, i) => {
          const without = engine.margin({ ...b, positions: b.positions.filter((_, j) => j !== i) }, "portfolio");
          const expected = r.initialMargin - without.initialMargin;
          const got = r.positions[i].marginContribution;
          expect(got, `${b.account} ${currency} position ${p.instrument} ${p.size}: IM with ${r.initialMargin}, without ${without.initialMargin}`).toBeCloseTo(expected, 6);
        });
      });
    }
  }
});

describe("createMarginEngine({ contributions: false })", () => {
  it("reports every position's contribution as 0 and every other figure as with them", () => {
    const on = createMarginEngine(market), off = createMarginEngine(market, { contributions: false });
    const b = { account: "btc-mixed", collateral: { BTC: 2 }, positions: [{ instrument: "BTC-PERPETUAL", size: -150000 }, { instrument: "BTC-27DEC24-92000-P", size: 1 }] };
    const a = on.margin(b), z = off.margin(b);
    expect(a.positions.some((p) => p.marginContribution !== 0)).toBe(true);
    expect(z.positions.map((p) => p.marginContribution)).toEqual([0, 0]);
    expect({ ...z, positions: z.positions.map(({ marginContribution: _, ...p }) => p) }).toEqual({ ...a, positions: a.positions.map(({ marginContribution: _, ...p }) => p) });
  });
  it("refuses a value that is not a boolean, naming the option", () => {
    expect(() => createMarginEngine(market, { contributions: "no" as unknown as boolean })).toThrow(/invalid options/);
    let issues: unknown;
    try { createMarginEngine(market, { contributions: 1 as unknown as boolean }); } catch (e) { issues = (e as { issues: unknown }).issues; }
    expect(issues).toEqual([{ path: "contributions", message: "must be true or false", value: 1 }]);
  });
});
