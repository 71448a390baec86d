/** One re-detection pass per miss, joined while running and rate-limited (runtimes/external/refresh-on-miss.ts). */
import { describe, expect, it } from 'vitest';
import { createRefreshOnMiss } from '../../main/runtimes/external/refresh-on-miss.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('refresh on miss', () => {
  it('joins a pass that is running instead of starting another', async () => {
    const gate = deferred();
    let passes = 0;
    const refresh = createRefreshOnMiss({ pass: () => (passes++, gate.promise), now: () => 0 });
    const a = refresh();
    const b = refresh();
    expect(passes).toBe(1);
    let settled = false;
    void Promise.all([a, b]).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // both wait for the pass
    gate.resolve();
    await Promise.all([a, b]);
    expect(passes).toBe(1);
  });

  it('starts passes at most once per interval', async () => {
    let clock = 0;
    let passes = 0;
    const refresh = createRefreshOnMiss({ pass: async () => void passes++, minIntervalMs: 5_000, now: () => clock });
    await refresh();
    clock = 4_999;
    await refresh();
    expect(passes).toBe(1);
    clock = 5_000;
    await refresh();
    expect(passes).toBe(2);
  });

  it('never rejects: a failing pass is reported and the miss is answered as a miss', async () => {
    const errors: unknown[] = [];
    const refresh = createRefreshOnMiss({ pass: () => Promise.reject(new Error('probe blew up')), onError: (e) => errors.push(e), now: () => 0 });
    await expect(refresh()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('probe blew up');
  });
});
