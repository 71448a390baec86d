/** A supervised runtime's crash record: restarts counted, the window, fatal exits, and how a crash is described. */
import { describe, expect, it } from 'vitest';
import { CrashHistory, describeCrash, isFatalExit } from '../../../main/runtimes/process/crash-history.js';
import type { LogLine } from '../../../main/runtimes/types.js';

const policy = { backoff: { initialMs: 100, factor: 2, maxMs: 1_000 }, crashLimit: { count: 3, windowMs: 10_000 } };

describe('CrashHistory', () => {
  it('backs off after each crash and gives up at the limit within the window, counting only restarts', () => {
    const history = new CrashHistory(policy);
    expect(history.record({ now: 0, lastExit: 'code 1', fatal: false })).toMatchObject({ action: 'restart', delayMs: 100 });
    expect(history.record({ now: 1_000, lastExit: 'code 1', fatal: false })).toMatchObject({ action: 'restart', delayMs: 200 });
    expect(history.restarts).toBe(2);
    expect(history.record({ now: 2_000, lastExit: 'code 1', fatal: false })).toEqual({ action: 'give-up', reason: 'crashed 3 times within 10 s; last exit: code 1' });
    expect(history.restarts).toBe(2);
  });

  it('forgets crashes older than the window, and everything on reset', () => {
    const history = new CrashHistory(policy);
    history.record({ now: 0, lastExit: 'code 1', fatal: false });
    history.record({ now: 1_000, lastExit: 'code 1', fatal: false });
    // 12 s later the first two are out of the window: this is the first crash again.
    expect(history.record({ now: 12_000, lastExit: 'code 1', fatal: false })).toMatchObject({ action: 'restart', delayMs: 100, attempt: 1 });
    history.reset();
    expect(history.restarts).toBe(0);
    expect(history.record({ now: 12_001, lastExit: 'code 1', fatal: false })).toMatchObject({ action: 'restart', attempt: 1 });
  });

  it('gives up at once on a fatal exit', () => {
    expect(new CrashHistory(policy).record({ now: 0, lastExit: 'code 3', fatal: true })).toEqual({ action: 'give-up', reason: 'cannot start: code 3' });
  });
});

describe('describeCrash and isFatalExit', () => {
  const line = (at: number, stream: LogLine['stream'], text: string): LogLine => ({ at, stream, line: text });

  it('quotes the last non-empty stderr line written since the launch', () => {
    const lines = [line(1, 'stderr', 'old launch: out of memory'), line(5, 'stderr', 'error: model file is corrupt'), line(6, 'stderr', '  '), line(7, 'stdout', 'bye')];
    expect(describeCrash(lines, 5, { code: 1, signal: null })).toBe('code 1: "error: model file is corrupt"');
    expect(describeCrash(lines, 6, { code: null, signal: 'SIGSEGV' })).toBe('signal SIGSEGV');
    // Killed from outside: the last line it wrote is not the reason, so it is not quoted as one.
    expect(describeCrash(lines, 5, { code: null, signal: 'SIGKILL' })).toBe("signal SIGKILL (killed from outside Homeport: the system's out-of-memory killer or a user)");
    expect(describeCrash([line(0, 'stderr', 'x'.repeat(400))], 0, { code: 2, signal: null })).toBe(`code 2: "${'x'.repeat(300)}…"`);
  });

  it('calls an exit fatal only when the plan lists its code and we did not kill it ourselves', () => {
    const plan = { fatalExitCodes: [3] };
    expect(isFatalExit(plan, { code: 3, signal: null }, false)).toBe(true);
    expect(isFatalExit(plan, { code: 3, signal: null }, true)).toBe(false);
    expect(isFatalExit(plan, { code: 1, signal: null }, false)).toBe(false);
    expect(isFatalExit({}, { code: 3, signal: null }, false)).toBe(false);
  });
});
