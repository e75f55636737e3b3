/**
 * Instruments: what a position is in. Deribit-style names are parsed here; no pricing lives here.
 *
 * Conventions (DESIGN.md section 3):
 * - inverse contracts (`BTC-PERPETUAL`, `BTC-27DEC24`) settle in the coin; their size is USD notional.
 * - coin-settled options (`BTC-27DEC24-60000-C`) settle in the coin; size in units of the coin.
 * - linear contracts (`BTC_USDC-PERPETUAL`, `SOL_USDC-27DEC24-240-P`) settle in the quote stablecoin;
 *   size in units of the base coin.
 * - spot (`BTC`) has size in units of the coin.
 * Options expire at 08:00 UTC on their expiry date.
 */

export type InstrumentKind = "spot" | "perpetual" | "future" | "option";
/** `inverse`: coin-settled (USD-quoted contracts, P&L in the coin). `linear`: settled in the quote currency. */
export type Settlement = "inverse" | "linear";
export type OptionRight = "call" | "put";

export interface Instrument {
  /** Canonical name, e.g. `BTC-27DEC24-60000-C`. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** Underlying asset code, e.g. `BTC`. All instruments on one underlying form one risk unit. */
  readonly underlying: string;
  /** Quote / settlement currency: `USD` for inverse contracts, e.g. `USDC` for linear ones, the asset itself for spot. */
  readonly quote: string;
  readonly settlement: Settlement;
  /** Expiry code as in the name (`27DEC24`), for dated futures and options. */
  readonly expiryCode?: string;
  /** Expiry time, milliseconds since the Unix epoch (08:00 UTC of the expiry date). */
  readonly expiry?: number;
  /** Strike price in USD (or quote) per coin, for options. */
  readonly strike?: number;
  readonly right?: OptionRight;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const ASSET = /^[A-Z][A-Z0-9]{0,11}$/;
const EXPIRY = /^(\d{1,2})([A-Z]{3})(\d{2})$/;

/** A parse failure as a value: the reason says what is wrong with the name. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Expiry code `27DEC24` → epoch ms at 08:00 UTC, or a reason. */
export function parseExpiry(code: string): Parsed<number> {
  const m = EXPIRY.exec(code);
  if (!m) return { ok: false, reason: `expiry "${code}" is not of the form DMMMYY (e.g. 27DEC24)` };
  const day = Number(m[1]);
  const month = MONTHS.indexOf(m[2]);
  const year = 2000 + Number(m[3]);
  if (month < 0) return { ok: false, reason: `expiry "${code}" has an unknown month "${m[2]}"` };
  const t = Date.UTC(year, month, day, 8, 0, 0);
  if (new Date(t).getUTCDate() !== day) return { ok: false, reason: `expiry "${code}" is not a calendar date` };
  return { ok: true, value: t };
}

/** Epoch ms → expiry code (`27DEC24`). */
export function expiryCode(t: number): string {
  const d = new Date(t);
  return `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, "0")}`;
}

function parseUnderlying(head: string): Parsed<{ underlying: string; quote: string; settlement: Settlement }> {
  const parts = head.split("_");
  if (parts.length > 2 || !parts.every((p) => ASSET.test(p))) {
    return { ok: false, reason: `"${head}" is not an asset code or BASE_QUOTE pair` };
  }
  if (parts.length === 2) {
    if (parts[0] === parts[1]) return { ok: false, reason: `"${head}" has the same base and quote` };
    return { ok: true, value: { underlying: parts[0], quote: parts[1], settlement: "linear" } };
  }
  return { ok: true, value: { underlying: parts[0], quote: "USD", settlement: "inverse" } };
}

function parseStrike(text: string): Parsed<number> {
  // Deribit writes fractional strikes with a "d" (e.g. XRP_USDC-27DEC24-0d625-C).
  const s = text.replace("d", ".");
  if (!/^\d+(\.\d+)?$/.test(s)) return { ok: false, reason: `strike "${text}" is not a positive number` };
  const k = Number(s);
  if (!(k > 0) || !Number.isFinite(k)) return { ok: false, reason: `strike "${text}" must be > 0` };
  return { ok: true, value: k };
}

/**
 * Parse a Deribit-style instrument name. Spot is the bare asset code (`BTC`).
 * Returns a reason instead of throwing, so validation can report it with its path.
 */
export function parseInstrument(name: string): Parsed<Instrument> {
  if (typeof name !== "string" || name.length === 0) return { ok: false, reason: "instrument name is empty" };
  const segs = name.split("-");
  const head = parseUnderlying(segs[0]);
  if (!head.ok) return head;
  const { underlying, quote, settlement } = head.value;
  if (segs.length === 1) {
    if (settlement === "linear") return { ok: false, reason: `"${name}": spot is the bare asset code (e.g. ${underlying})` };
    return { ok: true, value: { name, kind: "spot", underlying, quote: underlying, settlement: "linear" } };
  }
  if (segs.length === 2 && segs[1] === "PERPETUAL") {
    return { ok: true, value: { name, kind: "perpetual", underlying, quote, settlement } };
  }
  const exp = parseExpiry(segs[1]);
  if (!exp.ok) return { ok: false, reason: `"${name}": ${exp.reason}` };
  if (segs.length === 2) {
    return { ok: true, value: { name, kind: "future", underlying, quote, settlement, expiryCode: segs[1], expiry: exp.value } };
  }
  if (segs.length === 4 && (segs[3] === "C" || segs[3] === "P")) {
    const k = parseStrike(segs[2]);
    if (!k.ok) return { ok: false, reason: `"${name}": ${k.reason}` };
    return {
      ok: true,
      value: {
        name, kind: "option", underlying, quote, settlement, expiryCode: segs[1], expiry: exp.value,
        strike: k.value, right: segs[3] === "C" ? "call" : "put",
      },
    };
  }
  return { ok: false, reason: `"${name}" is not a known instrument name (spot BTC, BTC-PERPETUAL, BTC-27DEC24, BTC-27DEC24-60000-C, BTC_USDC-...)` };
}

/**
 * The instrument a valid name denotes, parsed once and kept (names repeat across accounts, ticks and
 * scenarios); undefined for an invalid name. The cache is bounded: names come from inputs.
 */
export function instrumentNamed(name: string): Instrument | undefined {
  let i = named.get(name);
  if (i === undefined) {
    const p = parseInstrument(name);
    if (!p.ok) return undefined;
    if (named.size >= 16_384) named.clear();
    named.set(name, (i = p.value));
  }
  return i;
}
const named = new Map<string, Instrument>();

/** Name of the dated future (or perpetual) whose mark gives the forward of an instrument's expiry. */
export function forwardSourceNames(inst: Instrument): string[] {
  if (inst.kind === "spot") return [];
  const tail = inst.kind === "perpetual" ? "PERPETUAL" : inst.expiryCode ?? "";
  const own = inst.settlement === "linear" ? `${inst.underlying}_${inst.quote}-${tail}` : `${inst.underlying}-${tail}`;
  const other = inst.settlement === "linear" ? `${inst.underlying}-${tail}` : `${inst.underlying}_USDC-${tail}`;
  return [own, other];
}

/** True for spot, perpetuals and dated futures: instruments whose value is linear in the price. */
export function isDeltaOne(inst: Instrument): boolean {
  return inst.kind !== "option";
}
