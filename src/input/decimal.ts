/**
 * Exact decimal strings in input files, with the rules of the service's exact balances
 * (`src/engine/money.ts` `toUnits`, which this layer may not import): surrounding spaces are ignored; an
 * optional minus, digits, and an optional fraction of at most 12 decimals once trailing zeros are dropped;
 * no plus sign, exponent, leading dot, or thousands separators.
 */
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Largest number of significant decimals (1e-12 units, as the service stores amounts). */
export const MAX_DECIMALS = 12;

/**
 * The number a decimal string stands for (the double nearest to it; `-0` is 0), or undefined when the
 * string is not an exact decimal under the rules above.
 */
export function decimalNumber(text: string): number | undefined {
  const t = text.trim();
  const m = DECIMAL.exec(t);
  if (!m) return undefined;
  if ((m[3] ?? "").replace(/0+$/, "").length > MAX_DECIMALS) return undefined;
  const v = Number(t);
  return v === 0 ? 0 : v;
}
