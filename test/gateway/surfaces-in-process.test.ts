/**
 * The surfaces' chat requests run in process through the gateway's chat
 * handler (surfaces/chat-client.ts), on a real engine serving stories260K:
 * a client leaving mid-stream cancels the generation and is logged as such,
 * app keys attribute and limit surface requests exactly as chat ones, and
 * count_tokens counts exactly where that is free and estimates (saying so)
 * where a completion could be billed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let env: TestEngine;

beforeAll(async () => {
  env = await startTestEngine({
    config: {
      providers: { cloud: { baseUrl: 'http://127.0.0.1:9/v1', kind: 'cloud', apiKeyEnv: 'HOMEPORT_TEST_UNUSED_KEY', prices: { gpt: { inputPerMTok: 1, outputPerMTok: 2 } } } },
      routes: {
        'local-route': { targets: ['local:stories260k'] },
        'billed-route': { targets: ['local:stories260k', 'cloud:gpt'] },
      },
    },
  });
});

afterAll(async () => {
  await env?.engine.stop();
});

interface LoggedRequest {
  readonly client: string;
  readonly status: number;
  readonly endpoint: string;
  readonly completionTokens: number | null;
  readonly attempts: readonly { outcome: string }[];
}

async function record(id: string | null): Promise<LoggedRequest> {
  expect(id).toMatch(/^req_/);
  for (let i = 0; i < 100; i++) {
    const res = await env.controlFetch(`/homeport/v1/requests/${id}`);
    const body = (await res.json()) as LoggedRequest;
    if (body.status !== 0) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`request ${id} never finished`);
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${env.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

describe('surfaces through the in-process chat handler', () => {
  it.each([
    ['/v1/messages', (model: string) => ({ model, max_tokens: 400, stream: true, messages: [{ role: 'user', content: 'Once upon a time' }] })],
    ['/v1/responses', (model: string) => ({ model, max_output_tokens: 400, stream: true, store: false, input: 'Once upon a time' })],
  ])('%s: a client leaving mid-stream cancels the generation, logged as 499', async (path, body) => {
    const gone = new AbortController();
    const res = await post(path, body(env.modelId), {}, gone.signal);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-homeport-request-id');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('delta')) text += new TextDecoder().decode((await reader.read()).value);
    gone.abort();
    await reader.cancel().catch(() => undefined);
    const logged = await record(id);
    expect(logged.endpoint).toBe('chat.completions');
    expect(logged.status).toBe(499);
    expect(logged.attempts.at(-1)?.outcome).toBe('cancelled');
    expect(logged.completionTokens ?? 0).toBeLessThan(400);
  });

  it('attributes surface requests to the app key, applies its model list, and keeps the key out of the log', async () => {
    const created = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'surface-app' }) });
    const { key } = (await created.json()) as { key: string };
    const limitedRes = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'other-models', models: ['some-other-model'] }) });
    const { key: limited } = (await limitedRes.json()) as { key: string };
    try {
      const messages = await post('/v1/messages', { model: env.modelId, max_tokens: 2, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-api-key': key, 'x-homeport-app': 'spoofed' });
      expect(messages.status).toBe(200);
      const responses = await post('/v1/responses', { model: env.modelId, max_output_tokens: 2, store: false, input: 'Hi' }, { authorization: `Bearer ${key}` });
      expect(responses.status).toBe(200);
      for (const res of [messages, responses]) {
        const logged = await record(res.headers.get('x-homeport-request-id'));
        expect(logged.client).toBe('surface-app');
        expect(JSON.stringify(logged)).not.toContain(key);
      }

      const refused = await post('/v1/messages', { model: env.modelId, max_tokens: 2, messages: [{ role: 'user', content: 'Hi' }] }, { 'x-api-key': limited });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/may not use the model/) } });
      const refusedCount = await post('/v1/messages/count_tokens', { model: 'billed-route', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-api-key': limited });
      expect(refusedCount.status).toBe(403);
      const unkeyed = await post('/v1/responses', { model: env.modelId, input: 'Hi' });
      expect(unkeyed.status).toBe(401);
    } finally {
      await env.controlFetch('/homeport/v1/keys/surface-app', { method: 'DELETE' });
      await env.controlFetch('/homeport/v1/keys/other-models', { method: 'DELETE' });
    }
  });

  it('count_tokens is exact on a model of this machine and on a route without billed targets, an estimate on a billed route', async () => {
    const conversation = { messages: [{ role: 'user', content: 'Hi there, tell me a long story about a dog and a cat' }] };
    const plain = await post('/v1/messages/count_tokens', { model: env.modelId, ...conversation });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-homeport-token-count')).toBe('exact');
    const exact = ((await plain.json()) as { input_tokens: number }).input_tokens;
    expect(exact).toBeGreaterThan(0);

    const local = await post('/v1/messages/count_tokens', { model: 'local-route', ...conversation });
    expect(local.headers.get('x-homeport-token-count')).toBe('exact');
    expect(((await local.json()) as { input_tokens: number }).input_tokens).toBe(exact);

    // The cloud target is unreachable on purpose: an estimate never calls it.
    const billed = await post('/v1/messages/count_tokens', { model: 'billed-route', ...conversation });
    expect(billed.status).toBe(200);
    expect(billed.headers.get('x-homeport-token-count')).toBe('estimate');
    const estimate = ((await billed.json()) as { input_tokens: number }).input_tokens;
    expect(estimate).toBe(Math.ceil(Buffer.byteLength(JSON.stringify(conversation)) / 3));
  });
});
