/**
 * `dpm import derive`: Derive's public test-case JSON (v2-core PMRM_2 portfolio cases and the
 * standard-manager cases) → a dpm portfolio, a dpm market and a parameter override (`extends` the
 * `derive` or `derive-srm` preset) carrying the case's parameters and the oracle state dpm's files
 * cannot hold (confidences, exact expiry seconds, SVI feeds, borrowed cash, unsettled funding).
 * Pure: returns plain JSON objects, or issues with their JSON path.
 */
import { expiryCode } from "../../domain/instrument.js";
import { deriveSviVol } from "../../margin/venues/derive/vol.js";
import type { InputIssue } from "../../input/issues.js";
import { importSrmCase } from "./deriveSrm.js";

/** The three files of an imported case (plain JSON, validated by the caller). */
export interface ImportedFiles {
  readonly portfolio: Record<string, unknown>;
  readonly market: Record<string, unknown>;
  readonly params: Record<string, unknown>;
}
export type ImportResult = { ok: true; value: ImportedFiles } | { ok: false; issues: InputIssue[] };

/** Derive's PMRM_2 harness clock (Unix seconds): every expiry is seconds from here. */
export const DERIVE_REF_TIME = 1_630_000_000;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN);
const VOL_DIR: Record<string, string> = { Up: "up", Down: "down", None: "none", LINEAR: "linear", ABS: "abs" };
const MOVES_WITH: Record<string, string> = { BTC: "BTC", LBTC: "BTC", CBBTC: "BTC", WBTC: "BTC", ETH: "ETH", RSWETH: "ETH", WEETH: "ETH", WETH: "ETH" };

/** Strike as an instrument-name segment (Deribit writes decimals with "d"). */
export function strikeText(k: number): string {
  return String(k).replace(".", "d");
}

/** One expiry code per distinct second offset: the first 08:00 UTC at or after the expiry, moved a day on when taken. */
export function expiryCodes(asOfMs: number, seconds: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const used = new Set<number>();
  for (const s of [...new Set(seconds)].sort((a, b) => a - b)) {
    const t = asOfMs + s * 1000;
    const d = new Date(t);
    let at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 8);
    if (at < t) at += 86_400_000;
    while (used.has(at)) at += 86_400_000;
    used.add(at);
    out.set(s, expiryCode(at));
  }
  return out;
}

function inferUnderlying(s: Json): string {
  const cols = Array.isArray(s.Collaterals) ? s.Collaterals.filter(isObj) : [];
  for (const c of cols) if (c.IsRiskCancelling === true && typeof c.Name === "string" && MOVES_WITH[c.Name]) return MOVES_WITH[c.Name];
  return num(s.SpotPrice) > 20_000 ? "BTC" : "ETH";
}

function pm2Params(p: Json): Json {
  const g = (block: string): Json => (isObj(p[block]) ? p[block] : {});
  const v = g("VolShock"), m = g("Margin"), b = g("BasisContingency"), o = g("OtherContingency"), k = g("SkewShock");
  const scenarios = Array.isArray(p.Scenarios) ? p.Scenarios.filter(isObj) : [];
  return {
    scenarios: scenarios.map((x) => ({ spotShock: num(x.SpotShock), volShock: VOL_DIR[String(x.VolShockDirection)] ?? String(x.VolShockDirection), dampeningFactor: num(x.DampeningFactor) })),
    volShock: { volRangeUp: num(v.VOLRANGEUP), volRangeDown: num(v.VOLRANGEDOWN), shortTermPower: num(v.SHORTTERMPOWER), longTermPower: num(v.LONGTERMPOWER), dteFloor: num(v.DTE_FLOOR), minVolUpShock: num(v.MIN_VOL_EVAL_SHOCKED) },
    margin: {
      mmFactor: num(m.MM_LOSS_FACTOR), imFactor: num(m.IM_LOSS_FACTOR),
      longBaseStaticDiscount: num(m.BASE_STATIC_DISCOUNT), longRateMultScale: num(m.LONG_RATE_MULTSCALE), longRateAddScale: num(m.LONG_RATE_ADDSCALE),
      shortBaseStaticDiscount: num(m.BASE_STATIC_DISCOUNT_NEG), shortRateMultScale: num(m.SHORT_RATE_MULTSCALE), shortRateAddScale: num(m.SHORT_RATE_ADDSCALE),
    },
    basisContingency: { scenarioSpotUp: num(b.SCENARIO_SPOT_UP), scenarioSpotDown: num(b.SCENARIO_SPOT_DOWN), basisContAddFactor: num(b.BASIS_CONT_ADD_FACTOR), basisContMultFactor: num(b.BASIS_CONT_MULT_FACTOR) },
    otherContingency: {
      pegLossThreshold: num(o.PEG_LOSS_THRESHOLD), pegLossFactor: num(o.PEG_LOSS_FACTOR), confThreshold: num(o.CONF_THRESHOLD), confMargin: num(o.CONF_MARGIN),
      mmPerpPercent: num(o.MM_PERP_PERCENT), imPerpPercent: num(o.IM_PERP_PERCENT), mmOptionPercent: num(o.MM_OPTION_PERCENT), imOptionPercent: num(o.IM_OPTION_PERCENT),
    },
    skewShock: {
      linearBaseCap: num(k.LINEAR_SCALE_CAP), linearCBase: num(k.LINEAR_CBASE), absBaseCap: num(k.ABS_SCALE_CAP), absCBase: num(k.ABS_CBASE),
      minKStar: num(k.MIN_K_STAR), widthScale: num(k.MIN_WIDTH_SCALE), volParamStatic: num(k.VOL_PARAM_STATIC), volParamScale: num(k.VOL_PARAM_SCALE),
    },
  };
}

