/**
 * Generated books for `dpm serve --book` (issue 12): portfolio JSON lines on the service benchmark's 76
 * instruments of the example market (60 % BTC books, 25 % ETH, 15 % across BTC/ETH/SOL), with entry prices on
 * half of the futures and perpetuals and resting orders on a share of the accounts. Seeded; well collateralised
 * (2,000,000 USDC and 3 BTC, sometimes ETH), so that loading them triggers no liquidation.
 */
import { mulberry32 } from "./prng.js";

/** The instruments of the service benchmark, per underlying (all valued by examples/market.json). */
export function instrumentPool(): Record<string, string[]> {
  const btc = ["BTC-PERPETUAL", "BTC-27DEC24", "BTC-28MAR25", "BTC_USDC-PERPETUAL"];
  for (let k = 70000; k <= 115000; k += 5000) btc.push(`BTC-27DEC24-${k}-C`, `BTC-27DEC24-${k}-P`);
  btc.push("BTC-28MAR25-95000-C");
  const eth = ["ETH-PERPETUAL", "ETH-27DEC24"];
  for (let k = 2600; k <= 3600; k += 100) eth.push(`ETH-27DEC24-${k}-C`, `ETH-27DEC24-${k}-P`);
  const sol = ["SOL_USDC-PERPETUAL"];
  for (let k = 180; k <= 300; k += 10) sol.push(`SOL_USDC-27DEC24-${k}-C`, `SOL_USDC-27DEC24-${k}-P`);
  return { BTC: btc, ETH: eth, SOL: sol };
}

/** Marks of examples/market.json (futures and perpetuals; the index where it quotes none). */
const MARKS: Record<string, number> = {
  "BTC-PERPETUAL": 92050, "BTC-27DEC24": 93150, "BTC-28MAR25": 95500, "BTC_USDC-PERPETUAL": 92000,
  "ETH-PERPETUAL": 3101.5, "ETH-27DEC24": 3138, "SOL_USDC-PERPETUAL": 240.3,
};

export interface BookLine {
  account: string;
  collateral: Record<string, number | string>;
  positions: { instrument: string; size: number; entryPrice?: number }[];
  openOrders?: { instrument: string; size: number; price?: number }[];
}

export interface BookOptions {
  /** Share of accounts with 1-3 resting orders (default 0.3). */
  readonly orderShare?: number;
  /** Account id prefix (default `acct-`). */
  readonly prefix?: string;
}

/** `n` accounts of `p` positions each (fewer when the pool is smaller), seeded. */
export function generatedBook(n: number, p: number, seed: number, o: BookOptions = {}): BookLine[] {
  const rng = mulberry32(seed);
  const pool = instrumentPool();
  const all = [...pool.BTC, ...pool.ETH, ...pool.SOL];
  const out: BookLine[] = [];
  const sizeOf = (inst: string, k: number): number => {
    const u = inst.split(/[-_]/)[0];
    if (/-[CP]$/.test(inst)) return k / 2;
    return inst.includes("_USDC") ? k : k * (u === "BTC" ? 1000 : 100);
  };
  const signed = () => Math.round((rng.next() * 2 - 1) * 20) || 1;
  for (let a = 0; a < n; a++) {
    const r = rng.next();
    const src = r < 0.6 ? pool.BTC : r < 0.85 ? pool.ETH : all;
    const picks = new Set<string>();
    while (picks.size < Math.min(p, src.length)) picks.add(src[Math.floor(rng.next() * src.length)]);
    const positions = [...picks].map((instrument) => {
      const size = sizeOf(instrument, signed());
      const mark = MARKS[instrument];
      return mark !== undefined && rng.chance(0.5) ? { instrument, size, entryPrice: Number((mark * (1 + (rng.next() - 0.5) * 0.1)).toPrecision(7)) } : { instrument, size };
    });
    const collateral: Record<string, number | string> = { USDC: "2000000", BTC: 3 };
    if (rng.chance(0.3)) collateral.ETH = Number((rng.next() * 50).toFixed(6));
    const line: BookLine = { account: `${o.prefix ?? "acct-"}${String(a).padStart(5, "0")}`, collateral, positions };
    if (rng.chance(o.orderShare ?? 0.3)) {
      const names = [...picks];
      line.openOrders = Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => {
        const instrument = names[Math.floor(rng.next() * names.length)];
        const mark = MARKS[instrument];
        const size = sizeOf(instrument, signed());
        return mark !== undefined && rng.chance(0.5) ? { instrument, size, price: Number((mark * (1 + (rng.next() - 0.5) * 0.04)).toFixed(1)) } : { instrument, size };
      });
    }
    out.push(line);
  }
  return out;
}

/** The book as JSON-lines text. */
export function bookText(lines: readonly BookLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}
