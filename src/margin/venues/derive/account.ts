/**
 * Arrange a dpm portfolio into Derive subaccounts (one per underlying), reading prices from the dpm
 * market and venue oracle state (confidences, exact expiry feeds, signed cash) from `deriveFeeds`.
 */
import type { Instrument, Parsed } from "../../../domain/instrument.js";
import type { Portfolio } from "../../../domain/portfolio.js";
import { resolveInstrument } from "../../../market/resolve.js";
import type { MarketSnapshot } from "../../../market/snapshot.js";
import type { DeriveExpiryFeed, DeriveFeedsEntry } from "./params.js";
import { deriveSviVol } from "./vol.js";

/** An option position with everything Derive's managers read about it. */
export interface ArrangedOption {
  readonly index: number;
  readonly instrument: Instrument;
  readonly amount: number;
  readonly strike: number;
  readonly right: "call" | "put";
  readonly vol: number;
  readonly volConfidence: number;
}

export interface ArrangedExpiry {
  readonly code: string;
  readonly secToExpiry: number;
  readonly forward: number;
  readonly forwardConfidence: number;
  readonly rate: number;
  readonly rateConfidence: number;
  readonly volConfidence: number;
  readonly options: ArrangedOption[];
}

export interface ArrangedPerp {
  readonly indices: number[];
  readonly amount: number;
  readonly price: number;
  readonly confidence: number;
  /** Unrealised P&L against the entry prices plus unsettled funding. */
  readonly value: number;
}

/** One underlying's positions and oracle state. */
export interface ArrangedUnderlying {
  readonly underlying: string;
  readonly spot: number;
  readonly spotConfidence: number;
  readonly perp: ArrangedPerp | null;
  readonly expiries: ArrangedExpiry[];
  readonly feeds: DeriveFeedsEntry;
}

const MS = 1000;

function optionFeedValues(market: MarketSnapshot, inst: Instrument, feed: DeriveExpiryFeed | undefined): Parsed<{ sec: number; forward: number; rate: number; vol: number }> {
  const res = resolveInstrument(market, inst);
  const sec = feed?.secondsToExpiry ?? Math.max(0, ((inst.expiry ?? market.asOf) - market.asOf) / MS);
  if (feed?.svi && feed.forward !== undefined && feed.rate !== undefined) {
    const v = deriveSviVol(feed.svi, inst.strike ?? 0);
    return v.ok ? { ok: true, value: { sec, forward: feed.forward, rate: feed.rate, vol: v.value } } : v;
  }
  if (!res.ok) return res;
  const forward = feed?.forward ?? res.value.forward;
  let vol = res.value.vol;
  if (feed?.svi) {
    const v = deriveSviVol(feed.svi, inst.strike ?? 0);
    if (!v.ok) return v;
    vol = v.value;
  }
  return { ok: true, value: { sec, forward, rate: feed?.rate ?? res.value.rate, vol } };
}

function addOption(u: ArrangedUnderlying, market: MarketSnapshot, inst: Instrument, amount: number, index: number): Parsed<null> {
  const code = inst.expiryCode ?? "";
  const feed = u.feeds.expiries?.[code];
  const v = optionFeedValues(market, inst, feed);
  if (!v.ok) return { ok: false, reason: `positions[${index}] ${inst.name}: ${v.reason}` };
  let e = u.expiries.find((x) => x.code === code);
  if (!e) {
    e = {
      code, secToExpiry: v.value.sec, forward: v.value.forward, rate: v.value.rate,
      forwardConfidence: feed?.forwardConfidence ?? 1, rateConfidence: feed?.rateConfidence ?? 1, volConfidence: feed?.volConfidence ?? 1, options: [],
    };
    u.expiries.push(e);
  }
  e.options.push({ index, instrument: inst, amount, strike: inst.strike ?? 0, right: inst.right ?? "call", vol: v.value.vol, volConfidence: e.volConfidence });
  return { ok: true, value: null };
}

function newUnderlying(market: MarketSnapshot, u: string, feeds: DeriveFeedsEntry | undefined): Parsed<ArrangedUnderlying> {
  const spot = market.assets[u]?.index;
  if (spot === undefined) return { ok: false, reason: `no index for ${u} in market.assets` };
  const f = feeds ?? {};
  return { ok: true, value: { underlying: u, spot, spotConfidence: f.spotConfidence ?? 1, perp: null, expiries: [], feeds: f } };
}

function addPerp(u: ArrangedUnderlying, market: MarketSnapshot, inst: Instrument, amount: number, entry: number | undefined, index: number): ArrangedUnderlying {
  const price = market.instruments[inst.name]?.mark ?? u.spot;
  const pnl = entry === undefined ? 0 : (price - entry) * amount;
  const prev = u.perp;
  const perp: ArrangedPerp = prev
    ? { ...prev, indices: [...prev.indices, index], amount: prev.amount + amount, value: prev.value + pnl }
    : { indices: [index], amount, price, confidence: u.feeds.perpConfidence ?? 1, value: pnl + (u.feeds.unsettledFunding ?? 0) };
  return { ...u, perp };
}

/**
 * Group a portfolio's options and perpetuals by underlying (sorted by code), expiries by time.
 * Underlyings named in `feeds` get a subaccount even without positions. Dated futures and inverse
 * perpetuals are refused: Derive lists neither.
 */
export function arrangeUnderlyings(market: MarketSnapshot, pf: Portfolio, feeds: Readonly<Record<string, DeriveFeedsEntry>>): Parsed<ArrangedUnderlying[]> {
  const units = new Map<string, ArrangedUnderlying>();
  const unit = (u: string): Parsed<ArrangedUnderlying> => {
    const have = units.get(u);
    if (have) return { ok: true, value: have };
    const n = newUnderlying(market, u, feeds[u]);
    if (n.ok) units.set(u, n.value);
    return n;
  };
  for (const u of Object.keys(feeds)) {
    const r = unit(u);
    if (!r.ok) return { ok: false, reason: `deriveFeeds.${u}: ${r.reason}` };
  }
  for (let i = 0; i < pf.positions.length; i++) {
    const { instrument: inst, size, entryPrice } = pf.positions[i];
    if (inst.kind === "spot") continue;
    if (inst.kind === "future" || (inst.kind === "perpetual" && inst.settlement === "inverse")) {
      return { ok: false, reason: `positions[${i}] ${inst.name}: Derive lists options and linear (USDC) perpetuals only` };
    }
    const r = unit(inst.underlying);
    if (!r.ok) return { ok: false, reason: `positions[${i}] ${inst.name}: ${r.reason}` };
    if (inst.kind === "perpetual") units.set(inst.underlying, addPerp(r.value, market, inst, size, entryPrice, i));
    else {
      const a = addOption(r.value, market, inst, size, i);
      if (!a.ok) return a;
    }
  }
  const out = [...units.values()].sort((a, b) => (a.underlying < b.underlying ? -1 : a.underlying > b.underlying ? 1 : 0));
  for (const u of out) u.expiries.sort((a, b) => a.secToExpiry - b.secToExpiry);
  return { ok: true, value: out };
}

/** Spot positions and collateral balances, summed per asset (spot positions count as collateral). */
export function collateralBalances(pf: Portfolio): Map<string, number> {
  const m = new Map<string, number>(Object.entries(pf.collateral));
  for (const p of pf.positions) if (p.instrument.kind === "spot") m.set(p.instrument.name, (m.get(p.instrument.name) ?? 0) + p.size);
  return m;
}
