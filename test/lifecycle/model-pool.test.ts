/**
 * The model pool against recording fake runtimes and a manual clock:
 * one load for many cold requests, idle TTL, LRU eviction under both limits,
 * waiting instead of evicting a serving model, deadlines, and the hot path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionLog } from '../../main/lifecycle/decisions.js';
import type { Decision } from '../../main/lifecycle/decisions.js';
import type { ManagedRuntime } from '../../main/lifecycle/managed-runtime.js';
import { ModelPool } from '../../main/lifecycle/model-pool.js';
import type { PoolLimits } from '../../main/lifecycle/eviction-policy.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../main/runtimes/types.js';
import type { RuntimeEndpoint } from '../../main/runtimes/types.js';
import { FakeClock, settle } from './fake-clock.js';
import { FakeRuntimeHandle } from './fake-runtime-handle.js';

const GIB = 1024 ** 3;
const MIN = 60_000;
const TTL = 15 * MIN;
const READY_MS = 1_000;
const DEADLINE = { deadlineMs: 60_000 };

interface Harness {
  readonly clock: FakeClock;
  readonly pool: ModelPool;
  readonly decisions: DecisionLog;
  readonly handles: Map<string, FakeRuntimeHandle>;
  add(id: string, options?: { gib?: number; ttlMs?: number; readyDelayMs?: number; stopDelayMs?: number }): ManagedRuntime;
  /** Every recorded start/stop across runtimes, in time order. */
  calls(): string[];
  kinds(kind: Decision['kind']): Decision[];
  /** Load a model and wait until it is ready. */
  load(model: ManagedRuntime): Promise<RuntimeEndpoint>;
}

const pools: ModelPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.dispose();
});

function harness(limits: Partial<PoolLimits> = {}): Harness {
  const clock = new FakeClock();
  const decisions = new DecisionLog({ now: () => clock.now() });
  const pool = new ModelPool({
    limits: { maxLoadedModels: 0, memoryBudgetBytes: 0, ...limits },
    defaultTtlMs: TTL,
    clock,
    decisions,
  });
  pools.push(pool);
  const handles = new Map<string, FakeRuntimeHandle>();
  const h: Harness = {
    clock,
    pool,
    decisions,
    handles,
    add(id, options = {}) {
      const handle = new FakeRuntimeHandle({
        id: `fake:${id}`,
        clock,
        readyDelayMs: options.readyDelayMs ?? READY_MS,
        stopDelayMs: options.stopDelayMs ?? 0,
      });
      handles.set(id, handle);
      return pool.add({ id, runtime: handle, estimatedBytes: Math.round((options.gib ?? 1) * GIB), ttlMs: options.ttlMs });
    },
    calls: () =>
      [...handles.values()]
        .flatMap((handle) => handle.calls)
        .sort((a, b) => a.at - b.at)
        .map((call) => `${call.op} ${call.id}`),
    kinds: (kind) => decisions.list().filter((decision) => decision.kind === kind),
    async load(model) {
      const ready = model.ensureReady(DEADLINE);
      await clock.advance(READY_MS);
      return ready;
    },
  };
  return h;
}

/** Settles to 'pending' while the promise has not settled. */
async function status(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  await settle();
  return result;
}

