import { describe, expect, it } from 'vitest';
import { watchLiveness, type LivenessPolicy } from '../../../main/runtimes/process/liveness.js';
import { FakeClock } from '../../lifecycle/fake-clock.js';

const POLICY: LivenessPolicy = { intervalMs: 1_000, failures: 3, timeoutMs: 500 };

/** A watch whose checks answer from a script (null = healthy), recording when each ran. */
function scripted(results: Array<string | null>, isCurrent: () => boolean = () => true) {
  const clock = new FakeClock(0);
  const checkedAt: number[] = [];
  const timeouts: number[] = [];
  const lost: string[] = [];
  const handle = watchLiveness({
    policy: POLICY,
    clock,
    check: async (timeoutMs) => {
      checkedAt.push(clock.now());
      timeouts.push(timeoutMs);
      return results.shift() ?? null;
    },
    isCurrent,
    onLost: (reason) => lost.push(reason),
  });
  return { clock, checkedAt, timeouts, lost, handle };
}

describe('watchLiveness', () => {
  it('checks once per interval with the policy timeout, and leaves a healthy runtime alone', async () => {
    const w = scripted([]);
    await w.clock.advance(5_500);
    expect(w.checkedAt).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(w.timeouts.every((t) => t === 500)).toBe(true);
    expect(w.lost).toEqual([]);
  });

  it('reports the runtime lost after the configured misses in a row, once, naming the last problem', async () => {
    const w = scripted(['HTTP 503', null, 'HTTP 503', 'no answer within 500 ms', 'connection refused', 'never asked']);
    await w.clock.advance(10_000);
    // A healthy answer in between resets the count: lost at the 5th check, not the 3rd.
    expect(w.checkedAt).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect(w.lost).toEqual(['the server stopped answering health checks (3 failed in a row, last: connection refused)']);
    expect(w.clock.pendingTimers()).toBe(0);
  });

  it('ends quietly when cancelled or when the launch is no longer current', async () => {
    const cancelled = scripted(['HTTP 503', 'HTTP 503', 'HTTP 503']);
    await cancelled.clock.advance(2_500);
    cancelled.handle.cancel();
    await cancelled.clock.advance(10_000);
    expect(cancelled.checkedAt).toEqual([1_000, 2_000]);
    expect(cancelled.lost).toEqual([]);

    let current = true;
    const replaced = scripted(['HTTP 503', 'HTTP 503', 'HTTP 503'], () => current);
    await replaced.clock.advance(1_500);
    current = false;
    await replaced.clock.advance(10_000);
    expect(replaced.checkedAt).toEqual([1_000]);
    expect(replaced.lost).toEqual([]);
  });
});
