import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FitView, LibraryView, PredictionView } from '../../main/models/library/service.js';
import type { OpenAIErrorBody } from '../../main/gateway/errors.js';
import { kvBytesPerToken } from '../../main/hardware/memory-estimate.js';
import { readModelMetadata } from '../../main/models/gguf-metadata.js';
import { testModel } from '../support/models.js';
import { startControlHarness, type ControlHarness } from './harness.js';

let h: ControlHarness;

beforeAll(async () => {
  h = await startControlHarness();
  // GET /library never scans: the first scan is a POST.
  expect((await h.api('/library/rescan', { method: 'POST' })).status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

function expectError(response: { status: number; body: unknown }, status: number, param: string | null, code?: string): OpenAIErrorBody['error'] {
  expect(response.status).toBe(status);
  const error = (response.body as OpenAIErrorBody).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.param).toBe(param);
  expect(error.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  if (code) expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  return error;
}

describe('GET /library', () => {
  it('lists stories260K with its metadata and a fit verdict at the default setup', async () => {
    const { status, body } = await h.api('/library');
    expect(status).toBe(200);
    const library = body as LibraryView;
    expect(library.models.map((m) => m.id)).toEqual(['linked-stories']);
    const model = library.models[0]!;
    expect(model.displayName).toBe('linked-stories.gguf');
    expect(model.sources).toEqual([{ kind: 'data-dir', path: join(h.modelsDir, 'linked-stories.gguf') }]);
    expect(model.files).toEqual([testModel('stories260K.gguf')]);
    expect(model.metadata).toMatchObject({ architecture: 'llama', layers: 5, headCount: 8, kvHeadCount: 4, trainedContext: 2048, parts: 1 });
    expect(model.metadata).not.toHaveProperty('shape');
    // Default setup: the engine's 2048 tokens × 4 slots, f16, capped at the trained context.
    expect(model.fit).toMatchObject({ verdict: 'full-gpu', contextSize: 2048, slots: 4, kvCacheType: 'f16', gpuLayers: 6, totalLayers: 6 });
    expect(model.fit.reason).toMatch(/Fits entirely on the NVIDIA GeForce RTX 4060/);
    expect(model.figures.memory.source).toBe('predicted');
    expect(model.figures.tokensPerSecond).toMatchObject({ source: 'predicted' });
  });

  it('lists the corrupt file as broken, with a reason', async () => {
    const library = (await h.api('/library')).body as LibraryView;
    expect(library.broken).toHaveLength(1);
    expect(library.broken[0]).toMatchObject({ displayName: 'corrupt.gguf', files: [join(h.modelsDir, 'corrupt.gguf')] });
    expect(library.broken[0]!.reason).toMatch(/Not a GGUF file/);
  });

  it('judges every model at the ctx/slots/kv asked for', async () => {
    const library = (await h.api('/library?ctx=512&slots=1&kv=q8_0')).body as LibraryView;
    expect(library.models[0]!.fit).toMatchObject({ contextSize: 512, slots: 1, kvCacheType: 'q8_0' });
  });

  it('answers a bad parameter with a 400 naming it', async () => {
    expectError(await h.api('/library?ctx=abc'), 400, 'ctx', 'invalid_value');
    expectError(await h.api('/library?slots=0'), 400, 'slots');
    expectError(await h.api('/library?kv=f32'), 400, 'kv');
    expectError(await h.api('/library?ctx=1&ctx=2'), 400, 'ctx');
  });
});

describe('POST /library/rescan', () => {
  it('finds a model added since the last scan; GET /library keeps the cached scan until then', async () => {
    await symlink(testModel('llama-2-tiny-random.gguf'), join(h.modelsDir, 'tiny-random.gguf'));
    const cached = (await h.api('/library')).body as LibraryView;
    expect(cached.models.map((m) => m.id)).toEqual(['linked-stories']);

    const rescanned = await h.api('/library/rescan', { method: 'POST' });
    expect(rescanned.status).toBe(200);
    const ids = (rescanned.body as LibraryView).models.map((m) => m.id);
    expect(ids).toEqual(['linked-stories', 'tiny-random']);
    expect(((await h.api('/library')).body as LibraryView).models.map((m) => m.id)).toEqual(ids);
  });
});

describe('GET /library/:id/fit', () => {
  it('returns the full decision and a speed range; ctx and slots change the KV cache', async () => {
    const small = await h.api('/library/linked-stories/fit?ctx=256&slots=1');
    expect(small.status).toBe(200);
    const view = small.body as FitView;
    expect(view.fit).toMatchObject({ verdict: 'full-gpu', gpuLayers: 6, totalLayers: 6, contextSize: 256, slots: 1, kvCacheType: 'f16' });
    expect(Object.keys(view.fit.memory).sort()).toEqual([
      'computeBytes',
      'flashAttention',
      'kvCacheBytes',
      'overheadBytes',
      'ramBytes',
      'reclaimableBytes',
      'repackedWeightsBytes',
      'runtimeBytes',
      'totalBytes',
      'vocabularyBytes',
      'vramBytes',
      'weightsBytes',
    ]);
    const memory = view.fit.memory;
    expect(memory.weightsBytes + memory.kvCacheBytes + memory.computeBytes + memory.overheadBytes).toBe(memory.totalBytes);
    expect(view.fit.maxContext.fullGpu.contextSize).toBe(2048); // capped at the trained context
    expect(view.fit.maxContext.cpuOnly.contextSize).toBe(2048);
    expect(view.fit.reason.length).toBeGreaterThan(20);
    expect(view.speed?.tokensPerSecond?.low).toBeGreaterThan(0);
    expect(view.speed!.tokensPerSecond!.high).toBeGreaterThan(view.speed!.tokensPerSecond!.low);
    expect(view.bandwidth?.gpuGBps).toBe(272);

    const shape = (await readModelMetadata(testModel('stories260K.gguf'))).shape;
    const perToken = kvBytesPerToken(shape, 'f16');
    expect(view.fit.memory.kvCacheBytes).toBe(perToken * 256);

    const big = (await h.api('/library/linked-stories/fit?ctx=2048&slots=2')).body as FitView;
    expect(big.fit.memory.kvCacheBytes).toBe(perToken * 2048 * 2);
    expect(big.fit.memory.kvCacheBytes).toBe(16 * view.fit.memory.kvCacheBytes);

    const quantised = (await h.api('/library/linked-stories/fit?ctx=2048&slots=2&kv=q4_0')).body as FitView;
    expect(quantised.fit.memory.kvCacheBytes).toBeCloseTo(big.fit.memory.kvCacheBytes * (18 / 32 / 2), 0);
  });

  it('names the bad parameter and answers 404 for an unknown model', async () => {
    expectError(await h.api('/library/linked-stories/fit?ctx=-5'), 400, 'ctx');
    expectError(await h.api('/library/linked-stories/fit?slots=1000'), 400, 'slots');
    expectError(await h.api('/library/linked-stories/fit?kv=q5_1'), 400, 'kv');
    const missing = expectError(await h.api('/library/no-such-model/fit'), 404, 'id', 'model_not_found');
    expect(missing.message).toMatch(/linked-stories/);
    expectError(await h.api('/library/no-such-model/prediction'), 404, 'id', 'model_not_found');
  });
});

describe('GET /library/:id/prediction', () => {
  it('shows the prediction until a measurement exists, then prefers the measurement with its error', async () => {
    const before = (await h.api('/library/linked-stories/prediction')).body as PredictionView;
    expect(before.setup).toEqual({ contextSize: 2048, slots: 4, kvCacheType: 'f16', gpuLayers: 6 });
    expect(before.gpuLayersFrom).toBe('fit');
    expect(before.measured).toBeNull();
    expect(before.show.memory.source).toBe('predicted');
    expect(before.predicted.memoryBytes).toBeGreaterThan(106 * 1024 * 1024); // includes the runtime process (106 MiB)
    expect(before.predicted.vramBytes).toBeGreaterThan(0);
    const parts = before.predicted.parts!;
    expect(parts.weightsBytes + parts.kvCacheBytes + parts.computeBytes + parts.overheadBytes).toBe(before.predicted.memoryBytes + before.predicted.vramBytes!);

    // What the engine does once the embedded runtime (CPU only) has served requests: this process stands in for it.
    const prediction = await h.service.predictionFor('linked-stories', { gpuLayers: 0 });
    expect(prediction.setup).toEqual({ contextSize: 2048, slots: 4, kvCacheType: 'f16', gpuLayers: 0 });
    const record = await h.service.recordRuntimeMeasurement({ modelId: 'linked-stories', pid: process.pid, decodeTokPerSec: 1234.5, prediction });
    expect(record?.measured.memoryBytes).toBeGreaterThan(0);

    const after = (await h.api('/library/linked-stories/prediction')).body as PredictionView;
    expect(after.gpuLayersFrom).toBe('measurement');
    expect(after.setup.gpuLayers).toBe(0);
    expect(after.measured?.memoryBytes).toBe(record!.measured.memoryBytes);
    expect(after.measured?.tokensPerSecond).toBe(1234.5);
    expect(after.show.memory).toMatchObject({ source: 'measured', bytes: record!.measured.memoryBytes });
    expect(after.show.tokensPerSecond).toMatchObject({ source: 'measured', value: 1234.5 });
    const expected = Math.round(((after.predicted.memoryBytes - record!.measured.memoryBytes!) / record!.measured.memoryBytes!) * 1000) / 10;
    expect(after.errorPct?.memory).toBe(expected);
    expect(after.history).toHaveLength(1);

    // The library list shows the measured figures too, and the record is on disk.
    const library = (await h.api('/library')).body as LibraryView;
    expect(library.models.find((m) => m.id === 'linked-stories')!.figures.memory.source).toBe('measured');
    const file = JSON.parse(await readFile(join(h.dataDir, 'state', 'measurements.json'), 'utf8')) as { records: unknown[] };
    expect(file.records).toHaveLength(1);

    // Asking for the GPU placement explicitly goes back to the prediction for that setup.
    const gpu = (await h.api('/library/linked-stories/prediction?gpuLayers=6')).body as PredictionView;
    expect(gpu.gpuLayersFrom).toBe('query');
    expect(gpu.show.memory.source).toBe('predicted');
    expectError(await h.api('/library/linked-stories/prediction?gpuLayers=7'), 400, 'gpuLayers');
    expectError(await h.api('/library/linked-stories/prediction?gpuLayers=x'), 400, 'gpuLayers');
  });
});

describe('the gateway error handler', () => {
  it('logged no unexpected errors for these routes', () => {
    expect(h.loggedErrors).toEqual([]);
  });
});
