/**
 * count_tokens on the embedded runtime counts with the worker's POST /tokenize
 * (the model's chat template and tokenizer, nothing decoded) on a real engine
 * serving stories260K: the count equals the prompt_tokens a real completion
 * of the same conversation reports, tools and tool results included, and no
 * completion runs for it (no request record), unlike the one-token
 * completion a route still counts with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let env: TestEngine;

beforeAll(async () => {
  env = await startTestEngine({ config: { routes: { 'local-route': { targets: ['local:stories260k'] } } } });
});

afterAll(async () => {
  await env?.engine.stop();
});

const post = (path: string, body: unknown) => fetch(`${env.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string', maxLength: 20 } }, required: ['city'] },
};

const conversations: [string, Record<string, unknown>][] = [
  ['one user message', { messages: [{ role: 'user', content: 'Once upon a time' }] }],
  ['a system prompt and several turns', { system: 'You tell stories.', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! What story?' }, { role: 'user', content: [{ type: 'text', text: 'About a dog' }] }] }],
  ['tools offered', { tools: [weather], tool_choice: { type: 'auto' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] }],
  [
    'a tool use and its result',
    {
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny, 21 C' }] },
      ],
    },
  ],
];

async function recordCount(): Promise<number> {
  const res = await env.controlFetch(`/homeport/v1/requests?limit=1000`);
  const { records, inFlight } = (await res.json()) as { records: unknown[]; inFlight: unknown[] };
  return records.length + inFlight.length;
}

describe('count_tokens on the embedded runtime', () => {
  it.each(conversations)('%s: the count is the prompt_tokens of a completion of the same messages', async (_name, conversation) => {
    const counted = await post('/v1/messages/count_tokens', { model: env.modelId, ...conversation });
    expect(counted.status).toBe(200);
    expect(counted.headers.get('x-homeport-token-count')).toBe('exact');
    const { input_tokens } = (await counted.json()) as { input_tokens: number };

    const answered = await post('/v1/messages', { model: env.modelId, max_tokens: 1, temperature: 0, ...conversation });
    expect(answered.status).toBe(200);
    const message = (await answered.json()) as { usage: { input_tokens: number } };
    expect(input_tokens).toBe(message.usage.input_tokens);
    expect(input_tokens).toBeGreaterThan(0);
  });

  it('runs no completion for the count, where a route still counts with a one-token completion', async () => {
    const conversation = { messages: [{ role: 'user', content: 'Tell me about a cat' }] };
    const before = await recordCount();
    const counted = await post('/v1/messages/count_tokens', { model: env.modelId, ...conversation });
    expect(counted.status).toBe(200);
    const exact = ((await counted.json()) as { input_tokens: number }).input_tokens;
    expect(await recordCount()).toBe(before);

    const viaRoute = await post('/v1/messages/count_tokens', { model: 'local-route', ...conversation });
    expect(viaRoute.headers.get('x-homeport-token-count')).toBe('exact');
    expect(((await viaRoute.json()) as { input_tokens: number }).input_tokens).toBe(exact);
    expect(await recordCount()).toBe(before + 1);
  });

  it('a conversation the model refuses is refused in Anthropic shape, as the completion would be', async () => {
    const refused = await post('/v1/messages/count_tokens', { model: env.modelId, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'x' }] });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/tool_choice/);
  });
});
