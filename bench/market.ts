/**
 * Seeded synthetic market snapshot in the market-file JSON format (asOf as an ISO string), about 100
 * instruments on BTC, ETH and SOL: inverse and linear perpetuals, 3-4 dated futures per asset with marks,
 * options across strikes and expiries, most with a markIv, the rest valued from the ETH SVI surface or
 * the flat asset vol.
 */
import type { SviParams } from "../src/market/svi.js";
import { mulberry32 } from "./prng.js";

export interface AssetFile {
  index: number;
  vol?: number;
  rate?: number;
  surface?: Record<string, SviParams>;
}

export interface InstrumentFile {
  mark?: number;
  markIv?: number;
}

/** The market file as written to disk (DESIGN.md section 10). */
export interface MarketFile {
  asOf: string;
  assets: Record<string, AssetFile>;
  instruments: Record<string, InstrumentFile>;
}

export type Kind = "perpetual" | "future" | "option";

/** One tradeable instrument of the synthetic universe, with what the account generator needs to size it. */
export interface UniverseEntry {
  readonly name: string;
  readonly underlying: "BTC" | "ETH" | "SOL";
  readonly kind: Kind;
  /** inverse: size is USD notional; linear and options: size in coins. */
  readonly settlement: "inverse" | "linear";
  /** Mark of futures and perpetuals (for entry prices). */
  readonly mark?: number;
}

export interface SyntheticMarket {
  readonly file: MarketFile;
  readonly universe: readonly UniverseEntry[];
}

export const AS_OF = "2024-11-20T08:00:00Z";
const AS_OF_MS = Date.parse(AS_OF);
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

function years(code: string): number {
  const m = /^(\d{1,2})([A-Z]{3})(\d{2})$/.exec(code);
  if (!m) throw new Error(`bad expiry ${code}`);
  const t = Date.UTC(2000 + Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), 8);
  return (t - AS_OF_MS) / (365 * 86_400_000);
}

interface AssetSpec {
  readonly code: "BTC" | "ETH" | "SOL";
  readonly index: number;
  readonly vol: number;
  /** Annualised basis of futures over the index. */
  readonly basis: number;
  readonly strikeStep: number;
  readonly inversePerp: boolean;
  readonly linearPerp: boolean;
  /** Dated futures: inverse (BTC-27DEC24) or linear (SOL_USDC-27DEC24). */
  readonly futures: readonly string[];
  readonly futuresLinear: boolean;
  readonly optionExpiries: readonly string[];
  /** Strikes as multiples of the index. */
  readonly moneyness: readonly number[];
  readonly optionsLinear: boolean;
  /** Share of options with a markIv (the rest use the surface or flat vol). */
  readonly markIvShare: number;
  readonly surface?: Record<string, SviParams>;
}

const SPECS: readonly AssetSpec[] = [
  {
    code: "BTC", index: 92_000, vol: 0.55, basis: 0.11, strikeStep: 1000, inversePerp: true, linearPerp: true,
    futures: ["27DEC24", "31JAN25", "28MAR25", "27JUN25"], futuresLinear: false,
    optionExpiries: ["29NOV24", "27DEC24", "28MAR25", "27JUN25"], moneyness: [0.8, 0.9, 1.0, 1.1, 1.25], optionsLinear: false, markIvShare: 0.75,
  },
  {
    code: "ETH", index: 3_100, vol: 0.65, basis: 0.09, strikeStep: 50, inversePerp: true, linearPerp: true,
    futures: ["27DEC24", "28MAR25", "27JUN25"], futuresLinear: false,
    optionExpiries: ["29NOV24", "27DEC24", "28MAR25"], moneyness: [0.85, 1.0, 1.15, 1.3], optionsLinear: false, markIvShare: 0.6,
    surface: {
      "27DEC24": { a: 0.012, b: 0.08, rho: -0.25, m: 0.02, sigma: 0.25 },
      "28MAR25": { a: 0.055, b: 0.12, rho: -0.3, m: 0.03, sigma: 0.35 },
    },
  },
  {
    code: "SOL", index: 240, vol: 0.85, basis: 0.14, strikeStep: 5, inversePerp: false, linearPerp: true,
    futures: ["27DEC24", "31JAN25", "28MAR25"], futuresLinear: true,
    optionExpiries: ["27DEC24", "28MAR25"], moneyness: [0.75, 0.9, 1.0, 1.1, 1.3], optionsLinear: true, markIvShare: 0.6,
  },
];

const round = (v: number, step: number): number => Math.round(v / step) * step;

/** Build the market and its instrument universe from a seed. */
export function syntheticMarket(seed: number): SyntheticMarket {
  const rng = mulberry32(seed);
  const assets: Record<string, AssetFile> = { USDC: { index: 1.0 }, USDT: { index: 0.9995 } };
  const instruments: Record<string, InstrumentFile> = {};
  const universe: UniverseEntry[] = [];
  for (const a of SPECS) {
    const asset: AssetFile = { index: a.index, vol: a.vol };
    if (a.surface) asset.surface = a.surface;
    assets[a.code] = asset;
    const px = (v: number): number => Number(v.toPrecision(8));
    const add = (e: UniverseEntry, m: InstrumentFile): void => {
      universe.push(e);
      instruments[e.name] = m;
    };
    const perpMark = px(a.index * (1 + rng.uniform(-0.0005, 0.0015)));
    if (a.inversePerp) add({ name: `${a.code}-PERPETUAL`, underlying: a.code, kind: "perpetual", settlement: "inverse", mark: perpMark }, { mark: perpMark });
    if (a.linearPerp) {
      const m = px(perpMark * (1 + rng.uniform(-0.0003, 0.0003)));
      add({ name: `${a.code}_USDC-PERPETUAL`, underlying: a.code, kind: "perpetual", settlement: "linear", mark: m }, { mark: m });
    }
    const forwards = new Map<string, number>();
    for (const code of a.futures) {
      const T = years(code);
      const mark = px(a.index * Math.exp((a.basis + rng.uniform(-0.02, 0.02)) * T));
      forwards.set(code, mark);
      const name = a.futuresLinear ? `${a.code}_USDC-${code}` : `${a.code}-${code}`;
      add({ name, underlying: a.code, kind: "future", settlement: a.futuresLinear ? "linear" : "inverse", mark }, { mark });
    }
    for (const code of a.optionExpiries) {
      const T = years(code);
      const F = forwards.get(code) ?? a.index;
      for (const mny of a.moneyness) {
        const K = round(a.index * mny, a.strikeStep);
        for (const right of ["C", "P"] as const) {
          const name = `${a.optionsLinear ? `${a.code}_USDC` : a.code}-${code}-${K}-${right}`;
          // A skewed smile around the flat vol, a little noise, higher short-dated.
          const k = Math.log(K / F);
          const iv = Math.min(3, Math.max(0.2, a.vol * (1 + 0.08 / Math.sqrt(T)) * (1 - 0.35 * k + 0.9 * k * k) + rng.uniform(-0.02, 0.02)));
          const m: InstrumentFile = rng.chance(a.markIvShare) ? { markIv: Number(iv.toFixed(4)) } : {};
          add({ name, underlying: a.code, kind: "option", settlement: a.optionsLinear ? "linear" : "inverse" }, m);
        }
      }
    }
  }
  return { file: { asOf: AS_OF, assets, instruments }, universe };
}