interface Pm2Feeds { expiries: Json; markIv: Map<string, number>; forwards: Json }

function feedsOf(s: Json, u: string, codes: Map<number, string>, issues: InputIssue[]): Pm2Feeds {
  const feeds = Array.isArray(s.OptionFeeds) ? s.OptionFeeds.filter(isObj) : [];
  const options = Array.isArray(s.Options) ? s.Options.filter(isObj) : [];
  const out: Pm2Feeds = { expiries: {}, markIv: new Map(), forwards: {} };
  feeds.forEach((f, i) => {
    const sec = num(f.FeedExpiry);
    const code = codes.get(sec) ?? "";
    const p = Array.isArray(f.SVIparam) ? f.SVIparam.map(num) : [];
    if (p.length !== 7 || p.some((x) => !Number.isFinite(x))) {
      issues.push({ path: `Scenario.OptionFeeds[${i}].SVIparam`, message: "must be 7 numbers [a, b, rho, m, sigma, F, tau]", value: f.SVIparam });
      return;
    }
    const svi = { a: p[0], b: p[1], rho: p[2], m: p[3], sigma: p[4], forward: p[5], tau: p[6] };
    out.expiries[code] = {
      secondsToExpiry: sec, forward: num(f.Forward), forwardConfidence: num(f.ForwardConfidence), rate: num(f.Rate),
      rateConfidence: num(f.RateConfidence), volConfidence: num(f.OptionVolConfidences), svi,
    };
    out.forwards[`${u}_USDC-${code}`] = { mark: num(f.Forward) };
    for (const o of options) {
      if (num(o.Expiry) !== sec) continue;
      const v = deriveSviVol(svi, num(o.Strike));
      // dpm's market accepts vols in (0, 10]; only dpm's own models read this mark IV.
      out.markIv.set(optionName(u, code, o), v.ok ? Math.min(10, Math.max(1e-4, v.value)) : 0.5);
    }
  });
  return out;
}

function optionName(u: string, code: string, o: Json): string {
  return `${u}_USDC-${code}-${strikeText(num(o.Strike))}-${num(o.IsCall) === 1 ? "C" : "P"}`;
}

