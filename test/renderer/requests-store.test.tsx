import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../preload/contract.js';
import { createRequestsStore, matchesFilters, NO_FILTERS } from '../../renderer/stores/requests.js';
import { fakeTransport, manualFrames, ok } from './playground-fakes.js';
import { requestRecord } from './request-record.js';

/** Answered by the local model. */
function record(id: string, patch: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord(id, {
    phase: 'done',
    attempts: [{ target: 'local:stories', tier: 'local', outcome: 'answered', reason: 'local:stories ready, 0/4 slots busy' }],
    finalTier: 'local',
    finalTarget: 'local:stories',
    cache: { result: 'miss' },
    ttftMs: 12,
    durationMs: 80,
    promptTokens: 5,
    completionTokens: 20,
    decodeTokPerSec: 250,
    status: 200,
    ...patch,
  });
}

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('request log store', () => {
  it('asks the engine with the filters and lists requests in flight first, then the finished newest first', async () => {
    const fake = fakeTransport();
    fake.on('requests', () =>
      ok({
        records: [record('b', { time: 2 }), record('a', { time: 1 })],
        inFlight: [record('live', { time: 3, phase: 'generating', finalTier: 'local' }), record('queued-elsewhere', { time: 4, phase: 'queued', finalTier: null })],
      }),
    );
    const { useRequests } = createRequestsStore({ transport: () => fake.transport, scheduler: manualFrames() });
    useRequests.getState().setFilters({ tier: 'local', model: 'stories', since: 0 });
    await flushPromises();
    expect(fake.calls.at(-1)).toEqual({ name: 'requests', params: { tier: 'local', model: 'stories', since: 0, limit: 500 } });
    // In flight records are not filtered by the engine: the store applies the same filters to them.
    expect(useRequests.getState().records.map((r) => r.id)).toEqual(['live', 'b', 'a']);
    useRequests.getState().clearFilters();
    await flushPromises();
    expect(fake.calls.at(-1)).toEqual({ name: 'requests', params: { limit: 500 } });
    expect(useRequests.getState().records.map((r) => r.id)).toEqual(['queued-elsewhere', 'live', 'b', 'a']);
  });

  it('applies live events once a frame: new requests on top, phases in place, finished records replace them', async () => {
    const fake = fakeTransport();
    const frames = manualFrames();
    fake.on('requests', () => ok({ object: 'list', data: [record('old')] }));
    fake.on('requestTotals', () => ok({ days: [] }));
    const { useRequests, requestsFeed } = createRequestsStore({ transport: () => fake.transport, scheduler: frames });
    const release = requestsFeed.acquire();
    await flushPromises();
    expect(fake.listeners('requests')).toBe(1);

    fake.emit('requests', 'started', record('new', { phase: 'queued', finalTier: null, finalTarget: null, status: 0 }));
    fake.emit('requests', 'phase', { id: 'new', phase: 'generating', completionTokens: 7, tokPerSec: 99, target: 'local:stories', tier: 'local', elapsedMs: 40 });
    expect(useRequests.getState().records.map((r) => r.id)).toEqual(['old']); // nothing until the frame
    frames.run();
    const live = useRequests.getState().records[0]!;
    expect(live).toMatchObject({ id: 'new', phase: 'generating', completionTokens: 7, decodeTokPerSec: 99, finalTier: 'local' });

    fake.emit('requests', 'finished', record('new', { completionTokens: 30 }));
    frames.run();
    expect(useRequests.getState().records.map((r) => [r.id, r.phase, r.completionTokens])).toEqual([
      ['new', 'done', 30],
      ['old', 'done', 20],
    ]);
    release();
    expect(fake.listeners('requests')).toBe(0);
  });

  it('drops live records that do not pass the filters', async () => {
    const fake = fakeTransport();
    const frames = manualFrames();
    fake.on('requests', () => ok({ object: 'list', data: [] }));
    fake.on('requestTotals', () => ok({ days: [] }));
    const { useRequests, requestsFeed } = createRequestsStore({ transport: () => fake.transport, scheduler: frames });
    useRequests.setState({ filters: { ...NO_FILTERS, tier: 'cache' } });
    const release = requestsFeed.acquire();
    await flushPromises();
    fake.emit('requests', 'finished', record('local-one'));
    fake.emit('requests', 'finished', record('cached', { finalTier: 'cache', cache: { result: 'hit' } }));
    frames.run();
    expect(useRequests.getState().records.map((r) => r.id)).toEqual(['cached']);
    release();
  });

  it('opens one record with its full trace', async () => {
    const fake = fakeTransport();
    const full = record('x', { attempts: [{ target: 'cache', tier: 'cache', outcome: 'miss', reason: 'no entry' }, ...record('x').attempts] });
    fake.on('request', (params) => ok({ ...full, id: (params as { id: string }).id }));
    const { useRequests } = createRequestsStore({ transport: () => fake.transport, scheduler: manualFrames() });
    await useRequests.getState().select('x');
    expect(useRequests.getState().selected?.attempts).toHaveLength(2);
    await useRequests.getState().select(null);
    expect(useRequests.getState().selected).toBeNull();
  });

  it('matches filters the way the engine does', () => {
    expect(matchesFilters(record('a'), NO_FILTERS)).toBe(true);
    expect(matchesFilters(record('a'), { ...NO_FILTERS, tier: 'cloud' })).toBe(false);
    expect(matchesFilters(record('a', { route: 'chat' }), { ...NO_FILTERS, route: 'chat' })).toBe(true);
    expect(matchesFilters(record('a', { time: 10 }), { ...NO_FILTERS, since: 11 })).toBe(false);
  });
});