describe('ModelPool: loading on demand', () => {
  it('10 concurrent cold requests cause exactly one admission decision and one start', async () => {
    const h = harness({ maxLoadedModels: 2 });
    const model = h.add('qwen-7b');
    const requests = Array.from({ length: 10 }, () => model.ensureReady(DEADLINE));
    await h.clock.advance(READY_MS);
    const endpoints = await Promise.all(requests);
    expect(new Set(endpoints.map((endpoint) => endpoint.baseUrl)).size).toBe(1);
    expect(h.handles.get('qwen-7b')!.starts).toBe(1);
    expect(h.kinds('load')).toHaveLength(1);
    expect(h.kinds('load')[0]!.reason).toBe('loading qwen-7b (1.0 GiB): it fits (0 of 2 model slots in use)');
    expect(h.pool.snapshot()[0]).toMatchObject({ id: 'qwen-7b', state: 'ready', inFlight: 0, waiting: 0 });
  });

  it('answers a ready model without entering the queue: the inner promise itself, even while the queue is busy', async () => {
    const h = harness({ maxLoadedModels: 2 });
    const a = h.add('a');
    const b = h.add('b', { stopDelayMs: 10 * MIN });
    await h.load(a);
    await h.load(b);
    await h.clock.advance(1_000);
    a.hold()(); // a used last: b is the least recently used
    // Keep the queue busy: c's admission evicts b, whose stop takes 10 minutes.
    const c = h.add('c');
    const cReady = c.ensureReady(DEADLINE);
    await settle();
    expect(h.handles.get('b')!.currentState).toBe('stopping');
    expect(await status(cReady)).toBe('pending');

    const inner = h.handles.get('a')!;
    const fromPool = a.ensureReady(DEADLINE);
    expect(fromPool).toBe(inner.ensureReady(DEADLINE));
    expect(await status(fromPool)).toBe('resolved');
  });

  it('keeps the inner deadline: admitted at once but slow to load → RuntimeNotReadyError at the deadline', async () => {
    const h = harness();
    const model = h.add('slow', { readyDelayMs: 30_000 });
    const ready = model.ensureReady({ deadlineMs: 5_000 });
    const caught = ready.catch((error: unknown) => error);
    await h.clock.advance(4_999);
    expect(await status(ready)).toBe('pending');
    await h.clock.advance(1);
    expect(await caught).toBeInstanceOf(RuntimeNotReadyError);
    // The load itself goes on: a later request gets the model.
    const later = model.ensureReady(DEADLINE);
    await h.clock.advance(25_000);
    await expect(later).resolves.toMatchObject({ hostname: '127.0.0.1' });
    expect(h.handles.get('slow')!.starts).toBe(1);
  });

  it('passes abort through while loading', async () => {
    const h = harness();
    const model = h.add('a');
    const controller = new AbortController();
    const ready = model.ensureReady({ deadlineMs: 60_000, signal: controller.signal });
    await settle();
    controller.abort();
    await expect(ready).rejects.toBeInstanceOf(RuntimeNotReadyError);
  });

  it('a failed runtime answers RuntimeFailedError without a new admission; an explicit start loads it again', async () => {
    const h = harness();
    const model = h.add('a');
    h.handles.get('a')!.failNextStartWith = 'model file is corrupt';
    const first = model.ensureReady(DEADLINE).catch((error: unknown) => error);
    await h.clock.advance(READY_MS);
    expect(await first).toBeInstanceOf(RuntimeFailedError);
    expect(model.state).toBe('failed');

    await expect(model.ensureReady(DEADLINE)).rejects.toBeInstanceOf(RuntimeFailedError);
    expect(h.kinds('load')).toHaveLength(1);

    const started = model.start();
    await h.clock.advance(READY_MS);
    await started;
    expect(model.state).toBe('ready');
    expect(h.kinds('load')).toHaveLength(2);
  });
});

