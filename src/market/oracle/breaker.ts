/**
 * Sliding-window min/max of the index (monotonic deques): the circuit breaker flags when
 * max/min − 1 over the last `windowMs` exceeds the bound. O(1) amortised per observation.
 */
export class MoveWindow {
  private readonly maxT: number[] = [];
  private readonly maxV: number[] = [];
  private readonly minT: number[] = [];
  private readonly minV: number[] = [];
  private maxHead = 0;
  private minHead = 0;

  constructor(private readonly windowMs: number) {}

  /** Record the index `v` at time `t` (ms, non-decreasing) and return max/min − 1 within the window. */
  push(t: number, v: number): number {
    while (this.maxV.length > this.maxHead && this.maxV[this.maxV.length - 1] <= v) { this.maxV.pop(); this.maxT.pop(); }
    this.maxV.push(v); this.maxT.push(t);
    while (this.minV.length > this.minHead && this.minV[this.minV.length - 1] >= v) { this.minV.pop(); this.minT.pop(); }
    this.minV.push(v); this.minT.push(t);
    const cutoff = t - this.windowMs;
    while (this.maxT[this.maxHead] < cutoff) this.maxHead++;
    while (this.minT[this.minHead] < cutoff) this.minHead++;
    this.compact();
    return this.maxV[this.maxHead] / this.minV[this.minHead] - 1;
  }

  private compact(): void {
    if (this.maxHead > 64 && this.maxHead * 2 > this.maxV.length) {
      this.maxV.splice(0, this.maxHead); this.maxT.splice(0, this.maxHead); this.maxHead = 0;
    }
    if (this.minHead > 64 && this.minHead * 2 > this.minV.length) {
      this.minV.splice(0, this.minHead); this.minT.splice(0, this.minHead); this.minHead = 0;
    }
  }
}
