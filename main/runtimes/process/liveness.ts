/**
 * Liveness: while a runtime is ready, check its health now and then; a run
 * of misses means it is gone even if its process still exists (hung,
 * SIGSTOPped, or alive with a dead engine, like vLLM answering 503 after
 * EngineDeadError). The supervisor decides what "gone" costs (a kill, a crash).
 */
import type { Clock, TimerHandle } from './health.js';

export interface LivenessPolicy {
  /** Pause between health checks while ready. */
  readonly intervalMs: number;
  /** Misses in a row that mean the runtime is gone. */
  readonly failures: number;
  /** A check that takes longer than this is a miss. */
  readonly timeoutMs: number;
}

/** Supervised processes: a hung runtime is found within about 25 s, a busy one is never mistaken for it. */
export const DEFAULT_LIVENESS: LivenessPolicy = { intervalMs: 5_000, failures: 3, timeoutMs: 5_000 };

/** Detached launchers (the server runs on its own): misses are the only crash signal, so check more often. */
export const DETACHED_LIVENESS: LivenessPolicy = { intervalMs: 2_000, failures: 3, timeoutMs: 2_000 };

export interface LivenessWatchOptions {
  readonly policy: LivenessPolicy;
  readonly clock: Clock;
  /** One health check: null when healthy, else what went wrong. */
  readonly check: (timeoutMs: number) => Promise<string | null>;
  /** False once the watched launch is no longer current (stopped, replaced): the watch ends quietly. */
  readonly isCurrent: () => boolean;
  /** Called once, with the reason, after `policy.failures` misses in a row. */
  readonly onLost: (reason: string) => void;
}

/** Starts checking after one interval; `cancel()` ends the watch. */
export function watchLiveness(options: LivenessWatchOptions): TimerHandle {
  const { policy, clock, check, isCurrent, onLost } = options;
  let misses = 0;
  let timer: TimerHandle | null = null;
  let cancelled = false;

  const poll = async (): Promise<void> => {
    timer = null;
    if (cancelled || !isCurrent()) return;
    const problem = await check(policy.timeoutMs);
    if (cancelled || !isCurrent()) return;
    misses = problem === null ? 0 : misses + 1;
    if (problem !== null && misses >= policy.failures) {
      onLost(`the server stopped answering health checks (${policy.failures} failed in a row, last: ${problem})`);
      return;
    }
    timer = clock.setTimer(policy.intervalMs, () => void poll());
  };
  timer = clock.setTimer(policy.intervalMs, () => void poll());

  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
      timer = null;
    },
  };
}
