/**
 * The last few minutes of live hardware samples (RAM, CPU, GPU use), kept in
 * the engine so a chart opened now draws them at once instead of starting
 * empty. A fixed-size ring: the oldest sample goes when a new one comes past
 * the capacity, so memory stays flat however long the engine runs. Pure.
 */
import type { LiveSample } from './live.js';

/** What GET /homeport/v1/hardware/history answers. */
export interface HardwareHistoryView {
  /** Oldest first. */
  readonly samples: readonly LiveSample[];
  /** How often the engine samples (ms). */
  readonly intervalMs: number;
  /** Samples kept at most (capacity × interval = the span kept). */
  readonly capacity: number;
  /** False while the engine does not record (it starts a few seconds after the engine, or never when switched off). */
  readonly recording: boolean;
}

export interface SampleHistory {
  push(sample: LiveSample): void;
  /** Oldest first; only those taken after `since` (ms since epoch) when given. */
  samples(since?: number): LiveSample[];
  readonly capacity: number;
  readonly size: number;
}

export function createSampleHistory(capacity: number): SampleHistory {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`A sample history holds at least one sample (got ${capacity}).`);
  const ring: (LiveSample | undefined)[] = new Array<LiveSample | undefined>(capacity);
  let start = 0;
  let size = 0;
  return {
    push(sample) {
      // Samples come in time order; one from before the newest (a clock step back) would break that order, so it is dropped.
      const newest = size > 0 ? ring[(start + size - 1) % capacity] : undefined;
      if (newest && sample.at < newest.at) return;
      ring[(start + size) % capacity] = sample;
      if (size < capacity) size += 1;
      else start = (start + 1) % capacity;
    },
    samples(since) {
      const out: LiveSample[] = [];
      for (let i = 0; i < size; i += 1) {
        const sample = ring[(start + i) % capacity]!;
        if (since === undefined || sample.at > since) out.push(sample);
      }
      return out;
    },
    capacity,
    get size() {
      return size;
    },
  };
}
