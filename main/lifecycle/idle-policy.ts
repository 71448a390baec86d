/**
 * Idle unloading: has a loaded model gone unused for longer than its TTL?
 * Pure; the pool arms one timer per model at `nextCheckAt` and asks again
 * when it fires (uses in between just move the answer later).
 */
import type { RuntimeState } from '../runtimes/types.js';
import { formatSpan, plural } from './describe.js';

export interface IdleModel {
  readonly id: string;
  /** Requests in flight or waiting for it: any of them keeps it loaded. */
  readonly inFlight: number;
  /** Unix ms of its last use. */
  readonly lastUsedAt: number;
  /** 0 = never unload. */
  readonly ttlMs: number;
  /** A model still starting is kept (loading can outlast a short TTL). */
  readonly state?: RuntimeState;
}

export interface IdleInput {
  readonly model: IdleModel;
  readonly now: number;
}

export type IdleDecision =
  | { readonly action: 'unload'; readonly reason: string }
  /** nextCheckAt: when to ask again (null: never, the TTL is off). */
  | { readonly action: 'keep'; readonly nextCheckAt: number | null; readonly reason: string };

export function decideIdleUnload(input: IdleInput): IdleDecision {
  const { model, now } = input;
  if (model.ttlMs <= 0) {
    return { action: 'keep', nextCheckAt: null, reason: `${model.id} has no idle TTL; it stays loaded until stopped or evicted` };
  }
  const ttl = formatSpan(model.ttlMs);
  if (model.inFlight > 0) {
    // The TTL restarts when the last request ends, so no unload can be due before now + ttl.
    return {
      action: 'keep',
      nextCheckAt: now + model.ttlMs,
      reason: `${model.id} is serving ${plural(model.inFlight, 'request')}; its ${ttl} idle TTL starts when they end`,
    };
  }
  if (model.state === 'starting') {
    return { action: 'keep', nextCheckAt: now + model.ttlMs, reason: `${model.id} is still starting` };
  }
  const idleMs = now - model.lastUsedAt;
  if (idleMs >= model.ttlMs) {
    return { action: 'unload', reason: `unloaded ${model.id}: idle ${formatSpan(idleMs)}, past its ${ttl} idle TTL` };
  }
  return {
    action: 'keep',
    nextCheckAt: model.lastUsedAt + model.ttlMs,
    reason: `${model.id} has been idle ${formatSpan(idleMs)} of its ${ttl} idle TTL`,
  };
}
