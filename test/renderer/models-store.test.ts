import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelView } from '../../preload/contract.js';
import { createModelsStore, settleActions } from '../../renderer/stores/models.js';
import { fail, fakeTransport, ok } from './playground-fakes.js';

const model = (id: string, state: ModelView['state'], patch: Partial<ModelView> = {}): ModelView => ({
  id,
  aliases: [],
  runtime: `embedded:${id}`,
  ownedBy: 'homeport-embedded',
  state,
  sizeBytes: 1000,
  contextLength: 2048,
  parallel: 4,
  port: null,
  inFlight: 0,
  lastUsedAt: null,
  idleUnloadAt: null,
  lastError: null,
  ...patch,
});

afterEach(() => vi.useRealTimers());

describe('models store', () => {
  it('asks the fit API once the sliders rest, with the last setup only', async () => {
    vi.useFakeTimers();
    const fake = fakeTransport();
    fake.on('fit', (params) => ok({ modelId: 'm', displayName: 'm', fit: { verdict: 'cpu-only', params }, speed: null, bandwidth: null }));
    fake.on('prediction', () => ok({ modelId: 'm' }));
    const store = createModelsStore({ transport: () => fake.transport, debounceMs: 100 });
    const { previewSetup } = store.useModels.getState();
    for (const ctx of [1024, 2048, 4096, 8192]) {
      previewSetup('m', { ctx, slots: 2, gpuLayers: null });
      await vi.advanceTimersByTimeAsync(30);
    }
    // The preview shows the newest setup at once, still waiting for figures.
    expect(store.useModels.getState().previews.m).toMatchObject({ setup: { ctx: 8192 }, pending: true });
    expect(fake.calls.filter((c) => c.name === 'fit')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    const fits = fake.calls.filter((c) => c.name === 'fit');
    expect(fits).toEqual([{ name: 'fit', params: { id: 'm', ctx: 8192, slots: 2 } }]);
    expect(fake.calls.find((c) => c.name === 'prediction')?.params).toEqual({ id: 'm', ctx: 8192, slots: 2 });
    expect(store.useModels.getState().previews.m).toMatchObject({ pending: false, error: null, fit: { fit: { verdict: 'cpu-only' } } });
  });

  it('sends GPU layers to the prediction only when the user chose a number', async () => {
    vi.useFakeTimers();
    const fake = fakeTransport();
    fake.on('fit', () => ok({}));
    fake.on('prediction', () => ok({}));
    const store = createModelsStore({ transport: () => fake.transport, debounceMs: 10 });
    store.useModels.getState().previewSetup('m', { ctx: 512, slots: 1, gpuLayers: 7 });
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.calls.find((c) => c.name === 'prediction')?.params).toEqual({ id: 'm', ctx: 512, slots: 1, gpuLayers: 7 });
  });

  it('drops an answer for a setup the user already moved past', async () => {
    vi.useFakeTimers();
    const fake = fakeTransport();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    fake.on('fit', async (params) => {
      if ((params as { ctx: number }).ctx === 1024) await slow;
      return ok({ fit: { contextSize: (params as { ctx: number }).ctx } });
    });
    fake.on('prediction', () => ok({}));
    const store = createModelsStore({ transport: () => fake.transport, debounceMs: 10 });
    store.useModels.getState().previewSetup('m', { ctx: 1024, slots: 1, gpuLayers: null });
    await vi.advanceTimersByTimeAsync(10);
    store.useModels.getState().previewSetup('m', { ctx: 4096, slots: 1, gpuLayers: null });
    await vi.advanceTimersByTimeAsync(10);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.useModels.getState().previews.m?.fit).toEqual({ fit: { contextSize: 4096 } });
  });

  it('shows a load as pending until the engine reports the model loaded', async () => {
    const fake = fakeTransport();
    fake.on('models', () => ok({ object: 'list', data: [model('m', 'available')] }));
    fake.on('library', () => ok({ scannedAt: 1, models: [], broken: [], skipped: [], roots: [] }));
    fake.on('decisions', () => ok({ object: 'list', data: [] }));
    fake.on('loadModel', () => ok(model('m', 'loading')));
    const store = createModelsStore({ transport: () => fake.transport, now: () => 42 });
    const releaseFeed = store.modelsFeed.acquire();
    const loading = store.useModels.getState().runAction('m', 'load');
    expect(store.useModels.getState().actions.m).toEqual({ action: 'load', since: 42 });
    await loading;
    expect(store.useModels.getState().actions.m).toBeDefined();
    fake.emit('models', 'models', { object: 'list', data: [model('m', 'loaded')] });
    expect(store.useModels.getState().actions.m).toBeUndefined();
    expect(store.useModels.getState().served?.[0]?.state).toBe('loaded');
    releaseFeed();
  });

  it('keeps a failed load error beside the model', async () => {
    const fake = fakeTransport();
    fake.on('loadModel', () => fail('out_of_memory', 'Not enough memory to load m: unload another model first.'));
    const store = createModelsStore({ transport: () => fake.transport });
    await store.useModels.getState().runAction('m', 'load');
    expect(store.useModels.getState().actions.m).toBeUndefined();
    expect(store.useModels.getState().actionErrors.m?.message).toContain('Not enough memory');
  });

  it('scans the library when the engine has never scanned it', async () => {
    const fake = fakeTransport();
    fake.on('library', () => ok({ scannedAt: null, models: [], broken: [], skipped: [], roots: [] }));
    fake.on('rescanLibrary', () => ok({ scannedAt: 5, models: [], broken: [], skipped: [], roots: [] }));
    const store = createModelsStore({ transport: () => fake.transport });
    await store.useModels.getState().loadLibrary();
    expect(fake.calls.map((c) => c.name)).toEqual(['library', 'rescanLibrary']);
    expect(store.useModels.getState().library?.scannedAt).toBe(5);
  });

  it('settles unload actions on available and any action on failure', () => {
    const actions = { a: { action: 'unload' as const, since: 1 }, b: { action: 'load' as const, since: 1 }, c: { action: 'load' as const, since: 1 } };
    const next = settleActions(actions, [model('a', 'available'), model('b', 'failed'), model('c', 'loading')]);
    expect(Object.keys(next)).toEqual(['c']);
  });
});