describe('ModelPool: idle TTL', () => {
  it('unloads after the TTL of no use, records why, and not a moment before', async () => {
    const h = harness();
    const model = h.add('qwen-7b');
    await h.load(model);
    const readyAt = h.clock.now();
    expect(h.pool.snapshot()[0]!.idleUnloadAt).toBe(readyAt + TTL);

    await h.clock.advance(TTL - 1);
    expect(h.handles.get('qwen-7b')!.currentState).toBe('ready');
    await h.clock.advance(1);
    expect(h.handles.get('qwen-7b')!.currentState).toBe('stopped');
    expect(h.calls()).toEqual(['start fake:qwen-7b', 'stop fake:qwen-7b']);
    const [unload] = h.kinds('unload-idle');
    expect(unload).toMatchObject({ model: 'qwen-7b', reason: 'unloaded qwen-7b: idle 15 min, past its 15 min idle TTL' });
    expect(h.pool.snapshot()[0]).toMatchObject({ state: 'stopped', idleUnloadAt: null });
  });

  it('never unloads while held; the TTL counts from the release', async () => {
    const h = harness();
    const model = h.add('a');
    await h.load(model);
    const release = model.hold();
    expect(h.pool.snapshot()[0]).toMatchObject({ inFlight: 1, idleUnloadAt: null });
    await h.clock.advance(3 * TTL);
    expect(h.handles.get('a')!.currentState).toBe('ready');

    release();
    release(); // twice is a no-op
    expect(model.inFlight).toBe(0);
    const releasedAt = h.clock.now();
    expect(h.pool.snapshot()[0]!.idleUnloadAt).toBe(releasedAt + TTL);
    await h.clock.advance(TTL - 1);
    expect(h.handles.get('a')!.currentState).toBe('ready');
    await h.clock.advance(1);
    expect(h.handles.get('a')!.currentState).toBe('stopped');
  });

  it('each use pushes the unload later; TTL 0 never unloads', async () => {
    const h = harness();
    const used = h.add('used');
    const forever = h.add('forever', { ttlMs: 0 });
    await h.load(used);
    await h.load(forever);
    await h.clock.advance(TTL - 60_000);
    const release = used.hold();
    release();
    await h.clock.advance(TTL - 1);
    expect(h.handles.get('used')!.currentState).toBe('ready');
    await h.clock.advance(1);
    expect(h.handles.get('used')!.currentState).toBe('stopped');
    await h.clock.advance(100 * TTL);
    expect(h.handles.get('forever')!.currentState).toBe('ready');
    expect(h.pool.snapshot().find((m) => m.id === 'forever')).toMatchObject({ ttlMs: 0, idleUnloadAt: null });
  });

  it('a model unloaded for idleness loads again on the next request', async () => {
    const h = harness();
    const model = h.add('a');
    await h.load(model);
    await h.clock.advance(TTL);
    expect(model.state).toBe('stopped');
    await h.load(model);
    expect(model.state).toBe('ready');
    expect(h.handles.get('a')!.starts).toBe(2);
  });
});

