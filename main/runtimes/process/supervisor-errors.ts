/**
 * The errors a supervised runtime gives callers, each saying what happened
 * and what to do.
 */
import { formatDuration } from './restart-policy.js';
import { RuntimeFailedError, RuntimeNotReadyError, type RuntimeState } from '../types.js';

/** A caller's deadline passed, or it gave up, before the runtime was ready. */
export function notReadyError(input: {
  readonly id: string;
  readonly state: RuntimeState;
  readonly cause: 'deadline' | 'aborted';
  readonly deadlineMs: number;
  /** A restart after a crash is pending. */
  readonly restarting: boolean;
}): RuntimeNotReadyError {
  const { id, state } = input;
  const what = input.cause === 'deadline' ? `is not ready after ${formatDuration(input.deadlineMs)}` : 'was not ready when the request was cancelled';
  let advice: string;
  switch (state) {
    case 'starting':
      advice = input.restarting
        ? 'it is restarting after a crash; retry shortly or check its logs'
        : 'it is still starting (loading a model can take a while); retry shortly or allow a longer deadline';
      break;
    case 'stopped':
    case 'stopping':
      advice = 'it is stopped; start it and retry';
      break;
    case 'failed':
      advice = 'it failed; check its logs and start it again';
      break;
    case 'ready':
      advice = 'it has just become ready; retry';
      break;
  }
  return new RuntimeNotReadyError(id, state, `Runtime "${id}" ${what} (state: ${state}); ${advice}.`);
}

/** The runtime failed (gave up after crashes, or could not launch). */
export function failedError(id: string, reason: string, lastLogLines: readonly string[]): RuntimeFailedError {
  return new RuntimeFailedError(id, `Runtime "${id}" failed: ${reason}. Check its logs, fix the cause and start it again.`, lastLogLines);
}

/** A waiter's runtime was stopped while it waited. */
export function stoppedWhileWaitingError(id: string, reason: string): RuntimeNotReadyError {
  return new RuntimeNotReadyError(id, 'stopping', `Runtime "${id}" was stopped (${reason}) while the request waited; start it again and retry.`);
}
