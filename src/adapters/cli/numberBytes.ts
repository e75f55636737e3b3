/**
 * The fast paths of the text tables' number formats (format.ts `fixed` and `grouped`) written as ASCII bytes
 * straight into a buffer, with no string in between (issue 10: a 20,000-account table formats ~1.6 million numbers,
 * and building each as a string before copying it was ~15 % of `dpm margin`'s text output). Each writer returns the
 * end of what it wrote, or −1 where its string twin leaves the fast path (an exact half, a huge value, NaN): the
 * caller then uses the string. Same bytes as the strings, property-tested (test/cli/numberBytes.test.ts).
 */

const MINUS = 45, DOT = 46, COMMA = 44, ZERO = 48;
const POW10 = Array.from({ length: 21 }, (_, d) => 10 ** d);

/** "00" … "99" as byte pairs. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Number of decimal digits of the integer 0 ≤ n < 1e15. */
function digitCount(n: number): number {
  let d = 1;
  while (d < 15 && n >= POW10[d]) d++;
  return d;
}

/** The last `count` digits of the integer n ≥ 0, ending just before b[end], two at a time. */
function digitsBefore(b: Uint8Array, end: number, n: number, count: number): void {
  let k = end;
  for (; count >= 2; count -= 2) {
    const q = Math.floor(n / 100), r = 2 * (n - q * 100);
    b[--k] = PAIRS[r + 1];
    b[--k] = PAIRS[r];
    n = q;
  }
  if (count === 1) b[k - 1] = ZERO + (n % 10);
}

/** Digits of the integer 0 ≤ n < 1e15 at b[p…]; returns the end. */
function intBytes(b: Uint8Array, p: number, n: number): number {
  const end = p + digitCount(n);
  digitsBefore(b, end, n, end - p);
  return end;
}

/** The integer 0 ≤ n < 10^d as exactly d digits at b[p…]; returns the end. */
function padBytes(b: Uint8Array, p: number, n: number, d: number): number {
  digitsBefore(b, p + d, n, d);
  return p + d;
}

/** `fixed(v, d)` (= `v.toFixed(d)`, 0 ≤ d ≤ 20) at b[p…]: the end, or −1 (an exact half after scaling, ≥ 1e15, NaN). */
export function fixedBytes(b: Uint8Array, p: number, v: number, d: number): number {
  const s = POW10[d], x = Math.abs(v) * s;
  if (!(x < 1e15)) return -1;
  const f = Math.floor(x), r = x - f;
  if (r === 0.5) return -1;
  const q = r > 0.5 ? f + 1 : f, int = Math.floor(q / s);
  if (v < 0) b[p++] = MINUS;
  p = intBytes(b, p, int);
  if (d === 0) return p;
  b[p++] = DOT;
  return padBytes(b, p, q - int * s, d);
}

/**
 * `grouped(v, d)` (toLocaleString("en-US") with d decimals) at b[p…]: the end, or −1 where `grouped` leaves its
 * fast path (1e12 and above after scaling, within 1e-3 of a half, NaN and infinities).
 */
export function groupedBytes(b: Uint8Array, p: number, v: number, d: number): number {
  const s = POW10[d], x = Math.abs(v) * s;
  if (!(x < 1e12)) return -1;
  const f = Math.floor(x), r = x - f;
  if (!(Math.abs(r - 0.5) > 1e-3)) return -1;
  const q = r > 0.5 ? f + 1 : f, int = Math.floor(q / s);
  if (v < 0 && q > 0) b[p++] = MINUS;
  const digits = digitCount(int);
  // Groups of three right to left, a comma before each but the first.
  const end = p + digits + Math.floor((digits - 1) / 3);
  let n = int, k = end;
  while (n >= 1000) {
    const q = Math.floor(n / 1000);
    digitsBefore(b, k, n - q * 1000, 3);
    k -= 3;
    b[--k] = COMMA;
    n = q;
  }
  digitsBefore(b, k, n, k - p);
  p = end;
  if (d === 0) return p;
  b[p++] = DOT;
  return padBytes(b, p, q - int * s, d);
}
