/**
 * The embedded worker's POST /tokenize (a real worker process with
 * stories260K): a chat request's prompt tokens, counted through the model's
 * chat wrapper and tool instructions exactly as a completion of it reads
 * them, without decoding; refused with the completion's own 400s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startWorker, type ChatCompletion, type RunningWorker } from './worker-process.js';

let worker: RunningWorker;

beforeAll(async () => {
  worker = await startWorker({ parallel: 1, modelId: 'stories' });
});

afterAll(async () => {
  await worker?.stop();
});

const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

const requests: [string, Record<string, unknown>][] = [
  ['one user message', { messages: [{ role: 'user', content: 'Tell me a story about a dog.' }] }],
  ['system and turns', { messages: [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'A story, please' }] }],
  ['tools', { tools: [weather], tool_choice: 'auto', messages: [{ role: 'user', content: 'Weather in Paris?' }] }],
  [
    'a tool call and its result',
    {
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      ],
    },
  ],
];

describe('embedded worker: POST /tokenize', () => {
  it.each(requests)('%s: count is the prompt_tokens a completion reports', async (_name, body) => {
    const counted = await postJson<{ count: number; max_model_len: number }>(worker, '/tokenize', { ...body, max_tokens: 1 });
    expect(counted.status).toBe(200);
    expect(counted.json.max_model_len).toBe(2048);
    const completed = await postJson<ChatCompletion>(worker, '/v1/chat/completions', { ...body, max_tokens: 1, temperature: 0 });
    expect(completed.status).toBe(200);
    expect(counted.json.count).toBe(completed.json.usage.prompt_tokens);
    expect(counted.json.count).toBeGreaterThan(0);
  });

  it('counts a prompt longer than the context, which a completion would refuse', async () => {
    const long = 'The dog ran to the park and played with a ball. '.repeat(300);
    const counted = await postJson<{ count: number; max_model_len: number }>(worker, '/tokenize', { messages: [{ role: 'user', content: long }] });
    expect(counted.status).toBe(200);
    expect(counted.json.count).toBeGreaterThan(counted.json.max_model_len);
  });

  it('refuses what the completion refuses, with the same 400', async () => {
    for (const body of [{ messages: [] }, { tool_choice: 'required', messages: [{ role: 'user', content: 'x' }] }]) {
      const counted = await postJson(worker, '/tokenize', body);
      const completed = await postJson(worker, '/v1/chat/completions', body);
      expect(counted.status).toBe(400);
      expect(counted.json).toEqual(completed.json);
    }
  });

  it('answers only POST', async () => {
    const res = await fetch(`${worker.baseUrl}/tokenize`, { headers: worker.headers });
    expect(res.status).toBe(405);
  });
});
