// @vitest-environment jsdom
/**
 * The engine killed and started again while the panel is open: the panel says
 * plainly that it is unreachable, and every feed reads afresh when it is back
 * (no stale errors, no requests left "in flight" forever), without a reload.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ModelView, RequestRecord } from '../../preload/contract.js';
import { EngineUnreachable } from '../../renderer/components/EngineUnreachable.js';
import { onReconnect, restartOnReconnect } from '../../renderer/lib/reconnect.js';
import { backoffDelay, createConnectionCell } from '../../renderer/lib/transport-connection.js';
import { createModelsStore } from '../../renderer/stores/models.js';
import { createStatusStore, useReloadOnReconnect } from '../../renderer/stores/status.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fail, fakeTransport, manualFrames, ok } from './playground-fakes.js';
import { requestRecord } from './request-record.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const lost = { kind: 'retrying', retryAt: 10_000, attempt: 1, reason: 'Homeport did not answer.' } as const;

/** In flight, generating. */
function record(id: string, patch: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord(id, { phase: 'generating', finalTier: 'local', finalTarget: 'local:stories', ttftMs: 20, durationMs: 50, promptTokens: 5, completionTokens: 3, decodeTokPerSec: 100, ...patch });
}

describe('onReconnect', () => {
  it('fires when a lost connection comes back, not when the first connection is made', () => {
    const cell = createConnectionCell();
    let fired = 0;
    onReconnect(cell, () => (fired += 1));
    cell.set({ kind: 'connected' });
    expect(fired).toBe(0);
    cell.set(lost);
    cell.set({ ...lost, attempt: 2, retryAt: 20_000 });
    expect(fired).toBe(0);
    cell.set({ kind: 'connected' });
    expect(fired).toBe(1);
    cell.set({ kind: 'connected' });
    expect(fired).toBe(1);
  });

  it('restarts a running feed, and not once it is stopped', () => {
    const cell = createConnectionCell({ kind: 'connected' });
    const log: string[] = [];
    let n = 0;
    const start = restartOnReconnect(() => {
      const mine = ++n;
      log.push(`start ${mine}`);
      return () => log.push(`stop ${mine}`);
    }, () => cell);
    const stop = start();
    cell.set(lost);
    cell.set({ kind: 'connected' });
    expect(log).toEqual(['start 1', 'stop 1', 'start 2']);
    stop();
    cell.set(lost);
    cell.set({ kind: 'connected' });
    expect(log).toEqual(['start 1', 'stop 1', 'start 2', 'stop 2']);
  });
});

describe('reconnect backoff', () => {
  it('tries again within 10 s however long the engine was away', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffDelay(attempt))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });
});

describe('status store across an engine restart', () => {
  it('notes when the engine was lost and counts its return', async () => {
    const fake = fakeTransport();
    fake.on('status', () => ok({ version: '0.1.0', startedAt: '', uptimeSec: 1, baseUrl: 'http://127.0.0.1:4700/v1', runtimes: [], models: [], inFlight: 0, queued: 0 }));
    let clock = 5_000;
    const store = createStatusStore({ transport: () => fake.transport, now: () => clock });
    const release = store.statusFeed.acquire();
    await settle();
    expect(store.useStatus.getState()).toMatchObject({ lostAt: null, reconnects: 0 });
    fake.setConnection(lost);
    clock = 9_000;
    fake.setConnection({ ...lost, attempt: 2, retryAt: 30_000 });
    expect(store.useStatus.getState()).toMatchObject({ lostAt: 5_000, reconnects: 0, connection: { kind: 'retrying' } });
    const statusCallsBefore = fake.calls.filter((c) => c.name === 'status').length;
    fake.setConnection({ kind: 'connected' });
    await settle();
    expect(store.useStatus.getState()).toMatchObject({ lostAt: null, reconnects: 1, connection: { kind: 'connected' } });
    // The status is read again and its stream opened afresh (a stream still waiting out its backoff would lag).
    expect(fake.calls.filter((c) => c.name === 'status').length).toBe(statusCallsBefore + 1);
    expect(fake.listeners('status')).toBe(1);
    release();
  });

  it('drops requests that were in flight when the engine died', async () => {
    const fake = fakeTransport();
    let engineRestarted = false;
    fake.on('requests', () => ok(engineRestarted ? { records: [record('after', { phase: 'done', status: 200 })], inFlight: [] } : { records: [], inFlight: [record('doomed')] }));
    const store = createStatusStore({ transport: () => fake.transport, scheduler: manualFrames(), sampleEveryMs: 60_000 });
    const release = store.liveFeed.acquire();
    await settle();
    expect(store.useStatus.getState().liveRows.map((r) => [r.id, r.phase])).toEqual([['doomed', 'generating']]);
    fake.setConnection(lost);
    engineRestarted = true;
    fake.setConnection({ kind: 'connected' });
    await settle();
    expect(store.useStatus.getState().liveRows.map((r) => [r.id, r.phase])).toEqual([['after', 'done']]);
    expect(fake.listeners('requests')).toBe(1);
    release();
  });
});

