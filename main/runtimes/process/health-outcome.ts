/**
 * What the supervisor does with the result of polling a new launch's health
 * (pure): become ready, leave it to the exit handler, count it as a crash at
 * once (a detached launcher is gone and its server never answered), or kill
 * the child for missing its start deadline (its exit is then the crash).
 */
import type { HealthOutcome } from './health.js';
import { formatDuration } from './restart-policy.js';

export type HealthOutcomeDecision =
  | { readonly action: 'ignore'; readonly reason: string }
  | { readonly action: 'ready'; readonly reason: string }
  /** Nothing of ours is left to kill: record the crash now. */
  | { readonly action: 'crash'; readonly reason: string }
  /** Kill the child; its exit is the crash, with this reason. */
  | { readonly action: 'kill'; readonly reason: string };

export interface HealthOutcomeInput {
  readonly outcome: HealthOutcome;
  /** The launch is still the current one, starting, alive and not being stopped. */
  readonly current: boolean;
  /** A detached launcher that already exited cleanly (its server runs on its own). */
  readonly launcherDone: boolean;
  /** The start deadline this launch had. */
  readonly startDeadlineMs: number;
}

export function decideOnHealthOutcome(input: HealthOutcomeInput): HealthOutcomeDecision {
  const { outcome } = input;
  if (!input.current) return { action: 'ignore', reason: 'the launch is no longer current' };
  if (outcome.healthy) return { action: 'ready', reason: `health check passed after ${formatDuration(outcome.elapsedMs)}` };
  if (outcome.cause === 'aborted') return { action: 'ignore', reason: 'the child exited; its exit is handled on its own' };
  const last = outcome.lastProblem !== null ? ` (last check: ${outcome.lastProblem})` : '';
  const reason = `no healthy answer within ${formatDuration(input.startDeadlineMs)}${last}`;
  return input.launcherDone ? { action: 'crash', reason } : { action: 'kill', reason };
}
