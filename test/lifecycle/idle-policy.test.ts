import { describe, expect, it } from 'vitest';
import { decideIdleUnload } from '../../main/lifecycle/idle-policy.js';
import type { IdleDecision, IdleModel } from '../../main/lifecycle/idle-policy.js';

const MIN = 60_000;
const NOW = 1_700_000_000_000;
const TTL = 15 * MIN;

function decide(model: Partial<IdleModel>): IdleDecision {
  return decideIdleUnload({ model: { id: 'qwen-7b', inFlight: 0, lastUsedAt: NOW, ttlMs: TTL, ...model }, now: NOW });
}

describe('decideIdleUnload', () => {
  const table: ReadonlyArray<[string, Partial<IdleModel>, IdleDecision['action'], number | null | undefined]> = [
    ['idle exactly the TTL: unload', { lastUsedAt: NOW - TTL }, 'unload', undefined],
    ['idle longer than the TTL: unload', { lastUsedAt: NOW - 2 * TTL }, 'unload', undefined],
    ['idle less than the TTL: keep until lastUsedAt + TTL', { lastUsedAt: NOW - 3 * MIN }, 'keep', NOW + 12 * MIN],
    ['TTL 0: never unload, never check', { lastUsedAt: NOW - 100 * TTL, ttlMs: 0 }, 'keep', null],
    ['in flight: never unload, check a TTL later', { lastUsedAt: NOW - 100 * TTL, inFlight: 1 }, 'keep', NOW + TTL],
    ['still starting: keep', { lastUsedAt: NOW - 2 * TTL, state: 'starting' }, 'keep', NOW + TTL],
    ['ready and idle past the TTL: unload', { lastUsedAt: NOW - 2 * TTL, state: 'ready' }, 'unload', undefined],
  ];

  it.each(table)('%s', (_what, model, action, nextCheckAt) => {
    const decision = decide(model);
    expect(decision.action).toBe(action);
    if (decision.action === 'keep') expect(decision.nextCheckAt).toBe(nextCheckAt);
  });

  it('gives reasons with the figures', () => {
    expect(decide({ lastUsedAt: NOW - 16 * MIN }).reason).toBe('unloaded qwen-7b: idle 16 min, past its 15 min idle TTL');
    expect(decide({ lastUsedAt: NOW - 3 * MIN }).reason).toBe('qwen-7b has been idle 3 min of its 15 min idle TTL');
    expect(decide({ inFlight: 2 }).reason).toBe('qwen-7b is serving 2 requests; its 15 min idle TTL starts when they end');
    expect(decide({ ttlMs: 0 }).reason).toMatch(/qwen-7b has no idle TTL/);
  });
});
