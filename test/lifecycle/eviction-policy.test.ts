import { describe, expect, it } from 'vitest';
import { decideAdmission } from '../../main/lifecycle/eviction-policy.js';
import type { AdmissionDecision, PoolLimits, ResidentModel } from '../../main/lifecycle/eviction-policy.js';
import type { RuntimeState } from '../../main/runtimes/types.js';

const GIB = 1024 ** 3;
const MIN = 60_000;
const NOW = 1_700_000_000_000;

/** A loaded model last used `idleMin` minutes ago. */
function model(id: string, gib: number, idleMin: number, extra: { inFlight?: number; waiting?: number; state?: RuntimeState } = {}): ResidentModel {
  return {
    id,
    estimatedBytes: Math.round(gib * GIB),
    inFlight: extra.inFlight ?? 0,
    waiting: extra.waiting ?? 0,
    lastUsedAt: NOW - idleMin * MIN,
    state: extra.state ?? 'ready',
  };
}

function limits(maxLoadedModels: number, memoryGib: number): PoolLimits {
  return { maxLoadedModels, memoryBudgetBytes: Math.round(memoryGib * GIB) };
}

function decide(candidate: [string, number], loaded: ResidentModel[], poolLimits: PoolLimits): AdmissionDecision {
  return decideAdmission({
    candidate: { id: candidate[0], estimatedBytes: Math.round(candidate[1] * GIB) },
    loaded,
    limits: poolLimits,
    now: NOW,
  });
}

function evicted(decision: AdmissionDecision): readonly string[] | string {
  return decision.action === 'load' ? decision.evict : decision.action;
}

