import { describe, expect, it } from 'vitest';
import { benchReadyPath } from './ready-path-bench.js';

// The figure itself is reported by running the benchmark; this only checks that it runs and measures something.
describe('benchReadyPath', () => {
  it('measures both handles on their cached hot path', async () => {
    const result = await benchReadyPath({ iterations: 2_000, rounds: 1 });
    expect(result.iterations).toBe(2_000);
    expect(Number.isFinite(result.innerNsPerCall) && result.innerNsPerCall > 0).toBe(true);
    expect(Number.isFinite(result.managedNsPerCall) && result.managedNsPerCall > 0).toBe(true);
    expect(result.addedNsPerCall).toBeCloseTo(result.managedNsPerCall - result.innerNsPerCall, 6);
  });
});
