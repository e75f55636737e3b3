/**
 * Standard-manager cases of Derive's public test files → dpm files (see derive.ts). The market data
 * the Solidity harnesses fix outside the JSON (spots, perp prices, forwards by date, vols, per-case
 * confidence overrides) are reproduced from the harness description in ../shared/data/derive/README.md.
 */
import { expiryCode } from "../../domain/instrument.js";
import type { ImportResult } from "./derive.js";
import { expiryCodes, strikeText } from "./derive.js";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN);
const E18 = 1e18, E8 = 1e8;

/** Portfolio harness: "now" is 2023-01-01T00:00Z; each date maps to these seconds (the harness's own table). */
const PORTFOLIO_ASOF = Date.UTC(2023, 0, 1);
const DATES = ["20230104", "20230111", "20230118", "20230227", "20230804", "20230811", "20230818", "20230825"];
const DAYS = [3, 10, 17, 57, 215, 222, 229, 238];
const ADDON: Record<string, number[]> = {
  ETH: [0.91345, 2.83305, 4.7545, 15.7696, 59.87416, 61.85933, 63.8284, 66.3744],
  BTC: [12.7883, 39.66276, 66.56301, 220.77451, 838.23835, 865.90472, 893.59763, 929.24184],
};
const SPOT: Record<string, number> = { ETH: 2000, BTC: 28000 };
const PERP: Record<string, number> = { ETH: 2001, BTC: 28020 };
/** 0.4 − 1e-18 in the harness: the largest double below 0.4. */
const JUST_UNDER = 0.39999999999999997;

interface Overrides { stable?: number; volConf?: number; fwdConf?: number; spotConf?: number; perpConf?: number }
const OVERRIDES: Record<string, Overrides> = {
  test_USDC_depeg: { stable: 0.1 }, test_long_perp_and_USDC_depeg: { stable: 0.1 },
  test_short_call_low_vol_conf: { volConf: 0.1 },
  test_short_call_low_vol_and_fwd_confidence: { volConf: 0.5, fwdConf: JUST_UNDER },
  test_short_call_low_spot_vol_fwd_confidence: { volConf: 0.5, fwdConf: 0.4, spotConf: 0.2 },
  test_long_call_low_spot_vol_fwd_confidence: { volConf: 0.5, fwdConf: 0.4, spotConf: 0.2 },
  test_short_options_two_expiries_low_conf_one_expiry: { volConf: 0.3, fwdConf: 0.4, spotConf: 0.9 },
  test_long_eth_perp_low_perp_confidence: { perpConf: 0.1 },
  test_base_asset_low_spot_confidence: { spotConf: 0.1 },
  test_general_portfolio: { stable: 0.97, volConf: 0.5, fwdConf: JUST_UNDER, spotConf: 0.2 },
};

/**
 * A Derive cash balance: positive cash is USDC collateral; negative cash (dpm portfolios hold no debt)
 * goes to the first underlying's feed as a cash adjustment, as the SRM nets it there.
 */
function bookCash(cash: number, collateral: Json, feeds: Record<string, Json>): void {
  if (cash > 0) collateral.USDC = cash;
  const first = Object.keys(feeds).sort()[0];
  if (cash < 0 && first !== undefined) feeds[first].cashAdjustment = cash;
}

function dateCode(d: string): string {
  return expiryCode(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), 8));
}

/** One case of `test-cases-portfolio.json`. The ETH market carries the per-case overrides (expiry 18JAN23). */
function portfolioCase(c: Json, name: string): ImportResult {
  const ov = OVERRIDES[name] ?? {};
  const positions: Json[] = [], collateral: Json = {}, instruments: Json = {}, feeds: Record<string, Json> = {};
  const unit = (u: string) => (feeds[u] ??= { spotConfidence: u === "ETH" ? ov.spotConf ?? 1 : 1, perpConfidence: u === "ETH" ? ov.perpConf ?? 1 : 1, expiries: {} });
  const options = Array.isArray(c.options) ? c.options.filter(isObj) : [];
  for (const o of options) {
    const u = String(o.underlying).toUpperCase(), d = String(o.expiry), i = DATES.indexOf(d);
    if (i < 0) return { ok: false, issues: [{ path: `${name}.options`, message: "expiry is not one of the harness dates", value: d }] };
    const code = dateCode(d);
    const inst = `${u}_USDC-${code}-${strikeText(num(o.strike))}-${o.type === "call" ? "C" : "P"}`;
    positions.push({ instrument: inst, size: num(o.amount) / E8 });
    instruments[inst] = { markIv: 0.5 };
    const low = u === "ETH" && d === "20230118";
    (unit(u).expiries as Json)[code] = {
      secondsToExpiry: DAYS[i] * 86_400 + 8 * 3600, forward: SPOT[u] + ADDON[u][i],
      forwardConfidence: low ? ov.fwdConf ?? 1 : 1, volConfidence: low ? ov.volConf ?? 1 : 1,
    };
  }
  for (const p of Array.isArray(c.perps) ? c.perps.filter(isObj) : []) {
    const u = String(p.underlying).toUpperCase();
    unit(u);
    instruments[`${u}_USDC-PERPETUAL`] = { mark: PERP[u] };
    positions.push({ instrument: `${u}_USDC-PERPETUAL`, size: num(p.amount) / E8, entryPrice: num(p.entryPrice) / E8 });
  }
  for (const b of Array.isArray(c.bases) ? c.bases.filter(isObj) : []) {
    const u = String(b.underlying).toUpperCase();
    unit(u);
    collateral[u] = num(b.amount) / E8;
  }
  bookCash(num(c.cash) / E8, collateral, feeds);
  return {
    ok: true,
    value: {
      portfolio: { account: name, collateral, positions },
      market: { asOf: new Date(PORTFOLIO_ASOF).toISOString(), assets: { ETH: { index: 2000 }, BTC: { index: 28000 }, USDC: { index: ov.stable ?? 1 } }, instruments },
      params: { extends: "derive-srm", name: `derive-srm (${name})`, source: `Derive v2-core standard-manager portfolio case ${name} (BUSL-1.1 test data), imported by dpm import derive`, deriveFeeds: feeds },
    },
  };
}