/** Import one PMRM_2 case (`{Scenario, Parameters, Result}`). */
export function importPm2Case(doc: Json, name: string, underlying?: string): ImportResult {
  const s = isObj(doc.Scenario) ? doc.Scenario : {};
  const issues: InputIssue[] = [];
  const u = underlying ?? inferUnderlying(s);
  const asOfMs = DERIVE_REF_TIME * 1000;
  const options = Array.isArray(s.Options) ? s.Options.filter(isObj) : [];
  const feedList = Array.isArray(s.OptionFeeds) ? s.OptionFeeds.filter(isObj) : [];
  const codes = expiryCodes(asOfMs, [...feedList.map((f) => num(f.FeedExpiry)), ...options.map((o) => num(o.Expiry))]);
  const feeds = feedsOf(s, u, codes, issues);
  const cash = num(s.Cash), N = num(s.NumPerps), spot = num(s.SpotPrice), perpPrice = num(s.PerpPrice);
  const pnl = num(s.UnrealisedPerpPNL), funding = num(s.UnrealisedFunding);
  const collateral: Json = {};
  const assets: Json = { [u]: { index: spot }, USDC: { index: num(s.StablePrice) } };
  const collateralParams: Json = {}, collateralConfidence: Json = {};
  const cols = Array.isArray(s.Collaterals) ? s.Collaterals.filter(isObj) : [];
  cols.forEach((c, i) => {
    const a = String(c.Name).toUpperCase();
    if (a === u && num(c.Price) !== spot) issues.push({ path: `Scenario.Collaterals[${i}].Price`, message: `collateral ${a} is the underlying but is priced apart from SpotPrice ${spot}`, value: c.Price });
    collateral[a] = num(c.Amount);
    assets[a] = { index: num(c.Price) };
    collateralParams[a] = { MMHaircut: num(c.MMHaircut), IMHaircut: num(c.IMHaircut), riskCancelling: c.IsRiskCancelling === true ? [u] : [] };
    collateralConfidence[a] = num(c.Confidence);
  });
  if (cash > 0) collateral.USDC = cash;
  const positions: Json[] = options.map((o) => ({ instrument: optionName(u, codes.get(num(o.Expiry)) ?? "", o), size: num(o.Amount) }));
  const instruments: Json = { ...feeds.forwards };
  for (const [n, v] of feeds.markIv) instruments[n] = { markIv: v };
  let unsettled = Number.isFinite(funding) ? funding : 0;
  if (N !== 0) {
    const perp = `${u}_USDC-PERPETUAL`;
    instruments[perp] = { mark: perpPrice };
    const entry = perpPrice - pnl / N;
    if (entry > 0 && pnl !== 0) positions.push({ instrument: perp, size: N, entryPrice: entry });
    else { positions.push({ instrument: perp, size: N }); unsettled += pnl; }
  }
  if (issues.length > 0) return { ok: false, issues };
  const feedEntry: Json = {
    spotConfidence: num(s.SpotConfidence), collateralConfidence, expiries: feeds.expiries,
    ...(N !== 0 ? { perpConfidence: num(s.PerpConfidence) } : {}),
    ...(cash < 0 ? { cashAdjustment: cash } : {}),
    ...(N !== 0 && unsettled !== 0 ? { unsettledFunding: unsettled } : {}),
  };
  return {
    ok: true,
    value: {
      portfolio: { account: name, collateral, positions },
      market: { asOf: new Date(asOfMs).toISOString(), assets, instruments },
      params: {
        extends: "derive", name: `derive (${name})`,
        source: `Derive v2-core PMRM_2 test case ${name} (github.com/derivexyz/v2-core, BUSL-1.1 test data), imported by dpm import derive`,
        derive: { ...pm2Params(isObj(doc.Parameters) ? doc.Parameters : {}), collaterals: collateralParams },
        deriveFeeds: { [u]: feedEntry },
      },
    },
  };
}

/**
 * Import a Derive test-case document: a PMRM_2 case file, or one case (`caseName`) of the
 * standard-manager files (`test-cases.json`, `test-cases-portfolio.json`).
 */
export function importDerive(doc: unknown, opts: { name: string; caseName?: string; underlying?: string }): ImportResult {
  if (!isObj(doc)) return { ok: false, issues: [{ path: "", message: "must be a JSON object (a Derive test case file)" }] };
  if (isObj(doc.Scenario) && isObj(doc.Parameters)) return importPm2Case(doc, opts.name, opts.underlying);
  if (opts.caseName === undefined) {
    return { ok: false, issues: [{ path: "--case", message: `a standard-manager file holds several cases; name one (e.g. ${Object.keys(doc).slice(0, 3).join(", ")})` }] };
  }
  const c = doc[opts.caseName];
  if (!isObj(c)) return { ok: false, issues: [{ path: "--case", message: "no such case in the file", value: opts.caseName }] };
  return importSrmCase(c, opts.caseName);
}
