import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime, call, directoryOf, modelEntry, startGateway } from './harness.js';
import type { TestGateway } from './harness.js';

let gateway: TestGateway;

beforeAll(async () => {
  const ready = new FakeRuntime('rt-a', { kind: 'ready', endpoint: { baseUrl: 'http://127.0.0.1:1', hostname: '127.0.0.1', port: 1, headers: {} } });
  const idle = new FakeRuntime('rt-b', { kind: 'never-ready', state: 'stopped' });
  gateway = await startGateway({
    models: directoryOf([
      modelEntry('qwen2.5:7b', ready, { aliases: ['qwen', 'default'] }),
      modelEntry('org/tiny-model', idle),
    ]),
  });
});

afterAll(async () => {
  await gateway?.close();
});

describe('GET /v1/models', () => {
  it('lists every model once with its runtime, state and aliases', async () => {
    const result = await call(gateway.port, { path: '/v1/models' });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      object: 'list',
      data: [
        {
          id: 'qwen2.5:7b',
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'llama-server',
          homeport: { state: 'ready', runtime: 'rt-a', aliases: ['qwen', 'default'] },
        },
        {
          id: 'org/tiny-model',
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'llama-server',
          homeport: { state: 'stopped', runtime: 'rt-b', aliases: [] },
        },
      ],
    });
  });

  it('finds one model by id (slashes included) or alias', async () => {
    const byId = await call(gateway.port, { path: '/v1/models/org/tiny-model' });
    expect((byId.json as { id: string }).id).toBe('org/tiny-model');
    const encoded = await call(gateway.port, { path: '/v1/models/org%2Ftiny-model' });
    expect((encoded.json as { id: string }).id).toBe('org/tiny-model');
    const byAlias = await call(gateway.port, { path: '/v1/models/qwen' });
    expect((byAlias.json as { id: string }).id).toBe('qwen2.5:7b');
  });

  it('answers 404 listing the ids for an unknown one', async () => {
    const result = await call(gateway.port, { path: '/v1/models/gpt-4' });
    expect(result.status).toBe(404);
    expect(result.json).toEqual({
      error: {
        message: 'The model "gpt-4" does not exist in Homeport. Available models: qwen2.5:7b, org/tiny-model.',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });
});