describe('ModelPool: LRU eviction', () => {
  it('under the count limit: evicts the least recently used idle model, stops it before starting the new one', async () => {
    const h = harness({ maxLoadedModels: 2 });
    const a = h.add('a');
    const b = h.add('b');
    const c = h.add('c');
    await h.load(a);
    await h.load(b);
    await h.clock.advance(5 * MIN);
    a.hold()(); // a used now: b becomes the least recently used
    await h.clock.advance(2 * MIN);

    await h.load(c);
    expect(h.calls()).toEqual(['start fake:a', 'start fake:b', 'stop fake:b', 'start fake:c']);
    expect(h.handles.get('b')!.currentState).toBe('stopped');
    expect(h.pool.snapshot().map((m) => [m.id, m.state])).toEqual([
      ['a', 'ready'],
      ['b', 'stopped'],
      ['c', 'ready'],
    ]);
    const [evict] = h.kinds('evict');
    expect(evict).toMatchObject({ model: 'b', details: { for: 'c' } });
    expect(evict!.reason).toBe('evicted b (idle 7 min, 1.0 GiB) to fit c (1.0 GiB) within the limit of 2 loaded models');
    expect(h.kinds('load').at(-1)!.reason).toContain('evicted b');
  });

  it('under the memory budget: evicts only what is needed and says so with the figures', async () => {
    const h = harness({ memoryBudgetBytes: 8 * GIB });
    const qwen = h.add('qwen-7b', { gib: 4.1, ttlMs: 60 * MIN });
    const phi = h.add('phi-3', { gib: 1.5, ttlMs: 60 * MIN });
    const llama = h.add('llama-8b', { gib: 4.9 });
    await h.load(qwen);
    await h.clock.advance(3 * MIN);
    await h.load(phi);
    await h.clock.advance(12 * MIN - READY_MS);
    phi.hold()();

    const ready = llama.ensureReady(DEADLINE);
    await settle();
    const [evict] = h.kinds('evict');
    expect(evict?.model).toBe('qwen-7b');
    expect(evict!.reason).toBe('evicted qwen-7b (idle 15 min, 4.1 GiB) to fit llama-8b (4.9 GiB) in the 8.0 GiB budget');
    await h.clock.advance(READY_MS);
    await ready;
    expect(h.handles.get('phi-3')!.currentState).toBe('ready');
    expect(h.handles.get('qwen-7b')!.currentState).toBe('stopped');
  });

  it('never evicts a serving model: waits, then proceeds when the hold is released', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    await h.load(a);
    const release = a.hold();

    const bReady = b.ensureReady(DEADLINE);
    await h.clock.advance(10_000);
    expect(await status(bReady)).toBe('pending');
    expect(h.handles.get('b')!.starts).toBe(0);
    expect(h.handles.get('a')!.currentState).toBe('ready');
    const [wait] = h.kinds('wait');
    expect(wait).toMatchObject({ model: 'b', details: { blockedBy: ['a'] } });
    expect(wait!.reason).toBe(
      'b (1.0 GiB) must wait: fitting it within the limit of 1 loaded model needs an eviction, but a (serving 1 request) is busy; ' +
        'it loads as soon as a model goes idle',
    );
    expect(h.pool.snapshot().find((m) => m.id === 'b')).toMatchObject({ state: 'stopped', waiting: 1 });

    release();
    await h.clock.advance(READY_MS);
    await expect(bReady).resolves.toMatchObject({ hostname: '127.0.0.1' });
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:b']);
    expect(h.kinds('wait')).toHaveLength(1);
    expect(h.kinds('evict')[0]).toMatchObject({ model: 'a' });
  });

  it('waiting respects the request deadline and then gives up without loading anything', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    await h.load(a);
    const release = a.hold();

    const bReady = b.ensureReady({ deadlineMs: 5_000 });
    const caught = bReady.catch((error: unknown) => error);
    await h.clock.advance(4_999);
    expect(await status(bReady)).toBe('pending');
    await h.clock.advance(1);
    const error = await caught;
    expect(error).toBeInstanceOf(RuntimeNotReadyError);
    expect((error as Error).message).toMatch(/^Model "b" is not loaded after 5 s: b \(1.0 GiB\) must wait: .*a \(serving 1 request\)/);

    release();
    await h.clock.advance(READY_MS);
    expect(h.calls()).toEqual(['start fake:a']);
    expect(h.pool.snapshot().find((m) => m.id === 'b')).toMatchObject({ waiting: 0 });
  });

  it('refuses a model bigger than the whole budget with RuntimeFailedError', async () => {
    const h = harness({ memoryBudgetBytes: 8 * GIB });
    const huge = h.add('huge', { gib: 40 });
    const error = await huge.ensureReady(DEADLINE).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as Error).message).toMatch(/huge needs 40.0 GiB, more than the whole 8.0 GiB memory budget/);
    expect(h.kinds('refuse')).toHaveLength(1);
    expect(h.handles.get('huge')!.starts).toBe(0);
  });

  it('counts a starting model, and does not evict it while requests wait for it', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a', { readyDelayMs: 10_000 });
    const b = h.add('b');
    const aReady = a.ensureReady(DEADLINE);
    await h.clock.advance(1_000);
    const bReady = b.ensureReady(DEADLINE);
    await h.clock.advance(1_000);
    expect(h.kinds('wait')[0]!.reason).toContain('a (starting for 1 waiting request)');
    await h.clock.advance(8_000);
    await expect(aReady).resolves.toBeDefined();
    // a's waiter is done and nothing holds it: b may now take its place.
    await h.clock.advance(READY_MS);
    await expect(bReady).resolves.toBeDefined();
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:b']);
  });
});

