/** What a start-up health poll's result means for the launch (pure). */
import { describe, expect, it } from 'vitest';
import { decideOnHealthOutcome } from '../../../main/runtimes/process/health-outcome.js';

const healthy = { healthy: true as const, attempts: 3, elapsedMs: 1_500 };
const timedOut = { healthy: false as const, cause: 'deadline' as const, attempts: 40, elapsedMs: 30_000, lastProblem: 'HTTP 503' };
const base = { current: true, launcherDone: false, startDeadlineMs: 30_000 };

describe('decideOnHealthOutcome', () => {
  it('becomes ready when health answered, saying after how long', () => {
    expect(decideOnHealthOutcome({ ...base, outcome: healthy })).toEqual({ action: 'ready', reason: 'health check passed after 1.5 s' });
  });

  it('ignores the result of a launch that is no longer current, even a healthy one', () => {
    expect(decideOnHealthOutcome({ ...base, current: false, outcome: healthy }).action).toBe('ignore');
    expect(decideOnHealthOutcome({ ...base, current: false, outcome: timedOut }).action).toBe('ignore');
  });

  it('leaves a poll ended by the child\'s exit to the exit handler', () => {
    const aborted = { healthy: false as const, cause: 'aborted' as const, attempts: 2, elapsedMs: 400, lastProblem: 'connection refused' };
    expect(decideOnHealthOutcome({ ...base, outcome: aborted }).action).toBe('ignore');
  });

  it('kills a child that missed its start deadline, with the deadline and the last problem as the reason', () => {
    expect(decideOnHealthOutcome({ ...base, outcome: timedOut })).toEqual({ action: 'kill', reason: 'no healthy answer within 30 s (last check: HTTP 503)' });
    expect(decideOnHealthOutcome({ ...base, startDeadlineMs: 900, outcome: { ...timedOut, lastProblem: null } })).toEqual({ action: 'kill', reason: 'no healthy answer within 900 ms' });
  });

  it('counts a crash at once when a detached launcher is already gone and its server never answered', () => {
    expect(decideOnHealthOutcome({ ...base, launcherDone: true, outcome: timedOut })).toEqual({ action: 'crash', reason: 'no healthy answer within 30 s (last check: HTTP 503)' });
  });
});
