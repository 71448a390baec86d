/**
 * Model names without a route never use the cache (README, Cache: the plain
 * path's budget has no room for a lookup and a store); a route that carries the
 * model's own name gives that model the cache.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let plain: TestEngine;

beforeAll(async () => {
  plain = await startTestEngine();
});

afterAll(async () => {
  await plain?.engine.stop();
});

const ask = (env: TestEngine, model: string) =>
  fetch(`${env.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, temperature: 0, max_tokens: 3, messages: [{ role: 'user', content: 'Cache me' }] }),
  });

it('a deterministic request to a model name without a route is never cached', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await ask(plain, plain.modelId);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-homeport-cache')).toBe('off');
    expect(res.headers.get('x-homeport-route')).toMatch(/^local; runtime=/);
    await res.arrayBuffer();
  }
});

it('a route named after the model gives it the cache: a miss, then a hit', async () => {
  const routed = await startTestEngine({ config: { routes: { stories260k: { targets: ['local:stories260k'] } } } });
  try {
    const first = await ask(routed, 'stories260k');
    expect(first.headers.get('x-homeport-cache')).toBe('miss');
    const answer = await first.json();
    const second = await ask(routed, 'stories260k');
    expect(second.headers.get('x-homeport-cache')).toBe('hit');
    expect(((await second.json()) as { choices: unknown }).choices).toEqual((answer as { choices: unknown }).choices);
  } finally {
    await routed.engine.stop();
  }
});
