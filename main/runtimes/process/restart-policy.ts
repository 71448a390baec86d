/**
 * What to do after a runtime crashed: restart it after a delay, or give up.
 *
 * Pure: the crash history and the current time come in, a decision with a
 * human-readable reason goes out. Only crashes inside the sliding window
 * count, so a runtime that ran fine for an hour restarts at once after a
 * crash, while one that crashes in a loop backs off exponentially (capped)
 * and is given up on after `crashLimit.count` crashes within the window.
 * A crash the runtime marks as fatal (retrying cannot help) is given up on at once.
 */

export interface BackoffPolicy {
  /** Delay before the first restart in a window. */
  readonly initialMs: number;
  /** Each further restart in the window waits this many times longer. */
  readonly factor: number;
  /** Upper bound for any delay. */
  readonly maxMs: number;
}

export interface CrashLimit {
  /** Give up when this many crashes fall within the window. */
  readonly count: number;
  readonly windowMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 30_000 };
export const DEFAULT_CRASH_LIMIT: CrashLimit = { count: 5, windowMs: 60_000 };

export interface RestartInput {
  /** When each crash happened (ms timestamps), including the one being decided on. */
  readonly crashTimes: readonly number[];
  readonly now: number;
  readonly backoff: BackoffPolicy;
  readonly crashLimit: CrashLimit;
  /** How the last crash looked, e.g. "code 1", "signal SIGSEGV", "no healthy answer within 30 s". */
  readonly lastExit: string;
  /** The runtime said retrying cannot help (an exit code its plan lists as fatal, e.g. an unusable model file). */
  readonly fatal?: boolean;
}

export type RestartDecision =
  | {
      readonly action: 'restart';
      readonly delayMs: number;
      /** 1 for the first restart within the window, 2 for the second... */
      readonly attempt: number;
      readonly reason: string;
    }
  | { readonly action: 'give-up'; readonly reason: string };

/** "800 ms", "1.5 s", "60 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function decideRestart(input: RestartInput): RestartDecision {
  const { crashTimes, now, backoff, crashLimit, lastExit } = input;
  if (input.fatal === true) return { action: 'give-up', reason: `cannot start: ${lastExit}` };
  const window = formatDuration(crashLimit.windowMs);
  const recent = crashTimes.filter((at) => at <= now && now - at < crashLimit.windowMs).length;
  // The crash being decided on always counts, even if the caller left it out.
  const crashes = Math.max(1, recent);

  if (crashes >= crashLimit.count) {
    const times = crashes === 1 ? 'once' : `${crashes} times`;
    return { action: 'give-up', reason: `crashed ${times} within ${window}; last exit: ${lastExit}` };
  }

  const attempt = crashes;
  const raw = backoff.initialMs * backoff.factor ** (attempt - 1);
  const delayMs = Math.max(0, Math.round(Math.min(backoff.maxMs, raw)));
  const allowed = crashLimit.count - 1;
  return {
    action: 'restart',
    delayMs,
    attempt,
    reason: `last exit: ${lastExit}; restart ${attempt} of at most ${allowed} within ${window}, in ${formatDuration(delayMs)}`,
  };
}
