/** Order statistics on small arrays of prices (a handful of sources), without allocation. */

/** Sort `xs[0..n)` ascending in place (insertion sort: fastest for the few sources an index has). */
export function sortPrefix(xs: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = xs[i];
    let j = i - 1;
    while (j >= 0 && xs[j] > v) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = v;
  }
}

/** Median of the sorted prefix `xs[0..n)` (mean of the two middle values when n is even); NaN when n = 0. */
export function medianSorted(xs: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 === 1 ? xs[h] : (xs[h - 1] + xs[h]) / 2;
}

/**
 * Median of the sorted prefix `xs[0..n)`, always one of the values or the mean of two: for even n, the middle
 * value nearer `reference` (their mean on a tie). Choosing a member keeps one arbitrary value from dragging
 * the index outside the range of the other sources (see the property test).
 */
export function anchoredMedianSorted(xs: Float64Array, n: number, reference: number): number {
  if (n === 0) return NaN;
  const h = n >> 1;
  if (n % 2 === 1) return xs[h];
  const lo = xs[h - 1];
  const hi = xs[h];
  const dLo = Math.abs(reference - lo);
  const dHi = Math.abs(hi - reference);
  return dLo < dHi ? lo : dHi < dLo ? hi : (lo + hi) / 2;
}

/** Median of any list of numbers (copies; for tests and baselines). */
export function median(values: readonly number[]): number {
  const xs = Float64Array.from(values);
  sortPrefix(xs, xs.length);
  return medianSorted(xs, xs.length);
}
