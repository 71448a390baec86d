import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatStreamChunks, defaultResponder, startFakeUpstream } from '../fixtures/fake-upstream.js';
import type { FakeUpstream } from '../fixtures/fake-upstream.js';
import { FakeRuntime, directoryOf, modelEntry, startGateway } from './harness.js';
import type { TestGateway } from './harness.js';

/** The official OpenAI SDK, pointed at the gateway, is the client apps actually use. */
let upstream: FakeUpstream;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startGateway({
    models: directoryOf([modelEntry('local', new FakeRuntime('rt', { kind: 'ready', endpoint: upstream.endpoint() }))]),
  });
  client = new OpenAI({ baseURL: `http://127.0.0.1:${gateway.port}/v1`, apiKey: 'hp-test-key', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => upstream.respondWith(defaultResponder));

describe('OpenAI SDK through the gateway', () => {
  it('lists models and completes a chat', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['local']);
    const completion = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello from fake');
  });

  it('streams deltas', async () => {
    const stream = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from fake');
  });

  it('surfaces gateway errors as typed SDK errors', async () => {
    const error = await client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('model');
  });

  it('raises an error, not a silent end, when the runtime dies mid-stream', async () => {
    upstream.respondWith(() => ({ kind: 'stream', chunks: chatStreamChunks(['a', 'b', 'c']), dieAfterChunks: 2 }));
    const stream = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const consume = async (): Promise<void> => {
      for await (const _chunk of stream) {
        // Drain until the error event.
      }
    };
    await expect(consume()).rejects.toThrow(/stopped while streaming/);
  });
});
