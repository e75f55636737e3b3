/**
 * Exact fixed-point amounts for stored balances and position sizes: a bigint count of 1e-12 units
 * (a "pico"). Decimal strings convert exactly; numbers convert through their shortest round-trip decimal
 * form, so 0.1 is exactly 100,000,000,000 units. Arithmetic on stored amounts never goes through float64.
 */

/** Units per 1.0. */
export const SCALE = 10n ** 12n;
const DIGITS = 12;
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parse a decimal string (or a finite number) into units; undefined when it is not a plain decimal or has more than 12 decimals of significance. */
export function toUnits(v: string | number): bigint | undefined {
  let s: string;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return undefined;
    s = Math.abs(v) < 1e-6 && v !== 0 ? v.toFixed(DIGITS + 6) : String(v);
    if (/e/i.test(s)) s = v.toFixed(DIGITS);
  } else s = v.trim();
  const m = DECIMAL.exec(s);
  if (!m) return undefined;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  if (frac.length > DIGITS) return undefined;
  const u = BigInt(m[2]) * SCALE + BigInt(frac.padEnd(DIGITS, "0") || "0");
  return m[1] ? -u : u;
}

/** Round a float amount to the nearest unit (half away from zero); used for realised P&L and settlement, which are computed in float64. */
export function roundToUnits(x: number): bigint {
  if (!Number.isFinite(x)) throw new Error(`roundToUnits: not finite: ${x}`);
  const ax = Math.abs(x);
  // toFixed switches to exponent notation at 1e21 (toUnits would refuse it); such doubles are whole numbers.
  const u = ax >= 1e21 ? BigInt(ax) * SCALE : toUnits(ax.toFixed(DIGITS));
  if (u === undefined) throw new Error(`roundToUnits: cannot convert ${x}`);
  return x < 0 ? -u : u;
}

/** Units → canonical decimal string (no trailing zeros, no exponent). */
export function formatUnits(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const int = a / SCALE;
  const frac = (a % SCALE).toString().padStart(DIGITS, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

const TWO53 = 2n ** 53n;

/**
 * Units → float64 (for risk computations, which are float64 by design): the double nearest to u / 1e12,
 * i.e. exactly `Number(formatUnits(u))`. Fast paths: |u| < 2^53 (Number(u) is exact and one IEEE division
 * by the exact 1e12 rounds correctly) and whole numbers below 2^53; other values go through the decimal string.
 */
export function unitsToNumber(u: bigint): number {
  if (u < TWO53 && u > -TWO53) return Number(u) / 1e12;
  const q = u / SCALE;
  if (q * SCALE === u && q < TWO53 && q > -TWO53) return Number(q);
  return Number(formatUnits(u));
}
