import { describe, expect, it } from "vitest";
import { createMarginEngine } from "../../src/api.js";
import { repoJson } from "../helpers/shared.js";

const market = repoJson<Record<string, unknown>>("examples/market.json");
const engine = createMarginEngine(market);
const F = 92050; // BTC-PERPETUAL mark
/** Deribit standard IM of an inverse BTC perpetual of USD notional n (independent of the code). */
const perpIm = (n: number): number => (0.02 + 0.00005 * (Math.abs(n) / F)) * Math.abs(n);

type Order = { instrument: string; size: number; price: number };
/**
 * Standard model, open orders: each side filled on top of the position it trades (an order that reduces a
 * position adds no margin); the side that raises the IM most counts.
 */
describe("standard model open-order margin is the raise of IM when one side is filled", () => {
  const cases: { name: string; pos: number; orders: Order[]; side: "buy" | "sell" | null; amount: number }[] = [
    { name: "long, small buy, large flipping sell", pos: 50000, orders: [{ instrument: "BTC-PERPETUAL", size: 10000, price: 90000 }, { instrument: "BTC-PERPETUAL", size: -80000, price: 95000 }], side: "buy", amount: perpIm(60000) - perpIm(50000) },
    { name: "long, reducing sell only", pos: 50000, orders: [{ instrument: "BTC-PERPETUAL", size: -40000, price: 95000 }], side: null, amount: 0 },
    { name: "no position, two sides", pos: 0, orders: [{ instrument: "BTC-PERPETUAL", size: 10000, price: 90000 }, { instrument: "BTC-PERPETUAL", size: -20000, price: 95000 }], side: "sell", amount: perpIm(20000) },
    { name: "two sells add up before the size term", pos: 0, orders: [{ instrument: "BTC-PERPETUAL", size: -500000, price: 95000 }, { instrument: "BTC-PERPETUAL", size: -500000, price: 96000 }], side: "sell", amount: perpIm(1000000) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // An ETH position rides along: it keeps the book non-empty (src/api.ts isPortfolio takes a raw book with no
      // positions for a parsed one) and its own margin must not move the BTC order margin.
      const eth = { instrument: "ETH-PERPETUAL", size: 1000 };
      const pf = { account: "o", collateral: { USDC: 1e6 }, positions: c.pos === 0 ? [eth] : [{ instrument: "BTC-PERPETUAL", size: c.pos }, eth], openOrders: c.orders };
      const r = engine.margin(pf, "standard");
      const oc = r.components.find((x) => x.name === "openOrders");
      const msg = `position ${c.pos}, orders ${JSON.stringify(c.orders)}: got ${JSON.stringify(oc)}`;
      expect(oc?.amount ?? 0, msg).toBeCloseTo(c.amount, 8);
      expect(oc?.detail?.side ?? null, msg).toBe(c.side);
      const ethIm = r.positions[r.positions.length - 1].initialMargin ?? NaN;
      expect(r.initialMargin, msg).toBeCloseTo((c.pos === 0 ? 0 : perpIm(c.pos)) + ethIm + c.amount, 8);
    });
  }
});
