/**
 * ccxt's unified structures → a dpm multi-venue book (docs/venues.md). Per venue a document
 * `{"positions": [ccxt Position …], "balance": ccxt Balance}` (what `fetchPositions()` and `fetchBalance()`
 * return). Symbols map to dpm instruments:
 *
 *   BTC/USD:BTC                  → BTC-PERPETUAL            inverse: size in USD = contracts × contractSize (USD)
 *   BTC/USD:BTC-241227           → BTC-27DEC24              inverse dated future, size in USD
 *   BTC/USD:BTC-241227-100000-C  → BTC-27DEC24-100000-C     coin-settled option, size in BTC
 *   BTC/USDT:USDT, ETH/USDC:USDC → BTC_USDT-PERPETUAL, …    linear: size in the base coin = contracts × contractSize
 *
 * signed by `side`. Where `contracts` is empty, the venue's raw `info` size is used, in this order:
 *   deribit:                       info.size (signed; Deribit's own unit is dpm's: USD for inverse futures, coins else)
 *   okx:                           info.pos × contractSize (sign from info.posSide long/short, else from pos)
 *   binance, binanceusdm, binancecoinm: info.positionAmt (signed) × contractSize
 * An inverse contract without contractSize takes the venue's published size (OKX and Binance COIN-M: 100 USD for
 * BTC, 10 USD for others; Deribit: 10 USD BTC, 1 USD others). Balances: `balance.total`. Unknown symbols are
 * errors with their path, never guesses. Pure.
 */
import { z } from "zod";
import { expiryCode, parseInstrument } from "../../domain/instrument.js";
import type { InputIssue } from "../../input/issues.js";
import { fromZod } from "../../input/zodIssues.js";

const num = z.union([z.number(), z.string()]).nullable().optional();
const position = z.looseObject({
  symbol: z.string({ error: "must be a ccxt symbol such as BTC/USDT:USDT" }),
  side: z.enum(["long", "short"]).nullable().optional(),
  contracts: num, contractSize: num, entryPrice: num,
  info: z.record(z.string(), z.unknown()).optional(),
});
const doc = z.looseObject({
  positions: z.array(position).max(100_000).default([]),
  balance: z.looseObject({ total: z.record(z.string(), num).default({}) }).optional(),
});

/** Quote currencies a linear contract may settle in. */
export const LINEAR_QUOTES = ["USDT", "USDC", "USD", "DAI"];
const ASSET = /^[A-Z][A-Z0-9]{0,11}$/;
const SYMBOL = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)(?:-(\d{6})(?:-(\d+(?:\.\d+)?)-([CP]))?)?$/;

/** A ccxt symbol's dpm instrument name and settlement, or why it is not mapped. */
export function mapSymbol(symbol: string): { ok: true; name: string; inverse: boolean; option: boolean; base: string } | { ok: false; reason: string } {
  const m = SYMBOL.exec(symbol);
  if (!m) return { ok: false, reason: `not a ccxt contract symbol BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]] (spot balances belong in balance.total)` };
  const [, base, quote, settle, ymd, strike, right] = m;
  if (!ASSET.test(base)) return { ok: false, reason: `base ${base} is not an asset code dpm knows how to name` };
  const inverse = settle === base;
  if (inverse && quote !== "USD") return { ok: false, reason: `inverse contract quoted in ${quote}: dpm's inverse contracts are USD-quoted` };
  if (!inverse && (settle !== quote || !LINEAR_QUOTES.includes(quote))) return { ok: false, reason: `settles in ${settle}, quoted in ${quote}: dpm maps inverse (SETTLE = BASE) and linear contracts settled in ${LINEAR_QUOTES.join(", ")}` };
  let tail = "PERPETUAL";
  if (ymd) {
    const t = Date.UTC(2000 + Number(ymd.slice(0, 2)), Number(ymd.slice(2, 4)) - 1, Number(ymd.slice(4, 6)), 8);
    if (new Date(t).getUTCDate() !== Number(ymd.slice(4, 6))) return { ok: false, reason: `expiry ${ymd} is not a calendar date` };
    tail = expiryCode(t) + (strike ? `-${strike.replace(".", "d")}-${right}` : "");
  }
  const name = `${inverse ? base : `${base}_${quote}`}-${tail}`;
  const p = parseInstrument(name);
  if (!p.ok) return { ok: false, reason: p.reason };
  return { ok: true, name, inverse, option: strike !== undefined, base };
}

