/**
 * Re-detection now and then, so a runtime server started or stopped after
 * Homeport is picked up without anyone pressing refresh. Bounded: one pass
 * at a time (a pass still running when the next is due is not doubled up),
 * each probe inside a pass has its own short timeout, and the timer never
 * keeps the process alive.
 */
import type { Clock, TimerHandle } from '../process/health.js';

/** Timers that never keep the process alive. */
const backgroundClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface RedetectLoopOptions {
  /** Pause between passes; 0 = no loop. */
  readonly intervalMs: number;
  /** One pass (the engine's refresh: fleet.refresh() and the model directory update). */
  readonly pass: () => Promise<unknown>;
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
}

/** Starts the loop; returns the function that stops it. */
export function startRedetectLoop(options: RedetectLoopOptions): () => void {
  if (options.intervalMs <= 0) return () => undefined;
  const clock = options.clock ?? backgroundClock;
  let timer: TimerHandle | null = null;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimer(options.intervalMs, () => {
      options
        .pass()
        .catch((error: unknown) => options.onError?.(error))
        .finally(schedule);
    });
  };
  schedule();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