describe('decideAdmission', () => {
  // [what, candidate, loaded, limits, expected evictions or action]
  const table: ReadonlyArray<[string, [string, number], ResidentModel[], PoolLimits, readonly string[] | string]> = [
    ['no limits: load beside everything', ['c', 4], [model('a', 4, 1), model('b', 4, 2)], limits(0, 0), []],
    ['count limit not reached', ['c', 4], [model('a', 4, 1)], limits(2, 0), []],
    ['count limit reached: evict the LRU idle model', ['c', 1], [model('a', 1, 3), model('b', 1, 12)], limits(2, 0), ['b']],
    ['count limit exceeded (limits shrank): evict enough to fit', ['d', 1], [model('a', 1, 1), model('b', 1, 2), model('c', 1, 3)], limits(2, 0), ['c', 'b']],
    ['memory fits', ['c', 3], [model('a', 4, 1)], limits(0, 8), []],
    ['memory over budget: evict the LRU idle model', ['c', 4.9], [model('a', 4.1, 12), model('b', 1, 1)], limits(0, 8), ['a']],
    ['memory needs two evictions, LRU first', ['d', 6], [model('a', 2, 9), model('b', 2, 5), model('c', 2, 1)], limits(0, 8), ['a', 'b']],
    ['both limits: count needs one, memory needs two', ['d', 5], [model('a', 2, 9), model('b', 2, 5), model('c', 2, 1)], limits(3, 8), ['a', 'b']],
    ['both limits: memory fine, count needs one', ['d', 1], [model('a', 1, 9), model('b', 1, 5), model('c', 1, 1)], limits(3, 8), ['a']],
    ['busy models are skipped for the next LRU idle one', ['c', 1], [model('a', 1, 30, { inFlight: 1 }), model('b', 1, 2)], limits(2, 0), ['b']],
    ['all serving: wait', ['c', 1], [model('a', 1, 30, { inFlight: 2 }), model('b', 1, 2, { inFlight: 1 })], limits(2, 0), 'wait'],
    ['starting with waiting requests counts as busy: wait', ['b', 1], [model('a', 1, 0, { waiting: 1, state: 'starting' })], limits(1, 0), 'wait'],
    ['idle but not enough room without a busy one: wait', ['c', 6], [model('a', 4, 30, { inFlight: 1 }), model('b', 2, 2)], limits(0, 8), 'wait'],
    ['candidate alone exceeds the budget: refuse', ['huge', 9], [], limits(0, 8), 'refuse'],
    ['refuse even when everything could be evicted', ['huge', 9], [model('a', 1, 30)], limits(1, 8), 'refuse'],
    ['starting models count toward the count limit', ['c', 1], [model('a', 1, 5, { state: 'starting' }), model('b', 1, 1)], limits(2, 0), ['a']],
    ['starting models count toward the memory budget', ['c', 4], [model('a', 5, 0, { state: 'starting' })], limits(0, 8), ['a']],
    ['stopping models count and cannot be evicted: wait', ['c', 1], [model('a', 1, 5, { state: 'stopping' }), model('b', 1, 1, { inFlight: 1 })], limits(2, 0), 'wait'],
    ['stopped and failed models are ignored', ['c', 4], [model('a', 4, 5, { state: 'stopped' }), model('b', 4, 5, { state: 'failed' })], limits(1, 4), []],
    ['minimal set: a small LRU model is kept when the bigger one alone frees enough', ['c', 4], [model('small', 1, 60), model('big', 5, 10), model('x', 2, 1)], limits(0, 8), ['big']],
    ['minimal set: of three picks, the unneeded middle one is kept', ['d', 6], [model('a', 2, 9), model('b', 2, 5), model('c', 3, 2)], limits(0, 8), ['a', 'c']],
    ['LRU ties broken by id', ['c', 1], [model('b', 1, 5), model('a', 1, 5)], limits(2, 0), ['a']],
    ['the candidate already loaded: nothing to do', ['a', 1], [model('a', 1, 5)], limits(1, 0), []],
    ['the candidate still unloading: wait for it', ['a', 1], [model('a', 1, 5, { state: 'stopping' })], limits(1, 0), 'wait'],
  ];

  it.each(table)('%s', (_what, candidate, loaded, poolLimits, expected) => {
    expect(evicted(decide(candidate, loaded, poolLimits))).toEqual(expected);
  });

  it('orders by lastUsedAt, not by the order given', () => {
    const loaded = [model('recent', 1, 1), model('oldest', 1, 50), model('middle', 1, 20)];
    expect(evicted(decide(['c', 1], loaded, limits(1, 0)))).toEqual(['oldest', 'middle', 'recent']);
    expect(evicted(decide(['c', 1], loaded, limits(2, 0)))).toEqual(['oldest', 'middle']);
    expect(evicted(decide(['c', 1], loaded, limits(3, 0)))).toEqual(['oldest']);
  });

  it('says which model was evicted, how idle and big it was, for whom and under which limit', () => {
    const decision = decide(['llama-8b', 4.9], [model('qwen-7b', 4.1, 12), model('phi', 1, 1)], limits(0, 8));
    expect(decision).toMatchObject({ action: 'load', evict: ['qwen-7b'] });
    expect(decision.reason).toBe('evicted qwen-7b (idle 12 min, 4.1 GiB) to fit llama-8b (4.9 GiB) in the 8.0 GiB budget');
    expect(decision.action === 'load' && decision.evictions).toEqual([{ id: 'qwen-7b', reason: decision.reason }]);
  });

  it('names the count limit when that is what forced the eviction', () => {
    const decision = decide(['b', 2], [model('a', 3, 7)], limits(1, 0));
    expect(decision.reason).toBe('evicted a (idle 7 min, 3.0 GiB) to fit b (2.0 GiB) within the limit of 1 loaded model');
  });

  it('names both limits when both forced evictions, and lists every evicted model', () => {
    const decision = decide(['d', 5], [model('a', 2, 9), model('b', 2, 5), model('c', 2, 1)], limits(3, 8));
    expect(decision.reason).toBe(
      'evicted a (idle 9 min, 2.0 GiB) and b (idle 5 min, 2.0 GiB) to fit d (5.0 GiB) within the limit of 3 loaded models and in the 8.0 GiB budget',
    );
  });

  it('explains a load without eviction with the figures in use', () => {
    expect(decide(['b', 2], [model('a', 3, 7)], limits(2, 8)).reason).toBe(
      'loading b (2.0 GiB): it fits (1 of 2 model slots in use, 3.0 GiB of the 8.0 GiB budget in use)',
    );
    expect(decide(['b', 2], [], limits(0, 0)).reason).toBe('loading b (2.0 GiB): no limits on loaded models');
  });

  it('explains a wait by naming the busy models and what they are doing', () => {
    const decision = decide(
      ['c', 1],
      [model('a', 1, 30, { inFlight: 2 }), model('b', 1, 0, { inFlight: 1, waiting: 1, state: 'starting' })],
      limits(2, 0),
    );
    expect(decision).toMatchObject({ action: 'wait', blockedBy: ['a', 'b'] });
    expect(decision.reason).toBe(
      'c (1.0 GiB) must wait: fitting it within the limit of 2 loaded models needs an eviction, but a (serving 2 requests) and ' +
        'b (starting for 1 waiting request) are busy; it loads as soon as a model goes idle',
    );
  });

  it('explains a refusal with the sizes and what to do', () => {
    expect(decide(['huge', 40], [], limits(0, 8)).reason).toBe(
      'huge needs 40.0 GiB, more than the whole 8.0 GiB memory budget; raise memoryBudgetBytes or choose a smaller model or quantization',
    );
  });

  it('describes a model evicted while still starting', () => {
    const decision = decide(['b', 1], [model('a', 1, 0.5, { state: 'starting' })], limits(1, 0));
    expect(decision.reason).toBe('evicted a (still starting, unused for 30 s, 1.0 GiB) to fit b (1.0 GiB) within the limit of 1 loaded model');
  });
});