const toNum = (v: unknown): number | undefined => {
  if (v === null || v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Published contract size (USD) of an inverse contract when ccxt leaves it out. */
function inverseContractSize(venue: string, base: string): number | undefined {
  if (venue === "okx" || venue.startsWith("binance")) return base === "BTC" ? 100 : 10;
  if (venue === "deribit") return base === "BTC" ? 10 : 1;
  return undefined;
}

type P = z.infer<typeof position>;

/** Signed size in dpm units, or a problem. */
function sizeOf(venue: string, p: P, inverse: boolean, base: string, path: string): { size: number; via: string } | InputIssue {
  const info = p.info ?? {};
  const cs = toNum(p.contractSize) ?? (inverse ? inverseContractSize(venue, base) : undefined);
  const sign = p.side === "short" ? -1 : 1;
  const contracts = toNum(p.contracts);
  if (contracts !== undefined) {
    if (cs === undefined) return { path: `${path}.contractSize`, message: "missing: needed to turn contracts into a size", value: p.contractSize };
    return { size: sign * Math.abs(contracts) * cs, via: "contracts × contractSize" };
  }
  if (venue === "deribit" && toNum(info.size) !== undefined) return { size: toNum(info.size) as number, via: "info.size" };
  if (venue === "okx" && toNum(info.pos) !== undefined && cs !== undefined) {
    const pos = toNum(info.pos) as number, ps = info.posSide;
    const s = ps === "long" ? 1 : ps === "short" ? -1 : Math.sign(pos);
    return { size: s * Math.abs(pos) * cs, via: "info.pos × contractSize" };
  }
  if (venue.startsWith("binance") && toNum(info.positionAmt) !== undefined && cs !== undefined) return { size: (toNum(info.positionAmt) as number) * cs, via: "info.positionAmt × contractSize" };
  return { path: `${path}.contracts`, message: `empty, and no raw size to fall back on for ${venue} (deribit: info.size; okx: info.pos; binance*: info.positionAmt)`, value: p.contracts ?? null };
}

/** The book's JSON (docs/venues.md) before validation. */
export interface CcxtBook {
  account: string;
  venues: Record<string, { preset?: string; collateral: Record<string, number> }>;
  positions: { venue: string; instrument: string; size: number; entryPrice?: number }[];
}

/** Convert ccxt documents (venue → document) into a multi-venue book; notes say what was skipped or inferred. */
export function importCcxt(docs: readonly { venue: string; doc: unknown }[], account: string, presets: Readonly<Record<string, string>> = {}): { ok: true; value: CcxtBook; notes: string[] } | { ok: false; issues: InputIssue[] } {
  const issues: InputIssue[] = [], notes: string[] = [];
  const book: CcxtBook = { account, venues: {}, positions: [] };
  for (const { venue, doc: raw } of docs) {
    const r = doc.safeParse(raw);
    if (!r.success) { issues.push(...fromZod(r.error, raw, venue)); continue; }
    const collateral: Record<string, number> = {};
    for (const [a, v] of Object.entries(r.data.balance?.total ?? {})) {
      const x = toNum(v);
      if (x === undefined || x === 0) continue;
      if (!ASSET.test(a)) issues.push({ path: `${venue}.balance.total.${a}`, message: "not an asset code dpm can price (A-Z, 0-9, starting with a letter)", value: v });
      else if (x < 0) issues.push({ path: `${venue}.balance.total.${a}`, message: "negative balance (a loan on the venue): dpm books hold debt only on lending venues", value: v });
      else collateral[a] = x;
    }
    book.venues[venue] = { ...(presets[venue] ? { preset: presets[venue] } : {}), collateral };
    r.data.positions.forEach((p, i) => {
      const path = `${venue}.positions[${i}]`;
      const m = mapSymbol(p.symbol);
      if (!m.ok) { issues.push({ path: `${path}.symbol`, message: `unknown symbol: ${m.reason}`, value: p.symbol }); return; }
      const s = sizeOf(venue, p, m.inverse, m.base, path);
      if ("path" in s) { issues.push(s); return; }
      if (s.size === 0) { notes.push(`${path}: ${p.symbol} has size 0, skipped`); return; }
      if (s.via !== "contracts × contractSize") notes.push(`${path}: ${p.symbol} sized from ${s.via} (ccxt left contracts empty)`);
      const entry = toNum(p.entryPrice);
      book.positions.push({ venue, instrument: m.name, size: s.size, ...(!m.option && entry !== undefined && entry > 0 ? { entryPrice: entry } : {}) });
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: book, notes };
}