describe('models store across an engine restart', () => {
  it('reads the library again instead of keeping the error from while the engine was away', async () => {
    const fake = fakeTransport();
    let up = false;
    const model = { id: 'stories', state: 'loaded' } as unknown as ModelView;
    fake.on('models', () => (up ? ok({ object: 'list', data: [model] }) : fail('unreachable', 'Homeport did not answer.')));
    fake.on('library', () => (up ? ok({ scannedAt: 1, folders: [], models: [], broken: [] }) : fail('unreachable', 'Homeport did not answer.')));
    fake.on('decisions', () => ok({ object: 'list', data: [] }));
    const { useModels, modelsFeed } = createModelsStore({ transport: () => fake.transport });
    const release = modelsFeed.acquire();
    await settle();
    expect(useModels.getState().libraryError?.message).toBe('Homeport did not answer.');
    expect(useModels.getState().servedError?.message).toBe('Homeport did not answer.');
    fake.setConnection(lost);
    up = true;
    fake.setConnection({ kind: 'connected' });
    await settle();
    expect(useModels.getState().libraryError).toBeNull();
    expect(useModels.getState().servedError).toBeNull();
    expect(useModels.getState().served?.map((m) => m.id)).toEqual(['stories']);
    expect(fake.listeners('models')).toBe(1);
    release();
  });
});

describe('useReloadOnReconnect', () => {
  it('reloads what a page read on opening each time the engine is back, not on mount', () => {
    const fake = fakeTransport();
    const store = createStatusStore({ transport: () => fake.transport });
    const release = store.statusFeed.acquire();
    let reloads = 0;
    renderHook(() => useReloadOnReconnect(() => (reloads += 1), store.useStatus));
    expect(reloads).toBe(0);
    act(() => {
      fake.setConnection(lost);
      fake.setConnection({ kind: 'connected' });
    });
    expect(reloads).toBe(1);
    act(() => {
      fake.setConnection(lost);
      fake.setConnection({ kind: 'connected' });
    });
    expect(reloads).toBe(2);
    release();
  });
});

describe('EngineUnreachable', () => {
  const wrap = (node: React.ReactNode) => render(<MantineProvider env="test">{node}</MantineProvider>);

  it('says plainly that the engine is not answering, since when, and that the panel recovers by itself', () => {
    const lostAt = new Date(2026, 0, 1, 14, 5, 9).getTime();
    wrap(<EngineUnreachable retryInSeconds={3} lostAt={lostAt} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('engine is not answering');
    expect(alert.textContent).toMatch(/from 14:05:09/);
    expect(alert.textContent).toContain('Trying again in 3 s');
    expect(alert.textContent).toContain('without a reload');
    expect(alert.textContent).toContain('homeport serve');
  });

  it('is not there while the engine answers (no retry pending)', () => {
    wrap(<EngineUnreachable retryInSeconds={null} lostAt={null} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
