import { describe, expect, it } from 'vitest';
import { benchReadyPath } from './ready-path-bench.js';

/** A clock that returns the given readings in order (nanoseconds), and fails if read once too often. */
function scriptedClock(readings: readonly number[]): () => bigint {
  let next = 0;
  return () => {
    const value = readings[next++];
    if (value === undefined) throw new Error(`the clock was read ${next} times; the script has ${readings.length} readings`);
    return BigInt(value);
  };
}

// The speed itself is reported by `npm run bench`; these check how the benchmark turns clock readings into figures.
describe('benchReadyPath', () => {
  it('keeps the fastest round of each handle, per call, and reports the difference (hand-worked)', async () => {
    // 1,000 calls per round, 3 rounds. Readings come in (start, end) pairs: the two warm-ups, then per round inner, managed.
    const clock = scriptedClock([
      0, 50_000_000, // warm-up inner: ignored however slow
      0, 90_000_000, // warm-up managed: ignored
      100, 6_100, // round 1 inner:   6,000 ns / 1,000 = 6 ns
      0, 15_000, // round 1 managed: 15 ns
      0, 4_000, // round 2 inner:   4 ns  ← fastest inner
      0, 9_500, // round 2 managed: 9.5 ns ← fastest managed
      0, 5_000, // round 3 inner:   5 ns
      0, 30_000, // round 3 managed: 30 ns (a GC pause: filtered out)
    ]);
    const result = await benchReadyPath({ iterations: 1_000, rounds: 3, clock });
    expect(result).toEqual({ iterations: 1_000, innerNsPerCall: 4, managedNsPerCall: 9.5, addedNsPerCall: 5.5 });
  });

  it('the fastest rounds need not be the same round: 7 ns inner (round 2) and 10 ns managed (round 1) add 3 ns', async () => {
    const clock = scriptedClock([0, 1, 0, 1, 0, 16_000, 0, 20_000, 0, 14_000, 0, 24_000]);
    const result = await benchReadyPath({ iterations: 2_000, rounds: 2, clock });
    expect(result).toEqual({ iterations: 2_000, innerNsPerCall: 7, managedNsPerCall: 10, addedNsPerCall: 3 });
  });

  it('runs on the real clock through the pool and measures something', async () => {
    const result = await benchReadyPath({ iterations: 2_000, rounds: 1 });
    expect(result.iterations).toBe(2_000);
    expect(Number.isFinite(result.innerNsPerCall) && result.innerNsPerCall > 0).toBe(true);
    expect(Number.isFinite(result.managedNsPerCall) && result.managedNsPerCall > 0).toBe(true);
  });
});
