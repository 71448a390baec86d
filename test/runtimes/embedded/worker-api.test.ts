/**
 * The embedded worker as a real child process with the real stories260K model,
 * spoken to over real HTTP. One worker (4 slots) serves this whole file.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  health,
  postJson,
  postStream,
  startWorker,
  type ChatChunk,
  type ChatCompletion,
  type EmbeddingList,
  type RunningWorker,
  type TextCompletion,
} from './worker-process.js';

let worker: RunningWorker;

beforeAll(async () => {
  worker = await startWorker({ parallel: 4, modelId: 'stories' });
});

afterAll(async () => {
  await worker?.stop();
});

const userMessage = [{ role: 'user', content: 'Tell me a story about a dog.' }];

async function complete(body: object): Promise<TextCompletion> {
  const res = await postJson<TextCompletion>(worker, '/v1/completions', body);
  expect(res.status).toBe(200);
  return res.json;
}

describe('embedded worker: models and health', () => {
  it('reports ready health with slot counts and lists its one model', async () => {
    expect(await health(worker)).toEqual({ status: 'ok', model: 'stories', slots: { total: 4, busy: 0 }, queued: 0 });
    const res = await fetch(`${worker.baseUrl}/v1/models`, { headers: worker.headers });
    const body = (await res.json()) as { object: string; data: { id: string; object: string; created: number; owned_by: string }[] };
    expect(res.status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: 'stories', object: 'model', owned_by: 'homeport-embedded' });
    expect(Number.isInteger(body.data[0]!.created)).toBe(true);
    expect(worker.stdout()).toMatch(/^homeport-embedded ready model=stories port=\d+ ctx=2048 parallel=4 threads=1$/m);
  });
});

describe('embedded worker: chat completions', () => {
  it('answers non-streamed with OpenAI shape, length finish and exact token counts', async () => {
    const res = await postJson<ChatCompletion>(worker, '/v1/chat/completions', { messages: userMessage, max_tokens: 12, temperature: 0 });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('stories');
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant' }, finish_reason: 'length', logprobs: null });
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBe(12);
    expect(body.usage.prompt_tokens).toBeGreaterThan(5);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 12);
  });

  it('honours max_completion_tokens', async () => {
    const res = await postJson<ChatCompletion>(worker, '/v1/chat/completions', {
      messages: userMessage,
      max_completion_tokens: 3,
      temperature: 0,
    });
    expect(res.json.choices[0]!.finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBe(3);
  });

  it('streams: role first, content deltas, finish chunk, usage chunk, [DONE] last; same text as non-streamed', async () => {
    const body = { messages: userMessage, max_tokens: 16, temperature: 0 };
    const stream = await postStream(worker, '/v1/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    expect(stream.headers.get('cache-control')).toBe('no-cache');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');

    const events = stream.events;
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as ChatChunk[];
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe(chunks[0]!.id);
      expect(chunk.model).toBe('stories');
    }
    expect(chunks[0]!.choices[0]).toMatchObject({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });

    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage?.completion_tokens).toBe(16);
    const finishChunk = chunks.at(-2)!;
    expect(finishChunk.choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });

    const contentChunks = chunks.slice(1, -2);
    expect(contentChunks.length).toBeGreaterThan(3);
    for (const chunk of contentChunks) expect(chunk.choices[0]!.finish_reason).toBeNull();
    const streamed = contentChunks.map((chunk) => chunk.choices[0]!.delta.content).join('');

    const whole = await postJson<ChatCompletion>(worker, '/v1/chat/completions', body);
    expect(streamed).toBe(whole.json.choices[0]!.message.content);
    // The non-streamed usage also carries the runtime's timings (prompt_time, completion_time); the counts agree.
    const { prompt_tokens, completion_tokens, total_tokens } = whole.json.usage!;
    expect(usageChunk.usage).toEqual({ prompt_tokens, completion_tokens, total_tokens });
  });

  it('streams without a usage chunk unless asked', async () => {
    const stream = await postStream(worker, '/v1/chat/completions', { messages: userMessage, max_tokens: 4, temperature: 0, stream: true });
    const chunks = stream.events.slice(0, -1) as ChatChunk[];
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('is deterministic at temperature 0 and reproducible with a seed at temperature > 0', async () => {
    const ask = async (extra: object): Promise<string> => {
      const res = await postJson<ChatCompletion>(worker, '/v1/chat/completions', { messages: userMessage, max_tokens: 40, ...extra });
      return res.json.choices[0]!.message.content;
    };
    expect(await ask({ temperature: 0 })).toBe(await ask({ temperature: 0 }));
    const seeded = await ask({ temperature: 1.2, seed: 1234 });
    expect(await ask({ temperature: 1.2, seed: 1234 })).toBe(seeded);
    expect(await ask({ temperature: 1.2, seed: 99 })).not.toBe(seeded);
  });
});

describe('embedded worker: stop strings', () => {
  it('stops before a stop string that spans two tokens and excludes it (streamed and not)', async () => {
    const base = { prompt: 'Once upon a time', max_tokens: 40, temperature: 0 };
    const reference = (await complete(base)).choices[0]!.text;
    const boundary = reference.indexOf(' girl');
    expect(boundary).toBeGreaterThan(3); // the greedy story starts ", there was a little girl ..."
    const stop = reference.slice(boundary - 3, boundary + 3); // e.g. "tle gi": the end of one word, the start of the next

    const cut = await complete({ ...base, stop: ['never-appears', stop] });
    expect(cut.choices[0]!.finish_reason).toBe('stop');
    expect(cut.choices[0]!.text).toBe(reference.slice(0, boundary - 3));
    expect(cut.choices[0]!.text).not.toContain(stop);

    const stream = await postStream(worker, '/v1/completions', { ...base, stop, stream: true });
    const chunks = stream.events.slice(0, -1) as { choices: { text: string; finish_reason: string | null }[] }[];
    expect(chunks.map((chunk) => chunk.choices[0]!.text).join('')).toBe(reference.slice(0, boundary - 3));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});

describe('embedded worker: text completions', () => {
  it('answers a prompt array with one choice per prompt, each as if asked alone', async () => {
    const prompts = ['Once upon a time', 'The little dog'];
    const both = await complete({ prompt: prompts, max_tokens: 10, temperature: 0 });
    expect(both.id).toMatch(/^cmpl-/);
    expect(both.object).toBe('text_completion');
    expect(both.choices.map((choice) => choice.index)).toEqual([0, 1]);
    for (const [index, prompt] of prompts.entries()) {
      const alone = await complete({ prompt, max_tokens: 10, temperature: 0 });
      expect(both.choices[index]!.text).toBe(alone.choices[0]!.text);
      expect(both.choices[index]!.finish_reason).toBe('length');
    }
    expect(both.usage.completion_tokens).toBe(20);
    expect(both.usage.total_tokens).toBe(both.usage.prompt_tokens + 20);
  });
});

describe('embedded worker: embeddings', () => {
  it('returns float vectors of dimension 64 and the same vectors as base64 float32', async () => {
    const input = ['a happy dog', 'a sad cat'];
    const floats = await postJson<EmbeddingList>(worker, '/v1/embeddings', { input });
    expect(floats.status).toBe(200);
    expect(floats.json.object).toBe('list');
    expect(floats.json.model).toBe('stories');
    expect(floats.json.data.map((item) => [item.object, item.index])).toEqual([['embedding', 0], ['embedding', 1]]);
    const vectors = floats.json.data.map((item) => item.embedding as number[]);
    for (const vector of vectors) expect(vector).toHaveLength(64);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(floats.json.usage.prompt_tokens).toBeGreaterThan(2);
    expect(floats.json.usage.total_tokens).toBe(floats.json.usage.prompt_tokens);

    const encoded = await postJson<EmbeddingList>(worker, '/v1/embeddings', { input, encoding_format: 'base64' });
    for (const [index, item] of encoded.json.data.entries()) {
      const bytes = Buffer.from(item.embedding as string, 'base64');
      expect(bytes.length).toBe(64 * 4);
      const decoded = Array.from({ length: 64 }, (_, i) => bytes.readFloatLE(i * 4));
      expect(decoded).toEqual(vectors[index]!.map((value) => Math.fround(value)));
    }
  });

  it('accepts a single string and token ids', async () => {
    const single = await postJson<EmbeddingList>(worker, '/v1/embeddings', { input: 'hello' });
    expect(single.json.data).toHaveLength(1);
    const tokens = await postJson<EmbeddingList>(worker, '/v1/embeddings', { input: [1, 403, 407] });
    expect(tokens.status).toBe(200);
    expect(tokens.json.data[0]!.embedding).toHaveLength(64);
  });
});

describe('embedded worker: concurrency', () => {
  it('completes 4 concurrent streams, identical at temperature 0', async () => {
    const body = { prompt: 'Once upon a time', max_tokens: 64, temperature: 0, stream: true, stream_options: { include_usage: true } };
    const streams = await Promise.all(Array.from({ length: 4 }, () => postStream(worker, '/v1/completions', body)));
    const texts = streams.map((stream) => {
      expect(stream.status).toBe(200);
      expect(stream.events.at(-1)).toBe('[DONE]');
      const chunks = stream.events.slice(0, -1) as { choices: { text: string }[]; usage?: { completion_tokens: number } }[];
      expect(chunks.at(-1)!.usage?.completion_tokens).toBe(64);
      return chunks.map((chunk) => chunk.choices[0]?.text ?? '').join('');
    });
    expect(new Set(texts).size).toBe(1);
    expect(await health(worker)).toMatchObject({ slots: { total: 4, busy: 0 }, queued: 0 });
  });

  it('frees the slot promptly when a client disconnects mid-stream', async () => {
    const firstBytes = new Promise<() => void>((resolve, reject) => {
      const req = request(
        `${worker.baseUrl}/v1/completions`,
        { method: 'POST', headers: { ...worker.headers, 'Content-Type': 'application/json' } },
        (res) => {
          res.once('data', () => resolve(() => req.destroy()));
        },
      );
      req.on('error', () => undefined);
      req.once('error', reject);
      // No max_tokens: runs to the end of the context (~2000 tokens) unless stopped.
      req.end(JSON.stringify({ prompt: 'Once upon a time', temperature: 0, stream: true }));
    });
    const disconnect = await firstBytes;
    expect((await health(worker)).slots.busy).toBe(1);
    disconnect();
    await eventually(async () => expect(await health(worker)).toMatchObject({ slots: { busy: 0 }, queued: 0 }), 3_000);
  });
});

describe('embedded worker: errors', () => {
  const chat = '/v1/chat/completions';
  const ok = { messages: userMessage, max_tokens: 2 };

  it.each([
    ['malformed JSON', chat, '{"messages": [', 400, null, 'invalid_json'],
    ['a body that is not an object', chat, '[1,2]', 400, null, null],
    ['missing messages', chat, { max_tokens: 3 }, 400, 'messages', null],
    ['empty messages', chat, { messages: [] }, 400, 'messages', null],
    ['an unknown role', chat, { messages: [{ role: 'robot', content: 'x' }] }, 400, 'messages[0].role', null],
    ['an image content part', chat, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 400, 'messages[0].content', null],
    ['temperature of the wrong type', chat, { ...ok, temperature: 'hot' }, 400, 'temperature', null],
    ['temperature out of range', chat, { ...ok, temperature: 3 }, 400, 'temperature', null],
    ['n = 2', chat, { ...ok, n: 2 }, 400, 'n', null],
    ['five stop strings', chat, { ...ok, stop: ['a', 'b', 'c', 'd', 'e'] }, 400, 'stop', null],
    ['max_tokens 0', chat, { ...ok, max_tokens: 0 }, 400, 'max_tokens', null],
    ['a prompt longer than the context', chat, { messages: [{ role: 'user', content: 'dog '.repeat(3000) }] }, 400, 'messages', 'context_length_exceeded'],
    ['a completion prompt longer than the context', '/v1/completions', { prompt: 'dog '.repeat(3000) }, 400, 'prompt', 'context_length_exceeded'],
    ['token ids outside the vocabulary', '/v1/completions', { prompt: [1, 99999] }, 400, 'prompt', null],
    ['missing embeddings input', '/v1/embeddings', {}, 400, 'input', null],
    ['a bad encoding_format', '/v1/embeddings', { input: 'x', encoding_format: 'int8' }, 400, 'encoding_format', null],
    ['an unknown path', '/v1/nothing-here', ok, 404, null, 'not_found'],
  ])('rejects %s', async (_name, path, body, status, param, code) => {
    const res = await postJson(worker, path, body);
    expect(res.status).toBe(status);
    expect(res.json.error).toMatchObject({ type: expect.any(String), param, code });
    expect(res.json.error.message.length).toBeGreaterThan(5);
    if (status === 400) expect(res.json.error.type).toBe('invalid_request_error');
  });

  it('answers a body over 8 MiB with 413 that the uploading client gets to read', async () => {
    const res = await fetch(`${worker.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...worker.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('request_too_large');
  });

  it('answers a wrong method with 405 and Allow, and keeps serving after all of the above', async () => {
    const res = await fetch(`${worker.baseUrl}/v1/chat/completions`, { headers: worker.headers });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('method_not_allowed');
    expect((await health(worker)).status).toBe('ok');
  });
});