/** One case (`TestN`) of `test-cases.json` (1e18 fixed point; base margin factor 0.1 in that harness). */
function fixedPointCase(c: Json, name: string): ImportResult {
  const s = isObj(c.Scenario) ? c.Scenario : {};
  const arr = (k: string): unknown[] => (Array.isArray(s[k]) ? s[k] : []);
  const x = (v: unknown) => num(v) / E18;
  const asOf = 1_630_000_000_000;
  const codes = expiryCodes(asOf, arr("OptionExpiries").map(num));
  const positions: Json[] = [], instruments: Json = {}, feeds: Record<string, Json> = {};
  const conf = arr("SpotPerpConfidences").map((p) => (Array.isArray(p) ? p.map(x) : [1, 1]));
  const idx = { ETH: 0, BTC: 1 } as Record<string, number>;
  const unit = (u: string) => (feeds[u] ??= { spotConfidence: conf[idx[u]]?.[0] ?? 1, perpConfidence: conf[idx[u]]?.[1] ?? 1, expiries: {} });
  arr("OptionUnderlying").forEach((uu, i) => {
    const u = String(uu), sec = num(arr("OptionExpiries")[i]), code = codes.get(sec) ?? "";
    const inst = `${u}_USDC-${code}-${strikeText(x(arr("OptionStrikes")[i]))}-${num(arr("OptionIsCall")[i]) === 1 ? "C" : "P"}`;
    positions.push({ instrument: inst, size: x(arr("OptionAmounts")[i]) });
    instruments[inst] = { markIv: Math.min(10, x(arr("OptionVols")[i])) };
    const feedSec = num(arr("FeedExpiries")[i]);
    const fwd = feedSec < 3600 ? x(s[`SettlementPrice${u}`]) : x(arr("Forwards")[i]);
    (unit(u).expiries as Json)[code] = { secondsToExpiry: sec, forward: fwd, forwardConfidence: x(arr("ForwardConfidences")[i]), volConfidence: x(arr("OptionVolConfidences")[i]) };
  });
  const collateral: Json = {};
  const perpPrice = arr("PerpPrice").map(x);
  for (const u of ["ETH", "BTC"]) {
    const N = x(s[`Perps_${u}`]);
    const base = x(s[`w${u}`]);
    if (base !== 0) { unit(u); collateral[u] = base; }
    if (N === 0) continue;
    const f = unit(u), P = perpPrice[idx[u]];
    instruments[`${u}_USDC-PERPETUAL`] = { mark: P };
    const entry = s[`LastEntry${u}`] === null ? P : x(s[`LastEntry${u}`]);
    positions.push({ instrument: `${u}_USDC-PERPETUAL`, size: N, entryPrice: entry });
    const funding = s[`Account${u}FundingIndex`] === null ? 0 : -N * (x(s[`${u}GlobalFundingIndex`]) - x(s[`Account${u}FundingIndex`]));
    if (funding !== 0) f.unsettledFunding = funding;
  }
  bookCash(x(s.Cash), collateral, feeds);
  return {
    ok: true,
    value: {
      portfolio: { account: name, collateral, positions },
      market: { asOf: new Date(asOf).toISOString(), assets: { ETH: { index: x(s.ETHSpotPrice) }, BTC: { index: x(s.BTCSpotPrice) }, USDC: { index: x(s.USDCValue) } }, instruments },
      params: {
        extends: "derive-srm", name: `derive-srm (${name})`, source: `Derive v2-core standard-manager case ${name} (BUSL-1.1 test data), imported by dpm import derive`,
        deriveSrm: { markets: { default: { baseMarginFactor: 0.1 } } }, deriveFeeds: feeds,
      },
    },
  };
}

/** One standard-manager case: `TestN` of test-cases.json, or a named case of test-cases-portfolio.json. */
export function importSrmCase(c: Json, name: string): ImportResult {
  return isObj(c.Scenario) ? fixedPointCase(c, name) : portfolioCase(c, name);
}