describe('ModelPool: models on their way out', () => {
  it('a request arriving while the model unloads for idleness waits for the unload, then loads it again', async () => {
    const h = harness();
    const model = h.add('a', { stopDelayMs: 3_000 });
    await h.load(model);
    await h.clock.advance(TTL);
    expect(h.handles.get('a')!.currentState).toBe('stopping');
    const ready = model.ensureReady(DEADLINE);
    await h.clock.advance(2_000);
    expect(h.handles.get('a')!.starts).toBe(1);
    await h.clock.advance(1_000 + READY_MS);
    await expect(ready).resolves.toBeDefined();
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:a']);
  });

  it('a request arriving during an explicit stop waits for it ("still unloading"), then loads it again', async () => {
    const h = harness();
    const model = h.add('a', { stopDelayMs: 3_000 });
    await h.load(model);
    const stopping = model.stop();
    const ready = model.ensureReady(DEADLINE);
    await h.clock.advance(2_000);
    expect(h.kinds('wait').at(-1)!.reason).toBe('a is still unloading; it loads again once it has stopped');
    expect(h.handles.get('a')!.starts).toBe(1);
    await h.clock.advance(1_000 + READY_MS);
    await stopping;
    await expect(ready).resolves.toBeDefined();
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:a']);
  });

  it('an explicit start waits for an unload in progress rather than failing', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a', { stopDelayMs: 3_000 });
    const b = h.add('b');
    await h.load(a);
    const stopping = a.stop();
    const started = b.start();
    await h.clock.advance(3_000 + READY_MS);
    await stopping;
    await started;
    expect(b.state).toBe('ready');
  });

  it('lowered limits apply at the next admission', async () => {
    const h = harness({ maxLoadedModels: 3 });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => h.add(id)) as [ManagedRuntime, ManagedRuntime, ManagedRuntime, ManagedRuntime];
    for (const model of [a, b, c]) {
      await h.load(model);
      await h.clock.advance(1_000);
    }
    h.pool.setLimits({ maxLoadedModels: 1, memoryBudgetBytes: 0 });
    expect(h.pool.snapshot().filter((m) => m.state === 'ready')).toHaveLength(3);
    await h.load(d);
    expect(h.kinds('load').at(-1)!.details).toEqual({ evicted: ['a', 'b', 'c'], estimatedBytes: GIB });
    expect(h.pool.snapshot().filter((m) => m.state === 'ready').map((m) => m.id)).toEqual(['d']);
  });
});

describe('ModelPool: explicit start, stop, restart', () => {
  it('an explicit start goes through admission and evicts an idle model', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    await h.load(a);
    const started = b.start();
    await h.clock.advance(READY_MS);
    await started;
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:b']);
    expect(h.kinds('evict')[0]).toMatchObject({ model: 'a' });
  });

  it('an explicit start does not wait for a serving model: it is refused at once with the reason', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    await h.load(a);
    const release = a.hold();
    const error = await b.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeNotReadyError);
    expect((error as Error).message).toMatch(/^Cannot start b now: it needs room that only busy models hold \(a\)/);
    expect(h.handles.get('b')!.starts).toBe(0);
    release();
  });

  it('an explicit stop passes through, is recorded, and rejects requests waiting for room', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    await h.load(a);
    const release = a.hold();
    const bReady = b.ensureReady(DEADLINE).catch((error: unknown) => error);
    await settle();
    await b.stop();
    expect(await bReady).toBeInstanceOf(RuntimeNotReadyError);
    await a.stop();
    expect(h.handles.get('a')!.currentState).toBe('stopped');
    expect(h.kinds('stop').map((d) => d.model)).toEqual(['b', 'a']);
    release();
    await h.clock.advance(READY_MS);
    expect(h.handles.get('b')!.starts).toBe(0);
  });

  it('restarting a loaded model keeps its place (nothing else is admitted in between)', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    await h.load(a);
    const restarted = a.restart();
    await h.clock.advance(READY_MS);
    await restarted;
    expect(a.state).toBe('ready');
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:a']);
    expect(h.kinds('stop')).toHaveLength(0);
  });

  it('adopts a runtime that was started behind its back, so it counts toward the limits', async () => {
    const h = harness({ maxLoadedModels: 1 });
    const a = h.add('a');
    const b = h.add('b');
    const inner = h.handles.get('a')!;
    const started = inner.start();
    await h.clock.advance(READY_MS);
    await started;
    expect(h.kinds('adopt')[0]).toMatchObject({ model: 'a' });
    expect(a.state).toBe('ready');
    await h.load(b);
    expect(h.calls()).toEqual(['start fake:a', 'stop fake:a', 'start fake:b']);
  });
});
