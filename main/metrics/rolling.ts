/** A fixed-size window of recent numbers: constant memory, O(1) push. */
export class RollingWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Percentile (0..100) by nearest rank, or null when empty. Sorting ≤ capacity numbers happens only when someone asks. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const sorted = Array.from(this.values.subarray(0, this.count)).sort((a, b) => a - b);
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank] ?? null;
  }

  last(): number | null {
    if (this.count === 0) return null;
    return this.values[(this.next - 1 + this.capacity) % this.capacity] ?? null;
  }
}
