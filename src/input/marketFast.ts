/**
 * A fast path of `parseMarket` for the common market file: the checks of the zod schema (marketSchema.ts) written as
 * plain code, giving the same value (keys in the schema's order for objects, the file's order for records). Anything
 * it does not accept returns undefined and the caller runs the schema, whose messages are the only error messages: the
 * fast path never decides that a file is invalid. It loads no zod, so that `dpm margin` reads a valid market without
 * zod's import (~85 ms of the command's start); a property test holds it to the schema.
 */
import { instrumentNamed } from "../domain/instrument.js";
import type { AssetMarket, InstrumentMarket, MarketSnapshot } from "../market/snapshot.js";
import { sviProblems, type SviParams } from "../market/svi.js";
import { only, plain } from "./portfolioFast.js";
import { FILE_MARK_BAND, instrumentNameProblem, isPrice, MAX_LIQUIDITY, MAX_PRICE, MAX_RATE, MAX_SPREAD, MAX_VOL, MIN_PRICE, MIN_VOL, priceIssue } from "./bounds.js";

/**
 * Why the file mark of instrument `name` is implausible against the snapshot's own indexes, or undefined: futures and
 * perpetuals within FILE_MARK_BAND of the index in their quote currency, options inside their no-arbitrage bounds.
 * Values outside the fixed bounds (and unknown names) are their own schema's to report, so they pass here.
 */
export function fileMarkProblem(assets: Readonly<Record<string, { readonly index: number }>>, name: string, mark: number | undefined): string | undefined {
  const inst = instrumentNamed(name);
  const index = inst && Object.hasOwn(assets, inst.underlying) ? assets[inst.underlying].index : undefined;
  if (!inst || !isPrice(mark) || !isPrice(index)) return undefined;
  const linear = inst.settlement === "linear" && inst.kind !== "spot" && inst.quote !== "USD";
  const quoteIndex = linear ? (Object.hasOwn(assets, inst.quote) ? assets[inst.quote].index : undefined) : 1;
  if (!isPrice(quoteIndex)) return undefined;
  return priceIssue("mark", inst, mark, { index, quoteIndex }, FILE_MARK_BAND)?.message;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ASSET_CODE = /^[A-Z][A-Z0-9]{0,11}$/;
const EXPIRY_CODE = /^\d{1,2}[A-Z]{3}\d{2}$/;

type Obj = Record<string, unknown>;
const within = (v: unknown, lo: number, hi: number): v is number => typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi;

/** An optional bounded number: absent, or within [lo, hi] (an explicit undefined is left to the schema). */
function optional(o: Obj, k: string, lo: number, hi: number): boolean {
  return !(k in o) || within(o[k], lo, hi);
}

const SVI_KEYS = ["a", "b", "rho", "m", "sigma"];
function svi(v: unknown): SviParams | undefined {
  if (!plain(v) || !only(v, SVI_KEYS)) return undefined;
  const { a, b, rho, m, sigma } = v;
  if (![a, b, rho, m, sigma].every((x) => typeof x === "number" && Number.isFinite(x))) return undefined;
  const p = { a, b, rho, m, sigma } as SviParams;
  return sviProblems(p).length === 0 ? p : undefined;
}

const ASSET_KEYS = ["index", "vol", "rate", "surface"];
function asset(v: unknown): AssetMarket | undefined {
  if (!plain(v) || !only(v, ASSET_KEYS) || !within(v.index, MIN_PRICE, MAX_PRICE)) return undefined;
  if (!optional(v, "vol", MIN_VOL, MAX_VOL) || !optional(v, "rate", -MAX_RATE, MAX_RATE)) return undefined;
  const out: { index: number; vol?: number; rate?: number; surface?: Record<string, SviParams> } = { index: v.index };
  if ("vol" in v) out.vol = v.vol as number;
  if ("rate" in v) out.rate = v.rate as number;
  if ("surface" in v) {
    if (!plain(v.surface)) return undefined;
    const surface: Record<string, SviParams> = {};
    for (const code in v.surface) {
      const p = EXPIRY_CODE.test(code) ? svi(v.surface[code]) : undefined;
      if (p === undefined) return undefined;
      surface[code] = p;
    }
    out.surface = surface;
  }
  return out;
}

const INSTRUMENT_KEYS = ["mark", "markIv", "depthUsd", "spread"];
function instrument(v: unknown): InstrumentMarket | undefined {
  if (!plain(v) || !only(v, INSTRUMENT_KEYS)) return undefined;
  if (!optional(v, "mark", MIN_PRICE, MAX_PRICE) || !optional(v, "markIv", MIN_VOL, MAX_VOL)) return undefined;
  if (!optional(v, "depthUsd", 0, MAX_LIQUIDITY) || !optional(v, "spread", 0, MAX_SPREAD)) return undefined;
  const out: { mark?: number; markIv?: number; depthUsd?: number; spread?: number } = {};
  for (const k of INSTRUMENT_KEYS) if (k in v) out[k as keyof typeof out] = v[k] as number;
  return out;
}

/** The market snapshot `parseMarket` gives for `input`, or undefined where only the schema can decide or word it. */
export function parseMarketFast(input: unknown): MarketSnapshot | undefined {
  if (!plain(input) || !only(input, ["asOf", "assets", "instruments"])) return undefined;
  const asOfText = input.asOf;
  if (typeof asOfText !== "string" || !ISO_TIME.test(asOfText)) return undefined;
  const asOf = Date.parse(asOfText);
  if (Number.isNaN(asOf) || !plain(input.assets)) return undefined;
  const assets: Record<string, AssetMarket> = {};
  for (const code in input.assets) {
    const a = ASSET_CODE.test(code) ? asset(input.assets[code]) : undefined;
    if (a === undefined) return undefined;
    assets[code] = a;
  }
  const instruments: Record<string, InstrumentMarket> = {};
  if ("instruments" in input) {
    if (!plain(input.instruments)) return undefined;
    for (const name in input.instruments) {
      const i = instrumentNameProblem(name) === undefined ? instrument(input.instruments[name]) : undefined;
      if (i === undefined || fileMarkProblem(assets, name, i.mark) !== undefined) return undefined;
      instruments[name] = i;
    }
  }
  return { asOf, assets, instruments };
}
