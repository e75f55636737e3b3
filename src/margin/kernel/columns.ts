/**
 * Growable typed columns: a family of equally long Float64/Int32/Uint8 arrays addressed by one row index, with
 * append-only allocation of blocks. Space of blocks that are replaced is counted as garbage until the owner
 * compacts. Nothing here allocates per use: growth doubles.
 */

export class Family {
  f: Float64Array[];
  i: Int32Array[];
  used = 0;
  garbage = 0;
  cap: number;

  constructor(nf: number, ni: number, cap = 64) {
    this.cap = cap;
    this.f = Array.from({ length: nf }, () => new Float64Array(cap));
    this.i = Array.from({ length: ni }, () => new Int32Array(cap));
  }

  /** Reserve `n` rows at the end; returns the first. */
  alloc(n: number): number {
    if (this.used + n > this.cap) this.grow(Math.max(this.used + n, this.cap * 2));
    const s = this.used;
    this.used += n;
    return s;
  }

  /** Mark `n` rows as no longer used. */
  free(n: number): void {
    this.garbage += n;
  }

  private grow(cap: number): void {
    this.f = this.f.map((a) => { const b = new Float64Array(cap); b.set(a); return b; });
    this.i = this.i.map((a) => { const b = new Int32Array(cap); b.set(a); return b; });
    this.cap = cap;
  }

  /** A fresh family of the same shape with room for `cap` rows (for compaction). */
  emptyLike(cap: number): Family {
    return new Family(this.f.length, this.i.length, Math.max(64, cap));
  }

  /** Copy rows [from, from + n) of `src` to the end of this family; returns the new first row. */
  copyFrom(src: Family, from: number, n: number): number {
    const s = this.alloc(n);
    for (let c = 0; c < this.f.length; c++) this.f[c].set(src.f[c].subarray(from, from + n), s);
    for (let c = 0; c < this.i.length; c++) this.i[c].set(src.i[c].subarray(from, from + n), s);
    return s;
  }
}
