/**
 * Requests Homeport has in flight to each target, and how long recent ones
 * took: the facts behind "busy" and the predicted wait. Two Map lookups per
 * request; the recent mean is kept incrementally.
 */
import { performance } from 'node:perf_hooks';

const RECENT = 20;

class TargetLoad {
  inFlight = 0;
  readonly starts = new Set<number>();
  private readonly recent = new Float64Array(RECENT);
  private next = 0;
  private count = 0;
  private sum = 0;

  push(ms: number): void {
    if (this.count === RECENT) this.sum -= this.recent[this.next]!;
    else this.count++;
    this.recent[this.next] = ms;
    this.sum += ms;
    this.next = (this.next + 1) % RECENT;
  }

  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
}

export class LoadTracker {
  private readonly targets = new Map<string, TargetLoad>();

  private of(key: string): TargetLoad {
    let load = this.targets.get(key);
    if (!load) {
      load = new TargetLoad();
      this.targets.set(key, load);
    }
    return load;
  }

  /** Count one request in flight; call the returned function once when it ends (`ok`: count its time). */
  begin(key: string): (ok: boolean) => void {
    const load = this.of(key);
    const started = performance.now();
    load.inFlight++;
    load.starts.add(started);
    let ended = false;
    return (ok) => {
      if (ended) return;
      ended = true;
      load.inFlight--;
      load.starts.delete(started);
      if (ok) load.push(performance.now() - started);
    };
  }

  inFlight(key: string): number {
    return this.targets.get(key)?.inFlight ?? 0;
  }

  /** Mean of recent request times, or, before any finished, the age of the oldest running one. */
  meanRequestMs(key: string): number | null {
    const load = this.targets.get(key);
    if (!load) return null;
    const mean = load.mean();
    if (mean !== null) return mean;
    let oldest: number | null = null;
    for (const s of load.starts) if (oldest === null || s < oldest) oldest = s;
    return oldest === null ? null : performance.now() - oldest;
  }
}
