/**
 * A fixed-size time series for live charts: pushing past capacity overwrites
 * the oldest point, so memory stays flat however long the panel stays open.
 * `aligned()` returns uPlot's column layout ([xs, ...ys]) oldest first.
 */
export class RingSeries {
  private readonly xs: Float64Array;
  private readonly ys: Float64Array[];
  private start = 0;
  private size = 0;
  /** Bumped on every push: a cheap "has it changed" for subscribers. */
  version = 0;

  constructor(
    readonly capacity: number,
    readonly seriesCount: number,
  ) {
    this.xs = new Float64Array(capacity);
    this.ys = Array.from({ length: seriesCount }, () => new Float64Array(capacity).fill(Number.NaN));
  }

  get length(): number {
    return this.size;
  }

  /** `x` in seconds (uPlot's time scale); a null y is a gap in that line. */
  push(x: number, values: readonly (number | null)[]): void {
    const index = (this.start + this.size) % this.capacity;
    this.xs[index] = x;
    for (let s = 0; s < this.seriesCount; s += 1) this.ys[s]![index] = values[s] ?? Number.NaN;
    if (this.size < this.capacity) this.size += 1;
    else this.start = (this.start + 1) % this.capacity;
    this.version += 1;
  }

  /** The newest point's values, or null when empty. */
  latest(): { x: number; ys: (number | null)[] } | null {
    if (this.size === 0) return null;
    const index = (this.start + this.size - 1) % this.capacity;
    return { x: this.xs[index]!, ys: this.ys.map((y) => (Number.isNaN(y[index]!) ? null : y[index]!)) };
  }

  aligned(): [number[], ...(number | null)[][]] {
    const xs: number[] = new Array<number>(this.size);
    const ys: (number | null)[][] = this.ys.map(() => new Array<number | null>(this.size));
    for (let i = 0; i < this.size; i += 1) {
      const index = (this.start + i) % this.capacity;
      xs[i] = this.xs[index]!;
      for (let s = 0; s < this.seriesCount; s += 1) {
        const value = this.ys[s]![index]!;
        ys[s]![i] = Number.isNaN(value) ? null : value;
      }
    }
    return [xs, ...ys];
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
    this.version += 1;
  }
}
