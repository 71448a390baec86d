import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineStatus, RequestRecord } from '../../preload/contract.js';
import { createStatusStore } from '../../renderer/stores/status.js';
import { tokenRateHistory } from '../../renderer/stores/token-history.js';
import { fail, fakeTransport, manualFrames, ok } from './playground-fakes.js';
import { requestRecord } from './request-record.js';

const record = requestRecord;

const status = (patch: Partial<EngineStatus> = {}): EngineStatus => ({
  version: '0.1.0',
  startedAt: new Date(0).toISOString(),
  uptimeSec: 1,
  baseUrl: 'http://127.0.0.1:4700/v1',
  runtimes: [],
  models: [],
  inFlight: 0,
  queued: 0,
  ...patch,
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => vi.useRealTimers());

describe('status store', () => {
  it('takes the status from the call, then from the event stream', async () => {
    const fake = fakeTransport();
    fake.on('status', () => ok(status({ inFlight: 1 })));
    const store = createStatusStore({ transport: () => fake.transport });
    const release = store.statusFeed.acquire();
    await settle();
    expect(store.useStatus.getState().status?.inFlight).toBe(1);
    fake.emit('status', 'status', status({ inFlight: 3 }));
    expect(store.useStatus.getState().status?.inFlight).toBe(3);
    release();
    expect(fake.listeners('status')).toBe(0);
  });

  it('builds the live table from started, phase and finished events, once per frame', async () => {
    const fake = fakeTransport();
    const frames = manualFrames();
    fake.on('requests', () => ok({ object: 'list', data: [record('old', { phase: 'done', time: 500, status: 200, finalTier: 'local' })] }));
    const store = createStatusStore({ transport: () => fake.transport, scheduler: frames, sampleEveryMs: 60_000 });
    const release = store.liveFeed.acquire();
    await settle();
    expect(store.useStatus.getState().requestLog.state).toBe('available');
    expect(store.useStatus.getState().liveRows.map((r) => r.id)).toEqual(['old']);

    fake.emit('requests', 'started', record('a', { time: 2_000 }));
    fake.emit('requests', 'phase', { id: 'a', phase: 'prefill', completionTokens: 0, tokPerSec: null, target: 'local:stories', tier: 'local', elapsedMs: 5 });
    fake.emit('requests', 'phase', { id: 'a', phase: 'generating', completionTokens: 8, tokPerSec: 42.5, target: 'local:stories', tier: 'local', elapsedMs: 30 });
    expect(store.useStatus.getState().liveRows).toHaveLength(1); // nothing applied before the frame
    frames.run();
    const [live, old] = store.useStatus.getState().liveRows;
    expect(old?.id).toBe('old');
    expect(live).toMatchObject({ id: 'a', phase: 'generating', tokPerSec: 42.5, tier: 'local', completionTokens: 8, ttftMs: 30 });

    fake.emit('requests', 'finished', record('a', { phase: 'done', time: 2_000, ttftMs: 28, decodeTokPerSec: 40, completionTokens: 20, status: 200, finalTier: 'local' }));
    frames.run();
    const rows = store.useStatus.getState().liveRows;
    expect(rows.map((r) => r.id)).toEqual(['a', 'old']);
    expect(rows[0]).toMatchObject({ phase: 'done', ttftMs: 28, tokPerSec: 40 });
    release();
  });

  it('says the request log is unavailable, with the engine words, and does not subscribe', async () => {
    const fake = fakeTransport();
    fake.on('requests', () => fail('http_404', 'Cannot GET /homeport/v1/requests'));
    const store = createStatusStore({ transport: () => fake.transport, sampleEveryMs: 60_000 });
    const release = store.liveFeed.acquire();
    await settle();
    const log = store.useStatus.getState().requestLog;
    expect(log.state).toBe('unavailable');
    expect(log.state === 'unavailable' && log.error.message).toContain('Cannot GET');
    expect(fake.listeners('requests')).toBe(0);
    release();
  });

  it('samples tokens per second from generating requests four times a second', async () => {
    vi.useFakeTimers();
    const fake = fakeTransport();
    const frames = manualFrames();
    fake.on('requests', () => ok({ object: 'list', data: [] }));
    let now = 10_000;
    const store = createStatusStore({ transport: () => fake.transport, scheduler: frames, now: () => now });
    const release = store.liveFeed.acquire();
    await vi.advanceTimersByTimeAsync(0);
    fake.emit('requests', 'started', record('a'));
    fake.emit('requests', 'phase', { id: 'a', phase: 'generating', completionTokens: 4, tokPerSec: 20, target: null, tier: 'local', elapsedMs: 10 });
    fake.emit('requests', 'started', record('b'));
    fake.emit('requests', 'phase', { id: 'b', phase: 'generating', completionTokens: 4, tokPerSec: 15, target: null, tier: 'local', elapsedMs: 10 });
    frames.run();
    now += 1000;
    await vi.advanceTimersByTimeAsync(1000);
    const state = store.useStatus.getState();
    expect(state.tokens.length).toBe(4);
    expect(state.tokens.latest()?.ys[0]).toBe(35);
    expect(state.tokensVersion).toBe(state.tokens.version);
    release();
  });

  it('draws the last minute of tokens per second at once on open, rebuilt from the request log', async () => {
    const now = 100_000;
    const fake = fakeTransport();
    // Two answers that overlapped (20 and 30 tok/s from their first token to their end), a cache hit, and one still generating.
    fake.on('requests', () =>
      ok({
        records: [
          record('a', { phase: 'done', time: 50_000, ttftMs: 1_000, durationMs: 21_000, completionTokens: 400, decodeTokPerSec: 20, status: 200 }),
          record('b', { phase: 'done', time: 60_000, ttftMs: 0, durationMs: 5_000, completionTokens: 150, decodeTokPerSec: 30, status: 200 }),
          record('hit', { phase: 'done', time: 61_000, ttftMs: 3, durationMs: 3, completionTokens: 40, decodeTokPerSec: 9_000, status: 200, cache: { result: 'hit' } as RequestRecord['cache'] }),
        ],
        inFlight: [record('c', { phase: 'generating', time: 95_000, ttftMs: 1_000, durationMs: 5_000, completionTokens: 41, decodeTokPerSec: 10 })],
      }),
    );
    const store = createStatusStore({ transport: () => fake.transport, scheduler: manualFrames(), now: () => now });
    const release = store.liveFeed.acquire();
    await vi.waitFor(() => expect(store.useStatus.getState().tokens.length).toBeGreaterThan(200));
    const [xs, ys] = store.useStatus.getState().tokens.aligned();
    // The last minute before now, one point per sampling step, in time order.
    expect(xs[0]).toBeGreaterThanOrEqual((now - 60_000) / 1000);
    expect(xs.at(-1)).toBeLessThanOrEqual(now / 1000);
    const at = (ms: number) => ys![xs.indexOf(ms / 1000)];
    expect(at(55_000)).toBe(20);
    expect(at(62_000)).toBe(50); // a and b at once; the cache hit adds nothing
    expect(at(80_000)).toBe(0);
    expect(at(97_000)).toBe(10); // still generating
    release();
  });

  it('rebuilds nothing from requests without a first token, and counts a non-streamed answer from its token count', () => {
    const points = tokenRateHistory(
      [
        record('failed', { phase: 'done', time: 0, ttftMs: null, durationMs: 500, completionTokens: null, status: 500 }),
        record('plain', { phase: 'done', time: 0, ttftMs: 1_000, durationMs: 3_000, completionTokens: 101, decodeTokPerSec: null, status: 200 }),
      ],
      { from: 0, to: 4_000, stepMs: 1_000 },
    );
    expect(points).toEqual([
      { at: 0, tokPerSec: 0 },
      { at: 1_000, tokPerSec: 50 },
      { at: 2_000, tokPerSec: 50 },
      { at: 3_000, tokPerSec: 0 },
    ]);
  });
});
