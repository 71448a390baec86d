/**
 * Health polling for a starting runtime: GET the health URL every
 * `intervalMs` until it answers 200, the deadline passes, or the caller
 * aborts (the supervisor aborts as soon as the child exits, so a crashed
 * child never costs the full deadline).
 *
 * Time comes from an injected `Clock` so the loop can be driven by fake
 * timers; the HTTP request is an injected `HealthProbe` (fetch by default).
 */

export interface TimerHandle {
  cancel(): void;
}

/** Time and timers, injectable for tests. */
export interface Clock {
  now(): number;
  /** Run `callback` once after `ms`. */
  setTimer(ms: number, callback: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface HealthProbeRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** One health request; resolves with the HTTP status, rejects on network errors. */
export type HealthProbe = (request: HealthProbeRequest) => Promise<number>;

export const fetchHealthProbe: HealthProbe = async ({ url, headers, signal }) => {
  const response = await fetch(url, { method: 'GET', headers, signal });
  // Release the connection without reading a body we do not need.
  await response.body?.cancel();
  return response.status;
};

export interface WaitForHealthyOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  /** Give up this many ms after the first probe started. */
  readonly deadlineMs: number;
  /** Stop polling at once (e.g. the child exited or the start was cancelled). */
  readonly signal?: AbortSignal;
  /** Upper bound for a single request (also bounded by the remaining deadline). */
  readonly probeTimeoutMs?: number;
  readonly clock?: Clock;
  readonly probe?: HealthProbe;
}

export type HealthOutcome =
  | { readonly healthy: true; readonly attempts: number; readonly elapsedMs: number }
  | {
      readonly healthy: false;
      readonly cause: 'deadline' | 'aborted';
      readonly attempts: number;
      readonly elapsedMs: number;
      /** What the last probe saw, e.g. "HTTP 503" or "connection refused". */
      readonly lastProblem: string | null;
    };

const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

function describeProbeError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && cause.code === 'ECONNREFUSED') return 'connection refused';
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** Resolve after `ms`, or early when `signal` aborts. */
function pause(ms: number, clock: Clock, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimer(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface HealthCheckOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly probe?: HealthProbe;
  readonly clock?: Clock;
  /** A probe that takes longer is a failure ("no answer within …"). */
  readonly timeoutMs: number;
  /** Abort the probe early (counts as a failure). */
  readonly signal?: AbortSignal;
}

/** One health request: null when it answered 200, else what went wrong ("HTTP 503", "connection refused", …). */
export async function checkHealthOnce(options: HealthCheckOptions): Promise<string | null> {
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  let timedOut = false;
  const timer = clock.setTimer(options.timeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  const forwardAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    const status = await (options.probe ?? fetchHealthProbe)({ url: options.url, headers: options.headers ?? {}, signal: controller.signal });
    return status === 200 ? null : `HTTP ${status}`;
  } catch (error) {
    return describeProbeError(error, timedOut, options.timeoutMs);
  } finally {
    timer.cancel();
    options.signal?.removeEventListener('abort', forwardAbort);
  }
}

export async function waitForHealthy(options: WaitForHealthyOptions): Promise<HealthOutcome> {
  const clock = options.clock ?? systemClock;
  const probe = options.probe ?? fetchHealthProbe;
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const startedAt = clock.now();
  const elapsed = (): number => clock.now() - startedAt;
  let attempts = 0;
  let lastProblem: string | null = null;

  const giveUp = (cause: 'deadline' | 'aborted'): HealthOutcome => ({
    healthy: false,
    cause,
    attempts,
    elapsedMs: elapsed(),
    lastProblem,
  });

  for (;;) {
    if (options.signal?.aborted) return giveUp('aborted');
    let remaining = options.deadlineMs - elapsed();
    if (remaining <= 0) return giveUp('deadline');

    attempts += 1;
    const problem = await checkHealthOnce({
      url: options.url,
      headers: options.headers ?? {},
      probe,
      clock,
      timeoutMs: Math.min(probeTimeoutMs, remaining),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    if (options.signal?.aborted) return giveUp('aborted');
    if (problem === null) return { healthy: true, attempts, elapsedMs: elapsed() };
    lastProblem = problem;

    remaining = options.deadlineMs - elapsed();
    if (remaining <= 0) return giveUp('deadline');
    await pause(Math.min(options.intervalMs, remaining), clock, options.signal);
  }
}
